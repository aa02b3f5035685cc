// The socket options the farm sets, typed: durations are `Duration`, flags are `Bool`,
// keys are `CurveKey`. Each case documents libzmq's unit and default.
import CZMQ
import Foundation

/// One libzmq socket option with a typed value; apply with `Socket.set(_:)`.
public enum SocketOption: Sendable, Equatable {
    /// `ZMQ_ROUTING_ID` (1...255 bytes; must not start with a zero byte, which libzmq
    /// reserves for ids it generates). Set before `connect` so a ROUTER sees it.
    case routingID(Data)
    /// `ZMQ_ROUTER_MANDATORY`: sending to an unknown peer throws `EHOSTUNREACH`, to a full
    /// one returns "would block", instead of silently dropping (default off). Set it.
    case routerMandatory(Bool)
    /// `ZMQ_ROUTER_HANDOVER`: a new connection with a routing id already in use takes the
    /// id over (default off: the newcomer is ignored). Needed for reconnecting workers.
    case routerHandover(Bool)
    /// `ZMQ_MAXMSGSIZE`: the largest inbound frame a peer may send; a peer that exceeds it
    /// is disconnected and its message never delivered. `nil` is libzmq's default, no limit.
    case maxMessageSize(Int64?)
    /// `ZMQ_SNDHWM`: outbound queue limit per peer, in messages (default 1000; 0 = none).
    case sendHighWaterMark(Int)
    /// `ZMQ_RCVHWM`: inbound queue limit per peer, in messages (default 1000; 0 = none).
    case receiveHighWaterMark(Int)
    /// `ZMQ_SNDTIMEO`: how long a blocking send waits before reporting "would block";
    /// `nil` (the default) waits forever.
    case sendTimeout(Duration?)
    /// `ZMQ_RCVTIMEO`: how long a blocking receive waits before returning `nil`;
    /// `nil` (the default) waits forever.
    case receiveTimeout(Duration?)
    /// `ZMQ_LINGER`: how long close waits for pending messages. Every `Socket` starts at 0.
    case linger(Duration)
    /// `ZMQ_IMMEDIATE`: queue messages only to completed connections (default off).
    case immediate(Bool)
    /// `ZMQ_HEARTBEAT_IVL`: ZMTP PING interval on each connection (default 0: off). Keeps
    /// the TCP connection honest; it does not tell the application a peer died.
    case heartbeatInterval(Duration)
    /// `ZMQ_HEARTBEAT_TIMEOUT`: drop the connection when no traffic follows a PING within
    /// this (default: the interval).
    case heartbeatTimeout(Duration)
    /// `ZMQ_HEARTBEAT_TTL`: tells the peer to drop us after this long without traffic
    /// (whole deciseconds, at most 6553.5 s; default 0: off).
    case heartbeatTTL(Duration)
    /// `ZMQ_RECONNECT_IVL`: first reconnect delay (default 100 ms); `nil` never reconnects.
    case reconnectInterval(Duration?)
    /// `ZMQ_RECONNECT_IVL_MAX`: reconnect delays double up to this (default 0: no back-off).
    case reconnectIntervalMax(Duration)
    /// `ZMQ_HANDSHAKE_IVL`: a connection that has not finished its ZMTP/CURVE handshake
    /// within this is dropped (default 30 s; zero disables).
    case handshakeInterval(Duration)
    /// `ZMQ_CURVE_SERVER`: this socket is a CURVE server (needs `curveSecretKey`).
    case curveServer(Bool)
    /// `ZMQ_CURVE_SECRETKEY`: this socket's long-term secret key (server and client).
    case curveSecretKey(CurveKey)
    /// `ZMQ_CURVE_PUBLICKEY`: this socket's long-term public key (clients).
    case curvePublicKey(CurveKey)
    /// `ZMQ_CURVE_SERVERKEY`: the server's public key; makes this socket a CURVE client.
    case curveServerKey(CurveKey)
    /// `ZMQ_ZAP_DOMAIN`: the domain passed to the ZAP handler, 1...255 bytes (libzmq 4.3.4
    /// refuses an empty one with EINVAL). CURVE always consults a bound handler; NULL does
    /// only when this is set.
    case zapDomain(String)
    /// `ZMQ_SUBSCRIBE`: a SUB socket's topic prefix (empty: everything).
    case subscribe(Data)

    enum Value {
        case int32(Int32)
        case int64(Int64)
        case bytes(Data)
    }

    var code: Int32 {
        switch self {
        case .routingID: ZMQ_ROUTING_ID
        case .routerMandatory: ZMQ_ROUTER_MANDATORY
        case .routerHandover: ZMQ_ROUTER_HANDOVER
        case .maxMessageSize: ZMQ_MAXMSGSIZE
        case .sendHighWaterMark: ZMQ_SNDHWM
        case .receiveHighWaterMark: ZMQ_RCVHWM
        case .sendTimeout: ZMQ_SNDTIMEO
        case .receiveTimeout: ZMQ_RCVTIMEO
        case .linger: ZMQ_LINGER
        case .immediate: ZMQ_IMMEDIATE
        case .heartbeatInterval: ZMQ_HEARTBEAT_IVL
        case .heartbeatTimeout: ZMQ_HEARTBEAT_TIMEOUT
        case .heartbeatTTL: ZMQ_HEARTBEAT_TTL
        case .reconnectInterval: ZMQ_RECONNECT_IVL
        case .reconnectIntervalMax: ZMQ_RECONNECT_IVL_MAX
        case .handshakeInterval: ZMQ_HANDSHAKE_IVL
        case .curveServer: ZMQ_CURVE_SERVER
        case .curveSecretKey: ZMQ_CURVE_SECRETKEY
        case .curvePublicKey: ZMQ_CURVE_PUBLICKEY
        case .curveServerKey: ZMQ_CURVE_SERVERKEY
        case .zapDomain: ZMQ_ZAP_DOMAIN
        case .subscribe: ZMQ_SUBSCRIBE
        }
    }

    var name: String {
        switch self {
        case .routingID: "ZMQ_ROUTING_ID"
        case .routerMandatory: "ZMQ_ROUTER_MANDATORY"
        case .routerHandover: "ZMQ_ROUTER_HANDOVER"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .sendTimeout: "ZMQ_SNDTIMEO"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .linger: "ZMQ_LINGER"
        case .immediate: "ZMQ_IMMEDIATE"
        case .heartbeatInterval: "ZMQ_HEARTBEAT_IVL"
        case .heartbeatTimeout: "ZMQ_HEARTBEAT_TIMEOUT"
        case .heartbeatTTL: "ZMQ_HEARTBEAT_TTL"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .handshakeInterval: "ZMQ_HANDSHAKE_IVL"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .subscribe: "ZMQ_SUBSCRIBE"
        }
    }

    var value: Value {
        switch self {
        case .routingID(let id): .bytes(id)
        case .subscribe(let prefix): .bytes(prefix)
        case .zapDomain(let domain): .bytes(Data(domain.utf8))
        case .curveSecretKey(let key), .curvePublicKey(let key), .curveServerKey(let key):
            .bytes(key.bytes)
        case .routerMandatory(let on), .routerHandover(let on), .immediate(let on),
            .curveServer(let on):
            .int32(on ? 1 : 0)
        case .maxMessageSize(let limit): .int64(limit ?? -1)
        case .sendHighWaterMark(let count), .receiveHighWaterMark(let count):
            .int32(Int32(clamping: count))
        case .sendTimeout(let timeout), .receiveTimeout(let timeout):
            .int32(timeout.map(Self.milliseconds) ?? -1)
        case .reconnectInterval(let interval): .int32(interval.map(Self.milliseconds) ?? -1)
        case .linger(let duration), .heartbeatInterval(let duration),
            .heartbeatTimeout(let duration), .heartbeatTTL(let duration),
            .reconnectIntervalMax(let duration), .handshakeInterval(let duration):
            .int32(Self.milliseconds(duration))
        }
    }

    /// Whole milliseconds, rounded up so a short positive wait never becomes 0 ("none");
    /// negative durations become 0.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, duration > .zero else { return 0 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let partial = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int32.max }
        return Int32(clamping: scaled + partial)
    }
}
