import Learning
import Testing

/// Analytic gradients against central finite differences, for every trainable parameter
/// of every method, on a network small enough to visit them all.
@Suite struct GradientTests {
    /// Float32 forward passes: with a step of 1e-3 the rounding error (1e-7 / step) is near
    /// 1e-4 for these O(1) losses and the step rarely crosses a ReLU kink (1e-2 did, and
    /// LoRA's alpha/r = 8 made its curvature show), so agreement to 2e-3 absolute plus 2%
    /// relative catches any wrong term (a dropped factor or sign is off by far more) yet
    /// holds for Float.
    static let step: Float = 1e-3
    static let absoluteTolerance = 2e-3
    static let relativeTolerance = 2e-2

    func checkGradients(_ kind: MethodKind, settings: MethodSettings = MethodSettings(loraRank: 2)) {
        let problem = SmallProblem(kind, settings: settings)
        let network = problem.network
        _ = problem.loss()
        network.backward(rows: SmallProblem.rows)
        var checked = 0
        for (values, gradients) in network.trainableSlices {
            let analytic = Array(gradients)
            for i in values.indices {
                let original = values[i]
                values[i] = original + Self.step
                let plus = problem.loss()
                values[i] = original - Self.step
                let minus = problem.loss()
                values[i] = original
                let numeric = (plus - minus) / (2 * Double(Self.step))
                let difference = abs(numeric - Double(analytic[i]))
                let allowed = Self.absoluteTolerance + Self.relativeTolerance * abs(numeric)
                #expect(difference <= allowed, "\(kind) parameter \(i): analytic \(analytic[i]), numeric \(numeric)")
                checked += 1
            }
        }
        #expect(checked == network.trainableParameterCount)
    }

    @Test func bitfitBiasGradientsMatchFiniteDifferences() { checkGradients(.bitfit) }
    @Test func fullWeightAndBiasGradientsMatchFiniteDifferences() { checkGradients(.full) }
    @Test func loraUpAndDownGradientsMatchFiniteDifferences() { checkGradients(.lora) }
    @Test func ia3ScaleGradientsMatchFiniteDifferences() { checkGradients(.ia3) }

    @Test func tauGateThresholdAndGainGradientsWithRegulariserMatchFiniteDifferences() {
        // A milder sharpness keeps finite differences honest; the regulariser is on and heavy.
        checkGradients(.taugate, settings: MethodSettings(tauLambda: 0.8, tauSharpness: 4))
    }

    @Test func tauGateGradientsAtTheSpecSharpnessMatchFiniteDifferences() {
        checkGradients(.taugate, settings: MethodSettings(tauLambda: 0.5, tauSharpness: 10))
    }

    @Test func frozenHasNothingToDifferentiate() {
        let problem = SmallProblem(.frozen)
        #expect(problem.network.trainableSlices.isEmpty)
        #expect(problem.network.trainableParameterCount == 0)
    }
}
