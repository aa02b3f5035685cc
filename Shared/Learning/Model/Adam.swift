import Kernels

/// Adam (Kingma & Ba, 2015) with PyTorch's defaults: beta1 0.9, beta2 0.999, eps 1e-8,
/// no weight decay. One moment buffer pair for all trained slices, allocated once.
public final class Adam {
    public let learningRate: Float
    public let beta1: Float = 0.9
    public let beta2: Float = 0.999
    public let epsilon: Float = 1e-8
    private let firstMoment: FloatStorage
    private let secondMoment: FloatStorage
    private var step = 0

    public init(parameterCount: Int, learningRate: Float) {
        precondition(learningRate > 0, "learning rate must be positive")
        self.learningRate = learningRate
        firstMoment = FloatStorage(count: parameterCount)
        secondMoment = FloatStorage(count: parameterCount)
    }

    /// One update of every slice from its gradient. The slices together must hold
    /// exactly the count given at init.
    public func update(_ slices: [(values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>)]) {
        step += 1
        // Bias corrections folded into the step size and epsilon, as PyTorch does:
        // p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps).
        let c1 = 1 - Float(Double(beta1).power(step))
        let c2 = 1 - Float(Double(beta2).power(step))
        let stepSize = learningRate / c1
        let inverseRootC2 = 1 / c2.squareRoot()
        var offset = 0
        for (values, gradients) in slices {
            precondition(values.count == gradients.count, "a slice and its gradient differ in size")
            seedfarm_adam_update(
                values.baseAddress!, gradients.baseAddress!, firstMoment.base + offset,
                secondMoment.base + offset, values.count, beta1, beta2, stepSize, inverseRootC2, epsilon)
            offset += values.count
        }
        precondition(offset == firstMoment.count, "Adam was built for \(firstMoment.count) parameters, updated \(offset)")
    }
}

extension Double {
    /// self^n for a non-negative integer n, by repeated squaring (exact order of operations,
    /// so every machine computes the same bits).
    func power(_ n: Int) -> Double {
        var result = 1.0, base = self, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
