import Foundation
import Testing

extension EndToEnd {
    /// SIGTERM is how schedulers and systemd stop a worker: it must leave cleanly, say so,
    /// and its task must run elsewhere at once (no heartbeat timeout to wait out).
    @Suite("Worker stop")
    struct WorkerStop {
        @Test("A worker stopped with SIGTERM mid-task gives the task back, says so, exits 0; the sweep completes; same table",
              TestData.required)
        func sigtermAbandonsTheTaskCleanly() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("worker-sigterm")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let port = try freeLoopbackPort()
            let endpoint = "tcp://127.0.0.1:\(port)"
            // A long heartbeat timeout: the task may only come back through the worker's own word.
            let coordinator = try processes.acceptingCoordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "0", "--heartbeat-timeout", "60"], port: port)
            let leaving = try processes.worker(
                "leaving", ["--connect", endpoint, "--id", "leaving"], environment: ["SEEDFARM_FAULTS": "delay=120"])
            var held = ""
            try waitUntil("the leaving worker to start a task", unlessExited: leaving) {
                held = startedTaskIDs(in: leaving.stderr).first ?? ""
                return !held.isEmpty
            }
            leaving.send(signal: SIGTERM)
            #expect(try leaving.waitForExit(timeout: Deadlines.event) == .exited(0))
            #expect(leaving.stderr.contains("abandoning task \(held)"), "stderr:\n\(leaving.stderrTail)")
            try waitUntil("the coordinator to requeue the abandoned task", unlessExited: coordinator) {
                coordinator.stderr.contains("task \(held) back in the queue")
            }
            #expect(coordinator.stderr.contains("gave it up"))

            let staying = try processes.worker("staying", ["--connect", endpoint, "--id", "staying"])
            try coordinator.expectExit(.exited(0))
            try staying.expectExit(.exited(0), timeout: Deadlines.event)
            let journal = try JournalFile(contentsOf: run.appendingPathComponent("journal.jsonl"))
            #expect(journal.duplicateTaskIDs == [])
            #expect(journal.lines.first { $0.taskID == held }?.workerID == "staying")
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
        }
    }
}
