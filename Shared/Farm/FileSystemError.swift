/// A failed file-system call, with the call, the path and errno's text.
public struct FileSystemError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The POSIX call that failed (`open`, `write`, `fsync`, `rename`, ...).
    public var operation: String
    public var path: String
    public var errno: Int32
    /// `strerror(errno)`.
    public var message: String

    public var description: String { "\(operation) \(path) failed: \(message) (errno \(errno))" }
}
