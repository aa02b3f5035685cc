/// The coordinator scheduler's tunables, defaults from `WireProtocol` (reliability.md).
public struct SchedulerSettings: Equatable, Sendable {
    /// Send a peer a heartbeat when nothing else went to it for this long. Default 1 s.
    public var heartbeatInterval: Duration
    /// Presume a peer dead after this much silence and requeue its task. Default 5 s.
    public var livenessTimeout: Duration
    /// Worker-reported errors after which a task is failed. Default 3.
    public var maxAttempts: Int
    /// Lost leases (worker presumed dead, left, abandoned or forgot the task) after which a
    /// task is failed. They do not count toward `maxAttempts` — a dead worker is rarely
    /// the task's fault — but are bounded so a task that kills its worker cannot loop
    /// for ever. Default 3 (Ray's `max_retries` for worker deaths).
    public var maxLostLeases: Int
    /// On resume, whether tasks the journal records as failed are tried again (with
    /// fresh counts). Default true: failures are usually environmental (a missing
    /// dataset, a full disk) and resuming is how a user retries after fixing them.
    public var retryFailedOnResume: Bool

    /// Defaults everywhere unless given; preconditions guard nonsense values.
    public init(
        heartbeatInterval: Duration = WireProtocol.heartbeatInterval,
        livenessTimeout: Duration = WireProtocol.livenessTimeout,
        maxAttempts: Int = WireProtocol.maxAttempts,
        maxLostLeases: Int = WireProtocol.maxLostLeases,
        retryFailedOnResume: Bool = true
    ) {
        precondition(heartbeatInterval > .zero, "heartbeat interval must be positive")
        precondition(livenessTimeout > heartbeatInterval, "liveness timeout must exceed the heartbeat interval")
        precondition(maxAttempts >= 1 && maxLostLeases >= 1, "attempt limits must be at least 1")
        self.heartbeatInterval = heartbeatInterval
        self.livenessTimeout = livenessTimeout
        self.maxAttempts = maxAttempts
        self.maxLostLeases = maxLostLeases
        self.retryFailedOnResume = retryFailedOnResume
    }
}
