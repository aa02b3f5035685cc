/// Why one mirror did not give a good copy of one file.
public enum MirrorFailureReason: Equatable, Sendable, CustomStringConvertible {
    /// No HTTP answer: "connection refused", "host not found", "timed out ...".
    case unreachable(String)
    /// An answer other than 200.
    case httpStatus(Int)
    /// A body whose MD5 is not the published one (a truncated or altered file).
    case checksumMismatch(expected: String, got: String, bytes: Int)

    public var description: String {
        switch self {
        case let .unreachable(why): return why
        case let .httpStatus(status): return "HTTP status \(status)"
        case let .checksumMismatch(expected, got, bytes):
            return "checksum mismatch: expected MD5 \(expected), got \(got) (\(bytes) bytes)"
        }
    }
}

/// One mirror's failure for one file.
public struct MirrorFailure: Equatable, Sendable, CustomStringConvertible {
    /// The mirror's base URL, as tried.
    public var mirror: String
    /// The file asked for.
    public var file: String
    public var reason: MirrorFailureReason

    public init(mirror: String, file: String, reason: MirrorFailureReason) {
        self.mirror = mirror
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(mirror)\(file): \(reason)" }
}

/// Why a dataset could not be found or downloaded.
public enum DatasetDownloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Every mirror failed for `file`; `failures` has one entry per mirror, in the order
    /// tried. `cacheDirectory` is where the files would have gone.
    case allMirrorsFailed(file: String, failures: [MirrorFailure], cacheDirectory: String)
    /// A mirror given (by `source`: the API or an environment variable) is not an
    /// http(s) URL with a host.
    case invalidMirror(String, source: String)
    /// The mirror list from `source` is empty.
    case noMirrors(source: String)
    /// The cache directory could not be created or written.
    case fileSystem(FileSystemError)

    public var description: String {
        switch self {
        case let .allMirrorsFailed(file, failures, cacheDirectory):
            let lines = failures.map { "  \($0.mirror): \($0.reason)" }
            return (["could not download MNIST's \(file) from any mirror:"] + lines + [
                MNISTDownload.offlineAdvice(cacheDirectory: cacheDirectory),
            ]).joined(separator: "\n")
        case let .invalidMirror(entry, source):
            return "mirror \"\(entry)\" from \(source) is not an http:// or https:// URL with a host"
        case let .noMirrors(source):
            return "no MNIST mirrors: \(source) lists none"
        case let .fileSystem(error):
            return "MNIST download: \(error)"
        }
    }
}
