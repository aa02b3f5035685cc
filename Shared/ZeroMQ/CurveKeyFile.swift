// Reading and writing CURVE key files.
//
// Format: UTF-8 text; blank lines and lines starting with `#` are ignored; exactly one
// other line, the 40-character Z85 key. Written as a `#` comment naming the kind of key,
// then the key, then a newline. Secret key files are written mode 0600 and refused on
// read if group or others may access them (as ssh does); public key files are 0644.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which half of a key pair a key file holds (decides its mode and the read check).
public enum CurveKeyKind: Sendable {
    /// A public key: mode 0644.
    case publicKey
    /// A secret key: mode 0600, refused on read when group/others have any access.
    case secretKey

    var mode: mode_t { self == .secretKey ? 0o600 : 0o644 }
    var comment: String {
        self == .secretKey
            ? "# CURVE secret key (Z85). Keep private: mode 0600."
            : "# CURVE public key (Z85)."
    }
}

/// Key file I/O (see the format above).
public enum CurveKeyFile {
    /// The largest key file read (a key line plus generous comments).
    static let maxFileBytes = 64 * 1024

    /// Writes `key` to `path` atomically (temporary file, fsync, rename, fsync of the
    /// directory) with the mode for `kind`, whatever the umask; replaces an existing file.
    public static func write(_ key: CurveKey, kind: CurveKeyKind, to path: String) throws(CurveKeyError) {
        let contents = Array("\(kind.comment)\n\(key.z85)\n".utf8)
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kind.mode)
        guard fd >= 0 else { throw fileError("open", temporary) }
        var closed = false
        defer { if !closed { close(fd); unlink(temporary) } }
        guard fchmod(fd, kind.mode) == 0 else { throw fileError("fchmod", temporary) }
        var written = 0
        while written < contents.count {
            let result = contents.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fileError("write", temporary)
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw fileError("fsync", temporary) }
        closed = true
        guard close(fd) == 0 else {
            unlink(temporary)
            throw fileError("close", temporary)
        }
        guard rename(temporary, path) == 0 else {
            let error = fileError("rename", path)
            unlink(temporary)
            throw error
        }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw fileError("open", directory) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw fileError("fsync", directory) }
    }

    /// Reads the key in `path`, checking a secret key file's mode.
    public static func read(kind: CurveKeyKind, from path: String) throws(CurveKeyError) -> CurveKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("open", path) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw fileError("fstat", path) }
        if kind == .secretKey && status.st_mode & 0o077 != 0 {
            throw .insecureSecretKeyFile(path: path, mode: String(status.st_mode & 0o777, radix: 8))
        }
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let result = bytes.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress.map { $0 + count }, raw.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fileError("read", path)
            }
            if result == 0 { break }
            count += result
        }
        guard count <= maxFileBytes else {
            throw .malformedKeyFile(path: path, reason: "larger than \(maxFileBytes) bytes")
        }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        let keyLines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard keyLines.count == 1 else {
            throw .malformedKeyFile(path: path, reason: "expected one key line, found \(keyLines.count)")
        }
        do {
            return try CurveKey(z85: keyLines[0])
        } catch {
            throw .malformedKeyFile(path: path, reason: error.description)
        }
    }

    private static func fileError(_ operation: String, _ path: String) -> CurveKeyError {
        let code = errno
        return .fileSystem(
            operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }
}

extension CurveKeyPair {
    /// Writes the secret key (mode 0600) and the public key (mode 0644) files.
    public func write(secretKeyFile: String, publicKeyFile: String) throws(CurveKeyError) {
        try CurveKeyFile.write(secretKey, kind: .secretKey, to: secretKeyFile)
        try CurveKeyFile.write(publicKey, kind: .publicKey, to: publicKeyFile)
    }

    /// Reads a secret key file and derives the public key from it.
    public static func read(secretKeyFile: String) throws(CurveKeyError) -> CurveKeyPair {
        let secret = try CurveKeyFile.read(kind: .secretKey, from: secretKeyFile)
        do {
            return try CurveKeyPair(secretKey: secret)
        } catch {
            throw .malformedKeyFile(path: secretKeyFile, reason: error.description)
        }
    }
}

extension CurveKeyPair {
    /// Generates a key pair into `PREFIX.key` (secret, 0600) and `PREFIX.pub` (public),
    /// refusing to replace existing files unless `overwrite`. Returns the two paths.
    public static func generateFiles(prefix: String, overwrite: Bool) throws -> (secret: String, public: String) {
        let secretPath = prefix + ".key", publicPath = prefix + ".pub"
        if !overwrite {
            for path in [secretPath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CurveKeyError.fileExists(path: path)
            }
        }
        try generate().write(secretKeyFile: secretPath, publicKeyFile: publicPath)
        return (secretPath, publicPath)
    }
}
