import Foundation

/// The worker's protocol loop as a pure value, the twin of `Scheduler` (Paranoid Pirate
/// worker, reliability.md): `handle(event, now)` returns actions and does no I/O.
///
/// Connect and say hello; on `welcome` ask for work with `ready`; run a `task` (the
/// shell does, in the background); send its result and re-send it every
/// `resultResendInterval` until `ack`, asking for new work only then; `wait` -> ask
/// again after `waitRetryInterval`; `bye` -> exit. Heartbeat whenever nothing was sent
/// for `heartbeatInterval`, idle or running. A coordinator silent for `livenessTimeout`
/// is presumed dead: disconnect, wait the back-off (1 s doubling to 32 s, reset by
/// `welcome`), reconnect, hello again, then re-send the unacknowledged result, or ask.
public struct WorkerSession: Sendable {
    /// The tunables.
    public let settings: WorkerSettings
    /// Who we are, as said in `hello`.
    public let workerID: String
    /// Host name for `hello`.
    public let host: String
    /// Cores for `hello`.
    public let cores: Int
    /// Hashes of the foundation weights the shell holds; listed in `hello` and `ready`.
    /// The shell keeps it current (it owns the cache).
    public var cachedFoundations: [String] = []

    private enum Connection: Equatable, Sendable {
        case notStarted
        /// Socket closed; reconnect at this time.
        case down(reconnectAt: Duration)
        /// Hello sent, welcome awaited.
        case greeting
        case up
    }

    private enum Work: Equatable, Sendable {
        /// Nothing to do; ask for work at `askAt` (when connected and not stopping).
        case idle(askAt: Duration)
        /// `ready` sent, answer awaited.
        case asked
        case running(TaskAssignment)
        /// Result sent at `lastSent`, ack awaited.
        case reporting(ResultReport, lastSent: Duration)
    }

    private var connection: Connection = .notStarted
    private var work: Work = .idle(askAt: .zero)
    private var lastHeard: Duration = .zero
    private var lastSent: Duration = .zero
    private var backoff: Duration
    private var stopping = false
    private var stopDeadline: Duration?
    private var exited = false

    /// A session not yet started.
    public init(workerID: String, host: String, cores: Int, settings: WorkerSettings = WorkerSettings()) {
        self.workerID = workerID
        self.host = host
        self.cores = cores
        self.settings = settings
        backoff = settings.reconnectInitialDelay
    }

    /// Whether the session has asked the shell to exit.
    public var hasExited: Bool { exited }

    /// The task being run, if any.
    public var runningTaskID: String? {
        if case let .running(task) = work { return task.taskID }
        return nil
    }

    /// The current reconnect delay (for tests and logs).
    public var reconnectDelay: Duration { backoff }

    /// Applies one event at monotonic time `now`; returns what the shell must do, in order.
    public mutating func handle(_ event: WorkerEvent, now: Duration) -> [WorkerAction] {
        guard !exited else { return [] }
        var actions: [WorkerAction] = []
        switch event {
        case .start:
            if connection == .notStarted { connect(now: now, into: &actions) }
        case let .received(message):
            lastHeard = now
            receive(message, now: now, into: &actions)
        case let .undecodable(error):
            lastHeard = now
            actions.append(.log(.warning, "dropped a malformed message from the coordinator: \(error)"))
        case let .runFinished(report):
            guard case let .running(task) = work, task.taskID == report.taskID else {
                actions.append(.log(.warning, "result for task \(report.taskID), which is not running; dropped"))
                break
            }
            work = .reporting(report, lastSent: now)
            if stopping { stopDeadline = now + settings.stopGrace }
            if connection == .up { send(.result(report), now: now, into: &actions) }
        case let .runFailed(taskID, reason):
            guard case let .running(task) = work, task.taskID == taskID else {
                actions.append(.log(.warning, "failure of task \(taskID), which is not running; dropped"))
                break
            }
            actions.append(.log(.warning, "task \(taskID) failed: \(reason)"))
            work = .idle(askAt: now)
            if connection == .up { send(.error(taskID: taskID, reason: reason, abandoned: false), now: now, into: &actions) }
            if stopping { leave(now: now, into: &actions) }
        case .tick:
            tick(now: now, into: &actions)
        case let .stop(finishCurrent):
            stop(finishCurrent: finishCurrent, now: now, into: &actions)
        }
        if !exited && !stopping { askIfIdle(now: now, into: &actions) }
        return actions
    }

    // MARK: Messages

    private mutating func receive(_ message: WireMessage, now: Duration, into actions: inout [WorkerAction]) {
        switch message {
        case .welcome:
            guard connection == .greeting else { return }
            connection = .up
            backoff = settings.reconnectInitialDelay
            actions.append(.log(.info, "joined the coordinator"))
            switch work {
            case let .reporting(report, _):
                work = .reporting(report, lastSent: now)
                send(.result(report), now: now, into: &actions)
            case .asked:
                work = .idle(askAt: now)  // the old ready's answer is lost with the old socket
            case .idle, .running:
                break
            }
        case let .reject(reason):
            actions.append(.log(.error, "the coordinator refused us: \(reason)"))
            exit(.rejected(reason: reason), into: &actions)
        case let .task(task):
            guard work == .asked, !stopping else {
                actions.append(.log(.warning, "task \(task.taskID) arrived while not asking for work; giving it back"))
                send(.error(taskID: task.taskID, reason: stopping ? "worker stopping" : "worker busy", abandoned: true), now: now, into: &actions)
                return
            }
            if let sha = task.foundationSHA256, task.weights == nil, !cachedFoundations.contains(sha) {
                actions.append(.log(.warning, "task \(task.taskID) needs foundation \(sha), which is neither attached nor cached"))
                send(.error(taskID: task.taskID, reason: "foundation weights \(sha) neither attached nor cached", abandoned: true), now: now, into: &actions)
                work = .idle(askAt: now)
                return
            }
            work = .running(task)
            actions.append(.log(.info, "running task \(task.taskID)"))
            actions.append(.run(task))
        case .wait:
            if work == .asked { work = .idle(askAt: now + settings.waitRetryInterval) }
        case .bye:
            if let running = runningTaskID { actions.append(.log(.info, "the sweep is finished; abandoning task \(running)")) }
            actions.append(.log(.info, "the coordinator said bye"))
            exit(.finished, into: &actions)
        case let .ack(taskID):
            guard case let .reporting(report, _) = work, report.taskID == taskID else {
                actions.append(.log(.debug, "ack for task \(taskID), which is not awaiting one"))
                return
            }
            work = .idle(askAt: now)
            if stopping { leave(now: now, into: &actions) }
        case .heartbeat:
            break
        case .hello, .ready, .result, .error:
            actions.append(.log(.warning, "\(message.kind.rawValue) is a worker's message; dropped"))
        }
    }

    // MARK: Time

    private mutating func tick(now: Duration, into actions: inout [WorkerAction]) {
        if let stopDeadline, now >= stopDeadline {
            actions.append(.log(.warning, "no ack within the stop grace; leaving with the result undelivered"))
            exit(.stopped, into: &actions)
            return
        }
        switch connection {
        case .notStarted:
            return
        case let .down(reconnectAt):
            if now >= reconnectAt { connect(now: now, into: &actions) }
            return
        case .greeting, .up:
            break
        }
        if now - lastHeard > settings.livenessTimeout {
            actions.append(.log(.warning, "coordinator silent for \((now - lastHeard).logText); reconnecting in \(backoff.logText)"))
            actions.append(.disconnect)
            connection = .down(reconnectAt: now + backoff)
            backoff = min(backoff * 2, settings.reconnectMaxDelay)
            if work == .asked { work = .idle(askAt: now) }
            return
        }
        if connection == .up, case let .reporting(report, sentAt) = work, now - sentAt >= settings.resultResendInterval {
            work = .reporting(report, lastSent: now)
            send(.result(report), now: now, into: &actions)
        }
        if now - lastSent >= settings.heartbeatInterval {
            send(.heartbeat, now: now, into: &actions)
        }
    }

    // MARK: Stopping

    private mutating func stop(finishCurrent: Bool, now: Duration, into actions: inout [WorkerAction]) {
        stopping = true
        switch work {
        case .idle, .asked:
            leave(now: now, into: &actions)
        case let .running(task):
            if finishCurrent {
                actions.append(.log(.info, "stopping after task \(task.taskID)"))
            } else {
                actions.append(.log(.info, "stopping; abandoning task \(task.taskID)"))
                if connection == .up {
                    send(.error(taskID: task.taskID, reason: "worker stopping", abandoned: true), now: now, into: &actions)
                }
                leave(now: now, into: &actions)
            }
        case let .reporting(report, _):
            stopDeadline = now + settings.stopGrace
            actions.append(.log(.info, "stopping once task \(report.taskID)'s result is acknowledged (at most \(settings.stopGrace))"))
        }
    }

    /// Says bye (if connected) and exits; used once nothing is owed to the coordinator.
    private mutating func leave(now: Duration, into actions: inout [WorkerAction]) {
        if connection == .up { send(.bye, now: now, into: &actions) }
        exit(.stopped, into: &actions)
    }

    // MARK: Helpers

    private mutating func connect(now: Duration, into actions: inout [WorkerAction]) {
        actions.append(.connect)
        connection = .greeting
        lastHeard = now
        send(.hello(Hello(workerID: workerID, host: host, cores: cores, cachedFoundations: cachedFoundations)), now: now, into: &actions)
    }

    private mutating func askIfIdle(now: Duration, into actions: inout [WorkerAction]) {
        guard connection == .up, case let .idle(askAt) = work, now >= askAt else { return }
        work = .asked
        send(.ready(cachedFoundations: cachedFoundations), now: now, into: &actions)
    }

    private mutating func send(_ message: WireMessage, now: Duration, into actions: inout [WorkerAction]) {
        actions.append(.send(message))
        lastSent = now
    }

    private mutating func exit(_ reason: WorkerExit, into actions: inout [WorkerAction]) {
        exited = true
        actions.append(.exit(reason))
    }
}
