import Foundation
import Testing

extension EndToEnd {
    /// A remote worker outlives its coordinator: it reconnects with back-off when the
    /// coordinator restarts on the same endpoint, and the resumed sweep completes with it.
    @Suite("Worker reconnect")
    struct WorkerReconnect {
        @Test("A worker reconnects to a restarted coordinator and finishes the resumed sweep; same table",
              TestData.required)
        func workerRejoinsRestartedCoordinator() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("worker-reconnect")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let endpoint = "tcp://127.0.0.1:\(try freeLoopbackPort())"
            let arguments = SmallSweep.arguments(data: data, out: run) + ["--bind", endpoint, "--local-workers", "0"]

            // 1. A first coordinator and one worker, slowed so the sweep is cut short.
            let first = try processes.coordinator("first", arguments)
            try waitUntil("the first coordinator to accept workers", unlessExited: first) {
                first.stderr.contains("accepting workers at")
            }
            let worker = try processes.worker(
                "worker", ["--connect", endpoint, "--id", "steady", "--heartbeat-timeout", "2"],
                environment: ["SEEDFARM_FAULTS": "delay=0.3"])
            let journalURL = run.appendingPathComponent("journal.jsonl")
            try waitUntil("two results in the journal", unlessExited: first) {
                ((try? JournalFile(contentsOf: journalURL))?.lines.count ?? 0) >= 2
            }
            first.send(signal: SIGKILL)
            _ = try first.waitForExit(timeout: Deadlines.event)
            let before = try JournalFile(contentsOf: journalURL).lines.count
            #expect(before < SmallSweep.taskCount, "the sweep must be cut short for this test to mean anything")

            // 2. The worker notices the silence; a new coordinator on the same endpoint resumes.
            try waitUntil("the worker to notice the coordinator is gone", unlessExited: worker) {
                worker.stderr.contains("coordinator silent")
            }
            #expect(worker.isRunning)
            let second = try processes.coordinator("second", arguments)
            try second.expectExit(.exited(0))
            try worker.expectExit(.exited(0), timeout: Deadlines.event)

            #expect(second.stderr.contains("worker steady joined"), "stderr:\n\(second.stderrTail)")
            let journal = try JournalFile(contentsOf: journalURL)
            #expect(journal.lines.count == SmallSweep.taskCount)
            #expect(journal.duplicateTaskIDs == [])
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
        }
    }
}
