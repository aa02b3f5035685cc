import Foundation
import Testing
import Farm

/// The scheduler's bounds against a flood of peers, and its counters.
@Suite struct SchedulerLimitsTests {
    func hello(_ index: Int) -> WireMessage {
        .hello(Hello(workerID: "w\(index)", host: "h", cores: 1))
    }

    @Test func helloBeyondThePeerLimitIsRejectedAndEarlierPeersKeepTheirPlace() {
        var scheduler = Scheduler(tasks: [Fixtures.foundation(seed: 0)])
        for index in 0..<WireProtocol.maxPeers {
            let actions = scheduler.handle(.received(PeerID(Data("peer-\(index)".utf8)), hello(index)), now: .zero)
            #expect(actions.contains(.send(PeerID(Data("peer-\(index)".utf8)), .welcome)))
        }
        let extra = PeerID(Data("one-too-many".utf8))
        let actions = scheduler.handle(.received(extra, hello(-1)), now: .zero)
        #expect(!actions.contains(.send(extra, .welcome)))
        #expect(actions.contains { if case .send(extra, .reject) = $0 { true } else { false } })
        #expect(scheduler.progress.workers == WireProtocol.maxPeers)
        // A known peer saying hello again is still welcome.
        let known = PeerID(Data("peer-0".utf8))
        #expect(scheduler.handle(.received(known, hello(0)), now: .zero).contains(.send(known, .welcome)))
    }

    @Test func progressCountsFollowEveryTransition() {
        let foundation = Fixtures.foundation(seed: 0), adapt = Fixtures.adapt(.bitfit, seed: 0)
        var scheduler = Scheduler(tasks: [foundation, adapt])
        let peer = PeerID(Data([1]))
        _ = scheduler.handle(.received(peer, hello(1)), now: .zero)
        #expect(scheduler.progress == SchedulerProgress(total: 2, done: 0, running: 0, queued: 2, failed: 0, workers: 1))
        _ = scheduler.handle(.received(peer, .ready(cachedFoundations: [])), now: .zero)
        #expect(scheduler.progress.running == 1 && scheduler.progress.queued == 1)
        _ = scheduler.handle(.received(peer, .result(Fixtures.foundationResult(foundation))), now: .zero)
        #expect(scheduler.progress.done == 1 && scheduler.progress.running == 0)
        _ = scheduler.handle(.received(peer, .ready(cachedFoundations: [])), now: .zero)
        for _ in 0..<3 {
            _ = scheduler.handle(.received(peer, .error(taskID: adapt.id, reason: "boom", abandoned: false)), now: .zero)
            _ = scheduler.handle(.received(peer, .ready(cachedFoundations: [])), now: .zero)
        }
        #expect(scheduler.progress == SchedulerProgress(total: 2, done: 1, running: 0, queued: 0, failed: 1, workers: 1))
        #expect(scheduler.isFinished)
    }
}
