/// The worker loop's tunables, defaults from `WireProtocol` (reliability.md, PPP).
public struct WorkerSettings: Equatable, Sendable {
    /// Send the coordinator a heartbeat when nothing else went to it for this long.
    public var heartbeatInterval: Duration
    /// Presume the coordinator dead after this much silence, and reconnect.
    public var livenessTimeout: Duration
    /// First reconnect delay; doubles per failed attempt up to `reconnectMaxDelay`, and
    /// resets on `welcome`.
    public var reconnectInitialDelay: Duration
    /// Ceiling of the reconnect delay.
    public var reconnectMaxDelay: Duration
    /// After `wait`, ask again this much later.
    public var waitRetryInterval: Duration
    /// Re-send an unacknowledged result this often.
    public var resultResendInterval: Duration
    /// On stop with a result still unacknowledged, wait at most this long for the ack.
    public var stopGrace: Duration

    /// Defaults from `WireProtocol` unless given; preconditions guard nonsense values.
    public init(
        heartbeatInterval: Duration = WireProtocol.heartbeatInterval,
        livenessTimeout: Duration = WireProtocol.livenessTimeout,
        reconnectInitialDelay: Duration = WireProtocol.reconnectInitialDelay,
        reconnectMaxDelay: Duration = WireProtocol.reconnectMaxDelay,
        waitRetryInterval: Duration = WireProtocol.waitRetryInterval,
        resultResendInterval: Duration = WireProtocol.resultResendInterval,
        stopGrace: Duration = .seconds(10)
    ) {
        precondition(heartbeatInterval > .zero && livenessTimeout > heartbeatInterval, "liveness must exceed a positive heartbeat interval")
        precondition(reconnectInitialDelay > .zero && reconnectMaxDelay >= reconnectInitialDelay, "reconnect delays must be positive and ordered")
        self.heartbeatInterval = heartbeatInterval
        self.livenessTimeout = livenessTimeout
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.waitRetryInterval = waitRetryInterval
        self.resultResendInterval = resultResendInterval
        self.stopGrace = stopGrace
    }
}
