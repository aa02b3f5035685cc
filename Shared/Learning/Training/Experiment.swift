/// The two kinds of task of the protocol (experiment.md), end to end on data already
/// split: train a foundation; adapt a foundation with one method and measure it.
public enum Experiment {
    /// Settings of one training phase.
    public struct Phase: Sendable, Equatable {
        public var epochs: Int
        public var learningRate: Float
        public var batchSize: Int
        public init(epochs: Int, learningRate: Float, batchSize: Int = 128) {
            self.epochs = epochs
            self.learningRate = learningRate
            self.batchSize = batchSize
        }
    }

    public struct FoundationResult {
        /// The trained weights in `Parameters`' layout.
        public var parameters: Parameters
        public var report: TrainingReport
        public var acc0: Double
        public var accTheta: Double
    }

    public struct AdaptationResult: Sendable, Equatable {
        public var method: MethodKind
        public var trainableParameterCount: Int
        public var acc0: Double
        public var accTheta: Double
        /// TauGate only: hard-gate accuracies, activation sparsity and attribution.
        public var acc0Hard: Double?
        public var accThetaHard: Double?
        public var highActivationFraction: Double?
        public var attribution: ModeAttribution?
        /// nil for `frozen`, which does not train.
        public var report: TrainingReport?
    }

    /// Trains all weights from PyTorch's initialisation (stream `.initialisation`) on the
    /// foundation set, batches drawn from stream `.batchOrder`.
    public static func trainFoundation(
        seed: UInt64, shape: ModelShape = .paper, phase: Phase,
        foundationSet: Dataset, test0: Dataset, testTheta: Dataset
    ) -> FoundationResult {
        let parameters = Parameters(shape: shape)
        var initRNG = SeededRNG(seed: seed, stream: .initialisation)
        parameters.initialise(rng: &initRNG)
        let network = Network(shape: shape, parameters: parameters, method: Full(), batchCapacity: phase.batchSize)
        var batchRNG = SeededRNG(seed: seed, stream: .batchOrder)
        let report = Training.run(network, on: foundationSet, epochs: phase.epochs, learningRate: phase.learningRate, rng: &batchRNG)
        return FoundationResult(
            parameters: parameters, report: report,
            acc0: Evaluation.accuracy(of: network, on: test0, mode: .soft),
            accTheta: Evaluation.accuracy(of: network, on: testTheta, mode: .soft))
    }

    /// Adapts a copy of `foundation` (left untouched) with `method` on the adaptation set,
    /// batches from stream `.adaptationBatchOrder`, method initialisation from `.methodInit`.
    public static func adapt(
        foundation: [Float], seed: UInt64, shape: ModelShape = .paper, method kind: MethodKind,
        settings: MethodSettings = MethodSettings(), phase: Phase,
        adaptationSet: Dataset, test0: Dataset, testTheta: Dataset
    ) -> AdaptationResult {
        let parameters = Parameters(shape: shape, values: foundation)
        var methodRNG = SeededRNG(seed: seed, stream: .methodInit)
        let method = kind.make(shape: shape, batchCapacity: phase.batchSize, settings: settings, rng: &methodRNG)
        let network = Network(shape: shape, parameters: parameters, method: method, batchCapacity: phase.batchSize)
        var report: TrainingReport?
        if kind != .frozen {
            var batchRNG = SeededRNG(seed: seed, stream: .adaptationBatchOrder)
            report = Training.run(network, on: adaptationSet, epochs: phase.epochs, learningRate: phase.learningRate, rng: &batchRNG)
        }
        var result = AdaptationResult(
            method: kind, trainableParameterCount: network.trainableParameterCount,
            acc0: Evaluation.accuracy(of: network, on: test0, mode: .soft),
            accTheta: Evaluation.accuracy(of: network, on: testTheta, mode: .soft),
            report: report)
        if let gate = method as? TauGate {
            let upright = GateAnalysis(network: network, gate: gate, data: test0)
            let rotated = GateAnalysis(network: network, gate: gate, data: testTheta)
            result.acc0Hard = upright.accuracy
            result.accThetaHard = rotated.accuracy
            result.highActivationFraction = rotated.highActivationFraction
            result.attribution = ModeAttribution(upright: upright, rotated: rotated)
        }
        return result
    }
}
