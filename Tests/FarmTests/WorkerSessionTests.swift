import Foundation
import Testing
import Farm

@Suite struct WorkerSessionTests {
    let foundation = Fixtures.foundation()
    let adapt = Fixtures.adapt(.taugate)

    func at(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1000)) }

    func sent(_ actions: [WorkerAction]) -> [WireMessage] {
        actions.compactMap { if case let .send(m) = $0 { m } else { nil } }
    }

    func kinds(_ actions: [WorkerAction]) -> [String] {
        actions.compactMap {
            switch $0 {
            case .log: nil
            case .connect: "connect"
            case .disconnect: "disconnect"
            case let .send(m): m.kind.rawValue
            case .run: "run"
            case let .exit(e): "exit(\(e))"
            }
        }
    }

    /// Started, welcomed, asked for work.
    func joined(at time: Double = 0) -> WorkerSession {
        var w = WorkerSession(workerID: "w1", host: "node", cores: 4)
        _ = w.handle(.start, now: at(time))
        _ = w.handle(.received(.welcome), now: at(time))
        return w
    }

    @Test func startSaysHelloAndWelcomeAsksForWork() {
        var w = WorkerSession(workerID: "w1", host: "node", cores: 4)
        w.cachedFoundations = [Fixtures.weightsSHA]
        let start = w.handle(.start, now: at(0))
        #expect(kinds(start) == ["connect", "hello"])
        #expect(sent(start) == [.hello(Hello(workerID: "w1", host: "node", cores: 4, cachedFoundations: [Fixtures.weightsSHA]))])
        #expect(sent(w.handle(.received(.welcome), now: at(0.1))) == [.ready(cachedFoundations: [Fixtures.weightsSHA])])
    }

    @Test func taskRunsAndItsResultIsResentUntilAcked() {
        var w = joined()
        let task = TaskAssignment(spec: foundation)
        #expect(w.handle(.received(.task(task)), now: at(1)).contains(.run(task)))
        #expect(w.runningTaskID == foundation.id)
        let report = Fixtures.foundationResult(foundation)
        _ = w.handle(.received(.heartbeat), now: at(9))  // the coordinator is alive
        #expect(sent(w.handle(.runFinished(report), now: at(10))) == [.result(report)])
        // Heartbeats while waiting; the result again after the resend interval; no ready yet.
        #expect(sent(w.handle(.tick, now: at(11))) == [.heartbeat])
        #expect(sent(w.handle(.tick, now: at(12))) == [.heartbeat])
        #expect(sent(w.handle(.tick, now: at(13))) == [.result(report)])
        // A stray ack for another task changes nothing.
        #expect(sent(w.handle(.received(.ack(taskID: "other")), now: at(13.5))).isEmpty)
        // The ack frees the worker: it asks for more at once.
        #expect(sent(w.handle(.received(.ack(taskID: foundation.id)), now: at(14))) == [.ready(cachedFoundations: [])])
        #expect(sent(w.handle(.tick, now: at(16.5))) == [.heartbeat])  // no more result re-sends
    }

    @Test func heartbeatsFlowWhileRunning() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        var beats = 0
        for t in stride(from: 0.25, through: 4.0, by: 0.25) {
            _ = w.handle(.received(.heartbeat), now: at(t))  // the coordinator is alive
            beats += sent(w.handle(.tick, now: at(t))).filter { $0 == .heartbeat }.count
        }
        #expect(beats == 4)
    }

    @Test func waitMeansAskAgainLater() {
        var w = joined()
        #expect(sent(w.handle(.received(.wait), now: at(1))).isEmpty)
        #expect(!sent(w.handle(.tick, now: at(1.5))).contains(.ready(cachedFoundations: [])))
        #expect(sent(w.handle(.tick, now: at(2))).contains(.ready(cachedFoundations: [])))
    }

    @Test func byeExits() {
        var w = joined()
        #expect(kinds(w.handle(.received(.bye), now: at(1))) == ["exit(finished)"])
        #expect(w.hasExited)
        #expect(w.handle(.tick, now: at(100)).isEmpty)
    }

    @Test func rejectExitsWithTheReason() {
        var w = WorkerSession(workerID: "w1", host: "node", cores: 4)
        _ = w.handle(.start, now: at(0))
        #expect(w.handle(.received(.reject(reason: "old version")), now: at(0)).contains(.exit(.rejected(reason: "old version"))))
    }

    @Test func silentCoordinatorMeansReconnectWithDoublingBackoff() {
        var w = joined()
        #expect(!kinds(w.handle(.tick, now: at(5))).contains("disconnect"))  // exactly 5 s: still alive
        #expect(kinds(w.handle(.tick, now: at(5.5))) == ["disconnect"])
        #expect(kinds(w.handle(.tick, now: at(6.0))) == [])        // 1 s back-off not over
        #expect(kinds(w.handle(.tick, now: at(6.5))) == ["connect", "hello"])
        // Nobody answers: next delays are 2, 4, 8, 16, 32, 32 s.
        var now = 6.5
        for delay in [2.0, 4, 8, 16, 32, 32] {
            now += 5.5
            #expect(kinds(w.handle(.tick, now: at(now))) == ["disconnect"])
            #expect(kinds(w.handle(.tick, now: at(now + delay - 0.1))) == [])
            now += delay
            #expect(kinds(w.handle(.tick, now: at(now))) == ["connect", "hello"])
        }
        // A welcome resets the back-off.
        _ = w.handle(.received(.welcome), now: at(now))
        #expect(w.reconnectDelay == .seconds(1))
    }

    @Test func unackedResultIsResentAfterReconnectBeforeAskingForWork() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        let report = Fixtures.foundationResult(foundation)
        _ = w.handle(.runFinished(report), now: at(1))
        _ = w.handle(.tick, now: at(7))  // coordinator gone: disconnect
        _ = w.handle(.tick, now: at(8))  // reconnect, hello
        let afterWelcome = w.handle(.received(.welcome), now: at(8.5))
        #expect(sent(afterWelcome) == [.result(report)])
        #expect(sent(w.handle(.received(.ack(taskID: foundation.id)), now: at(9))) == [.ready(cachedFoundations: [])])
    }

    @Test func aResultFinishedWhileDisconnectedWaitsForTheWelcome() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        _ = w.handle(.tick, now: at(6))  // disconnected
        let report = Fixtures.foundationResult(foundation)
        #expect(sent(w.handle(.runFinished(report), now: at(6.2))).isEmpty)
        _ = w.handle(.tick, now: at(7))  // reconnect: hello only
        #expect(sent(w.handle(.received(.welcome), now: at(7.1))) == [.result(report)])
    }

    @Test func aReadyLostWithTheOldSocketIsAskedAgain() {
        var w = joined()  // ready sent at 0, never answered
        _ = w.handle(.tick, now: at(5.5))
        _ = w.handle(.tick, now: at(6.5))
        #expect(sent(w.handle(.received(.welcome), now: at(7))) == [.ready(cachedFoundations: [])])
    }

    @Test func runFailureIsReportedAndWorkAskedAgain() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        let actions = w.handle(.runFailed(taskID: foundation.id, reason: "NaN loss"), now: at(2))
        #expect(sent(actions) == [.error(taskID: foundation.id, reason: "NaN loss", abandoned: false), .ready(cachedFoundations: [])])
    }

    @Test func taskNeedingUncachedUnattachedWeightsIsGivenBack() {
        var w = joined()
        let task = TaskAssignment(spec: adapt, foundationSHA256: Fixtures.weightsSHA)
        let actions = w.handle(.received(.task(task)), now: at(1))
        #expect(!actions.contains(.run(task)))
        guard case .error(adapt.id, _, abandoned: true)? = sent(actions).first else { Issue.record("expected abandoned error"); return }
        // Once cached, the same assignment runs.
        var cached = joined()
        cached.cachedFoundations = [Fixtures.weightsSHA]
        #expect(cached.handle(.received(.task(task)), now: at(1)).contains(.run(task)))
    }

    @Test func taskWhileBusyIsGivenBack() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        let other = TaskAssignment(spec: Fixtures.foundation(seed: 9))
        let actions = w.handle(.received(.task(other)), now: at(1))
        #expect(sent(actions) == [.error(taskID: other.taskID, reason: "worker busy", abandoned: true)])
        #expect(w.runningTaskID == foundation.id)
    }

    @Test func stopWhileRunningAbandonsAndTellsTheCoordinator() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        let actions = w.handle(.stop(finishCurrent: false), now: at(1))
        #expect(sent(actions) == [.error(taskID: foundation.id, reason: "worker stopping", abandoned: true), .bye])
        #expect(actions.last == .exit(.stopped))
    }

    @Test func stopAfterCurrentFinishesDeliversTheResultThenLeaves() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        #expect(kinds(w.handle(.stop(finishCurrent: true), now: at(1))).isEmpty)
        let report = Fixtures.foundationResult(foundation)
        #expect(sent(w.handle(.runFinished(report), now: at(2))) == [.result(report)])
        let acked = w.handle(.received(.ack(taskID: foundation.id)), now: at(3))
        #expect(kinds(acked) == ["bye", "exit(stopped)"])  // no new ready
    }

    @Test func stopWithAnUnackedResultWaitsAtMostTheGrace() {
        var w = joined()
        _ = w.handle(.received(.task(TaskAssignment(spec: foundation))), now: at(0))
        _ = w.handle(.runFinished(Fixtures.foundationResult(foundation)), now: at(1))
        #expect(!w.handle(.stop(finishCurrent: false), now: at(2)).contains(.exit(.stopped)))
        _ = w.handle(.received(.heartbeat), now: at(11))
        #expect(!w.handle(.tick, now: at(11.9)).contains(.exit(.stopped)))
        #expect(w.handle(.tick, now: at(12)).contains(.exit(.stopped)))
    }

    @Test func stopWhenIdleLeavesAtOnce() {
        var w = joined()
        #expect(kinds(w.handle(.stop(finishCurrent: true), now: at(1))) == ["bye", "exit(stopped)"])
    }
}
