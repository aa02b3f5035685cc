import Foundation

/// What the coordinator's shell feeds the scheduler.
public enum SchedulerEvent: Equatable, Sendable {
    /// A message from a peer, decoded.
    case received(PeerID, WireMessage)
    /// Frames from a peer that did not decode (logged; a wrong version is answered with
    /// `reject`).
    case undecodable(PeerID, WireError)
    /// Time passed; call at least every `heartbeatInterval` (e.g. on each poll timeout).
    case tick
}

/// What the scheduler asks its shell to do, in order.
///
/// Durability rule: `.storeArtifact` and `.persist` are durable writes, and every send
/// that comes after one of them in the action sequence must not leave before that write
/// is durable (an `ack` promises the result is on disk). Group commit fits: a shell may
/// gather the actions of several events, perform the writes (artifacts, then all
/// `.persist` records in one journal append with one fsync), then the sends in order.
public enum SchedulerAction: Equatable, Sendable {
    /// Send a message.
    case send(PeerID, WireMessage)
    /// Send a task. When `attachWeightsSHA256` is set, load that artifact and put it in
    /// `weights` first (the worker does not hold it); otherwise send as is.
    case sendTask(PeerID, TaskAssignment, attachWeightsSHA256: String?)
    /// Store foundation weights by hash in the run's artifacts (durably).
    case storeArtifact(sha256: String, weights: Data)
    /// Append a record to the journal (durably).
    case persist(JournalRecord)
    /// Tell the operator.
    case log(LogLevel, String)
    /// Every task is done or failed; emitted once.
    case finished
}

/// Counts for the progress line.
public struct SchedulerProgress: Equatable, Sendable {
    /// Tasks in the sweep.
    public var total: Int
    /// Tasks with a result.
    public var done: Int
    /// Leased to a worker now.
    public var running: Int
    /// Waiting for a worker or for their foundation.
    public var queued: Int
    /// Tasks given up on.
    public var failed: Int
    /// Workers that said hello and are not presumed dead.
    public var workers: Int

    /// Memberwise.
    public init(total: Int, done: Int, running: Int, queued: Int, failed: Int, workers: Int) {
        self.total = total
        self.done = done
        self.running = running
        self.queued = queued
        self.failed = failed
        self.workers = workers
    }
}

/// Where one task stands, for the shell's reports and for tests.
public enum SchedulerTaskStatus: Equatable, Sendable {
    /// Waiting for a worker or its foundation.
    case queued
    /// Leased to this peer.
    case running(PeerID)
    /// A result is recorded.
    case done
    /// Given up, with every reason.
    case failed(reasons: [String])

    /// Done or failed: a task in this state never changes again in this run.
    public var isFinal: Bool {
        switch self {
        case .done, .failed: true
        case .queued, .running: false
        }
    }
}
