import Farm
import Foundation
import Learning

/// The one place a task becomes Learning calls: a `TaskSpec` (and, for `adapt`, its
/// foundation's weights) in, a `TaskOutcome` (and, for `foundation`, the weights) out.
/// Keeps the last dataset and splits it built, since a worker runs many tasks on the
/// same data and seed.
final class TaskRunner {
    /// What a finished task hands back.
    struct Output {
        var outcome: TaskOutcome
        /// The trained weights of a foundation task, in `Parameters`' layout.
        var weights: [Float]?
    }

    enum RunError: Error, CustomStringConvertible {
        case missingFoundation
        case missingAdaptation
        case foundationSize(expected: Int, got: Int)
        case unknownMethod(String)

        var description: String {
            switch self {
            case .missingFoundation: return "an adapt task arrived without its foundation's weights"
            case .missingAdaptation: return "an adapt task arrived without its adaptation settings"
            case let .foundationSize(expected, got):
                return "the foundation holds \(got) weights; the network needs \(expected)"
            case let .unknownMethod(name): return "unknown method '\(name)'"
            }
        }
    }

    /// The last dataset read and its two modes: every task of a sweep setting shares them.
    private var cachedData: (source: DataSource, pair: DatasetPair)?
    private var cachedModes: (source: DataSource, angle: Double, modes: ModePair)?

    func run(_ task: TaskSpec, foundationWeights: [Float]? = nil) throws -> Output {
        let settings = task.foundation
        let modes = try modesFor(settings)
        let shape = ModelShape(input: modes.upright.test.pixelsPerImage, hidden: settings.hidden, output: 10)
        switch task.kind {
        case .foundation:
            let splits = TaskSplits(modes: modes, seed: settings.seed)
            let result = Experiment.trainFoundation(
                seed: settings.seed, shape: shape,
                phase: .init(epochs: settings.epochs, learningRate: Float(settings.learningRate), batchSize: settings.batchSize),
                foundationSet: splits.foundation, test0: splits.test0, testTheta: splits.testTheta)
            let weights = result.parameters.toArray()
            let outcome = FoundationOutcome(
                weightsSHA256: WeightsPayload.sha256(WeightsPayload.data(from: weights)), weightCount: weights.count,
                finalLoss: result.report.finalLoss, acc0: result.acc0, accTheta: result.accTheta,
                trainSeconds: result.report.seconds)
            return Output(outcome: TaskOutcome(foundation: outcome), weights: weights)
        case .adapt:
            guard let adaptation = task.adaptation else { throw RunError.missingAdaptation }
            guard let foundation = foundationWeights else { throw RunError.missingFoundation }
            guard foundation.count == shape.parameterCount else {
                throw RunError.foundationSize(expected: shape.parameterCount, got: foundation.count)
            }
            guard let kind = MethodKind(rawValue: adaptation.method.rawValue) else {
                throw RunError.unknownMethod(adaptation.method.rawValue)
            }
            let defaults = MethodSettings()
            let methodSettings = MethodSettings(
                tauLambda: adaptation.tauLambda.map(Float.init) ?? defaults.tauLambda,
                tauSharpness: adaptation.tauSharpness.map(Float.init) ?? defaults.tauSharpness,
                loraRank: adaptation.loraRank ?? defaults.loraRank,
                loraAlpha: adaptation.loraAlpha.map(Float.init) ?? defaults.loraAlpha)
            let learningRate = adaptation.learningRate.map(Float.init) ?? kind.defaultLearningRate ?? 0
            let result = Experiment.adapt(
                foundation: foundation, seed: settings.seed, shape: shape, method: kind, settings: methodSettings,
                phase: .init(epochs: adaptation.epochs, learningRate: learningRate, batchSize: settings.batchSize),
                adaptationSet: modes.rotated.train, test0: modes.upright.test, testTheta: modes.rotated.test)
            return Output(outcome: TaskOutcome(metrics: Self.metrics(result, settings: settings)), weights: nil)
        }
    }

    /// `--dry-run`: an outcome at once, without data or training, to measure the farm
    /// itself. Shaped like a real one (a foundation carries a tiny weights payload) so
    /// every protocol path runs; the coordinator marks such tables as dry runs.
    static func dryRun(_ task: TaskSpec) -> Output {
        switch task.kind {
        case .foundation:
            let weights = [Float](repeating: Float(task.foundation.seed), count: 4)
            let outcome = FoundationOutcome(
                weightsSHA256: WeightsPayload.sha256(WeightsPayload.data(from: weights)), weightCount: weights.count,
                finalLoss: 0, acc0: 0, accTheta: 0, trainSeconds: 0)
            return Output(outcome: TaskOutcome(foundation: outcome), weights: weights)
        case .adapt:
            let metrics = Metrics(
                method: task.adaptation?.method.rawValue ?? "?", seed: task.foundation.seed,
                angleDegrees: task.foundation.angleDegrees, trainableParams: 0, acc0: 0, accTheta: 0, trainSeconds: 0)
            return Output(outcome: TaskOutcome(metrics: metrics), weights: nil)
        }
    }

    static func metrics(_ result: Experiment.AdaptationResult, settings: FoundationSettings) -> Metrics {
        Metrics(
            method: result.method.rawValue, seed: settings.seed, angleDegrees: settings.angleDegrees,
            trainableParams: result.trainableParameterCount, acc0: result.acc0, accTheta: result.accTheta,
            acc0Hard: result.acc0Hard, accThetaHard: result.accThetaHard,
            highActFrac: result.highActivationFraction, finalLoss: result.report?.finalLoss,
            trainSeconds: result.report?.seconds ?? 0, samplesPerSecond: result.report?.samplesPerSecond,
            attribution: result.attribution.map {
                Attribution(openFraction0: $0.openFraction0, openFractionTheta: $0.openFractionTheta,
                            specificTo0: $0.specificTo0, specificToTheta: $0.specificToTheta)
            })
    }

    private func modesFor(_ settings: FoundationSettings) throws -> ModePair {
        if let cached = cachedModes, cached.source == settings.data, cached.angle == settings.angleDegrees {
            return cached.modes
        }
        cachedModes = nil
        let pair: DatasetPair
        if let cached = cachedData, cached.source == settings.data {
            pair = cached.pair
        } else {
            cachedData = nil
            pair = try DatasetCatalogue.load(name: settings.data.name, directory: settings.data.directory)
            cachedData = (settings.data, pair)
        }
        let modes = ModePair(data: pair, angleDegrees: settings.angleDegrees)
        cachedModes = (settings.data, settings.angleDegrees, modes)
        return modes
    }
}
