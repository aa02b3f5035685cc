import Foundation

/// The coordinator's scheduling brain as a pure value (style.md, after
/// swift-cluster-membership's `SWIMInstance`): `handle(event, now)` returns actions for
/// the shell and does no I/O. `now` is monotonic time since the shell started.
///
/// Rules (architecture.md "Wire protocol", reliability.md "What we promise"):
/// - `hello` -> `welcome`, or `reject` when the version differs. A peer must say hello
///   before its `ready`, `heartbeat` or `error` count; until then they are dropped, and
///   the worker's own liveness timer makes it reconnect and say hello.
/// - `ready` -> a task (foundations first; an adapt only once its foundation has a result,
///   preferring adapts whose foundation the worker holds), else `wait`, else `bye`.
///   A `ready` from a peer that holds a lease means it forgot the task: a lost lease.
/// - Any message refreshes a peer's liveness; `.tick` sends heartbeats to peers sent
///   nothing for `heartbeatInterval` and presumes dead those silent beyond
///   `livenessTimeout`, returning their task to the queue as a lost lease.
/// - `result`: the first per task id wins -> (`storeArtifact`), `persist`, `ack`.
///   Duplicates are acked and not persisted. Results for task ids not in the sweep are
///   logged and acked: acking is harmless (nothing is recorded) and stops the worker's
///   re-sends, e.g. of a result from an older sweep after a restart on a new run.
///   Results are accepted from any peer, welcomed or not, so a worker's re-sends reach a
///   restarted coordinator.
/// - `error`: counts an attempt; after `maxAttempts` the task fails with every reason,
///   and a failed foundation fails its adapts ("foundation failed"). An `abandoned`
///   error (a stopping worker) is a lost lease instead.
public struct Scheduler: Sendable {
    /// The tunables.
    public let settings: SchedulerSettings

    private struct TaskEntry: Sendable {
        let spec: TaskSpec
        let dependencyID: String?
        var status: SchedulerTaskStatus = .queued
        /// Runs started (leases granted) in this coordinator's life, plus one per resume.
        var attempts = 0
        var errors = 0
        var lostLeases = 0
        var reasons: [String] = []
    }

    private struct PeerEntry: Sendable {
        var hello: Hello
        var lastHeard: Duration
        var lastSent: Duration
        var lease: String?
        var cached: Set<String>
    }

    private var tasks: [String: TaskEntry] = [:]
    /// Task ids in sweep order (foundations first).
    private let order: [String]
    /// Task id -> its adapts, for failing dependents.
    private let dependents: [String: [String]]
    private var peers: [PeerID: PeerEntry] = [:]
    /// Foundation task id -> hex SHA-256 of its weights.
    private var foundationHashes: [String: String] = [:]
    private var announcedFinished = false
    /// Tasks per status, kept in step by `setStatus` so progress and `isFinished` cost
    /// nothing per event (they are asked on every event).
    private var counts = StatusCounts()
    /// How many tasks at the head of `order` are done or failed.
    private var terminalPrefix = 0

    private struct StatusCounts: Sendable {
        var queued = 0, running = 0, done = 0, failed = 0

        mutating func add(_ status: SchedulerTaskStatus, _ delta: Int) {
            switch status {
            case .queued: queued += delta
            case .running: running += delta
            case .done: done += delta
            case .failed: failed += delta
            }
        }
    }

    /// Journal records that named tasks outside this sweep (ignored on resume).
    public private(set) var ignoredJournalRecords = 0

    /// A scheduler for `tasks`, resuming from `journal` (records already durable): tasks
    /// with a `done` record are never run again; `failed` ones per
    /// `settings.retryFailedOnResume`. Every adapt's foundation must be among `tasks`.
    public init(tasks specs: [TaskSpec], journal: [JournalRecord] = [], settings: SchedulerSettings = SchedulerSettings()) {
        self.settings = settings
        var order: [String] = []
        var entries: [String: TaskEntry] = [:]
        var dependents: [String: [String]] = [:]
        for spec in specs {
            let id = spec.id
            guard entries[id] == nil else { continue }
            let dependencyID = spec.dependency?.id
            entries[id] = TaskEntry(spec: spec, dependencyID: dependencyID)
            order.append(id)
            if let dependencyID { dependents[dependencyID, default: []].append(id) }
        }
        for (foundation, _) in dependents {
            precondition(entries[foundation] != nil, "an adapt task's foundation \(foundation) is not in the task list")
        }
        for record in journal {
            guard var entry = entries[record.taskID] else {
                ignoredJournalRecords += 1
                continue
            }
            if entry.status == .done { continue }
            switch record.status {
            case .done:
                entry.status = .done
                if let sha = record.outcome?.foundation?.weightsSHA256 { foundationHashes[record.taskID] = sha }
            case .failed:
                if !settings.retryFailedOnResume {
                    entry.status = .failed(reasons: record.failureReasons ?? [])
                }
            }
            entry.attempts = max(entry.attempts, record.attempts)
            entries[record.taskID] = entry
        }
        self.order = order
        self.dependents = dependents
        tasks = entries
        for entry in entries.values { counts.add(entry.status, 1) }
        // A foundation that stays failed keeps its adapts failed (their records were
        // journaled with it, so nothing is persisted again).
        for id in order {
            guard case .failed = entries[id]?.status, let children = dependents[id] else { continue }
            for child in children where tasks[child]?.status == .queued {
                setStatus(child, .failed(reasons: ["foundation failed"]))
            }
        }
    }

    /// The one way a task's status changes (besides the journal replay in `init`).
    private mutating func setStatus(_ taskID: String, _ status: SchedulerTaskStatus) {
        guard let old = tasks[taskID]?.status else { return }
        counts.add(old, -1)
        counts.add(status, 1)
        tasks[taskID]?.status = status
    }

    // MARK: Queries

    /// Counts for the progress line.
    public var progress: SchedulerProgress {
        SchedulerProgress(
            total: order.count, done: counts.done, running: counts.running, queued: counts.queued,
            failed: counts.failed, workers: peers.count)
    }

    /// Every task is done or failed.
    public var isFinished: Bool { counts.done + counts.failed == order.count }

    /// Where a task stands; nil for an id not in the sweep.
    public func status(of taskID: String) -> SchedulerTaskStatus? { tasks[taskID]?.status }

    /// The hash of a finished foundation's weights.
    public func foundationSHA256(of taskID: String) -> String? { foundationHashes[taskID] }

    /// Peers that said hello and are not presumed dead, with their worker ids.
    public var workers: [PeerID: String] { peers.mapValues(\.hello.workerID) }

    // MARK: Events

    /// Applies one event at monotonic time `now`; returns what the shell must do, in order.
    public mutating func handle(_ event: SchedulerEvent, now: Duration) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        switch event {
        case .tick:
            tick(now: now, into: &actions)
        case let .undecodable(peer, error):
            peers[peer]?.lastHeard = now
            actions.append(.log(.warning, "dropped a malformed message from \(name(peer)): \(error)"))
            if case .wrongVersion = error {
                send(.reject(reason: error.description), to: peer, now: now, into: &actions)
            }
        case let .received(peer, message):
            peers[peer]?.lastHeard = now
            receive(message, from: peer, now: now, into: &actions)
        }
        if !announcedFinished && isFinished {
            announcedFinished = true
            let p = progress
            actions.append(.log(.info, "sweep finished: \(p.done) done, \(p.failed) failed"))
            for peer in peers.keys.sorted(by: Self.peerOrder) {
                send(.bye, to: peer, now: now, into: &actions)
            }
            actions.append(.finished)
        }
        return actions
    }

    private mutating func receive(_ message: WireMessage, from peer: PeerID, now: Duration, into actions: inout [SchedulerAction]) {
        switch message {
        case let .hello(hello):
            guard hello.version == WireProtocol.version else {
                if let lease = peers[peer]?.lease { loseLease(lease, reason: "worker \(hello.workerID) re-joined with another protocol version", into: &actions) }
                peers[peer] = nil
                actions.append(.log(.warning, "refused worker \(hello.workerID) at \(hello.host): protocol version \(hello.version)"))
                send(.reject(reason: "protocol version '\(hello.version)' is not supported; the coordinator speaks '\(WireProtocol.version)'"),
                     to: peer, now: now, into: &actions)
                return
            }
            if var known = peers[peer] {
                known.hello = hello
                known.cached = Set(hello.cachedFoundations)
                peers[peer] = known
                actions.append(.log(.info, "worker \(hello.workerID) at \(hello.host) said hello again"))
            } else {
                guard peers.count < WireProtocol.maxPeers else {
                    actions.append(.log(.warning, "refused worker \(hello.workerID) at \(hello.host): already \(peers.count) workers"))
                    send(.reject(reason: "the coordinator already serves \(WireProtocol.maxPeers) workers"), to: peer, now: now, into: &actions)
                    return
                }
                peers[peer] = PeerEntry(hello: hello, lastHeard: now, lastSent: now, lease: nil, cached: Set(hello.cachedFoundations))
                actions.append(.log(.info, "worker \(hello.workerID) joined from \(hello.host) with \(hello.cores) cores"))
            }
            send(.welcome, to: peer, now: now, into: &actions)

        case let .ready(cached):
            guard peers[peer] != nil else {
                actions.append(.log(.debug, "ready from \(name(peer)), which has not said hello; dropped"))
                return
            }
            peers[peer]?.cached = Set(cached)
            if let lease = peers[peer]?.lease {
                peers[peer]?.lease = nil
                loseLease(lease, reason: "worker \(name(peer)) asked for work while holding it", into: &actions)
            }
            dispatch(to: peer, now: now, into: &actions)

        case .heartbeat:
            if peers[peer] == nil {
                actions.append(.log(.debug, "heartbeat from \(name(peer)), which has not said hello; dropped"))
            }

        case let .result(report):
            accept(report, from: peer, now: now, into: &actions)

        case let .error(taskID, reason, abandoned):
            guard let lease = peers[peer]?.lease, lease == taskID else {
                actions.append(.log(.warning, "error for task \(taskID) from \(name(peer)), which does not hold it; dropped: \(reason)"))
                return
            }
            peers[peer]?.lease = nil
            let who = name(peer)
            if abandoned {
                loseLease(taskID, reason: "worker \(who) gave it up: \(reason)", into: &actions)
            } else {
                recordError(taskID, reason: "worker \(who): \(reason)", into: &actions)
            }

        case .bye:
            guard let entry = peers.removeValue(forKey: peer) else { return }
            actions.append(.log(.info, "worker \(entry.hello.workerID) left"))
            if let lease = entry.lease {
                loseLease(lease, reason: "worker \(entry.hello.workerID) left while running it", into: &actions)
            }

        case .welcome, .reject, .task, .wait, .ack:
            actions.append(.log(.warning, "\(message.kind.rawValue) from \(name(peer)) is a coordinator's message; dropped"))
        }
    }

    // MARK: Dispatch

    private mutating func dispatch(to peer: PeerID, now: Duration, into actions: inout [SchedulerAction]) {
        if isFinished {
            send(.bye, to: peer, now: now, into: &actions)
            return
        }
        guard let cached = peers[peer]?.cached, let taskID = nextTask(cached: cached), var entry = tasks[taskID] else {
            send(.wait, to: peer, now: now, into: &actions)
            return
        }
        entry.attempts += 1
        tasks[taskID] = entry
        setStatus(taskID, .running(peer))
        peers[peer]?.lease = taskID
        var assignment = TaskAssignment(spec: entry.spec, taskID: taskID)
        var attach: String?
        if let dependency = entry.dependencyID, let sha = foundationHashes[dependency] {
            assignment.foundationSHA256 = sha
            attach = cached.contains(sha) ? nil : sha
        }
        actions.append(.sendTask(peer, assignment, attachWeightsSHA256: attach))
        peers[peer]?.lastSent = now
    }

    /// The first queued foundation; else the first runnable adapt, preferring one whose
    /// foundation the worker holds.
    private mutating func nextTask(cached: Set<String>) -> String? {
        // Done and failed are final, so the scan skips the finished prefix for good.
        while terminalPrefix < order.count, let status = tasks[order[terminalPrefix]]?.status, status.isFinal {
            terminalPrefix += 1
        }
        var firstRunnable: String?
        for id in order[terminalPrefix...] {
            guard let entry = tasks[id], entry.status == .queued else { continue }
            guard let dependency = entry.dependencyID else { return id }
            guard let sha = foundationHashes[dependency] else { continue }
            if cached.contains(sha) { return id }
            if firstRunnable == nil { firstRunnable = id }
        }
        return firstRunnable
    }

    // MARK: Results and failures

    private mutating func accept(_ report: ResultReport, from peer: PeerID, now: Duration, into actions: inout [SchedulerAction]) {
        defer { send(.ack(taskID: report.taskID), to: peer, now: now, into: &actions) }
        if peers[peer]?.lease == report.taskID { peers[peer]?.lease = nil }
        guard let entry = tasks[report.taskID] else {
            actions.append(.log(.warning, "result from \(name(peer)) for task \(report.taskID), which is not in this sweep; acked, not recorded"))
            return
        }
        switch entry.status {
        case .done:
            actions.append(.log(.info, "duplicate result for task \(report.taskID) from \(name(peer)); acked, not recorded"))
            return
        case .failed:
            actions.append(.log(.warning, "result for task \(report.taskID) from \(name(peer)) after it was reported failed; acked, not recorded"))
            return
        case .queued, .running:
            break
        }
        // A result of the wrong shape is the worker's error, not a sample.
        let weightsSHA = report.outcome.foundation?.weightsSHA256
        let shapeOK = switch entry.spec.kind {
        case .foundation: weightsSHA != nil && report.weights != nil && report.outcome.metrics == nil
        case .adapt: report.outcome.metrics != nil && report.outcome.foundation == nil && report.weights == nil
        }
        guard shapeOK else {
            if case .running(let holder) = entry.status, holder == peer {
                recordError(report.taskID, reason: "worker \(name(peer)): result does not fit a \(entry.spec.kind.rawValue) task", into: &actions)
            } else {
                actions.append(.log(.warning, "result of the wrong kind for task \(report.taskID) from \(name(peer)); dropped"))
            }
            return
        }
        if case .running(let holder) = entry.status, holder != peer {
            peers[holder]?.lease = nil  // its result, if it comes, will be a duplicate
        }
        if let weightsSHA, let weights = report.weights {
            actions.append(.storeArtifact(sha256: weightsSHA, weights: weights))
            foundationHashes[report.taskID] = weightsSHA
        }
        setStatus(report.taskID, .done)
        let record = JournalRecord.done(
            spec: entry.spec, taskID: report.taskID, outcome: report.outcome, workerID: peers[peer]?.hello.workerID ?? "peer \(peer)",
            attempts: max(1, entry.attempts))
        actions.append(.persist(record))
        actions.append(.log(.debug, "task \(report.taskID) done by \(name(peer))"))
    }

    private mutating func recordError(_ taskID: String, reason: String, into actions: inout [SchedulerAction]) {
        guard var entry = tasks[taskID] else { return }
        entry.errors += 1
        entry.reasons.append(reason)
        tasks[taskID] = entry
        setStatus(taskID, .queued)
        actions.append(.log(.warning, "task \(taskID) failed (attempt \(entry.errors) of \(settings.maxAttempts)): \(reason)"))
        if entry.errors >= settings.maxAttempts { fail(taskID, into: &actions) }
    }

    private mutating func loseLease(_ taskID: String, reason: String, into actions: inout [SchedulerAction]) {
        guard var entry = tasks[taskID], case .running = entry.status else { return }
        entry.lostLeases += 1
        entry.reasons.append(reason)
        tasks[taskID] = entry
        setStatus(taskID, .queued)
        actions.append(.log(.warning, "task \(taskID) back in the queue (lost lease \(entry.lostLeases) of \(settings.maxLostLeases)): \(reason)"))
        if entry.lostLeases >= settings.maxLostLeases { fail(taskID, into: &actions) }
    }

    private mutating func fail(_ taskID: String, into actions: inout [SchedulerAction]) {
        guard let entry = tasks[taskID] else { return }
        setStatus(taskID, .failed(reasons: entry.reasons))
        actions.append(.persist(.failed(spec: entry.spec, taskID: taskID, reasons: entry.reasons, attempts: entry.attempts)))
        actions.append(.log(.error, "task \(taskID) failed: \(entry.reasons.joined(separator: "; "))"))
        for child in dependents[taskID] ?? [] {
            guard let dependent = tasks[child], dependent.status == .queued else { continue }
            let reasons = ["foundation failed (task \(taskID))"]
            setStatus(child, .failed(reasons: reasons))
            actions.append(.persist(.failed(spec: dependent.spec, taskID: child, reasons: reasons, attempts: dependent.attempts)))
        }
    }

    // MARK: Time

    private mutating func tick(now: Duration, into actions: inout [SchedulerAction]) {
        for peer in peers.keys.sorted(by: Self.peerOrder) {
            guard let entry = peers[peer] else { continue }
            if now - entry.lastHeard > settings.livenessTimeout {
                peers[peer] = nil
                actions.append(.log(.warning, "worker \(entry.hello.workerID) presumed dead (silent for \((now - entry.lastHeard).logText))"))
                if let lease = entry.lease {
                    loseLease(lease, reason: "worker \(entry.hello.workerID) presumed dead while running it", into: &actions)
                }
            } else if !isFinished && now - entry.lastSent >= settings.heartbeatInterval {
                // Once the sweep is over every peer has been told bye: nothing to keep alive.
                send(.heartbeat, to: peer, now: now, into: &actions)
            }
        }
    }

    private mutating func send(_ message: WireMessage, to peer: PeerID, now: Duration, into actions: inout [SchedulerAction]) {
        actions.append(.send(peer, message))
        peers[peer]?.lastSent = now
    }

    private func name(_ peer: PeerID) -> String {
        peers[peer].map { $0.hello.workerID } ?? "peer \(peer)"
    }

    private static func peerOrder(_ a: PeerID, _ b: PeerID) -> Bool {
        a.routingID.lexicographicallyPrecedes(b.routingID)
    }
}
