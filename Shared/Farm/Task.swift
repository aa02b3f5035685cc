import Foundation

/// The fine-tuning methods a sweep may name (experiment.md, "Methods"), in table order.
/// Farm knows only their names; the Worker maps them onto Learning.
public enum MethodName: String, Codable, CaseIterable, Sendable, Comparable {
    case frozen, bitfit, taugate, lora, full, ia3

    public static func < (lhs: MethodName, rhs: MethodName) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Where a task's images come from: a catalogue name (`mnist`, `mnist-subset`,
/// `fashion-mnist`, `synthetic`), or a directory in the standard IDX layout.
public struct DataSource: Codable, Hashable, Sendable {
    public var name: String?
    public var directory: String?

    public static func named(_ name: String) -> DataSource { DataSource(name: name, directory: nil) }
    public static func directory(_ path: String) -> DataSource { DataSource(name: nil, directory: path) }

    /// How a table names it.
    public var label: String { name ?? directory ?? "?" }
}

/// Everything that decides a foundation network (experiment.md, "Splits", "Model and training").
public struct FoundationSettings: Codable, Hashable, Sendable {
    public var data: DataSource
    public var seed: UInt64
    public var angleDegrees: Double
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int
    public var hidden: Int

    public init(
        data: DataSource, seed: UInt64, angleDegrees: Double = 45, epochs: Int = 5,
        learningRate: Double = 1e-3, batchSize: Int = 128, hidden: Int = 128
    ) {
        self.data = data
        self.seed = seed
        self.angleDegrees = angleDegrees
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.hidden = hidden
    }
}

/// Everything that decides one adaptation from a foundation. Settings a method does not
/// use are nil, so two sweeps that differ only in, say, LoRA's rank share their BitFit tasks.
public struct AdaptationSettings: Codable, Hashable, Sendable {
    public var method: MethodName
    public var epochs: Int
    /// nil for `frozen`, which trains nothing.
    public var learningRate: Double?
    /// TauGate's sparsity weight lambda and gate sharpness s.
    public var tauLambda: Double?
    public var tauSharpness: Double?
    /// LoRA's rank r and scale numerator alpha.
    public var loraRank: Int?
    public var loraAlpha: Double?

    public init(
        method: MethodName, epochs: Int = 5, learningRate: Double? = nil, tauLambda: Double? = nil,
        tauSharpness: Double? = nil, loraRank: Int? = nil, loraAlpha: Double? = nil
    ) {
        self.method = method
        self.epochs = epochs
        self.learningRate = learningRate
        self.tauLambda = tauLambda
        self.tauSharpness = tauSharpness
        self.loraRank = loraRank
        self.loraAlpha = loraAlpha
    }
}

/// What a task does.
public enum TaskKind: String, Codable, Sendable {
    /// Train the foundation network; its result carries the weights.
    case foundation
    /// Adapt a foundation with one method and measure it; needs the foundation's weights.
    case adapt
}

/// One unit of work. Its id is the SHA-256 of its canonical JSON, so the same task
/// in two sweeps is the same task.
public struct TaskSpec: Codable, Hashable, Sendable {
    public var kind: TaskKind
    public var foundation: FoundationSettings
    /// Set exactly when `kind == .adapt`.
    public var adaptation: AdaptationSettings?

    public init(foundation: FoundationSettings) {
        kind = .foundation
        self.foundation = foundation
        adaptation = nil
    }

    public init(foundation: FoundationSettings, adaptation: AdaptationSettings) {
        kind = .adapt
        self.foundation = foundation
        self.adaptation = adaptation
    }

    /// The foundation task an `adapt` task depends on; nil for a foundation task.
    public var dependency: TaskSpec? {
        kind == .adapt ? TaskSpec(foundation: foundation) : nil
    }
}

/// A TauGate attribution (paper RQ3): per hidden unit (layer 1 then layer 2), the
/// fraction of test images whose hardened gate is open, at 0° and at theta.
public struct Attribution: Codable, Equatable, Sendable {
    public var openFraction0: [Double]
    public var openFractionTheta: [Double]
    /// Units open (fraction >= 0.5) for 0° and closed for theta, and the reverse.
    public var specificTo0: [Int]
    public var specificToTheta: [Int]

    public init(openFraction0: [Double], openFractionTheta: [Double], specificTo0: [Int], specificToTheta: [Int]) {
        self.openFraction0 = openFraction0
        self.openFractionTheta = openFractionTheta
        self.specificTo0 = specificTo0
        self.specificToTheta = specificToTheta
    }

    enum CodingKeys: String, CodingKey {
        case openFraction0 = "open_fraction_0"
        case openFractionTheta = "open_fraction_theta"
        case specificTo0 = "specific_to_0"
        case specificToTheta = "specific_to_theta"
    }
}

/// The measured outcome of one task (experiment.md, "Metrics of one task").
/// Optional metrics that do not apply are written as JSON null, never as zero.
public struct Metrics: Codable, Equatable, Sendable {
    public var method: String
    public var seed: UInt64
    public var angleDegrees: Double
    public var trainableParams: Int
    public var acc0: Double
    public var accTheta: Double
    public var acc0Hard: Double?
    public var accThetaHard: Double?
    public var highActFrac: Double?
    public var finalLoss: Double?
    public var trainSeconds: Double
    public var samplesPerSecond: Double?
    public var attribution: Attribution?

    public init(
        method: String, seed: UInt64, angleDegrees: Double, trainableParams: Int, acc0: Double,
        accTheta: Double, acc0Hard: Double? = nil, accThetaHard: Double? = nil,
        highActFrac: Double? = nil, finalLoss: Double? = nil, trainSeconds: Double,
        samplesPerSecond: Double? = nil, attribution: Attribution? = nil
    ) {
        self.method = method
        self.seed = seed
        self.angleDegrees = angleDegrees
        self.trainableParams = trainableParams
        self.acc0 = acc0
        self.accTheta = accTheta
        self.acc0Hard = acc0Hard
        self.accThetaHard = accThetaHard
        self.highActFrac = highActFrac
        self.finalLoss = finalLoss
        self.trainSeconds = trainSeconds
        self.samplesPerSecond = samplesPerSecond
        self.attribution = attribution
    }

    enum CodingKeys: String, CodingKey {
        case method, seed
        case angleDegrees = "angle"
        case trainableParams = "trainable_params"
        case acc0
        case accTheta = "acc_theta"
        case acc0Hard = "acc0_hard"
        case accThetaHard = "acc_theta_hard"
        case highActFrac = "high_act_frac"
        case finalLoss = "final_loss"
        case trainSeconds = "train_seconds"
        case samplesPerSecond = "samples_per_second"
        case attribution
    }

    /// Writes every key, absent values as null, so a reader sees "not applicable".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(seed, forKey: .seed)
        try c.encode(angleDegrees, forKey: .angleDegrees)
        try c.encode(trainableParams, forKey: .trainableParams)
        try c.encode(acc0, forKey: .acc0)
        try c.encode(accTheta, forKey: .accTheta)
        try c.encode(acc0Hard, forKey: .acc0Hard)
        try c.encode(accThetaHard, forKey: .accThetaHard)
        try c.encode(highActFrac, forKey: .highActFrac)
        try c.encode(finalLoss, forKey: .finalLoss)
        try c.encode(trainSeconds, forKey: .trainSeconds)
        try c.encode(samplesPerSecond, forKey: .samplesPerSecond)
        try c.encode(attribution, forKey: .attribution)
    }
}

/// What a foundation task leaves behind besides its weights (which travel as a payload
/// and are stored by hash).
public struct FoundationOutcome: Codable, Equatable, Sendable {
    /// Hex SHA-256 of the weights as raw little-endian float32.
    public var weightsSHA256: String
    public var weightCount: Int
    public var finalLoss: Double
    public var acc0: Double
    public var accTheta: Double
    public var trainSeconds: Double

    public init(weightsSHA256: String, weightCount: Int, finalLoss: Double, acc0: Double, accTheta: Double, trainSeconds: Double) {
        self.weightsSHA256 = weightsSHA256
        self.weightCount = weightCount
        self.finalLoss = finalLoss
        self.acc0 = acc0
        self.accTheta = accTheta
        self.trainSeconds = trainSeconds
    }

    enum CodingKeys: String, CodingKey {
        case weightsSHA256 = "weights_sha256"
        case weightCount = "weight_count"
        case finalLoss = "final_loss"
        case acc0
        case accTheta = "acc_theta"
        case trainSeconds = "train_seconds"
    }
}

/// A finished task as a worker reports it: `metrics` for `adapt`, `foundation` for `foundation`.
public struct TaskOutcome: Codable, Equatable, Sendable {
    public var metrics: Metrics?
    public var foundation: FoundationOutcome?

    public init(metrics: Metrics) {
        self.metrics = metrics
        foundation = nil
    }

    public init(foundation: FoundationOutcome) {
        metrics = nil
        self.foundation = foundation
    }
}
