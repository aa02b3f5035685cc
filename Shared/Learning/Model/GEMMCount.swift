/// The GEMM FLOPs (2 m n k per call) of one training step, as `Network` and the methods
/// issue them; the "useful work" against which the benchmark measures efficiency.
public enum GEMMCount {
    public static func trainingStep(shape: ModelShape, rows b: Int, method: any FineTuningMethod) -> Double {
        let base = method.baseTraining
        let rank = (method as? LoRA)?.rank ?? 0
        var flops = 0
        for layer in ModelShape.layers {
            let (fanIn, fanOut) = shape.layer(layer)
            // Forward: z = x W^T, and LoRA's u = x A^T, z += u B^T.
            flops += 2 * b * fanIn * fanOut + 2 * b * rank * (fanIn + fanOut)
            let backwardReachesLayer = layer > 1 || method.trainsFirstLinearMap
            guard backwardReachesLayer else { continue }
            if base == .all { flops += 2 * fanOut * fanIn * b }  // dW
            if layer > 1 { flops += 2 * b * fanOut * fanIn }  // dx
            // LoRA: dB, du, dA, and dx += du A above layer 1.
            flops += 2 * b * rank * fanOut * 2 + 2 * rank * fanIn * b + (layer > 1 ? 2 * b * rank * fanIn : 0)
        }
        return Double(flops)
    }
}
