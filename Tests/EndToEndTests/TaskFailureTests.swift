import Foundation
import Testing

extension EndToEnd {
    @Suite("Failing tasks")
    struct FailingTasks {
        @Test("A task that throws on every attempt is reported failed after 3 attempts with its reasons; the rest completes; exit 1",
              TestData.required)
        func taskFailingEveryAttemptIsReportedAndTheSweepGoesOn() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("task-failure")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            // Local workers inherit the coordinator's environment, so both inject the fault.
            let coordinator = try processes.coordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"],
                environment: ["SEEDFARM_FAULTS": "fail=lora@1"])
            try coordinator.expectExit(.exited(1))

            // results.json: lora@1 failed with three reasons, everything else done.
            let results = try ResultsDocument(contentsOf: run.appendingPathComponent("results.json"))
            let failed = try #require(results.adapt(method: "lora", seed: 1))
            #expect(failed.status == "failed")
            #expect(failed.attempts == 3)
            let reasons = failed.failureReasons ?? []
            #expect(reasons.count == 3, "reasons: \(reasons)")
            #expect(reasons.allSatisfy { $0.contains("injected failure") }, "reasons: \(reasons)")
            #expect(results.tasks.filter { $0.taskID != failed.taskID && $0.status != "done" }.map(\.taskID) == [])

            // stderr names the task, the attempts and the reason.
            let stderr = coordinator.stderr
            for attempt in 1...3 {
                #expect(stderr.contains("task \(failed.taskID) failed (attempt \(attempt) of 3)"), "stderr:\n\(coordinator.stderrTail)")
            }
            let finalLine = stderr.split(separator: "\n").first { $0.contains("task \(failed.taskID) failed: ") }
            #expect(finalLine.map { $0.components(separatedBy: "injected failure").count - 1 } == 3,
                    "the final report must list all three reasons: \(String(describing: finalLine))")
            #expect(stderr.contains("1 task(s) failed"))

            // The table: lora has seed 0 alone and says seed 1 is missing; other rows untouched.
            let table = try TableDocument(contentsOf: run.appendingPathComponent("table.json"))
            let lora = try #require(table.rows.first { $0.method == "lora" })
            #expect(lora.n == 1 && lora.seedsCompleted == [0] && lora.seedsExpected == [0, 1])
            #expect(table.notes.contains("lora: seeds 0 of 0,1 completed"), "notes: \(table.notes)")
            let markdown = try readText(run.appendingPathComponent("table.md"))
            #expect(markdown.contains("- lora: seeds 0 of 0,1 completed"))
            let rows = markdownRows(markdown)
            let loraCells = try #require(rows["lora"])
            let seed0 = try #require(results.adapt(method: "lora", seed: 0)?.metrics)
            #expect(loraCells.count == 6 && loraCells[5] == "1")
            #expect(loraCells[2] == Expected.cell([seed0.acc0]) && loraCells[3] == Expected.cell([seed0.accTheta]),
                    "one seed: the mean alone, no ±; got \(loraCells)")
            let referenceRows = markdownRows(try readText(reference.appendingPathComponent("table.md")))
            for method in SmallSweep.methods where method != "lora" {
                #expect(rows[method] == referenceRows[method], "\(method) row differs from the undisturbed run")
            }
        }
    }
}
