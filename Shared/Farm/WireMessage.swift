import Foundation

/// A worker's greeting (architecture.md, "Wire protocol").
public struct Hello: Codable, Equatable, Sendable {
    /// Stable name the worker chose (host plus process id, or a configured name).
    public var workerID: String
    /// The worker's host name.
    public var host: String
    /// Cores the worker uses (one worker per core is the norm).
    public var cores: Int
    /// The protocol version the worker speaks (`WireProtocol.version`).
    public var version: String
    /// Hex SHA-256s of foundation weights the worker already holds.
    public var cachedFoundations: [String]

    /// A hello in this build's protocol version unless told otherwise.
    public init(workerID: String, host: String, cores: Int, version: String = WireProtocol.version, cachedFoundations: [String] = []) {
        self.workerID = workerID
        self.host = host
        self.cores = cores
        self.version = version
        self.cachedFoundations = cachedFoundations
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", host, cores, version
        case cachedFoundations = "cached_foundations"
    }
}

/// A task handed to a worker. For `adapt`, `foundationSHA256` names the weights to start
/// from; `weights` carries them unless the worker said it has them cached.
public struct TaskAssignment: Equatable, Sendable {
    /// `spec.id`; decode checks they agree.
    public var taskID: String
    /// What to run.
    public var spec: TaskSpec
    /// Hex SHA-256 of the foundation weights an adapt task starts from; nil for a foundation.
    public var foundationSHA256: String?
    /// Raw little-endian float32 (`WeightsPayload`); travels as frame 3.
    public var weights: Data?

    /// An assignment for `spec`; `taskID` must be `spec.id` (computed when not given:
    /// the scheduler passes the id it holds, sparing a canonical encoding and a hash).
    public init(spec: TaskSpec, taskID: String? = nil, foundationSHA256: String? = nil, weights: Data? = nil) {
        self.taskID = taskID ?? spec.id
        self.spec = spec
        self.foundationSHA256 = foundationSHA256
        self.weights = weights
    }
}

/// A finished task as reported. A foundation's weights travel as the payload and must
/// hash to `outcome.foundation.weightsSHA256`.
public struct ResultReport: Equatable, Sendable {
    /// The task this is the result of.
    public var taskID: String
    /// Metrics (adapt) or the foundation's summary.
    public var outcome: TaskOutcome
    /// Raw little-endian float32, present exactly for foundation results.
    public var weights: Data?

    /// Memberwise.
    public init(taskID: String, outcome: TaskOutcome, weights: Data? = nil) {
        self.taskID = taskID
        self.outcome = outcome
        self.weights = weights
    }
}

/// Every message of the protocol. On the wire: `[version, kind, header JSON, payload?]`;
/// the ROUTER's identity frame is the transport's business, not part of this list.
public enum WireMessage: Equatable, Sendable {
    /// worker -> coordinator: join.
    case hello(Hello)
    /// coordinator -> worker: joined.
    case welcome
    /// coordinator -> worker: refused (version mismatch, ...).
    case reject(reason: String)
    /// worker -> coordinator: give me work; lists the foundations held.
    case ready(cachedFoundations: [String])
    /// coordinator -> worker: run this.
    case task(TaskAssignment)
    /// coordinator -> worker: nothing runnable now; ask again after `waitRetryInterval`.
    case wait
    /// coordinator -> worker: the sweep is finished, exit. worker -> coordinator: leaving.
    case bye
    /// both ways: I am alive (any message counts as one).
    case heartbeat
    /// worker -> coordinator: a finished task; re-sent until `ack`.
    case result(ResultReport)
    /// coordinator -> worker: the result for `taskID` is durable (or not wanted).
    case ack(taskID: String)
    /// worker -> coordinator: the task failed (`abandoned` false, counts as an attempt) or
    /// was given up without fault, e.g. the worker is stopping (`abandoned` true).
    case error(taskID: String, reason: String, abandoned: Bool)

    /// The kind written in frame 1.
    public var kind: WireProtocol.Kind {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .reject: .reject
        case .ready: .ready
        case .task: .task
        case .wait: .wait
        case .bye: .bye
        case .heartbeat: .heartbeat
        case .result: .result
        case .ack: .ack
        case .error: .error
        }
    }
}

// MARK: - Headers (frame 2)

private struct EmptyHeader: Codable {}
private struct ReasonHeader: Codable { var reason: String }
private struct ReadyHeader: Codable {
    var cachedFoundations: [String]
    enum CodingKeys: String, CodingKey { case cachedFoundations = "cached_foundations" }
}
private struct TaskHeader: Codable {
    var taskID: String
    var spec: TaskSpec
    var foundationSHA256: String?
    enum CodingKeys: String, CodingKey { case taskID = "task_id", spec, foundationSHA256 = "foundation_sha256" }
}
private struct ResultHeader: Codable {
    var taskID: String
    var outcome: TaskOutcome
    enum CodingKeys: String, CodingKey { case taskID = "task_id", outcome }
}
private struct AckHeader: Codable {
    var taskID: String
    enum CodingKeys: String, CodingKey { case taskID = "task_id" }
}
private struct ErrorHeader: Codable {
    var taskID: String
    var reason: String
    var abandoned: Bool
    enum CodingKeys: String, CodingKey { case taskID = "task_id", reason, abandoned }
}

// MARK: - Encoding and decoding

extension WireMessage {
    /// The frames `[version, kind, header JSON, payload?]`.
    public func encode() -> [Data] {
        var payload: Data?
        let header: Data
        switch self {
        case let .hello(hello): header = Self.json(hello)
        case .welcome, .wait, .bye, .heartbeat: header = Self.json(EmptyHeader())
        case let .reject(reason): header = Self.json(ReasonHeader(reason: reason))
        case let .ready(cached): header = Self.json(ReadyHeader(cachedFoundations: cached))
        case let .task(task):
            header = Self.json(TaskHeader(taskID: task.taskID, spec: task.spec, foundationSHA256: task.foundationSHA256))
            payload = task.weights
        case let .result(result):
            header = Self.json(ResultHeader(taskID: result.taskID, outcome: result.outcome))
            payload = result.weights
        case let .ack(taskID): header = Self.json(AckHeader(taskID: taskID))
        case let .error(taskID, reason, abandoned):
            header = Self.json(ErrorHeader(taskID: taskID, reason: reason, abandoned: abandoned))
        }
        var frames = [Data(WireProtocol.version.utf8), Data(kind.rawValue.utf8), header]
        if let payload { frames.append(payload) }
        return frames
    }

    private static func json(_ value: some Encodable) -> Data {
        do {
            return try CanonicalJSON.encode(value)
        } catch {
            // Our headers are structs of strings, integers and doubles, and non-finite
            // doubles are spelled as strings, so JSONEncoder has nothing left to refuse.
            preconditionFailure("encoding a wire header failed: \(error)")
        }
    }

    /// Parses and checks a frame list; throws the first fault, never traps.
    public static func decode(_ frames: [Data]) throws(WireError) -> WireMessage {
        // 1. Shape and size.
        guard frames.count == 3 || frames.count == 4 else { throw .wrongFrameCount(frames.count) }
        let total = frames.reduce(0) { $0 + $1.count }
        guard total <= WireProtocol.maxMessageBytes else {
            throw .oversize(what: "message", bytes: total, limit: WireProtocol.maxMessageBytes)
        }
        // 2. Version and kind.
        guard frames[0] == Data(WireProtocol.version.utf8) else {
            throw .wrongVersion(received: printable(frames[0]), expected: WireProtocol.version)
        }
        guard let kind = WireProtocol.Kind(rawValue: String(decoding: frames[1], as: UTF8.self)) else {
            throw .unknownKind(printable(frames[1]))
        }
        let header = frames[2]
        guard header.count <= WireProtocol.maxHeaderBytes else {
            throw .oversize(what: "\(kind.rawValue) header", bytes: header.count, limit: WireProtocol.maxHeaderBytes)
        }
        let payload = frames.count == 4 ? frames[3] : nil

        // 3. Header and payload, by kind.
        func noPayload() throws(WireError) {
            if let payload { throw .unexpectedPayload(kind: kind.rawValue, bytes: payload.count) }
        }
        switch kind {
        case .hello:
            try noPayload()
            let hello = try parse(Hello.self, header, kind)
            try checkIdentifier(hello.workerID, "worker_id", kind)
            try checkIdentifier(hello.host, "host", kind)
            try checkIdentifier(hello.version, "version", kind)
            guard (1...WireProtocol.maxCores).contains(hello.cores) else {
                throw .invalidField(kind: kind.rawValue, field: "cores", reason: "\(hello.cores) is not in 1...\(WireProtocol.maxCores)")
            }
            try checkHashes(hello.cachedFoundations, kind)
            return .hello(hello)
        case .welcome:
            try noPayload(); _ = try parse(EmptyHeader.self, header, kind); return .welcome
        case .wait:
            try noPayload(); _ = try parse(EmptyHeader.self, header, kind); return .wait
        case .bye:
            try noPayload(); _ = try parse(EmptyHeader.self, header, kind); return .bye
        case .heartbeat:
            try noPayload(); _ = try parse(EmptyHeader.self, header, kind); return .heartbeat
        case .reject:
            try noPayload()
            let reject = try parse(ReasonHeader.self, header, kind)
            try checkReason(reject.reason, kind)
            return .reject(reason: reject.reason)
        case .ready:
            try noPayload()
            let ready = try parse(ReadyHeader.self, header, kind)
            try checkHashes(ready.cachedFoundations, kind)
            return .ready(cachedFoundations: ready.cachedFoundations)
        case .ack:
            try noPayload()
            let ack = try parse(AckHeader.self, header, kind)
            try checkIdentifier(ack.taskID, "task_id", kind)
            return .ack(taskID: ack.taskID)
        case .error:
            try noPayload()
            let error = try parse(ErrorHeader.self, header, kind)
            try checkIdentifier(error.taskID, "task_id", kind)
            try checkReason(error.reason, kind)
            return .error(taskID: error.taskID, reason: error.reason, abandoned: error.abandoned)
        case .task:
            let task = try parse(TaskHeader.self, header, kind)
            let computed = task.spec.id
            guard task.taskID == computed else { throw .taskIDMismatch(header: printable(Data(task.taskID.utf8)), computed: computed) }
            if let sha = task.foundationSHA256 {
                guard task.spec.kind == .adapt else {
                    throw .invalidField(kind: kind.rawValue, field: "foundation_sha256", reason: "a foundation task starts from no weights")
                }
                try checkHashes([sha], kind)
                if let payload { try checkWeights(payload, sha256: sha, count: nil) }
            } else {
                guard task.spec.kind == .foundation else {
                    throw .invalidField(kind: kind.rawValue, field: "foundation_sha256", reason: "an adapt task must name its foundation's weights")
                }
                try noPayload()
            }
            return .task(TaskAssignment(spec: task.spec, foundationSHA256: task.foundationSHA256, weights: payload))
        case .result:
            let result = try parse(ResultHeader.self, header, kind)
            try checkIdentifier(result.taskID, "task_id", kind)
            switch (result.outcome.metrics, result.outcome.foundation) {
            case (nil, let foundation?):
                try checkHashes([foundation.weightsSHA256], kind)
                guard let payload else { throw .missingPayload(kind: kind.rawValue) }
                try checkWeights(payload, sha256: foundation.weightsSHA256, count: foundation.weightCount)
            case (_?, nil):
                try noPayload()
            default:
                throw .invalidField(kind: kind.rawValue, field: "outcome", reason: "exactly one of 'metrics' and 'foundation' must be present")
            }
            return .result(ResultReport(taskID: result.taskID, outcome: result.outcome, weights: payload))
        }
    }

    private static func parse<T: Decodable>(_ type: T.Type, _ header: Data, _ kind: WireProtocol.Kind) throws(WireError) -> T {
        do {
            return try CanonicalJSON.decode(type, from: header)
        } catch let error as DecodingError {
            throw .badHeader(kind: kind.rawValue, reason: SweepSpec.describe(error))
        } catch {
            throw .badHeader(kind: kind.rawValue, reason: String(describing: error))
        }
    }

    private static func checkIdentifier(_ text: String, _ field: String, _ kind: WireProtocol.Kind) throws(WireError) {
        guard !text.isEmpty else { throw .invalidField(kind: kind.rawValue, field: field, reason: "empty") }
        guard text.utf8.count <= WireProtocol.maxIdentifierBytes else {
            throw .invalidField(kind: kind.rawValue, field: field, reason: "longer than \(WireProtocol.maxIdentifierBytes) bytes")
        }
    }

    private static func checkReason(_ text: String, _ kind: WireProtocol.Kind) throws(WireError) {
        guard text.utf8.count <= WireProtocol.maxReasonBytes else {
            throw .invalidField(kind: kind.rawValue, field: "reason", reason: "longer than \(WireProtocol.maxReasonBytes) bytes")
        }
    }

    private static func checkHashes(_ hashes: [String], _ kind: WireProtocol.Kind) throws(WireError) {
        guard hashes.count <= WireProtocol.maxCachedFoundations else {
            throw .invalidField(kind: kind.rawValue, field: "cached_foundations", reason: "more than \(WireProtocol.maxCachedFoundations) entries")
        }
        for hash in hashes where !WeightsPayload.isSHA256(hash) {
            throw .invalidField(kind: kind.rawValue, field: "sha256", reason: "'\(printable(Data(hash.utf8)))' is not 64 lowercase hex digits")
        }
    }

    private static func checkWeights(_ payload: Data, sha256: String, count: Int?) throws(WireError) {
        if let count, count != payload.count / 4 || payload.count % 4 != 0 {
            throw .payloadSizeMismatch(expectedBytes: count &* 4, actualBytes: payload.count)
        }
        guard payload.count % 4 == 0, !payload.isEmpty else {
            throw .payloadSizeMismatch(expectedBytes: (payload.count / 4 + 1) * 4, actualBytes: payload.count)
        }
        let actual = WeightsPayload.sha256(payload)
        guard actual == sha256 else { throw .payloadHashMismatch(expected: sha256, actual: actual) }
    }

    /// At most 64 characters of possibly hostile bytes, safe to log.
    private static func printable(_ data: Data) -> String {
        let text = String(decoding: data.prefix(64), as: UTF8.self)
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return data.count > 64 ? cleaned + "…" : cleaned
    }
}
