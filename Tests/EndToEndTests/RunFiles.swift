// Reading a run directory as a user would: the journal line format, results.json and
// table.json decoded by the tests' own types (not the library's), so the files are
// checked against what they promise rather than against the code that wrote them.
import Foundation
import Testing

/// Real data, found through `SEEDFARM_TEST_DATA` (an IDX directory such as
/// /work/shared/data/mnist-subset). Unset: real-data tests are skipped with this reason;
/// set to something missing: they fail.
enum TestData {
    static let variable = "SEEDFARM_TEST_DATA"

    static var directory: String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// `@Test(TestData.required)`.
    static var required: ConditionTrait {
        .enabled(
            if: directory != nil,
            "SEEDFARM_TEST_DATA not set: set it to an IDX directory such as /work/shared/data/mnist-subset to run the end-to-end sweeps")
    }

    static func requireDirectory() throws -> String {
        let path = try #require(directory, "\(variable) is not set")
        var isDirectory: ObjCBool = false
        try #require(
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue,
            "\(variable)=\(path) is not a directory")
        // Absolute, so child processes started in other directories find it too.
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

// MARK: - Journal

/// One journal line: `<16 hex checksum> <json>\n`.
struct JournalLine: Equatable {
    /// The line's bytes, newline included.
    var bytes: Data
    var taskID: String
    var status: String
    var workerID: String?
}

/// A journal file split into complete, well-formed lines and whatever follows them.
struct JournalFile {
    var lines: [JournalLine]
    /// Bytes after the last complete line (a torn append), empty normally.
    var tail: Data

    init(_ data: Data) throws {
        lines = []
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: 0x0A) {
            let line = data[start...newline]
            lines.append(try Self.parse(Data(line), number: lines.count + 1))
            start = data.index(after: newline)
        }
        tail = Data(data[start...])
    }

    init(contentsOf url: URL) throws {
        try self.init(try Data(contentsOf: url))
    }

    var taskIDs: [String] { lines.map(\.taskID) }

    /// Task ids that occur more than once.
    var duplicateTaskIDs: [String] {
        Dictionary(grouping: taskIDs, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    }

    private static func parse(_ line: Data, number: Int) throws -> JournalLine {
        let bytes = [UInt8](line)
        let hex = Set("0123456789abcdef".utf8)
        guard bytes.count > 18, bytes[16] == 0x20, bytes[..<16].allSatisfy({ hex.contains($0) }) else {
            throw HarnessError("journal line \(number) does not start with a 16-hex-digit checksum and a space")
        }
        let json = Data(bytes[17..<(bytes.count - 1)])
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any],
              let taskID = object["task_id"] as? String, let status = object["status"] as? String else {
            throw HarnessError("journal line \(number) is not a record with task_id and status")
        }
        return JournalLine(bytes: line, taskID: taskID, status: status, workerID: object["worker_id"] as? String)
    }
}

// MARK: - results.json

struct ResultsDocument: Decodable {
    var tasks: [Entry]

    struct Entry: Decodable {
        var taskID: String
        var kind: String
        var status: String
        var spec: Spec
        var metrics: Metrics?
        var failureReasons: [String]?
        var workerID: String?
        var attempts: Int?

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id", kind, status, spec, metrics
            case failureReasons = "failure_reasons", workerID = "worker_id", attempts
        }

        var seed: UInt64 { spec.foundation.seed }
        var method: String? { spec.adaptation?.method }
    }

    struct Spec: Decodable {
        var foundation: FoundationPart
        var adaptation: Adaptation?
        struct FoundationPart: Decodable { var seed: UInt64 }
        struct Adaptation: Decodable { var method: String }
    }

    struct Metrics: Decodable {
        var trainableParams: Int
        var acc0: Double
        var accTheta: Double
        var highActFrac: Double?
        enum CodingKeys: String, CodingKey {
            case trainableParams = "trainable_params", acc0, accTheta = "acc_theta", highActFrac = "high_act_frac"
        }
    }

    init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(ResultsDocument.self, from: Data(contentsOf: url))
    }

    func adapt(method: String, seed: UInt64) -> Entry? {
        tasks.first { $0.method == method && $0.seed == seed }
    }

    /// Every task's entry as generic JSON with the fields that legitimately differ between
    /// two runs of the same sweep removed: wall-clock timings, which worker ran it, when
    /// (and, for a disturbed run, how many attempts it took).
    static func comparableEntries(_ url: URL, ignoringAttempts: Bool = false) throws -> [String: NSDictionary] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let tasks = try #require(root?["tasks"] as? [[String: Any]], "results.json has no tasks list")
        var result: [String: NSDictionary] = [:]
        for var task in tasks {
            let id = try #require(task["task_id"] as? String)
            task["worker_id"] = nil
            task["recorded_at"] = nil
            if ignoringAttempts { task["attempts"] = nil }
            for key in ["metrics", "foundation"] {
                guard var inner = task[key] as? [String: Any] else { continue }
                inner["train_seconds"] = nil
                inner["samples_per_second"] = nil
                task[key] = inner
            }
            result[id] = task as NSDictionary
        }
        return result
    }
}

// MARK: - table.json and table.md

struct TableDocument: Decodable {
    var caption: String
    var seeds: [UInt64]
    var rows: [Row]
    var notes: [String]

    struct Row: Decodable {
        var method: String
        var label: String
        var n: Int
        var seedsCompleted: [UInt64]
        var seedsExpected: [UInt64]
        var metrics: [String: Summary]
        enum CodingKeys: String, CodingKey {
            case method, label, n, metrics
            case seedsCompleted = "seeds_completed", seedsExpected = "seeds_expected"
        }
    }

    struct Summary: Decodable {
        var mean: Double?
        var std: Double?
        var n: Int
        var seeds: [UInt64]
    }

    init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(TableDocument.self, from: Data(contentsOf: url))
    }
}

/// The body rows of a Markdown table, as cells, keyed by their first cell.
func markdownRows(_ markdown: String) -> [String: [String]] {
    var rows: [String: [String]] = [:]
    for line in markdown.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| Method ") {
        let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            .dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
        if let first = cells.first { rows[first] = Array(cells) }
    }
    return rows
}

/// The lines of a worker log or stderr that say a task started: `running task <id>`.
func startedTaskIDs(in text: some StringProtocol) -> [String] {
    text.split(separator: "\n").compactMap { line in
        guard let range = line.range(of: "running task ") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }
}

func readText(_ url: URL) throws -> String {
    try String(contentsOf: url, encoding: .utf8)
}
