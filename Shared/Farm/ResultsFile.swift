import Foundation

/// `results.json`: every task of the sweep with its settings, status and metrics, in
/// sweep order, for analysis outside seedfarm. Tasks without a record are `pending`.
public enum ResultsFile {
    private struct Entry: Encodable {
        var taskID: String
        var kind: String
        var status: String
        var spec: TaskSpec
        var metrics: Metrics?
        var foundation: FoundationOutcome?
        var failureReasons: [String]?
        var workerID: String?
        var attempts: Int?
        var recordedAt: String?

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id", kind, status, spec, metrics, foundation
            case failureReasons = "failure_reasons", workerID = "worker_id", attempts, recordedAt = "recorded_at"
        }

        /// Writes every key, absent values as null.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(taskID, forKey: .taskID)
            try c.encode(kind, forKey: .kind)
            try c.encode(status, forKey: .status)
            try c.encode(spec, forKey: .spec)
            try c.encode(metrics, forKey: .metrics)
            try c.encode(foundation, forKey: .foundation)
            try c.encode(failureReasons, forKey: .failureReasons)
            try c.encode(workerID, forKey: .workerID)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(recordedAt, forKey: .recordedAt)
        }
    }

    private struct File: Encodable {
        var sweep: SweepSpec
        var tasks: [Entry]
    }

    /// The `results.json` bytes.
    public static func encode(spec: SweepSpec, records: [JournalRecord]) throws -> Data {
        let final = JournalRecord.final(records)
        let entries = spec.tasks.map { task -> Entry in
            let id = task.id
            let record = final[id]
            return Entry(
                taskID: id, kind: task.kind.rawValue, status: record?.status.rawValue ?? "pending", spec: task,
                metrics: record?.outcome?.metrics, foundation: record?.outcome?.foundation,
                failureReasons: record?.failureReasons, workerID: record?.workerID, attempts: record?.attempts,
                recordedAt: record?.recordedAt)
        }
        return try CanonicalJSON.encodePretty(File(sweep: spec.normalised(), tasks: entries))
    }
}
