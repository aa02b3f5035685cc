import Foundation
import Farm

/// Shared builders for the Farm tests.
enum Fixtures {
    static func foundation(seed: UInt64 = 0, angle: Double = 45) -> TaskSpec {
        TaskSpec(foundation: FoundationSettings(data: .named("synthetic"), seed: seed, angleDegrees: angle))
    }

    static func adapt(_ method: MethodName, seed: UInt64 = 0, lr: Double? = 1e-2) -> TaskSpec {
        TaskSpec(
            foundation: FoundationSettings(data: .named("synthetic"), seed: seed),
            adaptation: AdaptationSettings(method: method, learningRate: method == .frozen ? nil : lr))
    }

    static func metrics(_ method: MethodName = .bitfit, seed: UInt64 = 0, acc0: Double = 0.8, accTheta: Double = 0.85,
                        params: Int = 266, high: Double? = nil) -> Metrics {
        Metrics(method: method.rawValue, seed: seed, angleDegrees: 45, trainableParams: params, acc0: acc0,
                accTheta: accTheta, highActFrac: high, trainSeconds: 1.5)
    }

    static let weights: [Float] = [0.5, -1.25, 3.0, 1e-3, -0.0]
    static var weightsData: Data { WeightsPayload.data(from: weights) }
    static var weightsSHA: String { WeightsPayload.sha256(weightsData) }

    static func foundationOutcome(weights: Data = weightsData) -> TaskOutcome {
        TaskOutcome(foundation: FoundationOutcome(
            weightsSHA256: WeightsPayload.sha256(weights), weightCount: weights.count / 4, finalLoss: 0.3,
            acc0: 0.9, accTheta: 0.8, trainSeconds: 2))
    }

    static func foundationResult(_ spec: TaskSpec, weights: Data = weightsData) -> ResultReport {
        ResultReport(taskID: spec.id, outcome: foundationOutcome(weights: weights), weights: weights)
    }

    static func adaptResult(_ spec: TaskSpec, acc0: Double = 0.8) -> ResultReport {
        ResultReport(taskID: spec.id, outcome: TaskOutcome(metrics: metrics(spec.adaptation?.method ?? .bitfit,
                                                                             seed: spec.foundation.seed, acc0: acc0)))
    }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("farmtests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
