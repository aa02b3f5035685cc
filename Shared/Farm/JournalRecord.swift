import Foundation

/// One line of `journal.jsonl`: a task that finished, successfully or not.
public struct JournalRecord: Codable, Equatable, Sendable {
    /// How the task ended.
    public enum Status: String, Codable, Sendable {
        /// A worker's result was accepted; `outcome` is set.
        case done
        /// Given up after `maxAttempts` errors, `maxLostLeases` lost leases, or because its
        /// foundation failed; `failureReasons` says why.
        case failed
    }

    /// `spec.id`.
    public var taskID: String
    /// The task, in full, so a journal reads without its sweep.
    public var spec: TaskSpec
    /// Done or failed.
    public var status: Status
    /// Set exactly when `status == .done`.
    public var outcome: TaskOutcome?
    /// Every reason collected, oldest first; set when `status == .failed`.
    public var failureReasons: [String]?
    /// The worker whose result was accepted.
    public var workerID: String?
    /// Runs started for this task (1 for a first-time success).
    public var attempts: Int
    /// Wall-clock time the journal wrote the line (ISO 8601, UTC); stamped by
    /// `Journal.append` when nil, because the scheduler has no wall clock.
    public var recordedAt: String?

    /// A success.
    /// `taskID` must be `spec.id`; callers that hold it pass it to spare the hashing.
    public static func done(spec: TaskSpec, taskID: String? = nil, outcome: TaskOutcome, workerID: String?, attempts: Int) -> JournalRecord {
        JournalRecord(taskID: taskID ?? spec.id, spec: spec, status: .done, outcome: outcome, failureReasons: nil,
                      workerID: workerID, attempts: attempts, recordedAt: nil)
    }

    /// A failure with its reasons.
    public static func failed(spec: TaskSpec, taskID: String? = nil, reasons: [String], attempts: Int) -> JournalRecord {
        JournalRecord(taskID: taskID ?? spec.id, spec: spec, status: .failed, outcome: nil, failureReasons: reasons,
                      workerID: nil, attempts: attempts, recordedAt: nil)
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", spec, status, outcome
        case failureReasons = "failure_reasons"
        case workerID = "worker_id"
        case attempts
        case recordedAt = "recorded_at"
    }
}

extension JournalRecord {
    /// The record that stands for each task: its first `done` record (the first result
    /// wins), else its last `failed` one (a resume may have retried and failed again).
    public static func final(_ records: [JournalRecord]) -> [String: JournalRecord] {
        var result: [String: JournalRecord] = [:]
        for record in records {
            if let existing = result[record.taskID], existing.status == .done { continue }
            result[record.taskID] = record
        }
        return result
    }
}
