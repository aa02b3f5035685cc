import Foundation
import Testing

/// Every end-to-end suite is nested here: `.serialized` applies to all of them, so the
/// sweeps (each several processes) never fight over the machine's cores.
@Suite("End to end (real processes)", .serialized)
struct EndToEnd {}

extension EndToEnd {
    @Suite("Sweep tables")
    struct SweepTables {
        @Test("2 seeds x 6 methods on 2 local workers: every cell is the mean ± sample std of the tasks' metrics, with n and the seeds named",
              TestData.required)
        func cellsAreMeanAndSampleStdOfTaskMetrics() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("table")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            // Default epochs: the product's own settings, two seeds.
            let coordinator = try processes.coordinator(
                ["sweep", "--data", data, "--seeds", "2", "--methods", SmallSweep.methods.joined(separator: ","),
                 "--local-workers", "2", "--out", run.path])
            try coordinator.expectExit(.exited(0))

            let results = try ResultsDocument(contentsOf: run.appendingPathComponent("results.json"))
            #expect(results.tasks.count == SmallSweep.taskCount)
            #expect(results.tasks.filter { $0.status != "done" }.map(\.taskID) == [])
            let table = try TableDocument(contentsOf: run.appendingPathComponent("table.json"))
            let markdown = try readText(run.appendingPathComponent("table.md"))
            #expect(coordinator.stdout.trimmingCharacters(in: .newlines) == markdown.trimmingCharacters(in: .newlines),
                    "the table printed on stdout is table.md")
            #expect(table.seeds == [0, 1])
            #expect(table.caption.contains("2 seeds (0,1)"), "caption: \(table.caption)")
            #expect(markdown.hasPrefix(table.caption + "\n"))
            #expect(table.notes == [])
            #expect(table.rows.map(\.method) == SmallSweep.methods)
            let cells = markdownRows(markdown)

            for method in SmallSweep.methods {
                let entries = try [UInt64(0), 1].map { seed in
                    try #require(results.adapt(method: method, seed: seed), "no \(method) task for seed \(seed) in results.json")
                }
                let metrics = try entries.map { try #require($0.metrics, "\(method) seed \($0.seed) has no metrics") }
                let row = try #require(table.rows.first { $0.method == method })
                let cell = try #require(cells[method], "no \(method) row in table.md")
                try #require(cell.count == 6, "\(method) row has \(cell.count) cells: \(cell)")
                #expect(row.n == 2 && cell[5] == "2", "\(method): n")
                #expect(row.seedsCompleted == [0, 1] && row.seedsExpected == [0, 1], "\(method): seeds")

                // Accuracies: mean ± sample std to 3 decimals in Markdown, full precision in JSON.
                for (name, values, column) in [("acc0", metrics.map(\.acc0), 2), ("acc_theta", metrics.map(\.accTheta), 3)] {
                    #expect(cell[column] == Expected.cell(values), "\(method) \(name): table.md has '\(cell[column])'")
                    let summary = try #require(row.metrics[name])
                    Expected.check(summary, values: values, seeds: [0, 1], "\(method) \(name)")
                }
                // High-act fraction: TauGate's alone; blank (never zero) elsewhere.
                let high = metrics.compactMap(\.highActFrac)
                if method == "taugate" {
                    try #require(high.count == 2, "taugate lacks high_act_frac")
                    #expect(cell[4] == Expected.cell(high), "taugate high_act_frac: table.md has '\(cell[4])'")
                    Expected.check(try #require(row.metrics["high_act_frac"]), values: high, seeds: [0, 1], "taugate high_act_frac")
                } else {
                    #expect(high.isEmpty && cell[4] == "" && row.metrics["high_act_frac"]?.mean == nil, "\(method): high_act_frac must be blank")
                }
                // Trainable parameters: the same for every seed, so one integer.
                let params = metrics.map(\.trainableParams)
                #expect(Set(params).count == 1, "\(method): trainable params differ between seeds: \(params)")
                #expect(cell[1] == String(params[0]), "\(method) params: table.md has '\(cell[1])'")
            }
        }

        @Test("coordinator table RUN_DIR --format md|csv|json|latex re-renders the files the sweep wrote, byte for byte",
              TestData.required, arguments: [("md", "table.md"), ("csv", "table.csv"), ("json", "table.json"), ("latex", "table.tex")])
        func tableCommandMatchesWrittenFiles(format: String, file: String) throws {
            let run = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("table-command")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let command = try processes.coordinator("table-\(format)", ["table", run.path, "--format", format])
            try command.expectExit(.exited(0), timeout: Deadlines.usageError)
            let written = try Data(contentsOf: run.appendingPathComponent(file))
            #expect(!written.isEmpty)
            #expect(Data(command.stdout.utf8) == written, "coordinator table --format \(format) differs from \(file)")
        }

        @Test("The same sweep on 1 worker and on 2 workers gives byte-identical tables and identical metrics apart from timings",
              TestData.required)
        func oneWorkerAndTwoWorkersAgree() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("determinism")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let coordinator = try processes.coordinator(SmallSweep.arguments(data: data, out: run) + ["--local-workers", "1"])
            try coordinator.expectExit(.exited(0))

            // The comparison means something only if the reference really spread its tasks.
            let referenceWorkers = Set(try JournalFile(contentsOf: reference.appendingPathComponent("journal.jsonl")).lines.compactMap(\.workerID))
            #expect(referenceWorkers == ["local-0", "local-1"], "the 2-worker reference ran on \(referenceWorkers)")
            let singleWorkers = Set(try JournalFile(contentsOf: run.appendingPathComponent("journal.jsonl")).lines.compactMap(\.workerID))
            #expect(singleWorkers == ["local-0"])

            for file in ["table.md", "table.csv", "table.json", "table.tex"] {
                let one = try readText(run.appendingPathComponent(file))
                let two = try readText(reference.appendingPathComponent(file))
                #expect(one == two, "\(file) differs between 1 and 2 workers:\n--- 1 worker\n\(one)\n--- 2 workers\n\(two)")
            }
            try expectSameResults(run, reference)
        }
    }
}

/// results.json of two runs of one sweep agree task by task, timings and worker names
/// aside (and attempt counts, for a run whose workers were disturbed).
func expectSameResults(_ a: URL, _ b: URL, ignoringAttempts: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let left = try ResultsDocument.comparableEntries(a.appendingPathComponent("results.json"), ignoringAttempts: ignoringAttempts)
    let right = try ResultsDocument.comparableEntries(b.appendingPathComponent("results.json"), ignoringAttempts: ignoringAttempts)
    #expect(left.keys.sorted() == right.keys.sorted(), "the runs hold different tasks", sourceLocation: sourceLocation)
    for (id, entry) in left.sorted(by: { $0.key < $1.key }) {
        #expect(entry == right[id], "task \(id) differs:\n\(entry)\nvs\n\(right[id].map { "\($0)" } ?? "nothing")",
                sourceLocation: sourceLocation)
    }
}

/// What a table cell must hold, computed here independently of the library.
enum Expected {
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// Sample standard deviation (n - 1), two-pass.
    static func sampleStd(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// `mean ± std` to 3 decimals, or the mean alone for one value.
    static func cell(_ values: [Double]) -> String {
        let m = String(format: "%.3f", mean(values))
        return values.count < 2 ? m : "\(m) ± \(String(format: "%.3f", sampleStd(values)))"
    }

    /// table.json's summary against the values. Tolerance 1e-12: the same sums in the
    /// same order give the same doubles; the slack only absorbs a reordered addition.
    static func check(_ summary: TableDocument.Summary, values: [Double], seeds: [UInt64], _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(summary.n == values.count && summary.seeds == seeds, "\(what): n \(summary.n), seeds \(summary.seeds)",
                sourceLocation: sourceLocation)
        #expect(summary.mean.map { abs($0 - mean(values)) <= 1e-12 } == true, "\(what): mean \(String(describing: summary.mean)) vs \(mean(values))",
                sourceLocation: sourceLocation)
        if values.count >= 2 {
            #expect(summary.std.map { abs($0 - sampleStd(values)) <= 1e-12 } == true,
                    "\(what): std \(String(describing: summary.std)) vs \(sampleStd(values))", sourceLocation: sourceLocation)
        } else {
            #expect(summary.std == nil, "\(what): a single value has no sample std", sourceLocation: sourceLocation)
        }
    }
}
