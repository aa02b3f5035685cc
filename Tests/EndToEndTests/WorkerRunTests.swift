import Foundation
import Testing

extension EndToEnd {
    /// `worker run`: one task on this machine, as a separate process.
    @Suite("worker run")
    struct WorkerRun {
        /// Runs `worker run` with `arguments`; returns its stdout, failing on a non-zero exit.
        func run(_ arguments: [String], in scratch: TemporaryDirectory, name: String) throws -> String {
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let worker = try processes.worker(name, ["run"] + arguments)
            let termination = try worker.waitForExit(timeout: Deadlines.sweep)
            try #require(termination == .exited(0), "worker run exited \(termination): \(worker.stderrTail)")
            return worker.stdout
        }

        /// The metrics object without its wall-clock fields.
        func withoutTimings(_ json: String) throws -> [String: Any] {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object["train_seconds"] != nil)
            object["train_seconds"] = nil
            object["samples_per_second"] = nil
            return object
        }

        @Test("The same worker run twice gives byte-identical metrics, timings aside", TestData.required)
        func sameRunTwiceIsIdentical() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("worker-run")
            defer { scratch.remove() }
            let arguments = ["--data", data, "--seed", "3", "--method", "taugate", "--epochs-foundation", "2", "--epochs-adapt", "2"]
            let first = try run(arguments, in: scratch, name: "first")
            let second = try run(arguments, in: scratch, name: "second")
            let a = try withoutTimings(first), b = try withoutTimings(second)
            let options: JSONSerialization.WritingOptions = [.sortedKeys]
            #expect(try JSONSerialization.data(withJSONObject: a, options: options)
                    == JSONSerialization.data(withJSONObject: b, options: options))
            // What the issue asks `worker run` to print.
            for key in ["method", "seed", "trainable_params", "acc0", "acc_theta", "high_act_frac", "acc_theta_hard"] {
                #expect(a[key] != nil, "missing \(key)")
            }
            #expect(a["method"] as? String == "taugate")
            #expect(a["trainable_params"] as? Int == 512)
            let other = try withoutTimings(try run(
                ["--data", data, "--seed", "4", "--method", "taugate", "--epochs-foundation", "2", "--epochs-adapt", "2"],
                in: scratch, name: "other-seed"))
            #expect(other["acc_theta"] as? Double != a["acc_theta"] as? Double, "another seed gives other numbers")
        }

        @Test("A method without gates reports high_act_frac as null, not zero")
        func nonGateMethodWritesNull() throws {
            let scratch = try TemporaryDirectory("worker-run-null")
            defer { scratch.remove() }
            let output = try run(
                ["--dataset", "synthetic", "--seed", "0", "--method", "bitfit", "--epochs-foundation", "1", "--epochs-adapt", "1"],
                in: scratch, name: "bitfit")
            #expect(output.contains(#""high_act_frac":null"#))
            #expect(output.contains(#""trainable_params":266"#))
        }

        @Test("worker run refuses an unknown method with exit 2 and says which are known")
        func unknownMethodIsAUsageError() throws {
            let scratch = try TemporaryDirectory("worker-run-usage")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let worker = try processes.worker("bad", ["run", "--dataset", "synthetic", "--seed", "0", "--method", "sgd"])
            #expect(try worker.waitForExit(timeout: Deadlines.usageError) == .exited(2))
            #expect(worker.stderr.contains("unknown method 'sgd'"))
            #expect(worker.stderr.contains("taugate"))
        }
    }
}
