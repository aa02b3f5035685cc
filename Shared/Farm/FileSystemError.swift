/// A failed file-system call, with the call, the path and errno's text.
public struct FileSystemError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The POSIX call that failed (`open`, `write`, `fsync`, `rename`, ...).
    public var operation: String
    /// The file or directory it was called on.
    public var path: String
    /// The `errno` read right after the call.
    public var errno: Int32
    /// `strerror(errno)`.
    public var message: String

    /// What went wrong, in words a person can act on.
    public var description: String { "\(operation) \(path) failed: \(message) (errno \(errno))" }
}
