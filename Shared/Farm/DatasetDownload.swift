import Foundation

/// One file as its publisher lists it: the name on the mirrors and its MD5.
public struct PublishedFile: Equatable, Sendable {
    public var name: String
    /// 32 lowercase hex digits.
    public var md5: String

    public init(name: String, md5: String) {
        self.name = name
        self.md5 = md5
    }
}

/// What `MNISTDownload.ensure` reports as it goes, for a progress line.
public enum DownloadEvent: Equatable, Sendable, CustomStringConvertible {
    /// About to ask `mirror` for `file`.
    case fetching(file: String, mirror: String)
    /// That mirror failed; the next one is tried.
    case rejected(MirrorFailure)
    /// `file` passed its checksum and is in place at `path`.
    case saved(file: String, path: String, bytes: Int)

    public var description: String {
        switch self {
        case let .fetching(file, mirror): return "downloading \(file) from \(mirror)"
        case let .rejected(failure): return "\(failure); trying the next mirror"
        case let .saved(file, path, bytes): return "\(file): \(bytes) bytes, checksum good, saved as \(path)"
        }
    }
}

/// Finding MNIST on this machine, or fetching it from the canonical mirrors.
///
/// MNIST is looked for where Learning's `DatasetCatalogue` looks (`$SEEDFARM_DATA/mnist`,
/// then the user cache `$XDG_CACHE_HOME/seedfarm/mnist`, else `~/.cache/seedfarm/mnist`);
/// Farm may not import Learning, so the rule is repeated here and must stay the same.
/// A directory is complete when each of the four files is there, gzipped or raw.
///
/// A download goes into the cache directory one file at a time: the body is checked
/// against the published MD5 before it touches the disk, written to a temporary file
/// beside its final name, fsynced and renamed into place. So a file under its final
/// name is always whole, and an interrupted download leaves only temporaries, which
/// never count and are removed by the next run once their process is gone.
public struct MNISTDownload: Sendable {
    /// The directory name under `$SEEDFARM_DATA` and the cache.
    public static let datasetName = "mnist"
    /// Names a directory of datasets by name (as in `DatasetCatalogue`).
    public static let dataVariable = "SEEDFARM_DATA"
    /// Comma-separated mirror base URLs that replace `defaultMirrors`, for a local mirror
    /// or one reachable through a proxy.
    public static let mirrorsVariable = "SEEDFARM_MNIST_MIRRORS"
    /// The four files and their MD5s as torchvision publishes them (`torchvision/datasets/mnist.py`).
    public static let canonicalFiles: [PublishedFile] = [
        PublishedFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        PublishedFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
        PublishedFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
        PublishedFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    /// The mirrors tried in order, as torchvision lists them (LeCun's own site last: it
    /// is plain HTTP and often refuses).
    public static let defaultMirrors: [URL] = [
        URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
        URL(string: "https://storage.googleapis.com/cvdf-datasets/mnist/")!,
        URL(string: "http://yann.lecun.com/exdb/mnist/")!,
    ]
    /// How long to wait for a connection, or for more bytes once connected.
    public static let defaultTimeout: Duration = .seconds(30)

    /// The files to find or fetch and their checksums: `canonicalFiles` unless a test
    /// serves others.
    public var files: [PublishedFile]

    public init(files: [PublishedFile] = MNISTDownload.canonicalFiles) {
        self.files = files
    }

    // MARK: Finding

    /// `$XDG_CACHE_HOME/seedfarm/mnist`, else `$HOME/.cache/seedfarm/mnist` (the XDG Base
    /// Directory rule `DatasetCatalogue.cacheDirectory` follows).
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let root: String
        if let xdg = nonEmpty(environment["XDG_CACHE_HOME"]) {
            root = join(xdg, "seedfarm")
        } else {
            root = join(nonEmpty(environment["HOME"]) ?? NSHomeDirectory(), ".cache/seedfarm")
        }
        return join(root, datasetName)
    }

    /// The places searched, in order: `$SEEDFARM_DATA/mnist` when the variable is set,
    /// then the cache directory.
    public static func searchPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var paths: [String] = []
        if let root = nonEmpty(environment[dataVariable]) { paths.append(join(root, datasetName)) }
        paths.append(cacheDirectory(environment: environment))
        return paths
    }

    /// The first complete directory among `searchPaths`, or nil. Touches no network.
    public func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        Self.searchPaths(environment: environment).first { isComplete($0) }
    }

    /// Whether every file is in `directory`, under its name or (for `x.gz`) raw as `x`.
    public func isComplete(_ directory: String) -> Bool {
        files.allSatisfy { isPresent($0, in: directory) }
    }

    // MARK: Mirrors

    /// The mirrors to try: those in `$SEEDFARM_MNIST_MIRRORS` when it is set and not
    /// empty, else `defaultMirrors`. Each is checked and given a trailing `/`.
    public static func mirrors(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(DatasetDownloadError) -> [URL]
    {
        guard let list = nonEmpty(environment[mirrorsVariable]) else { return defaultMirrors }
        let entries = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var urls: [URL] = []
        for entry in entries {
            guard let url = URL(string: entry) else { throw .invalidMirror(entry, source: mirrorsVariable) }
            urls.append(url)
        }
        return try checked(urls, source: mirrorsVariable)
    }

    // MARK: Fetching

    /// A complete MNIST directory: the one `locate` finds, else the cache directory after
    /// downloading what it lacks. Each missing file is asked of `mirrors` (default:
    /// `mirrors(environment:)`) in order; a mirror that cannot be reached, answers other
    /// than 200 or sends a body failing its MD5 is passed over for the next. When all fail
    /// for a file, throws `.allMirrorsFailed` naming each mirror's reason and what to do
    /// offline; files already saved stay (they are whole) and no temporary is left.
    /// `progress` is called on the caller's thread.
    public func ensure(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        mirrors: [URL]? = nil,
        timeout: Duration = MNISTDownload.defaultTimeout,
        progress: (DownloadEvent) -> Void = { _ in }
    ) throws(DatasetDownloadError) -> String {
        // 1. Already here: no network at all.
        if let found = locate(environment: environment) { return found }
        // 2. Where from, and where to.
        let bases: [URL]
        if let mirrors {
            bases = try Self.checked(mirrors, source: "the mirrors argument")
        } else {
            bases = try Self.mirrors(environment: environment)
        }
        let directory = Self.cacheDirectory(environment: environment)
        do {
            try POSIXFile.createDirectories(directory)
            try removeStaleTemporaries(in: directory)
        } catch {
            throw .fileSystem(error)
        }
        // 3. Each missing file from the first mirror that gives a good copy.
        for file in files where !isPresent(file, in: directory) {
            try fetch(file, from: bases, into: directory, timeout: timeout, progress: progress)
        }
        return directory
    }

    /// What to tell someone who cannot download: the other datasets, and where MNIST goes.
    public static func offlineAdvice(cacheDirectory: String) -> String {
        "offline? use --dataset fashion-mnist (Debian: apt-get install dataset-fashion-mnist), "
            + "--dataset mnist-subset, or --data DIR with the four IDX files; or put MNIST in \(cacheDirectory)\n"
            + "behind a proxy? set https_proxy, or \(mirrorsVariable) to comma-separated mirror base URLs"
    }

    private func fetch(
        _ file: PublishedFile, from bases: [URL], into directory: String, timeout: Duration,
        progress: (DownloadEvent) -> Void
    ) throws(DatasetDownloadError) {
        var failures: [MirrorFailure] = []
        for base in bases {
            let mirror = base.absoluteString
            progress(.fetching(file: file.name, mirror: mirror))
            let reason: MirrorFailureReason
            switch HTTPFetch.get(URL(string: mirror + file.name) ?? base, idleTimeout: timeout) {
            case let .failure(failure):
                reason = failure.reason
            case let .success(body):
                let got = MD5.hex(body)
                if got == file.md5.lowercased() {
                    let path = Self.join(directory, file.name)
                    do { try Self.save(body, as: path) } catch { throw .fileSystem(error) }
                    progress(.saved(file: file.name, path: path, bytes: body.count))
                    return
                }
                reason = .checksumMismatch(expected: file.md5, got: got, bytes: body.count)
            }
            let failure = MirrorFailure(mirror: mirror, file: file.name, reason: reason)
            failures.append(failure)
            progress(.rejected(failure))
        }
        throw .allMirrorsFailed(file: file.name, failures: failures, cacheDirectory: directory)
    }

    /// Writes `data` to a temporary beside `path`, fsyncs it, renames it over `path` and
    /// fsyncs the directory. On any failure the temporary is removed.
    private static func save(_ data: Data, as path: String) throws(FileSystemError) {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = join(directory, temporaryName(for: name))
        do {
            let file = try POSIXFile.create(temporary)
            try file.write(data)
            try file.sync()
            file.close()
            try POSIXFile.rename(temporary, path)
        } catch {
            try? POSIXFile.removeIfPresent(temporary)
            throw error
        }
        try POSIXFile.syncDirectory(directory)
    }

    // MARK: Temporaries

    /// `.NAME.PID.UUID.part`: hidden, never a name `isPresent` accepts, and carrying the
    /// writer's pid so a later run can tell an abandoned one from one still being written.
    static func temporaryName(for name: String) -> String {
        ".\(name).\(getpid()).\(UUID().uuidString).part"
    }

    /// Removes temporaries of our files whose writing process no longer exists.
    private func removeStaleTemporaries(in directory: String) throws(FileSystemError) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries where entry.hasSuffix(".part") {
            guard files.contains(where: { entry.hasPrefix(".\($0.name).") }) else { continue }
            let fields = entry.dropLast(".part".count).split(separator: ".")
            guard fields.count >= 2, let pid = Int32(fields[fields.count - 2]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try POSIXFile.removeIfPresent(Self.join(directory, entry))
            }
        }
    }

    // MARK: Helpers

    private func isPresent(_ file: PublishedFile, in directory: String) -> Bool {
        let path = Self.join(directory, file.name)
        if Self.isRegularFile(path) { return true }
        return file.name.hasSuffix(".gz") && Self.isRegularFile(String(path.dropLast(3)))
    }

    private static func checked(_ urls: [URL], source: String) throws(DatasetDownloadError) -> [URL] {
        guard !urls.isEmpty else { throw .noMirrors(source: source) }
        var result: [URL] = []
        for url in urls {
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = url.host, !host.isEmpty
            else { throw .invalidMirror(url.absoluteString, source: source) }
            let text = url.absoluteString
            guard let withSlash = text.hasSuffix("/") ? url : URL(string: text + "/") else {
                throw .invalidMirror(text, source: source)
            }
            result.append(withSlash)
        }
        return result
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    private static func join(_ directory: String, _ component: String) -> String {
        (directory as NSString).appendingPathComponent(component)
    }
}
