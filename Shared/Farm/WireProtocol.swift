import Foundation

/// Every constant of the coordinator–worker protocol, in one place, with units in the
/// names (the Majordomo and Paranoid Pirate conventions; reliability.md "References").
public enum WireProtocol {
    /// Frame 0 of every message. A peer speaking another version is refused.
    public static let version = "SEEDFARM/1"

    /// How often each side sends something (a heartbeat if nothing else) to the other.
    public static let heartbeatInterval: Duration = .seconds(1)
    /// A peer silent this long is presumed dead (5 heartbeats; PPP's liveness 3 to 5).
    public static let livenessTimeout: Duration = .seconds(5)
    /// A task that fails this many times (worker-reported errors) is reported failed.
    public static let maxAttempts = 3
    /// A task whose worker is presumed dead this many times is reported failed: a lost
    /// lease is not the task's fault, but a task that kills its worker must not loop.
    public static let maxLostLeases = 3
    /// First reconnect delay after the coordinator is presumed dead; doubles each time.
    public static let reconnectInitialDelay: Duration = .seconds(1)
    /// The reconnect delay stops doubling here.
    public static let reconnectMaxDelay: Duration = .seconds(32)
    /// A worker told `wait` asks again after this long.
    public static let waitRetryInterval: Duration = .seconds(1)
    /// A worker re-sends an unacknowledged result this often.
    public static let resultResendInterval: Duration = .seconds(3)

    /// Largest frame a peer may send; also the value for `ZMQ_MAXMSGSIZE` (which
    /// libzmq applies per frame), so hostile bytes cannot make the coordinator allocate
    /// more. 16 MiB holds a 784-H-H-10 network up to H of about 1,700 as float32.
    public static let maxMessageBytes = 16 << 20
    /// Messages libzmq may queue per peer in each direction (`ZMQ_SNDHWM`/`ZMQ_RCVHWM`):
    /// a worker has at most a result, a heartbeat and an error in flight, so 64 bounds a
    /// hostile peer's share of memory (64 x 16 MiB) without ever stalling an honest one.
    public static let perPeerQueueMessages = 64
    /// Most workers the coordinator keeps state for at once; a hello beyond it is
    /// rejected (bounded memory under a flood of connections; CURVE keeps strangers out).
    public static let maxPeers = 1024
    /// Largest header JSON frame.
    public static let maxHeaderBytes = 1 << 20
    /// Longest worker id, host name or task id string.
    public static let maxIdentifierBytes = 256
    /// Longest error or reject reason.
    public static let maxReasonBytes = 8 << 10
    /// Most cached foundation hashes a worker may list.
    public static let maxCachedFoundations = 256
    /// Most cores a worker may claim.
    public static let maxCores = 1 << 16

    /// The message kinds (frame 1), short ASCII words so captures read plainly.
    public enum Kind: String, CaseIterable, Sendable {
        /// One per `WireMessage` case.
        case hello, welcome, reject, ready, task, wait, bye, heartbeat, result, ack, error
    }
}

extension Duration {
    /// Seconds with one decimal, for log lines ("5.1 s").
    public var logText: String {
        let (seconds, attoseconds) = components
        return String(format: "%.1f s", Double(seconds) + Double(attoseconds) * 1e-18)
    }
}
