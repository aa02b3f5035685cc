import Foundation

/// The one place Farm calls POSIX file functions (Glibc, re-exported by Foundation):
/// `errno` is read at once, `EINTR` is retried, everything else is thrown. Journal and
/// run directory use it for what Foundation does not promise: fsync of files and
/// directories, appends that are on disk before the call returns.
final class POSIXFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Opens `path` for appending, creating it (mode 0644) if absent. `created` tells the
    /// caller to fsync the directory.
    static func openForAppend(_ path: String) throws(FileSystemError) -> (file: POSIXFile, created: Bool) {
        let existed = access(path, F_OK) == 0
        let fd = try retrying("open", path) { open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644) }
        return (POSIXFile(path: path, descriptor: fd), !existed)
    }

    /// Creates (truncating) `path` for writing.
    static func create(_ path: String) throws(FileSystemError) -> POSIXFile {
        let fd = try retrying("open", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        return POSIXFile(path: path, descriptor: fd)
    }

    deinit { if descriptor >= 0 { _ = Glibc.close(descriptor) } }

    /// Writes all of `data` (looping over short writes).
    func write(_ data: Data) throws(FileSystemError) {
        var failure: FileSystemError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(descriptor, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = Self.error("write", path)
                    return
                }
                offset += n
            }
        }
        if let failure { throw failure }
    }

    /// Flushes the file to stable storage. Not retried on failure: after a failed fsync
    /// the kernel may have dropped the dirty pages, so the caller must treat it as fatal.
    func sync() throws(FileSystemError) {
        if fsync(descriptor) != 0 { throw Self.error("fsync", path) }
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int) throws(FileSystemError) {
        _ = try Self.retrying("ftruncate", path) { ftruncate(descriptor, off_t(length)) }
    }

    /// Closes now (also done by deinit).
    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    /// fsyncs a directory so a newly created or renamed entry in it survives a crash.
    static func syncDirectory(_ path: String) throws(FileSystemError) {
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = Glibc.close(fd) }
        if fsync(fd) != 0 { throw error("fsync", path) }
    }

    /// Creates `path` and any missing parents (mode 0755), like `mkdir -p`; an existing
    /// directory is fine.
    static func createDirectories(_ path: String) throws(FileSystemError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw error("mkdir", path) }
    }

    /// Removes `path` if it exists; a missing file is not an error.
    static func removeIfPresent(_ path: String) throws(FileSystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw error("unlink", path) }
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, _ to: String) throws(FileSystemError) {
        if Glibc.rename(from, to) != 0 { throw error("rename", "\(from) -> \(to)") }
    }

    /// Writes `data` to `path` durably and atomically: a temporary file beside it, fsync,
    /// rename over, fsync of the directory.
    static func writeAtomically(_ data: Data, to path: String) throws(FileSystemError) {
        let temporary = path + ".tmp-\(getpid())"
        let file = try create(temporary)
        try file.write(data)
        try file.sync()
        file.close()
        try rename(temporary, path)
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    private static func retrying(_ operation: String, _ path: String, _ call: () -> Int32) throws(FileSystemError) -> Int32 {
        while true {
            let result = call()
            if result >= 0 { return result }
            if errno != EINTR { throw error(operation, path) }
        }
    }

    private static func error(_ operation: String, _ path: String) -> FileSystemError {
        let code = errno
        return FileSystemError(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }
}
