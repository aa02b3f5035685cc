// Fuzzing the coordinator's endpoint while a real sweep runs: libzmq DEALER peers and
// hand-written ZMTP peers send over 10,000 random and mutated messages (random frame
// lists, valid protocol messages with bits flipped, frames dropped, duplicated, split or
// truncated, wrong versions, unknown kinds, hostile JSON headers, results for task ids no
// sweep has, one message of 100,000 tiny frames, one frame over the 16 MiB cap, transport
// violations) and the sweep must not notice: the coordinator stays up, its memory stays
// bounded, and the table is the undisturbed run's.
//
// The fuzz never sends a message that decodes as a `hello` in this build's protocol
// version: a peer that joins is a worker (without CURVE anyone may join, reliability.md),
// and a worker that takes tasks and never answers costs leases by design. That is a
// different test (WorkerCrashTests); this one is about bytes that must be dropped.
//
// The RNG is seeded (SplitMix64); set SEEDFARM_FUZZ_SEED (decimal or 0x-hex) to replay
// another seed. The counts and the coordinator's peak RSS are printed.
import Farm
import Foundation
import Synchronization
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    @Suite("Fuzz")
    struct FuzzTests {
        static let defaultSeed: UInt64 = 0x5EED_F022_2026_0001
        static let zmqPeerCount = 4
        static let rawPeerCount = 2
        static let messagesPerZMQPeer = 2_250
        static let messagesPerRawPeer = 1_100
        /// Each peer stops at its count or at this, whichever comes first.
        static let peerTimeLimit: Duration = .seconds(8)
        /// Per-task delay of the local workers: 14 tasks on 2 workers last about 7 x this,
        /// comfortably longer than the fuzz.
        static let taskDelaySeconds = 1.0
        static let peakRSSBoundKB = 512 * 1024

        /// Exited, or crashed and still printing its backtrace (which takes seconds).
        static func hasDied(_ process: ChildProcess) -> Bool {
            !process.isRunning || process.stderr.contains("Program crashed") || process.stderr.contains("Assertion failed")
        }

        static var seed: UInt64 {
            guard let text = ProcessInfo.processInfo.environment["SEEDFARM_FUZZ_SEED"] else { return defaultSeed }
            if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) ?? defaultSeed }
            return UInt64(text) ?? defaultSeed
        }

        @Test("10,000+ random and mutated messages from 6 peers mid-sweep: the coordinator stays up, its RSS bounded; same table; exit 0",
              TestData.required)
        func fuzzedTrafficMidSweep() throws {
            let data = try TestData.requireDirectory()
            let reference = try ReferenceRun.directory()
            let scratch = try TemporaryDirectory("fuzz")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let run = scratch.path("run")
            let port = try freeLoopbackPort()
            let coordinator = try processes.acceptingCoordinator(
                SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"], port: port,
                environment: ["SEEDFARM_FAULTS": "delay=\(Self.taskDelaySeconds)"])
            let memory = MemorySampler(pid: coordinator.pid)
            memory.start()
            defer { memory.stop() }
            let before = MemorySampler.read(coordinator.pid)

            let seed = Self.seed
            print("fuzz: seed 0x\(String(seed, radix: 16)) (SEEDFARM_FUZZ_SEED replays another); \(Self.zmqPeerCount) libzmq DEALER peers x \(Self.messagesPerZMQPeer) + \(Self.rawPeerCount) raw ZMTP peers x \(Self.messagesPerRawPeer) messages, at most \(Self.peerTimeLimit) each")
            let stats = FuzzStats()
            let clock = ContinuousClock()
            let fuzzStart = clock.now
            let deadline = fuzzStart + Self.peerTimeLimit
            var peerSeeds = SplitMix64(seed: seed)
            for index in 0..<Self.zmqPeerCount {
                let peerSeed = peerSeeds.next()
                Thread { ZMQFuzzPeer(index: index, port: port, seed: peerSeed, budget: Self.messagesPerZMQPeer, deadline: deadline, stats: stats).run() }.start()
            }
            for index in 0..<Self.rawPeerCount {
                let peerSeed = peerSeeds.next()
                Thread { RawFuzzPeer(index: index, port: port, seed: peerSeed, budget: Self.messagesPerRawPeer, deadline: deadline, stats: stats).run() }.start()
            }
            let peerCount = Self.zmqPeerCount + Self.rawPeerCount
            var coordinatorDiedAt: Duration?
            let waitDeadline = deadline + .seconds(20)
            while stats.snapshot.finishedPeers < peerCount && clock.now < waitDeadline {
                if coordinatorDiedAt == nil && Self.hasDied(coordinator) { coordinatorDiedAt = clock.now - fuzzStart }
                Thread.sleep(forTimeInterval: 0.02)
            }
            let fuzzDuration = clock.now - fuzzStart
            let runningRightAfter = !Self.hasDied(coordinator)
            let sweepStillRunning = runningRightAfter && !coordinator.stderr.contains("sweep finished")
            let during = memory.snapshot
            let counts = stats.snapshot
            print("fuzz: \(counts.sent) messages sent (\(counts.frames) frames, \(counts.bytes / 1024) KiB) in \(fuzzDuration.logText); \(counts.wouldBlock) sends would block (HWM) and were retried or dropped; \(counts.reconnects) reconnects after transport violations or id changes")
            print("fuzz: by kind: \(counts.categories.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            print("fuzz: replies read by the libzmq peers: \(counts.replies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            for note in counts.notes { print("fuzz: \(note)") }
            print("fuzz: coordinator RSS before the fuzz \(before.map { "\($0.rssKB / 1024) MB (peak so far \($0.hwmKB / 1024) MB)" } ?? "?"), highest RSS sampled during it \(during.maxRSSKB / 1024) MB, VmHWM right after it \(during.lastHWMKB / 1024) MB (\(during.samples) samples)")

            try #require(counts.finishedPeers == peerCount, "\(peerCount - counts.finishedPeers) fuzz peer(s) did not stop within \(Self.peerTimeLimit + .seconds(20))")
            let death = runningRightAfter ? "" : "\((try? coordinator.waitForExit(timeout: .seconds(5))).map { "\($0)" } ?? "?")"
            try #require(coordinatorDiedAt == nil && runningRightAfter,
                         "the coordinator died during the fuzz (at \(coordinatorDiedAt?.logText ?? "its end"), \(death)); stderr ends:\n\(coordinator.stderrTail)")
            #expect(counts.errors.isEmpty, "fuzz peers failed: \(counts.errors.joined(separator: "; "))")
            #expect(counts.sent >= 10_000, "only \(counts.sent) messages went out")
            #expect(counts.checks.filter { !$0.value }.isEmpty, "failed checks: \(counts.checks.filter { !$0.value }.keys.sorted())")
            try #require(sweepStillRunning, "the sweep ended before the fuzz did; the fuzz did not overlap it (raise taskDelaySeconds)")

            // Still serving: a fresh connection gets its result acknowledged.
            let probe = try ZMTPDealer(port: port)
            try probe.send(HostileTraffic.unknownResult())
            #expect(try HostileTraffic.waitForReply(kind: "ack", on: probe, containing: HostileTraffic.unknownTaskID), "no ack after the fuzz")

            // The sweep ends as an undisturbed one would.
            try coordinator.expectExit(.exited(0))
            memory.stop()
            let final = memory.snapshot
            let sweepSeconds = (clock.now - fuzzStart).logText
            print("fuzz: coordinator peak RSS (VmHWM, last read before exit) \(final.lastHWMKB / 1024) MB (\(final.lastHWMKB) kB); highest VmRSS sampled \(final.maxRSSKB / 1024) MB; bound \(Self.peakRSSBoundKB / 1024) MB; sweep ended \(sweepSeconds) after the fuzz began")
            #expect(final.lastHWMKB > 0, "no memory sample of the coordinator")
            #expect(final.lastHWMKB < Self.peakRSSBoundKB, "the coordinator's peak RSS reached \(final.lastHWMKB / 1024) MB")
            #expect(final.maxRSSKB < Self.peakRSSBoundKB)

            let journal = try JournalFile(contentsOf: run.appendingPathComponent("journal.jsonl"))
            let referenceJournal = try JournalFile(contentsOf: reference.appendingPathComponent("journal.jsonl"))
            #expect(journal.lines.count == SmallSweep.taskCount)
            #expect(journal.duplicateTaskIDs == [])
            #expect(journal.tail.isEmpty)
            #expect(Set(journal.taskIDs) == Set(referenceJournal.taskIDs), "journaled task ids not in the sweep: \(Set(journal.taskIDs).subtracting(referenceJournal.taskIDs).sorted())")
            #expect(journal.taskIDs.allSatisfy { !$0.hasPrefix(FuzzGenerator.taskIDPrefix) })
            #expect(journal.lines.allSatisfy { $0.status == "done" })
            #expect(try readText(run.appendingPathComponent("table.md")) == readText(reference.appendingPathComponent("table.md")))
            #expect(try TableDocument(contentsOf: run.appendingPathComponent("table.json")).rows.map(\.n) == Array(repeating: 2, count: SmallSweep.methods.count))
            try expectSameResults(run, reference, ignoringAttempts: true)
            #expect(coordinator.stderr.contains("dropped a malformed message"))
        }

        /// ZMQ_MAXMSGSIZE caps each frame and the receive high-water mark counts whole
        /// messages, but libzmq holds every frame of a multipart message (a 64-byte
        /// `zmq_msg_t` each, even when empty) until its last frame arrives. So one message
        /// that never ends, made of 2-byte empty frames, grows the coordinator by ~32 bytes
        /// per byte sent, with no limit. reliability.md promises that hostile bytes never
        /// grow its memory without bound.
        @Test("One unfinished message of millions of empty frames does not grow the coordinator's memory without bound",
              .disabled("Known limitation without CURVE: libzmq holds every frame of an unfinished message; see the CURVE variant below and README, 'Running on a cluster'"),
              TestData.required)
        func endlessMultipartMessageIsBounded() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("fuzz-frames")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let port = try freeLoopbackPort()
            // No workers: the coordinator just serves its endpoint.
            let coordinator = try processes.coordinator(
                SmallSweep.arguments(data: data, out: scratch.path("run")) + ["--bind", "tcp://127.0.0.1:\(port)", "--local-workers", "0"])
            try waitUntil("the coordinator to accept workers", unlessExited: coordinator) {
                coordinator.stderr.contains("accepting workers at")
            }
            let peer = try ZMTPDealer(port: port)
            Thread.sleep(forTimeInterval: 0.2)
            let before = try #require(MemorySampler.read(coordinator.pid))
            let frameCount = 4_000_000  // 8 MB on the wire
            let chunk = [UInt8](repeating: 0, count: 1 << 20).enumerated().map { $0.offset % 2 == 0 ? UInt8(0x01) : 0 }  // [more, size 0] pairs
            var written = 0
            while written < frameCount * 2 {
                let part = min(chunk.count, frameCount * 2 - written)
                try #require(try peer.connection.write(Array(chunk[..<part])), "the coordinator closed the connection after \(written / 2) frames")
                written += part
            }
            // Let its I/O thread take in what the kernel buffers hold.
            var after = before
            let clock = ContinuousClock()
            let settle = clock.now + .seconds(5)
            while clock.now < settle {
                Thread.sleep(forTimeInterval: 0.25)
                guard let reading = MemorySampler.read(coordinator.pid) else { break }
                if reading.rssKB == after.rssKB { break }
                after = reading
            }
            let growthKB = after.rssKB - before.rssKB
            print("frames: \(frameCount) empty frames (\(written / 1024) KiB on the wire) of one unfinished message: coordinator RSS \(before.rssKB / 1024) MB -> \(after.rssKB / 1024) MB (+\(growthKB / 1024) MB, \(String(format: "%.1f", Double(growthKB * 1024) / Double(written))) bytes held per byte sent)")
            #expect(coordinator.isRunning)
            #expect(growthKB < 64 * 1024,
                    "\(written / 1024) KiB of frames that never end cost the coordinator \(growthKB / 1024) MB; at this rate 100 MB of them exhaust the host")
            // Finishing the message gets it dropped as malformed; the connection keeps working.
            try peer.connection.write([0x00, 0x00])
            try peer.send(HostileTraffic.unknownResult())
            #expect(try HostileTraffic.waitForReply(kind: "ack", on: peer, containing: HostileTraffic.unknownTaskID), "no ack after the long message")
        }

        /// libzmq 4.3.4 aborts on `zmq_assert (!_io_error)` in stream_engine_base.cpp:331
        /// (`out_event`; upstream zeromq/libzmq#4364, open) when a connection whose input
        /// is stopped (its receive queue, ZMQ_RCVHWM = 64 here, is full) hangs up and its
        /// buffered bytes still hold a ZMTP PING: draining the queue later restarts input,
        /// the PING makes the engine answer PONG through `out_event` on a connection already
        /// marked failed, and the whole coordinator dies with SIGABRT. Any peer that
        /// completes the NULL handshake can do it (no CURVE: anyone who reaches the port).
        @Test("A peer that overfills its queue, sends a ZMTP PING and hangs up does not abort the coordinator",
              .disabled("Known limitation without CURVE: libzmq 4.3.4 aborts (zeromq/libzmq#4364); see the CURVE variant below"),
              TestData.required)
        func pingBehindAFullQueueDoesNotAbort() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("fuzz-ping")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let port = try freeLoopbackPort()
            let coordinator = try processes.coordinator(
                SmallSweep.arguments(data: data, out: scratch.path("run")) + ["--bind", "tcp://127.0.0.1:\(port)", "--local-workers", "0"])
            try waitUntil("the coordinator to accept workers", unlessExited: coordinator) {
                coordinator.stderr.contains("accepting workers at")
            }
            // 150 messages (over the 64-message queue), then PING with a zero TTL and no context.
            let burst = Array(repeating: ZMTP.message([Data("SEEDFARM/0".utf8), Data("hello".utf8), Data("{}".utf8)]), count: 150).flatMap { $0 }
            let ping: [UInt8] = [0x04, 7, 4] + Array("PING".utf8) + [0, 0]
            var connections = 0
            for _ in 0..<200 where !Self.hasDied(coordinator) {
                guard let peer = try? ZMTPDealer(port: port, timeout: .seconds(2)) else { break }
                _ = try? peer.connection.write(burst + ping)
                peer.connection.disconnect()
                connections += 1
            }
            Thread.sleep(forTimeInterval: 0.5)
            print("ping: \(connections) connections of 150 messages + PING + hang-up; coordinator \(Self.hasDied(coordinator) ? "ABORTED: \(coordinator.stderr.split(separator: "\n").first { $0.contains("Assertion") } ?? "")" : "still up")")
            #expect(!Self.hasDied(coordinator), "the coordinator died after \(connections) such connections; stderr:\n\(coordinator.stderr.split(separator: "\n").filter { !$0.contains("dropped a malformed") }.prefix(12).joined(separator: "\n"))")
            if !Self.hasDied(coordinator) {
                let probe = try ZMTPDealer(port: port)
                try probe.send(HostileTraffic.unknownResult())
                #expect(try HostileTraffic.waitForReply(kind: "ack", on: probe, containing: HostileTraffic.unknownTaskID))
            }
        }
    }
}

extension EndToEnd.FuzzTests {
    /// The two attacks above that libzmq itself cannot withstand, against a coordinator with
    /// CURVE on: a stranger never completes the handshake, so it can neither queue frames
    /// nor reach the PING path. This is the configuration the README asks for on any
    /// network that is not fully trusted.
    @Suite("Fuzz with CURVE")
    struct WithCurve {
        /// A coordinator with CURVE, one allowed key (nobody's), serving `--bind`.
        func curveCoordinator(_ processes: Processes, scratch: TemporaryDirectory, data: String, port: UInt16) throws -> ChildProcess {
            let keys = scratch.path("keys")
            try FileManager.default.createDirectory(at: keys.appendingPathComponent("allowed"), withIntermediateDirectories: true)
            _ = try CurveKeyPair.generateFiles(prefix: keys.appendingPathComponent("coordinator").path, overwrite: false)
            _ = try CurveKeyPair.generateFiles(prefix: keys.appendingPathComponent("allowed/someone").path, overwrite: false)
            let coordinator = try processes.coordinator(
                SmallSweep.arguments(data: data, out: scratch.path("run"))
                    + ["--bind", "tcp://127.0.0.1:\(port)", "--local-workers", "0",
                       "--curve-secret", keys.appendingPathComponent("coordinator.key").path,
                       "--allow-keys", keys.appendingPathComponent("allowed").path])
            try waitUntil("the coordinator to accept workers", unlessExited: coordinator) {
                coordinator.stderr.contains("accepting workers at")
            }
            return coordinator
        }

        @Test("With CURVE, millions of frames from a stranger cost the coordinator nothing: the handshake fails first",
              TestData.required)
        func endlessMultipartMessageIsRefusedWithCurve() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("fuzz-frames-curve")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let port = try freeLoopbackPort()
            let coordinator = try curveCoordinator(processes, scratch: scratch, data: data, port: port)
            let before = try #require(MemorySampler.read(coordinator.pid))
            // A NULL greeting, then 4 million empty frames of one message, as fast as it goes.
            let connection = try RawConnection(port: port)
            _ = try connection.write(ZMTP.greeting())
            let chunk = [UInt8](repeating: 0, count: 1 << 20).enumerated().map { $0.offset % 2 == 0 ? UInt8(0x01) : 0 }
            var written = 0
            while written < 8_000_000, (try? connection.write(chunk)) == true { written += chunk.count }
            connection.disconnect()
            try waitUntil("the coordinator to log the refused handshake", unlessExited: coordinator) {
                coordinator.stderr.contains("refused a connection")
            }
            let after = try #require(MemorySampler.read(coordinator.pid))
            print("frames with CURVE: \(written / 1024) KiB written before the coordinator hung up; RSS \(before.rssKB / 1024) MB -> \(after.rssKB / 1024) MB")
            #expect(coordinator.isRunning)
            #expect(after.rssKB - before.rssKB < 16 * 1024)
        }

        @Test("With CURVE, the queue-and-PING trick cannot reach libzmq's abort: the coordinator stays up",
              TestData.required)
        func pingBehindAFullQueueIsRefusedWithCurve() throws {
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("fuzz-ping-curve")
            defer { scratch.remove() }
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let port = try freeLoopbackPort()
            let coordinator = try curveCoordinator(processes, scratch: scratch, data: data, port: port)
            let burst = Array(repeating: ZMTP.message([Data("SEEDFARM/0".utf8), Data("hello".utf8), Data("{}".utf8)]), count: 150).flatMap { $0 }
            let ping: [UInt8] = [0x04, 7, 4] + Array("PING".utf8) + [0, 0]
            for _ in 0..<200 where !EndToEnd.FuzzTests.hasDied(coordinator) {
                guard let connection = try? RawConnection(port: port) else { break }
                _ = try? connection.write(ZMTP.greeting() + burst + ping)
                connection.disconnect()
            }
            Thread.sleep(forTimeInterval: 0.5)
            #expect(!EndToEnd.FuzzTests.hasDied(coordinator), "stderr:\n\(coordinator.stderrTail)")
            #expect(coordinator.stderr.contains("refused a connection"))
        }
    }
}

// MARK: - Memory

/// Samples a process's `VmRSS` and `VmHWM` (peak RSS) from `/proc/PID/status` on a
/// thread of its own until stopped or the process is gone.
final class MemorySampler: Sendable {
    struct Reading { var rssKB: Int; var hwmKB: Int }
    struct State { var maxRSSKB = 0; var lastHWMKB = 0; var samples = 0; var stopped = false }

    let pid: pid_t
    private let state = Mutex(State())

    init(pid: pid_t) { self.pid = pid }

    static func read(_ pid: pid_t) -> Reading? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var rss: Int?
        var hwm: Int?
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            if fields[0] == "VmRSS:" { rss = Int(fields[1]) }
            if fields[0] == "VmHWM:" { hwm = Int(fields[1]) }
        }
        guard let rss, let hwm else { return nil }  // a zombie has neither
        return Reading(rssKB: rss, hwmKB: hwm)
    }

    func start() {
        Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                guard let reading = Self.read(pid) else {
                    if kill(pid, 0) != 0 { break }  // gone
                    Thread.sleep(forTimeInterval: 0.01)
                    continue
                }
                state.withLock { state in
                    state.maxRSSKB = max(state.maxRSSKB, reading.rssKB)
                    state.lastHWMKB = max(state.lastHWMKB, reading.hwmKB)
                    state.samples += 1
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }.start()
    }

    func stop() { state.withLock { $0.stopped = true } }

    var snapshot: State { state.withLock { $0 } }
}

// MARK: - Fuzz statistics

final class FuzzStats: Sendable {
    struct Counts {
        var sent = 0
        var frames = 0
        var bytes = 0
        var wouldBlock = 0
        var reconnects = 0
        var finishedPeers = 0
        var categories: [String: Int] = [:]
        var replies: [String: Int] = [:]
        var errors: [String] = []
        var notes: [String] = []
        /// Named expectations checked inside the peers (e.g. "an oversized frame gets the
        /// connection closed"), reported by the test.
        var checks: [String: Bool] = [:]

        mutating func count(_ category: String, _ frames: [Data]) {
            sent += 1
            self.frames += frames.count
            bytes += frames.reduce(0) { $0 + $1.count }
            categories[category, default: 0] += 1
        }

        mutating func merge(_ other: Counts) {
            sent += other.sent
            frames += other.frames
            bytes += other.bytes
            wouldBlock += other.wouldBlock
            reconnects += other.reconnects
            categories.merge(other.categories, uniquingKeysWith: +)
            replies.merge(other.replies, uniquingKeysWith: +)
            errors += other.errors
            notes += other.notes
            checks.merge(other.checks) { $0 && $1 }
        }
    }

    private let counts = Mutex(Counts())

    /// A peer's totals, once, when it stops.
    func finish(_ peer: Counts) {
        counts.withLock {
            $0.merge(peer)
            $0.finishedPeers += 1
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}

// MARK: - Messages

/// Deterministic hostile messages for one peer: random frame lists, the protocol's own
/// messages mutated, hostile JSON headers, and well-formed results for unknown task ids.
struct FuzzGenerator {
    static let taskIDPrefix = "f022"

    var random: SplitMix64
    private var templates: [(name: String, frames: [Data])] = []
    private var nastyHeaders: [Data] = []
    let version = Data(WireProtocol.version.utf8)

    init(seed: UInt64, peerName: String) {
        random = SplitMix64(seed: seed)
        let unknownID = unknownTaskID()
        let weights = WeightsPayload.data(from: (0..<16).map { Float($0) / 7 })
        templates = [
            ("hello", WireMessage.hello(Hello(workerID: peerName, host: "fuzz-host", cores: 4, cachedFoundations: [hex(32)])).encode()),
            ("ready", WireMessage.ready(cachedFoundations: [hex(32), hex(32)]).encode()),
            ("ready-empty", WireMessage.ready(cachedFoundations: []).encode()),
            ("heartbeat", WireMessage.heartbeat.encode()),
            ("bye", WireMessage.bye.encode()),
            ("result", unknownAdaptResult()),
            ("result-foundation", WireMessage.result(ResultReport(
                taskID: unknownID,
                outcome: TaskOutcome(foundation: FoundationOutcome(
                    weightsSHA256: WeightsPayload.sha256(weights), weightCount: 16, finalLoss: 0.5, acc0: 0.9, accTheta: 0.8, trainSeconds: 1)),
                weights: weights)).encode()),
            ("error", WireMessage.error(taskID: unknownID, reason: "fuzz", abandoned: false).encode()),
            ("error-abandoned", WireMessage.error(taskID: unknownTaskID(), reason: "fuzz", abandoned: true).encode()),
            ("ack", WireMessage.ack(taskID: unknownID).encode()),
            ("welcome", WireMessage.welcome.encode()),
            ("wait", WireMessage.wait.encode()),
            ("reject", WireMessage.reject(reason: "fuzz").encode()),
        ]
        nastyHeaders = Self.makeNastyHeaders(&random)
    }

    // MARK: Randomness

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func bytes(_ count: Int) -> Data {
        var data = Data(count: count)
        data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                var word = random.next()
                let n = min(8, count - offset)
                withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: n) }
                offset += n
            }
        }
        return data
    }

    mutating func hex(_ byteCount: Int) -> String {
        bytes(byteCount).map { String(format: "%02x", $0) }.joined()
    }

    /// 24 characters like a real task id, but with a prefix no hash is likely to start
    /// with at random, so a journaled one would be recognised.
    mutating func unknownTaskID() -> String { Self.taskIDPrefix + hex(10) }

    mutating func unknownAdaptResult() -> [Data] {
        let odd: [Double] = [0, 1, -1, .nan, .infinity, -.infinity, 1e308, -1e-308, 0.5]
        let metrics = Metrics(
            method: pick(["lora", "frozen", "nope", ""]), seed: random.next(), angleDegrees: pick(odd),
            trainableParams: pick([0, -1, Int.max, Int.min, 10]), acc0: pick(odd), accTheta: pick(odd),
            highActFrac: chance(0.5) ? pick(odd) : nil, trainSeconds: pick(odd))
        return WireMessage.result(ResultReport(taskID: unknownTaskID(), outcome: TaskOutcome(metrics: metrics))).encode()
    }

    // MARK: Messages

    /// The next message and the name of what it is.
    mutating func next() -> (category: String, frames: [Data]) {
        let (category, frames) = candidate()
        // Never join: a peer whose hello decodes becomes a worker (see the file's header).
        if case .hello(let hello)? = try? WireMessage.decode(frames), hello.version == WireProtocol.version {
            var demoted = frames
            demoted[0] = Data("SEEDFARM/0".utf8)
            return ("hello-demoted", demoted)
        }
        return (category, frames)
    }

    private mutating func candidate() -> (String, [Data]) {
        switch int(0...99) {
        case 0..<22:
            return ("random-frames", randomFrames())
        case 22..<70:
            let template = pick(templates)
            var frames = template.frames
            for _ in 0..<int(1...3) { mutate(&frames) }
            return ("mutated-\(template.name)", frames)
        case 70..<80:
            return ("unknown-result", unknownAdaptResult())
        case 80..<92:
            let kind = pick(WireProtocol.Kind.allCases).rawValue
            var frames = [version, Data(kind.utf8), pick(nastyHeaders)]
            if chance(0.2) { frames.append(bytes(int(0...64))) }
            return ("nasty-header", frames)
        default:
            // Well-formed messages a stranger may send; none of them joins.
            let template = pick(templates.filter { $0.name != "hello" })
            return ("valid-\(template.name)", template.frames)
        }
    }

    mutating func randomFrames() -> [Data] {
        let roll = int(0...99)
        let count = roll < 70 ? int(1...6) : roll < 90 ? int(7...64) : roll < 98 ? int(65...300) : int(301...2_000)
        return (0..<count).map { _ in
            let sizeRoll = int(0...999)
            let size = sizeRoll < 800 ? int(0...64) : sizeRoll < 995 ? int(65...1_024) : int(4_096...65_536)
            return bytes(size)
        }
    }

    mutating func mutate(_ frames: inout [Data]) {
        let target = int(0...(frames.count - 1))
        switch int(0...13) {
        case 0:  // flip one bit
            guard !frames[target].isEmpty else { return }
            let at = int(0...(frames[target].count - 1))
            frames[target][frames[target].startIndex + at] ^= UInt8(1 << int(0...7))
        case 1:  // overwrite a few bytes
            guard !frames[target].isEmpty else { return }
            for _ in 0..<int(1...4) {
                let at = int(0...(frames[target].count - 1))
                frames[target][frames[target].startIndex + at] = UInt8(truncatingIfNeeded: random.next())
            }
        case 2:  // truncate
            frames[target] = Data(frames[target].prefix(int(0...frames[target].count)))
        case 3:  // extend
            frames[target].append(bytes(int(1...32)))
        case 4:  // duplicate a frame
            frames.insert(frames[target], at: int(0...frames.count))
        case 5:  // drop a frame
            if frames.count > 1 { frames.remove(at: target) }
        case 6:  // swap two frames
            frames.swapAt(target, int(0...(frames.count - 1)))
        case 7:  // insert a random frame
            frames.insert(bytes(int(0...40)), at: int(0...frames.count))
        case 8:  // wrong version
            frames[0] = pick([Data("SEEDFARM/0".utf8), Data("SEEDFARM/2".utf8), Data("seedfarm/1".utf8), Data(),
                              Data("SEEDFARM/1\0".utf8), Data("SEEDFARM/10".utf8), bytes(int(1...12))])
        case 9:  // unknown or wrong kind
            if frames.count > 1 {
                frames[1] = pick([Data("launch".utf8), Data("HELLO".utf8), Data("hello ".utf8), Data(), Data("résultat".utf8),
                                  Data(pick(WireProtocol.Kind.allCases).rawValue.utf8), bytes(int(1...16))])
            }
        case 10:  // a hostile header
            if frames.count > 2 { frames[2] = pick(nastyHeaders) }
        case 11:  // empty a frame
            frames[target] = Data()
        case 12:  // split a frame in two
            let frame = frames[target]
            let cut = int(0...frame.count)
            frames.replaceSubrange(target...target, with: [Data(frame.prefix(cut)), Data(frame.dropFirst(cut))])
        default:  // a payload where none belongs, or a second one
            frames.append(bytes(int(0...256)))
        }
    }

    /// Headers that are valid JSON of the wrong shape, invalid JSON, deep nesting, huge
    /// numbers, bad UTF-8, fields over their limits, one header over its 1 MiB limit.
    private static func makeNastyHeaders(_ random: inout SplitMix64) -> [Data] {
        var headers: [String] = [
            "", "null", "[]", "{}", "\"\"", "0", "-", "{", "}", "{\"a\":", "[1,2,",
            String(repeating: "[", count: 10_000),
            String(repeating: "[", count: 500) + String(repeating: "]", count: 500),
            String(repeating: "{\"worker_id\":", count: 2_000) + "1" + String(repeating: "}", count: 2_000),
            #"{"worker_id":"w","host":"h","cores":1e999,"version":"SEEDFARM/1","cached_foundations":[]}"#,
            #"{"worker_id":"w","host":"h","cores":9223372036854775808,"version":"SEEDFARM/1","cached_foundations":[]}"#,
            #"{"worker_id":"w","host":"h","cores":-1,"version":"SEEDFARM/1","cached_foundations":[]}"#,
            #"{"worker_id":"w","host":"h","cores":1.5,"version":"SEEDFARM/1","cached_foundations":[]}"#,
            #"{"worker_id":"","host":"h","cores":1,"version":"SEEDFARM/0","cached_foundations":[]}"#,
            #"{"worker_id":"w","host":"h","cores":"1","version":"SEEDFARM/0","cached_foundations":null}"#,
            "{\"worker_id\":\"" + String(repeating: "W", count: 300) + "\",\"host\":\"h\",\"cores\":1,\"version\":\"SEEDFARM/0\",\"cached_foundations\":[]}",
            "{\"cached_foundations\":[" + Array(repeating: "\"" + String(repeating: "ab", count: 32) + "\"", count: 300).joined(separator: ",") + "]}",
            #"{"cached_foundations":["ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"]}"#,
            #"{"cached_foundations":[1,2,3]}"#,
            #"{"task_id":null}"#, #"{"task_id":""}"#, #"{"task_id":"\u0000"}"#, #"{"task_id":"\ud800"}"#,
            #"{"task_id":"a","task_id":"b"}"#,
            #"{"task_id":"f022x","outcome":{}}"#,
            #"{"task_id":"f022x","outcome":{"metrics":null,"foundation":null}}"#,
            #"{"task_id":"f022x","outcome":{"metrics":{"method":"lora","seed":-1,"angle_degrees":"nan","trainable_params":1,"acc0":1,"acc_theta":1,"train_seconds":1}}}"#,
            #"{"task_id":"f022x","outcome":{"foundation":{"weights_sha256":"00","weight_count":-4,"final_loss":0,"acc0":0,"acc_theta":0,"train_seconds":0}}}"#,
            #"{"task_id":"f022x","reason":"r","abandoned":"yes"}"#,
            "{\"task_id\":\"f022x\",\"reason\":\"" + String(repeating: "R", count: 9_000) + "\",\"abandoned\":false}",
            "{\"reason\":\"" + String(repeating: "\\u0007", count: 100) + "\"}",
            "{\"n\":" + String(repeating: "9", count: 5_000) + "}",
            "{\"n\":1e-" + String(repeating: "9", count: 400) + "}",
            String(repeating: " ", count: 1 << 16) + "{}",
        ]
        headers.append(String(repeating: " ", count: WireProtocol.maxHeaderBytes) + "{}")  // over the header limit
        var data = headers.map { Data($0.utf8) }
        data.append(Data([0x7B, 0x22, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0xC0, 0x80, 0x22, 0x7D]))  // {"t":"<bad UTF-8>"}
        data.append(Data([0xEF, 0xBB, 0xBF]) + Data("{}".utf8))  // a byte-order mark
        data.append(Data([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]))  // UTF-16
        var junk = Data(count: 256)
        for index in junk.indices { junk[index] = UInt8(truncatingIfNeeded: random.next()) }
        data.append(junk)
        return data
    }
}

// MARK: - Peers

/// A libzmq DEALER that sends without blocking: a full queue (HWM) is a dropped message,
/// retried later with another. Drains the coordinator's replies as it goes.
struct ZMQFuzzPeer {
    let index: Int
    let port: UInt16
    let seed: UInt64
    let budget: Int
    let deadline: ContinuousClock.Instant
    let stats: FuzzStats

    func run() {
        var counts = FuzzStats.Counts()
        defer { stats.finish(counts) }
        do {
            try fuzz(&counts)
        } catch {
            counts.errors.append("libzmq peer \(index): \(error)")
        }
    }

    private func makeSocket(_ context: Context, id: Data) throws -> Socket {
        let socket = try Socket(context, type: .dealer)
        try socket.set([.routingID(id), .sendHighWaterMark(1_000), .receiveHighWaterMark(1_000)])
        try socket.connect("tcp://127.0.0.1:\(port)")
        return socket
    }

    private func fuzz(_ counts: inout FuzzStats.Counts) throws {
        let clock = ContinuousClock()
        var generator = FuzzGenerator(seed: seed, peerName: "fuzz-zmq-\(index)")
        let context = try Context()
        var id = Data("fuzz-\(index)-".utf8) + generator.bytes(8)
        var socket = try makeSocket(context, id: id)
        defer { socket.close() }

        /// Sends one message, retrying on a full queue for up to `patience`.
        func send(_ category: String, _ frames: [Data], on socket: Socket, patience: Duration = .zero) throws -> Bool {
            let giveUp = clock.now + patience
            while true {
                if try socket.send(frames: frames, dontWait: true) {
                    counts.count(category, frames)
                    return true
                }
                counts.wouldBlock += 1
                guard clock.now < giveUp else { return false }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }

        func drain(_ socket: Socket) throws {
            while let reply = try socket.receive(dontWait: true) {
                let kind = reply.frames.count > 1 ? String(decoding: reply.frames[1], as: UTF8.self) : "?"
                counts.replies[kind, default: 0] += 1
            }
        }

        var step = 0
        while counts.sent < budget && clock.now < deadline {
            step += 1
            if step == budget / 3, let special = specialMessage() {
                let queued = try send(special.category, special.frames, on: socket, patience: .seconds(3))
                counts.notes.append("libzmq peer \(index): \(special.note) \(queued ? "queued" : "NOT queued (HWM)")")
                counts.checks["libzmq peer \(index)'s \(special.category) message was queued"] = queued
            }
            if index == 2 && step % 600 == 0 {
                // A new connection under a new routing id.
                try drain(socket)
                socket.close()
                id = Data("fuzz-\(index)-".utf8) + generator.bytes(8)
                socket = try makeSocket(context, id: id)
                counts.reconnects += 1
            }
            if index == 3 && step == budget / 2 {
                // A second connection with the same routing id: ROUTER_HANDOVER moves the
                // id back and forth while both send.
                let twin = try makeSocket(context, id: id)
                defer { twin.close() }
                for turn in 0..<100 {
                    let (category, frames) = generator.next()
                    _ = try send("handover-" + category, frames, on: turn % 2 == 0 ? twin : socket)
                    Thread.sleep(forTimeInterval: 0.001)
                }
                Thread.sleep(forTimeInterval: 0.2)
                try drain(twin)
                // The connection that lost the id can stay stuck at its HWM: start afresh.
                socket.close()
                id = Data("fuzz-\(index)-".utf8) + generator.bytes(8)
                socket = try makeSocket(context, id: id)
                counts.reconnects += 1
            }
            let (category, frames) = generator.next()
            if try !send(category, frames, on: socket) { Thread.sleep(forTimeInterval: 0.001) }
            if step % 32 == 0 { try drain(socket) }
        }
        Thread.sleep(forTimeInterval: 0.1)
        try drain(socket)
        if counts.sent < budget { counts.notes.append("libzmq peer \(index) stopped at its time limit after \(counts.sent) messages") }
    }

    /// This peer's one-off message, sent a third of the way through (nil: none).
    private func specialMessage() -> (category: String, frames: [Data], note: String)? {
        switch index {
        case 0:
            // 100,000 tiny frames in one message: libzmq holds all of them (64 bytes each)
            // on both sides until the last arrives; the coordinator keeps 64 and drops it.
            var random = SplitMix64(seed: seed ^ 0x1000)
            let frames = [Data(WireProtocol.version.utf8), Data("result".utf8)]
                + (0..<99_998).map { _ in Data(random.bytes(Int(random.next() % 3))) }
            return ("100k-frames", frames, "one message of \(frames.count) frames of 0 to 2 bytes")
        case 1:
            // Two frames each under the per-frame cap that together exceed it, after a valid
            // version and kind: caught by the whole-message check.
            let half = WireProtocol.maxMessageBytes / 2 + (1 << 20)
            let frames = [Data(WireProtocol.version.utf8), Data("result".utf8), Data(repeating: 0x7B, count: half), Data(count: half)]
            return ("over-cap-in-total", frames, "one message of 2 x \(half >> 20) MiB frames (over the cap in total)")
        default:
            return nil
        }
    }
}

/// A hand-written ZMTP DEALER: well-framed hostile messages, plus what libzmq would never
/// send (a frame over the cap, reserved flag bits, commands inside a message, garbage),
/// after which it reconnects.
struct RawFuzzPeer {
    let index: Int
    let port: UInt16
    let seed: UInt64
    let budget: Int
    let deadline: ContinuousClock.Instant
    let stats: FuzzStats

    func run() {
        var counts = FuzzStats.Counts()
        defer { stats.finish(counts) }
        do {
            try fuzz(&counts)
        } catch {
            counts.errors.append("raw peer \(index): \(error)")
        }
    }

    private func fuzz(_ counts: inout FuzzStats.Counts) throws {
        let clock = ContinuousClock()
        var generator = FuzzGenerator(seed: seed, peerName: "fuzz-raw-\(index)")
        var peer = try ZMTPDealer(port: port, timeout: .seconds(5))
        var step = 0
        while counts.sent < budget && clock.now < deadline {
            step += 1
            if step == budget / 3 { try special(&counts, peer: peer, generator: &generator) }
            if step % 137 == 0 {
                // A transport violation; the coordinator drops the connection. Start a new one.
                let violation = transportViolation(&generator)
                _ = try peer.connection.write(violation.bytes)
                counts.categories["transport-" + violation.name, default: 0] += 1
                counts.sent += 1
                counts.bytes += violation.bytes.count
                peer.connection.disconnect()
                peer = try ZMTPDealer(port: port, timeout: .seconds(5))
                counts.reconnects += 1
                continue
            }
            let (category, frames) = generator.next()
            let bytes: [UInt8]
            if generator.chance(0.03) {
                bytes = Self.longFormMessage(frames)  // every frame with an 8-byte size
            } else {
                bytes = ZMTP.message(frames)
            }
            if try peer.connection.write(bytes) {
                counts.count(category, frames)
            } else {
                peer = try ZMTPDealer(port: port, timeout: .seconds(5))
                counts.reconnects += 1
            }
        }
        if counts.sent < budget { counts.notes.append("raw peer \(index) stopped at its time limit after \(counts.sent) messages") }
        peer.connection.disconnect()
    }

    private func special(_ counts: inout FuzzStats.Counts, peer: ZMTPDealer, generator: inout FuzzGenerator) throws {
        switch index {
        case 0:
            // 100,000 tiny frames, framed by hand (300 KB on the wire).
            var bytes: [UInt8] = []
            bytes.reserveCapacity(300_000)
            for frame in 0..<100_000 {
                bytes += [frame < 99_999 ? 0x01 : 0x00, 1, UInt8(truncatingIfNeeded: frame)]
            }
            let written = try peer.connection.write(bytes)
            counts.count("raw-100k-frames", [Data(count: 100_000 * 3)])
            counts.frames += 99_999
            counts.checks["the raw 100,000-frame message was written"] = written
        case 1:
            // One frame 1 byte over ZMQ_MAXMSGSIZE, on a connection of its own: refused at
            // its header, the connection closed, nothing allocated.
            let oversized = try ZMTPDealer(port: port, timeout: .seconds(5))
            let cap = WireProtocol.maxMessageBytes
            try oversized.connection.write(ZMTP.frameHeader(flags: 0, size: cap + 1))
            _ = try oversized.connection.writeRepeated(0x41, count: cap + 1)
            let closed = oversized.connection.waitForClose(timeout: .seconds(10))
            counts.count("over-cap-frame", [Data()])
            counts.bytes += cap + 1
            counts.checks["a frame over the 16 MiB cap gets its connection closed"] = closed
            counts.notes.append("raw peer 1: one \(cap + 1)-byte frame (cap + 1): connection \(closed ? "closed by the coordinator" : "NOT closed")")
        default:
            break
        }
    }

    static func longFormMessage(_ frames: [Data]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, frame) in frames.enumerated() {
            bytes += [(index < frames.count - 1 ? 0x01 : 0x00) | 0x02] + withUnsafeBytes(of: UInt64(frame.count).bigEndian, Array.init)
            bytes += frame
        }
        return bytes
    }

    private func transportViolation(_ generator: inout FuzzGenerator) -> (name: String, bytes: [UInt8]) {
        let start = ZMTP.frame(Array(WireProtocol.version.utf8), more: true)
        switch generator.int(0...6) {
        case 0: return ("reserved-flags", start + [0xF1, 3, 1, 2, 3])
        // Not PING: a PING behind a full queue aborts libzmq 4.3.4 (the test
        // pingBehindAFullQueueDoesNotAbort shows it); here it would end the fuzz at once.
        case 1: return ("command-mid-message", start + [0x04, 6] + Array("\u{5}READY".utf8))
        case 2: return ("garbage", [UInt8](generator.bytes(1_024)))
        case 3: return ("second-greeting", ZMTP.greeting())
        case 4: return ("huge-size", [0x02] + withUnsafeBytes(of: UInt64(1 << 40).bigEndian, Array.init))
        case 5: return ("unknown-command", [0x04, 9, 8] + Array("JUNKJUNK".utf8))
        default: return ("truncated-long-header", start + [0x03, 0, 0, 0])
        }
    }
}
