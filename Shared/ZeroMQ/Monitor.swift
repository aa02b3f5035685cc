// Socket monitoring (zmq_socket_monitor): connection, disconnection and handshake events,
// which is how a refused CURVE handshake or a MAXMSGSIZE disconnect becomes visible.
import CZMQ
import Foundation

/// Kinds of socket events (`ZMQ_EVENT_*`, stable in libzmq 4.3).
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    /// The raw `ZMQ_EVENT_*` bits.
    public let rawValue: UInt16
    /// Creates a set from raw `ZMQ_EVENT_*` bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A connect completed (TCP level).
    public static let connected = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
    /// A connect failed and will be retried.
    public static let connectRetried = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
    /// A bind is listening.
    public static let listening = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_LISTENING))
    /// A listener accepted a connection.
    public static let accepted = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_ACCEPTED))
    /// A connection closed.
    public static let closed = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_CLOSED))
    /// A session ended: the peer went away, or libzmq dropped it (e.g. over MAXMSGSIZE).
    public static let disconnected = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
    /// The ZMTP/security handshake completed.
    public static let handshakeSucceeded = MonitorEvents(
        rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    /// The handshake failed on a malformed or unexpected ZMTP/security command (libzmq
    /// 4.3.4 reports a NULL client meeting a CURVE server as this or `handshakeFailedOther`,
    /// depending on timing).
    public static let handshakeFailedProtocol = MonitorEvents(
        rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// The ZAP handler refused the peer (the value is the ZAP status code, e.g. 400).
    public static let handshakeFailedAuth = MonitorEvents(
        rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
    /// The handshake failed for another reason (see `handshakeFailedProtocol`).
    public static let handshakeFailedOther = MonitorEvents(
        rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    /// The monitor stopped (its socket closed).
    public static let monitorStopped = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))
    /// Every event.
    public static let all = MonitorEvents(rawValue: UInt16(ZMQ_EVENT_ALL))
}

/// One monitor event: what happened, its value (an fd, errno, ZAP status or reconnect
/// interval, depending on the event) and the endpoint it concerns.
public struct MonitorEvent: Sendable, Equatable {
    /// The single event bit.
    public let event: MonitorEvents
    /// The event's value (meaning depends on the event, see `zmq_socket_monitor(3)`).
    public let value: UInt32
    /// The endpoint, e.g. `tcp://127.0.0.1:41234`.
    public let endpoint: String

    /// Parses a monitor message: frame 1 is a 16-bit event and a 32-bit value (host byte
    /// order), frame 2 the endpoint. `nil` for anything else.
    public init?(_ message: ReceivedMessage) {
        guard message.frames.count == 2, message.frames[0].count == 6 else { return nil }
        let header = [UInt8](message.frames[0])
        let event = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        let value = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        self.event = MonitorEvents(rawValue: event)
        self.value = value
        self.endpoint = String(decoding: message.frames[1], as: UTF8.self)
    }
}

extension Socket {
    /// Starts monitoring this socket for `events` and returns the PAIR socket, in the same
    /// context, on which the events arrive (read them with `MonitorEvent(_:)`).
    ///
    /// Start it before `bind`/`connect` to see every event. Closing this socket stops the
    /// monitor (a final `monitorStopped` event).
    public func startMonitor(events: MonitorEvents = .all) throws(ZMQError) -> Socket {
        let endpoint = "inproc://seedfarm.monitor.\(UUID().uuidString)"
        let op = "zmq_socket_monitor(\(endpoint))"
        guard let handle = pollHandle else { throw ZMQError(operation: op, errno: ENOTSOCK) }
        try ZMQ.mustSucceed(op) { zmq_socket_monitor(handle, endpoint, Int32(events.rawValue)) }
        let monitor = try Socket(context, type: .pair)
        try monitor.connect(endpoint)
        return monitor
    }
}
