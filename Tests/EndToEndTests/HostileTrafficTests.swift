import Farm
import Foundation
import Testing

extension EndToEnd {
    /// "Hostile bytes never crash the coordinator or grow its memory without bound"
    /// (reliability.md): junk at its TCP endpoint, from the transport up to well-formed
    /// messages that make no sense, while a sweep runs on its local workers.
    @Suite("Hostile traffic")
    struct HostileTraffic {
        static let unknownTaskID = "0000deadbeef0000deadbeef"

        @Test("Malformed traffic at the coordinator's endpoint mid-sweep is dropped; it keeps serving; same table; exit 0",
              TestData.required)
        func malformedTrafficIsDroppedAndTheSweepCompletes() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("hostile")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let port = try freeLoopbackPort()
            // Slow tasks (0.5 s each) keep the sweep running while the traffic goes in.
            let coordinator = try processes.acceptingCoordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"], port: port,
                environment: ["SEEDFARM_FAULTS": "delay=0.5"])
            var random = SplitMix64(seed: 0x5EED_FA2A)
            let closeTimeout = Duration.seconds(15)

            // 1. The transport. Random bytes instead of a greeting: the connection is dropped.
            let garbage = try RawConnection(port: port)
            try garbage.write(random.bytes(4096))
            #expect(garbage.waitForClose(timeout: closeTimeout), "random bytes must get the connection closed")
            // A greeting asking for a mechanism nobody speaks: dropped.
            let junkMechanism = try RawConnection(port: port)
            try junkMechanism.write(ZMTP.greeting(mechanism: "JUNK"))
            #expect(junkMechanism.waitForClose(timeout: closeTimeout), "an unknown mechanism must get the connection closed")
            // Half a greeting, then silence for the rest of the test (must not stall anything).
            let silent = try RawConnection(port: port)
            try silent.write(Array(ZMTP.greeting().prefix(20)))
            defer { silent.disconnect() }
            // A frame 1 MiB over ZMQ_MAXMSGSIZE (`WireProtocol.maxMessageBytes`): refused at
            // the frame header, before the coordinator allocates it.
            let cap = WireProtocol.maxMessageBytes
            let oversized = try ZMTPDealer(port: port)
            try oversized.connection.write(ZMTP.frameHeader(flags: 0, size: cap + (1 << 20)))
            _ = try oversized.connection.writeRepeated(0x41, count: cap + (1 << 20))
            #expect(oversized.connection.waitForClose(timeout: closeTimeout), "a frame over the cap must get the connection closed")

            // 2. The protocol, on one handshaken connection.
            let peer = try ZMTPDealer(port: port)
            for _ in 0..<40 {  // random frame lists, 1 to 6 frames of up to 300 bytes
                let frames = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                    Data(random.bytes(Int.random(in: 0...300, using: &random)))
                }
                try peer.send(frames)
            }
            try peer.send((0..<70).map { _ in Data(random.bytes(8)) })  // more frames than any message has
            let version = Data(WireProtocol.version.utf8)
            var oldHello = WireMessage.hello(Hello(workerID: "intruder", host: "nowhere", cores: 1)).encode()
            oldHello[0] = Data("SEEDFARM/0".utf8)
            try peer.send(oldHello)  // wrong protocol version
            try peer.send(WireMessage.hello(Hello(workerID: "intruder", host: "nowhere", cores: 1, version: "SEEDFARM/9")).encode())
            try peer.send([version, Data("launch".utf8), Data("{}".utf8)])  // unknown kind
            try peer.send([version, Data("hello".utf8), Data("{not json".utf8)])
            try peer.send([version, Data("hello".utf8), Data(#"{"worker_id":"x","host":"y","cores":0,"version":"SEEDFARM/1","cached_foundations":[]}"#.utf8)])
            try peer.send([version, Data("heartbeat".utf8), Data("{}".utf8), Data("payload".utf8)])
            try peer.send([version, Data("ready".utf8), Data(#"{"cached_foundations":["not-a-hash"]}"#.utf8)])
            try peer.send(WireMessage.ack(taskID: Self.unknownTaskID).encode())  // a coordinator's message
            try peer.send(WireMessage.bye.encode())  // bye without hello
            try peer.send(WireMessage.error(taskID: Self.unknownTaskID, reason: "nope", abandoned: false).encode())
            var badFoundation = WireMessage.result(ResultReport(
                taskID: Self.unknownTaskID,
                outcome: TaskOutcome(foundation: FoundationOutcome(
                    weightsSHA256: String(repeating: "ab", count: 32), weightCount: 2, finalLoss: 0, acc0: 0, accTheta: 0, trainSeconds: 0)),
                weights: Data(count: 8))).encode()
            badFoundation[3] = Data(count: 8)  // weights that do not hash to the header's SHA-256
            try peer.send(badFoundation)
            // Two frames each under the per-frame cap that together exceed it: the
            // whole-message check must catch them (the only time the coordinator holds
            // more than the cap for one message).
            let half = cap / 2 + (1 << 20)
            var bigMessage = ZMTP.frame([UInt8](version), more: true) + ZMTP.frame(Array("result".utf8), more: true)
            bigMessage += ZMTP.frameHeader(flags: 0x01, size: half)
            try peer.connection.write(bigMessage)
            _ = try peer.connection.writeRepeated(0x7B, count: half)
            try peer.connection.write(ZMTP.frameHeader(flags: 0, size: half))
            _ = try peer.connection.writeRepeated(0x00, count: half)
            // After all that, the same connection is still served: a result for a task not
            // in the sweep is acknowledged (and not recorded).
            try peer.send(Self.unknownResult())
            #expect(try Self.waitForReply(kind: "ack", on: peer, containing: Self.unknownTaskID), "no ack on the abused connection")

            // 3. A fresh connection is served too: a wrong version gets a reject, a result an ack.
            let probe = try ZMTPDealer(port: port)
            try probe.send(oldHello)
            #expect(try Self.waitForReply(kind: "reject", on: probe, containing: "SEEDFARM/0"), "no reject for a wrong protocol version")
            try probe.send(Self.unknownResult())
            #expect(try Self.waitForReply(kind: "ack", on: probe, containing: Self.unknownTaskID), "no ack for a result")
            try #require(coordinator.isRunning && !coordinator.stderr.contains("sweep finished"),
                         "the sweep ended before the traffic did; the test proved nothing")

            // 4. The sweep ends as an undisturbed one would.
            try coordinator.expectExit(.exited(0))
            #expect(coordinator.stderr.contains("dropped a malformed message"))
            let journal = try JournalFile(contentsOf: run.appendingPathComponent("journal.jsonl"))
            #expect(journal.lines.count == SmallSweep.taskCount)
            #expect(journal.duplicateTaskIDs == [])
            #expect(!journal.taskIDs.contains(Self.unknownTaskID))
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
            try expectSameResults(run, reference)
        }

        /// A well-formed adapt result for a task id no sweep has.
        static func unknownResult() -> [Data] {
            let metrics = Metrics(method: "lora", seed: 99, angleDegrees: 45, trainableParams: 1, acc0: 0.99, accTheta: 0.99, trainSeconds: 1)
            return WireMessage.result(ResultReport(taskID: unknownTaskID, outcome: TaskOutcome(metrics: metrics))).encode()
        }

        /// Reads replies (skipping others, e.g. rejects for earlier junk) until one of
        /// `kind` whose header contains `text`; false on timeout or close.
        static func waitForReply(kind: String, on peer: ZMTPDealer, containing text: String) throws -> Bool {
            let clock = ContinuousClock()
            let deadline = clock.now + Deadlines.event
            while clock.now < deadline {
                guard let frames = try peer.receive(timeout: deadline - clock.now) else { return false }
                guard frames.count >= 3 else { continue }
                if String(decoding: frames[1], as: UTF8.self) == kind, String(decoding: frames[2], as: UTF8.self).contains(text) {
                    return true
                }
            }
            return false
        }
    }
}
