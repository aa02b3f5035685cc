/// Settings of the methods that have any (experiment.md, "Methods"; the defaults are
/// the spec's).
public struct MethodSettings: Sendable, Equatable {
    /// TauGate's sparsity weight lambda.
    public var tauLambda: Float = 0.5
    /// TauGate's gate sharpness s.
    public var tauSharpness: Float = 10
    /// LoRA's rank r.
    public var loraRank: Int = 8
    /// LoRA's alpha; the update is scaled by alpha / r.
    public var loraAlpha: Float = 16

    public init(tauLambda: Float = 0.5, tauSharpness: Float = 10, loraRank: Int = 8, loraAlpha: Float = 16) {
        self.tauLambda = tauLambda
        self.tauSharpness = tauSharpness
        self.loraRank = loraRank
        self.loraAlpha = loraAlpha
    }
}

/// The methods, in the table's order. The list a new method joins.
public enum MethodKind: String, CaseIterable, Sendable {
    case frozen, bitfit, taugate, lora, full, ia3

    /// The spec's adaptation learning rate; nil for `frozen`, which does not train.
    public var defaultLearningRate: Float? {
        switch self {
        case .frozen: return nil
        case .bitfit, .taugate, .ia3: return 1e-2
        case .lora, .full: return 1e-3
        }
    }

    /// A fresh instance for a network of `shape` whose batches hold at most
    /// `batchCapacity` rows; random initial values (LoRA's A) come from `rng`.
    public func make(shape: ModelShape, batchCapacity: Int, settings: MethodSettings, rng: inout SeededRNG) -> any FineTuningMethod {
        switch self {
        case .frozen: return Frozen()
        case .bitfit: return BitFit()
        case .taugate:
            return TauGate(shape: shape, batchCapacity: batchCapacity,
                           lambda: settings.tauLambda, sharpness: settings.tauSharpness)
        case .lora:
            return LoRA(shape: shape, batchCapacity: batchCapacity, rank: settings.loraRank,
                        alpha: settings.loraAlpha, rng: &rng)
        case .full: return Full()
        case .ia3: return IA3(shape: shape)
        }
    }
}
