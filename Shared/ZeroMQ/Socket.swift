// A libzmq socket: creation with linger 0, bind/connect, multipart send and receive with
// metadata, and a bound on how many frames one received message may make us hold.
import CZMQ
import Foundation

/// The libzmq socket types this package uses.
public enum SocketType: Sendable, CaseIterable {
    /// `ZMQ_PAIR`: exclusive pair, used for `inproc://` control channels and monitors.
    case pair
    /// `ZMQ_REQ`: strict request/reply client.
    case request
    /// `ZMQ_REP`: strict request/reply server (the ZAP handler's socket).
    case reply
    /// `ZMQ_DEALER`: asynchronous request side; the farm's workers.
    case dealer
    /// `ZMQ_ROUTER`: addresses peers by routing id; the farm's coordinator.
    case router
    /// `ZMQ_PUB`.
    case publisher
    /// `ZMQ_SUB`.
    case subscriber
    /// `ZMQ_PUSH`.
    case push
    /// `ZMQ_PULL`.
    case pull

    var rawValue: Int32 {
        switch self {
        case .pair: ZMQ_PAIR
        case .request: ZMQ_REQ
        case .reply: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .publisher: ZMQ_PUB
        case .subscriber: ZMQ_SUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        }
    }
}

/// One whole multipart message as received, with the connection's metadata.
public struct ReceivedMessage: Sendable, Equatable {
    /// The frames kept, in order (at most the socket's `maxFramesPerMessage`). On a ROUTER
    /// the first frame is the sender's routing id.
    public var frames: [Data]
    /// The `User-Id` property (`zmq_msg_gets`): what the ZAP handler said this peer is, or
    /// `nil` when no ZAP handler authenticated the connection.
    public var userID: String?
    /// The `Peer-Address` property: the peer's IP address for `tcp://`, `nil` for `inproc://`.
    public var peerAddress: String?
    /// Frames beyond `maxFramesPerMessage` that were received and thrown away (0 normally).
    public var discardedFrameCount: Int

    /// Creates a message value (useful to tests and to code that fakes a socket).
    public init(
        frames: [Data], userID: String? = nil, peerAddress: String? = nil,
        discardedFrameCount: Int = 0
    ) {
        self.frames = frames
        self.userID = userID
        self.peerAddress = peerAddress
        self.discardedFrameCount = discardedFrameCount
    }

    /// True when the sender sent more frames than the socket keeps: treat as hostile/malformed.
    public var isTruncated: Bool { discardedFrameCount > 0 }
}

/// A libzmq socket.
///
/// Invariants: `ZMQ_LINGER` is 0 from creation (closing never waits on undelivered
/// messages, so `zmq_ctx_term` cannot hang); the socket holds its `Context` alive; it is
/// closed at most once (`close()` is idempotent and `deinit` calls it). libzmq sockets are
/// not thread-safe: use one on one thread (it is deliberately not `Sendable`).
public final class Socket {
    /// The context this socket lives in; kept alive for as long as the socket is.
    public let context: Context
    /// The socket's type.
    public let type: SocketType
    /// At most this many frames of one received message are kept; the rest of the message
    /// is drained and discarded (reported in `ReceivedMessage.discardedFrameCount`). Together
    /// with `maxMessageSize` (a per-frame cap) it bounds what one message costs us.
    public var maxFramesPerMessage: Int = Socket.defaultMaxFramesPerMessage {
        willSet { precondition(newValue >= 1, "maxFramesPerMessage must be at least 1") }
    }
    /// The default `maxFramesPerMessage`: far above the farm protocol's 5 frames.
    public static let defaultMaxFramesPerMessage = 64

    private var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `type` in `context` and sets `ZMQ_LINGER` to 0.
    public init(_ context: Context, type: SocketType) throws(ZMQError) {
        let handle = try ZMQ.pointer("zmq_socket(\(type))") {
            zmq_socket(context.handle, type.rawValue)
        }
        self.context = context
        self.type = type
        self.handle = handle
        do {
            try set(.linger(.zero))
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the socket; pending outbound messages are dropped (linger 0). Idempotent.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        // zmq_close fails only for an invalid socket (ENOTSOCK), which `handle` is not.
        _ = zmq_close(handle)
    }

    /// True once `close()` ran.
    public var isClosed: Bool { handle == nil }

    /// The live handle, or ENOTSOCK for a closed socket (using a closed socket is a bug the
    /// caller can still recover from, e.g. in a shutdown race within one thread).
    private func liveHandle(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(operation: operation, errno: ENOTSOCK) }
        return handle
    }

    // MARK: Endpoints

    /// Binds to `endpoint` (`tcp://127.0.0.1:*` picks an ephemeral port: read `lastEndpoint`).
    public func bind(_ endpoint: String) throws(ZMQError) {
        let op = "zmq_bind(\(endpoint))"
        let handle = try liveHandle(op)
        try ZMQ.mustSucceed(op) { zmq_bind(handle, endpoint) }
    }

    /// Connects to `endpoint`; libzmq connects (and reconnects) in the background.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let op = "zmq_connect(\(endpoint))"
        let handle = try liveHandle(op)
        try ZMQ.mustSucceed(op) { zmq_connect(handle, endpoint) }
    }

    /// Stops listening on `endpoint` (for a wildcard bind, pass the `lastEndpoint` value).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let op = "zmq_unbind(\(endpoint))"
        let handle = try liveHandle(op)
        try ZMQ.mustSucceed(op) { zmq_unbind(handle, endpoint) }
    }

    /// Drops the connection to `endpoint` made by `connect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let op = "zmq_disconnect(\(endpoint))"
        let handle = try liveHandle(op)
        try ZMQ.mustSucceed(op) { zmq_disconnect(handle, endpoint) }
    }

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind or connect, with the real port
    /// after a `:*` bind (e.g. `tcp://127.0.0.1:41234`); empty before any.
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            let op = "zmq_getsockopt(ZMQ_LAST_ENDPOINT)"
            let handle = try liveHandle(op)
            try ZMQ.mustSucceed(op) {
                zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
            }
            return String(nulTerminated: buffer)
        }
    }

    /// `ZMQ_LINGER`: how long closing waits for undelivered messages (0 from creation).
    public var linger: Duration {
        get throws(ZMQError) {
            .milliseconds(try integerOption(ZMQ_LINGER, name: "ZMQ_LINGER"))
        }
    }

    /// `ZMQ_MECHANISM`: the security mechanism configured (`"NULL"`, `"PLAIN"`, `"CURVE"`).
    public var mechanism: String {
        get throws(ZMQError) {
            switch try integerOption(ZMQ_MECHANISM, name: "ZMQ_MECHANISM") {
            case ZMQ_NULL: "NULL"
            case ZMQ_PLAIN: "PLAIN"
            case ZMQ_CURVE: "CURVE"
            case let other: "unknown(\(other))"
            }
        }
    }

    private func integerOption(_ option: Int32, name: String) throws(ZMQError) -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        let op = "zmq_getsockopt(\(name))"
        let handle = try liveHandle(op)
        try ZMQ.mustSucceed(op) { zmq_getsockopt(handle, option, &value, &size) }
        return value
    }

    // MARK: Options

    /// Sets one option (see `SocketOption` for units and libzmq's defaults).
    public func set(_ option: SocketOption) throws(ZMQError) {
        let op = "zmq_setsockopt(\(option.name))"
        let handle = try liveHandle(op)
        switch option.value {
        case .int32(let value):
            var value = value
            try ZMQ.mustSucceed(op) {
                zmq_setsockopt(handle, option.code, &value, MemoryLayout<Int32>.size)
            }
        case .int64(let value):
            var value = value
            try ZMQ.mustSucceed(op) {
                zmq_setsockopt(handle, option.code, &value, MemoryLayout<Int64>.size)
            }
        case .bytes(let bytes):
            // An empty Data has no base address: give libzmq a valid pointer, never NULL.
            // (Whether an empty value is allowed is libzmq's call: an empty ZAP domain or
            // routing id is EINVAL, an empty subscription is "everything".)
            var placeholder: UInt8 = 0
            try ZMQ.mustSucceed(op) {
                bytes.isEmpty
                    ? zmq_setsockopt(handle, option.code, &placeholder, 0)
                    : bytes.withUnsafeBytes {
                        zmq_setsockopt(handle, option.code, $0.baseAddress, $0.count)
                    }
            }
        }
    }

    /// Sets several options in order; stops at the first failure.
    public func set(_ options: [SocketOption]) throws(ZMQError) {
        for option in options { try set(option) }
    }

    // MARK: Messages

    /// Sends `frames` as one multipart message (each `Data` is a frame; empty frames are
    /// fine). At least one frame is required.
    ///
    /// - Returns: `true` when queued; `false` when it would block (`dontWait`, a full peer,
    ///   or `sendTimeout` expired) and nothing was sent.
    /// - Throws: `ZMQError`; on a ROUTER with `routerMandatory`, a first frame naming no
    ///   connected peer throws with `errno == EHOSTUNREACH` (`isHostUnreachable`).
    @discardableResult
    public func send(frames: [Data], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        let handle = try liveHandle("zmq_send")
        let baseFlags = dontWait ? ZMQ_DONTWAIT : 0
        for (index, frame) in frames.enumerated() {
            let isLast = index == frames.count - 1
            let flags = baseFlags | (isLast ? 0 : ZMQ_SNDMORE)
            let send = { () -> Int32 in
                frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            }
            if index == 0 {
                // Only the first frame can block: libzmq accepts the rest of a message
                // whose first frame it took.
                guard try ZMQ.call("zmq_send(frame 1 of \(frames.count))", send) != nil
                else { return false }
            } else {
                try ZMQ.mustSucceed("zmq_send(frame \(index + 1) of \(frames.count))", send)
            }
        }
        return true
    }

    /// Receives one whole multipart message.
    ///
    /// libzmq delivers multipart messages atomically, so once the first frame is here the
    /// rest is too. Frames past `maxFramesPerMessage` are drained and discarded.
    /// - Returns: the message, or `nil` when none is waiting (`dontWait`) or
    ///   `receiveTimeout` expired.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> ReceivedMessage? {
        let handle = try liveHandle("zmq_msg_recv")
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        defer { message.deallocate() }
        zmq_msg_init(message)  // cannot fail
        defer { zmq_msg_close(message) }

        guard
            try ZMQ.call("zmq_msg_recv(frame 1)", {
                zmq_msg_recv(message, handle, dontWait ? ZMQ_DONTWAIT : 0)
            }) != nil
        else { return nil }

        // Metadata is the connection's, attached to each frame that came off the wire. A
        // ROUTER's first frame (the routing id) is made locally and carries none, so look
        // at every frame until one has it.
        var received = ReceivedMessage(frames: [])
        var metadataRead = false
        var frameNumber = 1
        while true {
            if !metadataRead, let userID = Self.property(message, "User-Id") {
                received.userID = userID
                received.peerAddress = Self.property(message, "Peer-Address")
                metadataRead = true
            } else if received.peerAddress == nil {
                received.peerAddress = Self.property(message, "Peer-Address")
            }
            if received.frames.count < maxFramesPerMessage {
                received.frames.append(Self.bytes(of: message))
            } else {
                received.discardedFrameCount += 1
            }
            guard zmq_msg_more(message) != 0 else { break }
            frameNumber += 1
            try ZMQ.mustSucceed("zmq_msg_recv(frame \(frameNumber))") {
                zmq_msg_recv(message, handle, 0)  // zmq_msg_recv releases the previous frame
            }
        }
        return received
    }

    private static func bytes(of message: UnsafeMutablePointer<zmq_msg_t>) -> Data {
        let size = zmq_msg_size(message)
        guard size > 0, let data = zmq_msg_data(message) else { return Data() }
        return Data(bytes: data, count: size)
    }

    private static func property(
        _ message: UnsafeMutablePointer<zmq_msg_t>, _ name: String
    ) -> String? {
        // NULL (errno EINVAL) means "no such property on this connection": not an error.
        guard let value = zmq_msg_gets(message, name) else { return nil }
        return String(cString: value)
    }

    /// The raw handle for the poller; `nil` once closed.
    var pollHandle: UnsafeMutableRawPointer? { handle }
}

@available(*, unavailable, message: "libzmq sockets are not thread-safe; keep one per thread")
extension Socket: Sendable {}
