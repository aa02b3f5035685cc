import Foundation

/// Why a frame list is not a valid message. The coordinator logs it and drops the
/// message; it never crashes on one.
public enum WireError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Not 3 or 4 frames.
    case wrongFrameCount(Int)
    /// Frame 0 is not `WireProtocol.version`.
    case wrongVersion(received: String, expected: String)
    /// Frame 1 is not a known kind.
    case unknownKind(String)
    /// The header is not JSON or lacks / mistypes a field.
    case badHeader(kind: String, reason: String)
    /// A field has a value the protocol does not allow.
    case invalidField(kind: String, field: String, reason: String)
    /// A payload on a kind that carries none (or a result/task that should not have one).
    case unexpectedPayload(kind: String, bytes: Int)
    /// A foundation result without its weights.
    case missingPayload(kind: String)
    /// The weights do not hash to the SHA-256 the header names.
    case payloadHashMismatch(expected: String, actual: String)
    /// The weights are not the size the header says.
    case payloadSizeMismatch(expectedBytes: Int, actualBytes: Int)
    /// A task's id is not the hash of its spec.
    case taskIDMismatch(header: String, computed: String)
    /// More bytes than the protocol allows.
    case oversize(what: String, bytes: Int, limit: Int)

    /// What went wrong, in words a person can act on.
    public var description: String {
        switch self {
        case let .wrongFrameCount(count):
            return "message has \(count) frames; expected 3 (version, kind, header) or 4 (with payload)"
        case let .wrongVersion(received, expected):
            return "protocol version '\(received)' is not supported; this side speaks '\(expected)'"
        case let .unknownKind(kind):
            return "unknown message kind '\(kind)'; known: \(WireProtocol.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .badHeader(kind, reason):
            return "\(kind) header is not valid: \(reason)"
        case let .invalidField(kind, field, reason):
            return "\(kind) field '\(field)' is not valid: \(reason)"
        case let .unexpectedPayload(kind, bytes):
            return "\(kind) message carries a \(bytes)-byte payload it may not have"
        case let .missingPayload(kind):
            return "\(kind) message lacks its weights payload"
        case let .payloadHashMismatch(expected, actual):
            return "weights payload hashes to \(actual), header says \(expected)"
        case let .payloadSizeMismatch(expectedBytes, actualBytes):
            return "weights payload is \(actualBytes) bytes; expected \(expectedBytes)"
        case let .taskIDMismatch(header, computed):
            return "task id \(header) is not the id of its spec (\(computed))"
        case let .oversize(what, bytes, limit):
            return "\(what) is \(bytes) bytes; the limit is \(limit)"
        }
    }
}
