// The error type of the ZeroMQ module and the one helper every `zmq_*` call that can fail
// goes through. Modelled on swift-nio's SystemCallHelpers: read errno at once, retry EINTR,
// report EAGAIN as a value, throw everything else with the facts in it.
import CZMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libzmq call: which operation, the `errno` it left, and libzmq's text for it.
///
/// `errno` is the raw value (`EHOSTUNREACH`, `EAGAIN`, `ETERM`, ...) so a caller can branch
/// on it; the computed properties name the cases the farm's shells care about.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation that failed, e.g. `"zmq_bind(tcp://127.0.0.1:*)"`.
    public let operation: String
    /// The `errno` value libzmq reported (`zmq_errno()`), read immediately after the call.
    public let errno: Int32
    /// `zmq_strerror(errno)`: libzmq's text, which also covers its own codes such as `ETERM`.
    public let message: String

    /// Builds an error for `operation` from an errno value, looking up libzmq's text.
    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
        self.message = String(cString: zmq_strerror(errno))
    }

    /// `"<operation> failed: <message> (errno <n>)"`.
    public var description: String {
        "\(operation) failed: \(message) (errno \(errno))"
    }

    /// A ROUTER with `routerMandatory` was asked to send to a routing id it has no peer for.
    public var isHostUnreachable: Bool { errno == EHOSTUNREACH }
    /// The call would have blocked (a full peer with `routerMandatory`, or a timeout expired).
    public var isWouldBlock: Bool { errno == EAGAIN }
    /// The context was terminated or shut down; the socket should be closed.
    public var isContextTerminated: Bool { errno == CZMQ.ETERM }
}

/// How the syscall helper treats `EINTR`.
enum InterruptPolicy {
    /// Call again (the default: blocking sends and receives).
    case retry
    /// Give up and report "nothing happened" (`zmq_poll`: the caller's loop polls again).
    case returnNil
}

/// The single funnel for libzmq calls. Not public: only this module touches CZMQ.
enum ZMQ {
    /// Runs a libzmq call that returns -1 on failure.
    ///
    /// - Returns: the call's non-negative result, or `nil` when it failed with `EAGAIN`
    ///   (or with `EINTR` under `.returnNil`).
    /// - Throws: `ZMQError` for every other errno, read before anything else can clobber it.
    @discardableResult
    static func call(
        _ operation: @autoclosure () -> String,
        interrupts: InterruptPolicy = .retry,
        _ body: () -> Int32
    ) throws(ZMQError) -> Int32? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = zmq_errno()
            switch code {
            case EINTR where interrupts == .retry: continue
            case EINTR, EAGAIN: return nil
            default: throw ZMQError(operation: operation(), errno: code)
            }
        }
    }

    /// Runs a libzmq call that returns a pointer, `NULL` on failure (EINTR is retried,
    /// everything else, EAGAIN included, is thrown: these calls never "would block").
    static func pointer<T>(
        _ operation: @autoclosure () -> String,
        _ body: () -> T?
    ) throws(ZMQError) -> T {
        while true {
            if let result = body() { return result }
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(operation: operation(), errno: code)
        }
    }

    /// Like `call`, but an EAGAIN is an error too (e.g. a later frame of a multipart send,
    /// which libzmq guarantees will not block once the first frame was accepted).
    @discardableResult
    static func mustSucceed(
        _ operation: @autoclosure () -> String,
        _ body: () -> Int32
    ) throws(ZMQError) -> Int32 {
        guard let result = try call(operation(), body) else {
            throw ZMQError(operation: operation(), errno: EAGAIN)
        }
        return result
    }
}

extension String {
    /// The UTF-8 text before the first NUL of a C character buffer (all of it if none).
    init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
