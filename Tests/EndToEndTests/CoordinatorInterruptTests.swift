import Foundation
import Testing

extension EndToEnd {
    /// Ctrl-C (SIGINT) or SIGTERM on a coordinator: it stops its local workers, says how to
    /// resume, exits 1, and the same command later finishes the sweep.
    @Suite("Coordinator interrupt")
    struct CoordinatorInterrupt {
        @Test("An interrupted coordinator stops its workers, says how to resume and exits 1; rerunning completes; same table",
              TestData.required)
        func interruptedCoordinatorResumes() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("coordinator-interrupt")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let journalURL = run.appendingPathComponent("journal.jsonl")
            let arguments = SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"]

            let first = try processes.coordinator("coordinator-1", arguments, environment: ["SEEDFARM_FAULTS": "delay=0.4"])
            try waitUntil("2 journal lines", unlessExited: first) {
                ((try? JournalFile(contentsOf: journalURL))?.lines.count ?? 0) >= 2
            }
            let workers = processes.adoptDescendants(of: first)
            first.send(signal: SIGINT)
            #expect(try first.waitForExit(timeout: Deadlines.event) == .exited(1))
            #expect(first.stderr.contains("run the same command again to resume"), "stderr:\n\(first.stderrTail)")
            try waitUntil("its local workers to stop") { workers.allSatisfy { !processes.isAlive($0) } }
            let before = try JournalFile(contentsOf: journalURL)
            #expect(before.tail.isEmpty, "an orderly stop leaves no torn line")
            try #require(before.lines.count < SmallSweep.taskCount, "the sweep finished before the interrupt; nothing was tested")

            let second = try processes.coordinator("coordinator-2", arguments)
            try second.expectExit(.exited(0))
            #expect(second.stderr.contains("\(before.lines.count) of \(SmallSweep.taskCount) tasks already done"))
            #expect(try JournalFile(contentsOf: journalURL).duplicateTaskIDs == [])
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
        }
    }
}
