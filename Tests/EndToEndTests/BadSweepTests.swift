import Foundation
import Testing

extension EndToEnd {
    /// A bad sweep is a usage error (exit 2) that names the fault, caught before any work:
    /// no run directory appears. None of these needs real data.
    @Suite("Bad sweeps")
    struct BadSweeps {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var arguments: [String]
            /// Written to `sweep.json` in the scratch directory and passed as `--config` when set.
            var config: String?
            /// What stderr must say.
            var message: String
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "unknown method", arguments: ["--dataset", "synthetic", "--methods", "bitfit,sgd"],
                 message: "unknown method 'sgd'"),
            Case(name: "--seeds 0", arguments: ["--dataset", "synthetic", "--seeds", "0"],
                 message: "--seeds must be at least 1"),
            Case(name: "negative learning rate in a config file", arguments: ["--dataset", "synthetic"],
                 config: #"{"lr": {"bitfit": -1}}"#, message: "'lr.bitfit' must be positive"),
            Case(name: "unknown dataset", arguments: ["--dataset", "imagenet"], message: "unknown dataset 'imagenet'"),
            Case(name: "missing data directory", arguments: ["--data", "/nonexistent/seedfarm-e2e-data"],
                 message: "/nonexistent/seedfarm-e2e-data: no such directory"),
            Case(name: "unknown key in a config file", arguments: ["--dataset", "synthetic"],
                 config: #"{"seed": 3}"#, message: "'seed' (did you mean 'seeds'?)"),
            Case(name: "no workers at all", arguments: ["--dataset", "synthetic", "--local-workers", "0"],
                 message: "--local-workers 0 needs --bind"),
        ]

        @Test("A bad sweep exits 2 naming the fault before any work: no run directory", arguments: cases)
        func badSweepIsRefusedBeforeWork(_ bad: Case) throws {
            let scratch = try TemporaryDirectory("bad-sweep")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            var arguments = ["sweep"] + bad.arguments + ["--out", run.path]
            if let config = bad.config {
                let file = scratch.path("sweep.json")
                try Data(config.utf8).write(to: file)
                arguments += ["--config", file.path]
            }
            if !arguments.contains("--local-workers") { arguments += ["--local-workers", "1"] }
            let coordinator = try processes.coordinator(arguments)
            try coordinator.expectExit(.exited(2), timeout: Deadlines.usageError)
            #expect(coordinator.stderr.contains(bad.message), "stderr: \(coordinator.stderr)")
            #expect(coordinator.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: run.path), "a refused sweep must not create its run directory")
        }

        @Test("A run directory holding another sweep is refused with exit 2, leaving it untouched")
        func runDirectoryOfAnotherSweepIsRefused() throws {
            let scratch = try TemporaryDirectory("other-sweep")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let common = ["sweep", "--dataset", "synthetic", "--dry-run", "--methods", "frozen", "--local-workers", "1", "--out", run.path]
            let first = try processes.coordinator("coordinator-1", common + ["--seeds", "1"])
            try first.expectExit(.exited(0))
            let names = ["sweep.json", "journal.jsonl", "table.md", "results.json", "logs/worker-0.log"]
            let before = try names.map { try Data(contentsOf: run.appendingPathComponent($0)) }

            let second = try processes.coordinator("coordinator-2", common + ["--seeds", "2"])
            try second.expectExit(.exited(2), timeout: Deadlines.usageError)
            #expect(second.stderr.contains("holds a different sweep"), "stderr: \(second.stderr)")
            #expect(second.stderr.contains(run.path))
            let after = try names.map { try Data(contentsOf: run.appendingPathComponent($0)) }
            #expect(after == before, "the refused run changed the run directory (or started a worker)")
        }
    }
}
