import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// "A crash of the coordinator costs nothing finished" (reliability.md) and the
    /// journal's torn-tail rule ("a torn last line is detected and dropped on load").
    @Suite("Coordinator crash and resume")
    struct CoordinatorCrash {
        @Test("A coordinator SIGKILLed mid-sweep resumes on restart: journaled tasks keep their lines and are not run again; same table",
              TestData.required)
        func killedCoordinatorResumes() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("coordinator-kill")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let journalURL = run.appendingPathComponent("journal.jsonl")
            let arguments = SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"]

            // 1. Slow tasks (0.4 s each) so the kill lands after some but not all lines.
            let first = try processes.coordinator("coordinator-1", arguments, environment: ["SEEDFARM_FAULTS": "delay=0.4"])
            try waitUntil("3 journal lines", unlessExited: first) {
                ((try? JournalFile(contentsOf: journalURL))?.lines.count ?? 0) >= 3
            }
            let orphans = processes.adoptDescendants(of: first)
            first.send(signal: SIGKILL)
            #expect(try first.waitForExit(timeout: Deadlines.event) == .signaled(SIGKILL))
            for pid in orphans { kill(pid, SIGKILL) }  // its local workers would otherwise linger
            try waitUntil("the first run's local workers to die") { orphans.allSatisfy { !processes.isAlive($0) } }

            let before = try JournalFile(contentsOf: journalURL)
            try #require(before.lines.count < SmallSweep.taskCount, "the sweep finished before the kill; nothing was tested")
            let doneBefore = Set(before.lines.filter { $0.status == "done" }.map(\.taskID))
            let logs = try workerLogs(run)

            // 2. The same command again, undisturbed.
            let second = try processes.coordinator("coordinator-2", arguments)
            try second.expectExit(.exited(0))
            #expect(second.stderr.contains("\(doneBefore.count) of \(SmallSweep.taskCount) tasks already done"),
                    "stderr:\n\(second.stderrTail)")
            if !before.tail.isEmpty {
                #expect(second.stderr.contains("dropped a torn last line"), "the kill tore a line; the restart must say so")
            }
            let after = try JournalFile(contentsOf: journalURL)
            #expect(Array(after.lines.prefix(before.lines.count)) == before.lines, "lines journaled before the kill changed")
            #expect(after.lines.count == SmallSweep.taskCount)
            #expect(after.duplicateTaskIDs == [])
            let rerun = Set(try startedSince(logs, run))
            #expect(rerun.isDisjoint(with: doneBefore), "tasks done before the kill ran again: \(rerun.intersection(doneBefore))")
            #expect(rerun.count == SmallSweep.taskCount - doneBefore.count)
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
            try expectSameResults(run, reference, ignoringAttempts: true)
        }

        @Test("A torn last journal line is dropped on the next run, which says so and runs that task again; same table",
              TestData.required)
        func tornLastLineIsDroppedAndItsTaskRerun() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("torn-line")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            try ReferenceRun.copy(to: run)
            let journalURL = run.appendingPathComponent("journal.jsonl")

            // 1. Cut the last line in half, newline and all: a crash mid-append.
            let original = try JournalFile(contentsOf: journalURL)
            let last = try #require(original.lines.last)
            var torn = Data(original.lines.dropLast().flatMap(\.bytes))
            torn.append(last.bytes.prefix(last.bytes.count / 2))
            try torn.write(to: journalURL)
            let logs = try workerLogs(run)

            // 2. The next run drops it and runs exactly that task again.
            let coordinator = try processes.coordinator(SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"])
            try coordinator.expectExit(.exited(0))
            #expect(coordinator.stderr.contains("dropped a torn last line"), "stderr:\n\(coordinator.stderrTail)")
            #expect(try startedSince(logs, run) == [last.taskID])
            let after = try JournalFile(contentsOf: journalURL)
            #expect(after.tail.isEmpty)
            #expect(Array(after.lines.prefix(original.lines.count - 1)) == Array(original.lines.dropLast()))
            #expect(after.lines.last?.taskID == last.taskID)
            #expect(after.lines.count == SmallSweep.taskCount)
            #expect(after.duplicateTaskIDs == [])
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
        }

        @Test("Half a line appended without a newline to a finished run's journal is dropped; nothing runs again; same table",
              TestData.required)
        func appendedPartialLineIsDropped() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("torn-append")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            try ReferenceRun.copy(to: run)
            let journalURL = run.appendingPathComponent("journal.jsonl")
            let original = try Data(contentsOf: journalURL)
            let first = try #require(try JournalFile(original).lines.first)
            var torn = original
            torn.append(first.bytes.prefix(first.bytes.count / 2))
            try torn.write(to: journalURL)
            let logs = try workerLogs(run)

            let coordinator = try processes.coordinator(SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"])
            try coordinator.expectExit(.exited(0))
            #expect(coordinator.stderr.contains("dropped a torn last line"), "stderr:\n\(coordinator.stderrTail)")
            #expect(coordinator.stderr.contains("\(SmallSweep.taskCount) of \(SmallSweep.taskCount) tasks already done"))
            #expect(try startedSince(logs, run) == [])
            #expect(try Data(contentsOf: journalURL) == original, "the journal must be cut back to its intact lines")
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
        }

        @Test("A resumed run appends to its local workers' logs instead of erasing the interrupted run's", TestData.required)
        func resumeKeepsEarlierWorkerLogs() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("resume-logs")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            try ReferenceRun.copy(to: run)
            // Drop the last journal line so the resume has a task to run, on fresh workers.
            let journalURL = run.appendingPathComponent("journal.jsonl")
            let original = try JournalFile(contentsOf: journalURL)
            try Data(original.lines.dropLast().flatMap(\.bytes)).write(to: journalURL)
            let earlier = try workerLogs(run)
            try #require(!earlier.isEmpty && earlier.values.allSatisfy { !$0.isEmpty }, "the reference run left no worker logs")

            let coordinator = try processes.coordinator(SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"])
            try coordinator.expectExit(.exited(0))
            for (url, old) in earlier.sorted(by: { $0.key.path < $1.key.path }) {
                let now = try Data(contentsOf: url)
                #expect(now.starts(with: old) && now.count > old.count,
                        "\(url.lastPathComponent): the interrupted run's \(old.count) bytes of log were not kept (now \(now.count) bytes)")
            }
        }

        @Test("Local workers exit soon after their coordinator is SIGKILLed instead of reconnecting for ever", TestData.required)
        func localWorkersDoNotOutliveTheirCoordinator() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("orphans")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            // Every task holds 60 s (a dry run would answer on the protocol thread, past the fault).
            let coordinator = try processes.coordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"],
                environment: ["SEEDFARM_FAULTS": "delay=60"])
            try waitUntil("both local workers to start a task", unlessExited: coordinator) {
                (0..<2).allSatisfy { index in
                    let log = (try? readText(run.appendingPathComponent("logs/worker-\(index).log"))) ?? ""
                    return !startedTaskIDs(in: log).isEmpty
                }
            }
            let workers = processes.adoptDescendants(of: coordinator)
            try #require(workers.count == 2, "expected 2 local worker processes, found \(workers)")
            coordinator.send(signal: SIGKILL)
            _ = try coordinator.waitForExit(timeout: Deadlines.event)
            // Liveness (5 s) plus a margin: a worker whose coordinator is gone for good must
            // not stay behind as a stray process on the user's machine.
            try waitUntil("the orphaned local workers \(workers) to exit", timeout: .seconds(15)) {
                workers.allSatisfy { !processes.isAlive($0) }
            }
        }
    }
}

/// The run's worker logs now, to read only what a later run adds.
private func workerLogs(_ run: URL) throws -> [URL: Data] {
    let directory = run.appendingPathComponent("logs")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    var logs: [URL: Data] = [:]
    for name in names where name.hasSuffix(".log") {
        let url = directory.appendingPathComponent(name)
        logs[url] = try Data(contentsOf: url)
    }
    return logs
}

/// Task ids the run's local workers started after `earlier` was read: what was appended,
/// or the whole log when it was rewritten.
private func startedSince(_ earlier: [URL: Data], _ run: URL) throws -> [String] {
    let directory = run.appendingPathComponent("logs")
    var started: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".log") {
        let url = directory.appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        let old = earlier[url] ?? Data()
        let fresh = data.starts(with: old) ? data.dropFirst(old.count) : data
        started += startedTaskIDs(in: String(decoding: fresh, as: UTF8.self))
    }
    return started
}
