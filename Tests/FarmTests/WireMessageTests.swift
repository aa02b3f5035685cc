import Foundation
import Testing
import Farm

@Suite struct WireMessageTests {
    static let adapt = Fixtures.adapt(.lora)
    static let foundation = Fixtures.foundation()

    static let samples: [WireMessage] = [
        .hello(Hello(workerID: "w1", host: "node7", cores: 8, cachedFoundations: [Fixtures.weightsSHA])),
        .welcome,
        .reject(reason: "protocol version 'SEEDFARM/0' is not supported"),
        .ready(cachedFoundations: []),
        .ready(cachedFoundations: [Fixtures.weightsSHA]),
        .task(TaskAssignment(spec: foundation)),
        .task(TaskAssignment(spec: adapt, foundationSHA256: Fixtures.weightsSHA)),
        .task(TaskAssignment(spec: adapt, foundationSHA256: Fixtures.weightsSHA, weights: Fixtures.weightsData)),
        .wait, .bye, .heartbeat,
        .result(Fixtures.adaptResult(adapt)),
        .result(Fixtures.foundationResult(foundation)),
        .ack(taskID: adapt.id),
        .error(taskID: adapt.id, reason: "out of memory", abandoned: false),
        .error(taskID: adapt.id, reason: "worker stopping", abandoned: true),
    ]

    @Test(arguments: samples) func everyMessageRoundTrips(_ message: WireMessage) throws {
        let frames = message.encode()
        #expect(frames[0] == Data("SEEDFARM/1".utf8))
        #expect(frames[1] == Data(message.kind.rawValue.utf8))
        #expect(try WireMessage.decode(frames) == message)
    }

    @Test func onlyWeightsTravelAsAFourthFrame() {
        for message in Self.samples {
            let hasWeights: Bool
            switch message {
            case let .task(t): hasWeights = t.weights != nil
            case let .result(r): hasWeights = r.weights != nil
            default: hasWeights = false
            }
            #expect(message.encode().count == (hasWeights ? 4 : 3))
        }
    }

    @Test func nonFiniteMetricsSurviveTheWire() throws {
        var metrics = Fixtures.metrics()
        metrics.finalLoss = .nan
        metrics.samplesPerSecond = .infinity
        let message = WireMessage.result(ResultReport(taskID: "t", outcome: TaskOutcome(metrics: metrics)))
        guard case let .result(back) = try WireMessage.decode(message.encode()) else { Issue.record("not a result"); return }
        #expect(back.outcome.metrics?.finalLoss?.isNaN == true)
        #expect(back.outcome.metrics?.samplesPerSecond == .infinity)
    }

    private func decodeError(_ frames: [Data]) -> WireError? {
        do { _ = try WireMessage.decode(frames); return nil } catch { return error }
    }

    @Test func wrongFrameCountIsNamed() {
        #expect(decodeError([]) == .wrongFrameCount(0))
        #expect(decodeError(WireMessage.heartbeat.encode() + [Data(), Data()]) == .wrongFrameCount(5))
    }

    @Test func wrongVersionSaysWhich() {
        var frames = WireMessage.heartbeat.encode()
        frames[0] = Data("SEEDFARM/2".utf8)
        #expect(decodeError(frames) == .wrongVersion(received: "SEEDFARM/2", expected: "SEEDFARM/1"))
        #expect(decodeError(frames)?.description.contains("SEEDFARM/2") == true)
    }

    @Test func unknownKindIsNamed() {
        var frames = WireMessage.heartbeat.encode()
        frames[1] = Data("dance".utf8)
        #expect(decodeError(frames) == .unknownKind("dance"))
    }

    @Test func headerThatIsNotJSONOrLacksFieldsIsRefused() {
        var frames = WireMessage.ack(taskID: "x").encode()
        frames[2] = Data("{not json".utf8)
        guard case .badHeader(kind: "ack", _)? = decodeError(frames) else { Issue.record("expected badHeader"); return }
        frames[2] = Data(#"{"taskid": "x"}"#.utf8)
        guard case let .badHeader(kind: "ack", reason)? = decodeError(frames) else { Issue.record("expected badHeader"); return }
        #expect(reason.contains("task_id"))
    }

    @Test func payloadOnAKindWithoutOneIsRefused() {
        let frames = WireMessage.heartbeat.encode() + [Data([1, 2, 3, 4])]
        #expect(decodeError(frames) == .unexpectedPayload(kind: "heartbeat", bytes: 4))
        let adaptResult = WireMessage.result(Fixtures.adaptResult(Self.adapt)).encode() + [Fixtures.weightsData]
        #expect(decodeError(adaptResult) == .unexpectedPayload(kind: "result", bytes: 20))
    }

    @Test func weightsThatDoNotHashToTheHeaderAreRefused() {
        var frames = WireMessage.result(Fixtures.foundationResult(Self.foundation)).encode()
        var tampered = frames[3]
        tampered[0] ^= 0xFF
        frames[3] = tampered
        #expect(decodeError(frames) == .payloadHashMismatch(expected: Fixtures.weightsSHA, actual: WeightsPayload.sha256(tampered)))
        var task = WireMessage.task(TaskAssignment(spec: Self.adapt, foundationSHA256: Fixtures.weightsSHA, weights: Fixtures.weightsData)).encode()
        task[3] = tampered
        guard case .payloadHashMismatch? = decodeError(task) else { Issue.record("expected hash mismatch"); return }
    }

    @Test func foundationResultWithoutWeightsIsRefused() {
        let frames = Array(WireMessage.result(Fixtures.foundationResult(Self.foundation)).encode().prefix(3))
        #expect(decodeError(frames) == .missingPayload(kind: "result"))
    }

    @Test func taskWhoseIDIsNotItsSpecsIsRefused() throws {
        var assignment = TaskAssignment(spec: Self.foundation)
        assignment.taskID = "0123456789abcdef01234567"
        #expect(decodeError(WireMessage.task(assignment).encode()) == .taskIDMismatch(header: "0123456789abcdef01234567", computed: Self.foundation.id))
    }

    @Test func oversizeMessagesAreRefusedBeforeParsing() {
        let frames = WireMessage.heartbeat.encode() + [Data(count: WireProtocol.maxMessageBytes)]
        guard case .oversize(what: "message", _, WireProtocol.maxMessageBytes)? = decodeError(frames) else {
            Issue.record("expected oversize"); return
        }
    }

    @Test func fieldsOutOfRangeAreRefused() {
        let zeroCores = WireMessage.hello(Hello(workerID: "w", host: "h", cores: 0)).encode()
        guard case .invalidField(kind: "hello", field: "cores", _)? = decodeError(zeroCores) else { Issue.record("cores"); return }
        let emptyID = WireMessage.hello(Hello(workerID: "", host: "h", cores: 1)).encode()
        guard case .invalidField(kind: "hello", field: "worker_id", _)? = decodeError(emptyID) else { Issue.record("id"); return }
        let badHash = WireMessage.ready(cachedFoundations: ["../../etc/passwd"]).encode()
        guard case .invalidField(kind: "ready", field: "sha256", _)? = decodeError(badHash) else { Issue.record("hash"); return }
    }

    @Test func weightsAreLittleEndianFloat32() throws {
        let data = WeightsPayload.data(from: [1.0, -2.5])
        #expect(Array(data) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
        #expect(try WeightsPayload.floats(from: data) == [1.0, -2.5])
        let all: [Float] = [0, -0, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3.14159]
        #expect(try WeightsPayload.floats(from: WeightsPayload.data(from: all)).map(\.bitPattern) == all.map(\.bitPattern))
        #expect(throws: WireError.self) { try WeightsPayload.floats(from: Data([1, 2, 3])) }
    }

    /// Thousands of random and mutated frame lists: decode must only ever return or throw.
    @Test func mutatedAndRandomFramesNeverCrashDecode() {
        var rng = SplitMix64(seed: 0x5eed)
        let valid = Self.samples.map { $0.encode() }
        var decoded = 0, refused = 0
        for round in 0..<6000 {
            var frames: [Data]
            if round % 4 == 0 {
                frames = (0..<Int(rng.next() % 6)).map { _ in Data((0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
            } else {
                frames = valid[Int(rng.next() % UInt64(valid.count))]
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let f = Int(rng.next() % UInt64(frames.count))
                    var bytes = [UInt8](frames[f])
                    switch rng.next() % 6 {
                    case 0 where !bytes.isEmpty: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                    case 1 where !bytes.isEmpty: bytes.removeLast(Int(rng.next() % UInt64(bytes.count)) + 1)
                    case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(bytes.count + 1)))
                    case 3: frames.append(Data(bytes))
                    case 4 where frames.count > 1: frames.remove(at: f); continue
                    default: bytes = Array("{\"task_id\":1e999,\"spec\":null,\"reason\":[]}".utf8)
                    }
                    if f < frames.count { frames[f] = Data(bytes) }
                }
            }
            do {
                _ = try WireMessage.decode(frames)
                decoded += 1
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded + refused == 6000)
        #expect(refused > 3000)  // mutations mostly break messages; decode noticed
    }
}

/// A tiny seeded generator for the fuzz test (argument-parser's example keeps one too).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
