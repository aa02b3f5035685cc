import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Dead and stalled workers (reliability.md, "Dead workers cost one lease"): the
    /// coordinator binds a loopback port and the test starts the workers itself.
    @Suite("Worker failures")
    struct WorkerFailures {
        @Test("A worker SIGKILLed mid-task costs one lease: the sweep completes, each task journaled once, the undisturbed table",
              TestData.required)
        func killedWorkerTaskIsRequeued() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("worker-kill")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let port = try freeLoopbackPort()
            let endpoint = "tcp://127.0.0.1:\(port)"
            let coordinator = try processes.acceptingCoordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "0", "--heartbeat-timeout", "2"], port: port)

            // 1. The victim holds every task it gets for two minutes: a window to kill it in.
            let victim = try processes.worker(
                "victim", ["--connect", endpoint, "--id", "victim", "--heartbeat-timeout", "2"],
                environment: ["SEEDFARM_FAULTS": "delay=120"])
            var held = ""
            try waitUntil("the victim to start a task", unlessExited: victim) {
                held = startedTaskIDs(in: victim.stderr).first ?? ""
                return !held.isEmpty
            }
            // 2. The survivor works alongside; once it is busy, the victim dies mid-task.
            let survivor = try processes.worker("survivor", ["--connect", endpoint, "--id", "survivor"])
            try waitUntil("the survivor to start a task", unlessExited: survivor) {
                !startedTaskIDs(in: survivor.stderr).isEmpty
            }
            victim.send(signal: SIGKILL)
            #expect(try victim.waitForExit(timeout: Deadlines.event) == .signaled(SIGKILL))

            // 3. The sweep completes on the survivor alone, as if nothing had happened.
            try coordinator.expectExit(.exited(0))
            try survivor.expectExit(.exited(0), timeout: Deadlines.event)
            #expect(coordinator.stderr.contains("worker victim presumed dead"), "stderr:\n\(coordinator.stderrTail)")
            #expect(coordinator.stderr.contains("task \(held) back in the queue"), "stderr:\n\(coordinator.stderrTail)")
            let journal = try JournalFile(contentsOf: run.appendingPathComponent("journal.jsonl"))
            #expect(journal.tail.isEmpty)
            #expect(journal.lines.count == SmallSweep.taskCount)
            #expect(journal.duplicateTaskIDs == [])
            #expect(Set(journal.lines.map(\.status)) == ["done"])
            #expect(journal.lines.first { $0.taskID == held }?.workerID == "survivor", "the victim's task must be redone by the survivor")
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
            try expectSameResults(run, reference, ignoringAttempts: true)
        }

        @Test("A stalled worker's late result, after its task was redone elsewhere, is acked as a duplicate and not counted twice",
              TestData.required)
        func lateResultOfPresumedDeadWorkerIsADuplicate() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("worker-stall")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let journalURL = run.appendingPathComponent("journal.jsonl")
            let port = try freeLoopbackPort()
            let endpoint = "tcp://127.0.0.1:\(port)"
            let coordinator = try processes.acceptingCoordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "0", "--heartbeat-timeout", "2"], port: port)
            // 1. The stalled worker takes a task and is frozen (SIGSTOP) while it holds it.
            let stalled = try processes.worker(
                "stalled", ["--connect", endpoint, "--id", "stalled"], environment: ["SEEDFARM_FAULTS": "delay=1"])
            var held = ""
            try waitUntil("the stalled worker to start a task", unlessExited: stalled) {
                held = startedTaskIDs(in: stalled.stderr).first ?? ""
                return !held.isEmpty
            }
            stalled.send(signal: SIGSTOP)
            // 2. Presumed dead, its task is redone by a slow but live worker (slow, so the
            //    sweep is still running when the stalled worker wakes).
            let live = try processes.worker(
                "live", ["--connect", endpoint, "--id", "live"], environment: ["SEEDFARM_FAULTS": "delay=0.5"])
            try waitUntil("the stalled worker's task to be journaled by the live one", timeout: Deadlines.sweep, unlessExited: coordinator) {
                (try? JournalFile(contentsOf: journalURL))?.lines.contains { $0.taskID == held } ?? false
            }
            // 3. Woken, the stalled worker delivers its stale result: a duplicate.
            stalled.send(signal: SIGCONT)
            try waitUntil("the coordinator to receive the stale result", unlessExited: coordinator) {
                coordinator.stderr.contains("duplicate result for task \(held)")
            }
            try coordinator.expectExit(.exited(0))
            let journal = try JournalFile(contentsOf: journalURL)
            #expect(journal.lines.count == SmallSweep.taskCount)
            #expect(journal.duplicateTaskIDs == [])
            #expect(journal.lines.first { $0.taskID == held }?.workerID == "live")
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
            try expectSameResults(run, reference, ignoringAttempts: true)
            _ = live
        }
    }
}
