import Foundation
import Testing
import Farm

@Suite struct SchedulerTests {
    let peerA = PeerID(Data([0xA]))
    let peerB = PeerID(Data([0xB]))
    let f0 = Fixtures.foundation(seed: 0)
    let f1 = Fixtures.foundation(seed: 1)
    let a0 = Fixtures.adapt(.bitfit, seed: 0)
    let b0 = Fixtures.adapt(.lora, seed: 0)
    let a1 = Fixtures.adapt(.bitfit, seed: 1)

    func at(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1000)) }

    func hello(_ id: String, version: String = WireProtocol.version, cached: [String] = []) -> WireMessage {
        .hello(Hello(workerID: id, host: "host-\(id)", cores: 1, version: version, cachedFoundations: cached))
    }

    /// The tasks sent in `actions`, with what the shell must attach.
    func sentTasks(_ actions: [SchedulerAction]) -> [(PeerID, TaskAssignment, String?)] {
        actions.compactMap { if case let .sendTask(p, t, attach) = $0 { (p, t, attach) } else { nil } }
    }

    func sends(_ actions: [SchedulerAction]) -> [(PeerID, WireMessage)] {
        actions.compactMap { if case let .send(p, m) = $0 { (p, m) } else { nil } }
    }

    func persisted(_ actions: [SchedulerAction]) -> [JournalRecord] {
        actions.compactMap { if case let .persist(r) = $0 { r } else { nil } }
    }

    /// Joins a peer and asks for work; returns the task it got, if any.
    @discardableResult
    func join(_ s: inout Scheduler, _ peer: PeerID, _ id: String, now: Duration) -> TaskAssignment? {
        _ = s.handle(.received(peer, hello(id)), now: now)
        return sentTasks(s.handle(.received(peer, .ready(cachedFoundations: [])), now: now)).first?.1
    }

    @Test func happyPathRunsEveryTaskPersistsBeforeAckAndSaysBye() {
        var s = Scheduler(tasks: [f0, a0])
        let welcome = s.handle(.received(peerA, hello("w1")), now: at(0))
        #expect(sends(welcome).map(\.1) == [.welcome])

        var actions = s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(0.1))
        #expect(sentTasks(actions).map(\.1.taskID) == [f0.id])
        #expect(s.progress == SchedulerProgress(total: 2, done: 0, running: 1, queued: 1, failed: 0, workers: 1))

        actions = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(1))
        // Artifact, then journal, then ack: durable writes precede the ack.
        let kinds = actions.filter { if case .log = $0 { false } else { true } }
        #expect(kinds == [
            .storeArtifact(sha256: Fixtures.weightsSHA, weights: Fixtures.weightsData),
            .persist(.done(spec: f0, outcome: Fixtures.foundationOutcome(), workerID: "w1", attempts: 1)),
            .send(peerA, .ack(taskID: f0.id)),
        ])
        #expect(s.foundationSHA256(of: f0.id) == Fixtures.weightsSHA)

        actions = s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(1.1))
        let sent = sentTasks(actions)
        #expect(sent.map(\.1.taskID) == [a0.id])
        #expect(sent.first?.1.foundationSHA256 == Fixtures.weightsSHA)
        #expect(sent.first?.2 == Fixtures.weightsSHA)  // not cached: the shell attaches the weights

        actions = s.handle(.received(peerA, .result(Fixtures.adaptResult(a0))), now: at(2))
        #expect(persisted(actions).map(\.taskID) == [a0.id])
        #expect(s.isFinished)
        #expect(actions.last == .finished)
        #expect(sends(actions).map(\.1) == [.ack(taskID: a0.id), .bye])

        // Asking again after the end gets bye; `.finished` is not repeated.
        actions = s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(2.1))
        #expect(sends(actions).map(\.1) == [.bye])
        #expect(!actions.contains(.finished))
    }

    @Test func adaptsWaitForTheirFoundationAndCachedFoundationsAreNotResent() {
        var s = Scheduler(tasks: [f0, f1, a0, b0, a1])
        #expect(join(&s, peerA, "w1", now: at(0))?.taskID == f0.id)
        #expect(join(&s, peerB, "w2", now: at(0))?.taskID == f1.id)
        // A third ask while both foundations run: nothing is runnable, so wait.
        _ = s.handle(.received(PeerID(Data([0xC])), hello("w3")), now: at(0))
        let waiting = s.handle(.received(PeerID(Data([0xC])), .ready(cachedFoundations: [])), now: at(0))
        #expect(sends(waiting).map(\.1) == [.wait])

        let w1 = WeightsPayload.data(from: [1, 2, 3])
        _ = s.handle(.received(peerB, .result(Fixtures.foundationResult(f1, weights: w1))), now: at(1))
        // f1's adapt is runnable, f0's are not.
        let next = sentTasks(s.handle(.received(peerB, .ready(cachedFoundations: [WeightsPayload.sha256(w1)])), now: at(1)))
        #expect(next.map(\.1.taskID) == [a1.id])
        #expect(next.first?.2 == nil)  // the worker holds it: nothing attached
        #expect(next.first?.1.foundationSHA256 == WeightsPayload.sha256(w1))
    }

    @Test func adaptsPreferAFoundationTheWorkerHolds() {
        var s = Scheduler(tasks: [f0, f1, a0, a1])
        let w1 = WeightsPayload.data(from: [9])
        _ = join(&s, peerA, "w1", now: at(0))
        _ = join(&s, peerB, "w2", now: at(0))
        _ = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(1))
        _ = s.handle(.received(peerB, .result(Fixtures.foundationResult(f1, weights: w1))), now: at(1))
        let sent = sentTasks(s.handle(.received(peerB, .ready(cachedFoundations: [WeightsPayload.sha256(w1)])), now: at(1)))
        #expect(sent.map(\.1.taskID) == [a1.id])  // a0 comes first in order, but a1's weights are cached
    }

    @Test func heartbeatsGoToPeersSentNothingForAnInterval() {
        var s = Scheduler(tasks: [f0, a0])
        _ = s.handle(.received(peerA, hello("w1")), now: at(0))
        #expect(sends(s.handle(.tick, now: at(0.5))).isEmpty)
        #expect(sends(s.handle(.tick, now: at(1.0))).map(\.1) == [.heartbeat])
        #expect(sends(s.handle(.tick, now: at(1.5))).isEmpty)
        // Any send resets the timer.
        _ = s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(1.8))
        #expect(sends(s.handle(.tick, now: at(2.5))).isEmpty)
        #expect(sends(s.handle(.tick, now: at(2.8))).map(\.1) == [.heartbeat])
    }

    @Test func silentWorkerLosesItsLeaseAndTheTaskRunsElsewhere() {
        var s = Scheduler(tasks: [f0, a0])
        #expect(join(&s, peerA, "w1", now: at(0))?.taskID == f0.id)
        _ = s.handle(.received(peerB, hello("w2")), now: at(0))
        // B keeps talking, A goes silent; at exactly 5 s A is still alive.
        for t in stride(from: 1.0, through: 5.0, by: 1.0) {
            _ = s.handle(.received(peerB, .heartbeat), now: at(t))
            _ = s.handle(.tick, now: at(t))
        }
        #expect(s.status(of: f0.id) == .running(peerA))
        _ = s.handle(.received(peerB, .heartbeat), now: at(5.5))
        let expiry = s.handle(.tick, now: at(5.5))
        #expect(s.status(of: f0.id) == .queued)
        #expect(s.progress.workers == 1)
        #expect(persisted(expiry).isEmpty)
        let retry = sentTasks(s.handle(.received(peerB, .ready(cachedFoundations: [])), now: at(6)))
        #expect(retry.map { $0.0 } == [peerB])
        #expect(retry.map(\.1.taskID) == [f0.id])
    }

    @Test func lateDuplicateResultIsAckedAndNotPersisted() {
        var s = Scheduler(tasks: [f0, a0])
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.tick, now: at(6))  // A presumed dead
        _ = join(&s, peerB, "w2", now: at(6))
        let first = s.handle(.received(peerB, .result(Fixtures.foundationResult(f0))), now: at(7))
        #expect(persisted(first).count == 1)
        // A was only slow: its result arrives late.
        let late = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(8))
        #expect(persisted(late).isEmpty)
        #expect(!late.contains { if case .storeArtifact = $0 { true } else { false } })
        #expect(sends(late).map(\.1) == [.ack(taskID: f0.id)])
        #expect(sends(late).map(\.0) == [peerA])
    }

    @Test func aLateResultThatComesFirstWinsAndTheOtherBecomesADuplicate() {
        var s = Scheduler(tasks: [f0, a0])
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.tick, now: at(6))
        _ = join(&s, peerB, "w2", now: at(6))  // f0 leased to B now
        let early = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(7))
        #expect(persisted(early).map(\.taskID) == [f0.id])
        let second = s.handle(.received(peerB, .result(Fixtures.foundationResult(f0))), now: at(8))
        #expect(persisted(second).isEmpty)
        // B asking again is not a lost lease: its lease ended when A's result won.
        let next = s.handle(.received(peerB, .ready(cachedFoundations: [])), now: at(8))
        #expect(sentTasks(next).map(\.1.taskID) == [a0.id])
        #expect(!next.contains { if case .log(.warning, _) = $0 { true } else { false } })
    }

    @Test func threeErrorsFailTheTaskWithEveryReasonAndFailItsDependents() {
        var s = Scheduler(tasks: [f0, a0, b0, f1, a1])
        var failedActions: [SchedulerAction] = []
        for attempt in 1...3 {
            let task = join(&s, peerA, "w1", now: at(Double(attempt)))
            #expect(task?.taskID == f0.id)
            failedActions = s.handle(.received(peerA, .error(taskID: f0.id, reason: "boom \(attempt)", abandoned: false)), now: at(Double(attempt)))
            if attempt < 3 { #expect(persisted(failedActions).isEmpty) }
        }
        let reasons = ["worker w1: boom 1", "worker w1: boom 2", "worker w1: boom 3"]
        #expect(s.status(of: f0.id) == .failed(reasons: reasons))
        let records = persisted(failedActions)
        #expect(records.map(\.taskID) == [f0.id, a0.id, b0.id])
        #expect(records.allSatisfy { $0.status == .failed })
        #expect(records.first?.failureReasons == reasons)
        #expect(records.first?.attempts == 3)
        #expect(records.dropFirst().allSatisfy { $0.failureReasons?.first?.contains("foundation failed") == true })
        // The sweep goes on with the other seed.
        #expect(join(&s, peerA, "w1", now: at(4))?.taskID == f1.id)
        #expect(s.progress.failed == 3)
        #expect(!s.isFinished)
    }

    @Test func lostLeasesDoNotCountAsErrorsButAreBounded() {
        var s = Scheduler(tasks: [f0], settings: SchedulerSettings(maxAttempts: 3, maxLostLeases: 3))
        var now = 0.0
        // Two errors, then lost leases: the errors never reach three, the lost leases do.
        for reason in ["e1", "e2"] {
            _ = join(&s, peerA, "w1", now: at(now))
            _ = s.handle(.received(peerA, .error(taskID: f0.id, reason: reason, abandoned: false)), now: at(now))
        }
        var last: [SchedulerAction] = []
        for round in 1...3 {
            let peer = PeerID(Data([UInt8(round)]))
            #expect(join(&s, peer, "dies\(round)", now: at(now))?.taskID == f0.id)
            now += 10
            last = s.handle(.tick, now: at(now))
            if round < 3 { #expect(s.status(of: f0.id) == .queued) }
        }
        guard case let .failed(reasons)? = s.status(of: f0.id) else { Issue.record("not failed"); return }
        #expect(reasons.count == 5)
        #expect(reasons.last?.contains("presumed dead") == true)
        #expect(persisted(last).map(\.status) == [.failed])
    }

    @Test func abandonedTaskIsALostLeaseNotAnError() {
        var s = Scheduler(tasks: [f0], settings: SchedulerSettings(maxAttempts: 1, maxLostLeases: 2))
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.received(peerA, .error(taskID: f0.id, reason: "worker stopping", abandoned: true)), now: at(1))
        #expect(s.status(of: f0.id) == .queued)  // with maxAttempts 1 an error would have failed it
    }

    @Test func readyWhileHoldingALeaseReturnsTheTaskToTheQueueFirst() {
        var s = Scheduler(tasks: [f0, f1])
        #expect(join(&s, peerA, "w1", now: at(0))?.taskID == f0.id)
        // The worker reconnected and forgot f0: it is requeued and, being first, handed out again.
        let again = sentTasks(s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(1)))
        #expect(again.map(\.1.taskID) == [f0.id])
    }

    @Test func errorFromAPeerNotHoldingTheTaskIsIgnored() {
        var s = Scheduler(tasks: [f0], settings: SchedulerSettings(maxAttempts: 1))
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.received(peerB, hello("w2")), now: at(0))
        _ = s.handle(.received(peerB, .error(taskID: f0.id, reason: "not mine", abandoned: false)), now: at(1))
        #expect(s.status(of: f0.id) == .running(peerA))
    }

    @Test func resumeNeverRerunsFinishedTasks() {
        let journal = [
            JournalRecord.done(spec: f0, outcome: Fixtures.foundationOutcome(), workerID: "old", attempts: 1),
            JournalRecord.done(spec: a0, outcome: TaskOutcome(metrics: Fixtures.metrics()), workerID: "old", attempts: 2),
        ]
        var s = Scheduler(tasks: [f0, a0, b0], journal: journal)
        #expect(s.progress.done == 2 && s.progress.queued == 1)
        let task = join(&s, peerA, "w1", now: at(0))
        #expect(task?.taskID == b0.id)
        #expect(task?.foundationSHA256 == Fixtures.weightsSHA)  // hash restored from the journal
        _ = s.handle(.received(peerA, .result(Fixtures.adaptResult(b0))), now: at(1))
        #expect(s.isFinished)
    }

    @Test func resumeWithEverythingDoneFinishesAtOnce() {
        let journal = [JournalRecord.done(spec: f0, outcome: Fixtures.foundationOutcome(), workerID: "old", attempts: 1)]
        var s = Scheduler(tasks: [f0], journal: journal)
        #expect(s.isFinished)
        #expect(s.handle(.tick, now: at(0)).contains(.finished))
        _ = s.handle(.received(peerA, hello("w1")), now: at(0))
        #expect(sends(s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(0))).map(\.1) == [.bye])
    }

    @Test func resumeRetriesFailedTasksUnlessToldNotTo() {
        let journal = [
            JournalRecord.failed(spec: f0, reasons: ["disk full"], attempts: 3),
            JournalRecord.failed(spec: a0, reasons: ["foundation failed"], attempts: 0),
        ]
        let retry = Scheduler(tasks: [f0, a0], journal: journal)
        #expect(retry.status(of: f0.id) == .queued && retry.status(of: a0.id) == .queued)
        let keep = Scheduler(tasks: [f0, a0], journal: journal, settings: SchedulerSettings(retryFailedOnResume: false))
        #expect(keep.status(of: f0.id) == .failed(reasons: ["disk full"]))
        #expect(keep.isFinished)
    }

    @Test func resultForAnUnknownTaskIsAckedAndNotRecorded() {
        var s = Scheduler(tasks: [f0])
        let stray = ResultReport(taskID: "ffffffffffffffffffffffff", outcome: TaskOutcome(metrics: Fixtures.metrics()))
        let actions = s.handle(.received(peerA, .result(stray)), now: at(0))
        #expect(persisted(actions).isEmpty)
        #expect(sends(actions).map(\.1) == [.ack(taskID: stray.taskID)])
        #expect(actions.contains { if case .log(.warning, let text) = $0 { text.contains("not in this sweep") } else { false } })
    }

    @Test func resultsFromAPeerThatNeverSaidHelloStillCount() {
        // A worker re-sending its result to a restarted coordinator.
        var s = Scheduler(tasks: [a0, f0])
        let actions = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(0))
        #expect(persisted(actions).map(\.taskID) == [f0.id])
        #expect(sends(actions).map(\.1) == [.ack(taskID: f0.id)])
    }

    @Test func resultOfTheWrongShapeIsAnErrorNotASample() {
        var s = Scheduler(tasks: [f0], settings: SchedulerSettings(maxAttempts: 1))
        _ = join(&s, peerA, "w1", now: at(0))
        let wrong = ResultReport(taskID: f0.id, outcome: TaskOutcome(metrics: Fixtures.metrics()))
        let actions = s.handle(.received(peerA, .result(wrong)), now: at(1))
        #expect(persisted(actions).map(\.status) == [.failed])
        // Acked so the worker stops re-sending; then bye, since the only task has failed.
        #expect(sends(actions).map(\.1) == [.ack(taskID: f0.id), .bye])
    }

    @Test func helloWithAnotherVersionIsRejected() {
        var s = Scheduler(tasks: [f0])
        let actions = s.handle(.received(peerA, hello("old", version: "SEEDFARM/0")), now: at(0))
        guard case let .reject(reason)? = sends(actions).first?.1 else { Issue.record("expected reject"); return }
        #expect(reason.contains("SEEDFARM/0") && reason.contains("SEEDFARM/1"))
        #expect(s.progress.workers == 0)
        // And its ready is not served.
        #expect(sentTasks(s.handle(.received(peerA, .ready(cachedFoundations: [])), now: at(0))).isEmpty)
    }

    @Test func framesWithAnotherVersionAreRejectedToo() {
        var s = Scheduler(tasks: [f0])
        let error = WireError.wrongVersion(received: "SEEDFARM/9", expected: WireProtocol.version)
        let actions = s.handle(.undecodable(peerA, error), now: at(0))
        guard case .reject? = sends(actions).first?.1 else { Issue.record("expected reject"); return }
        let other = s.handle(.undecodable(peerA, .unknownKind("x")), now: at(0))
        #expect(sends(other).isEmpty)
        #expect(other.contains { if case .log(.warning, _) = $0 { true } else { false } })
    }

    @Test func byeFromAWorkerRequeuesItsTaskAtOnce() {
        var s = Scheduler(tasks: [f0])
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.received(peerA, .bye), now: at(1))
        #expect(s.status(of: f0.id) == .queued)
        #expect(s.progress.workers == 0)
    }

    @Test func finishingSaysByeToEveryIdleWorker() {
        var s = Scheduler(tasks: [f0])
        _ = join(&s, peerA, "w1", now: at(0))
        _ = s.handle(.received(peerB, hello("w2")), now: at(0))
        _ = s.handle(.received(peerB, .ready(cachedFoundations: [])), now: at(0))
        let actions = s.handle(.received(peerA, .result(Fixtures.foundationResult(f0))), now: at(1))
        let byes = sends(actions).filter { $0.1 == .bye }.map(\.0)
        #expect(Set(byes) == [peerA, peerB])
        #expect(actions.last == .finished)
    }
}
