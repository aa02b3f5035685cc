/// `ia3` (Liu et al., 2022; beyond the paper): a learned scale per hidden unit,
/// h = l * relu(z), l initialised to 1 so the adapted network starts as the foundation.
/// Own parameters: `[l1 (H), l2 (H)]`.
public final class IA3: FineTuningMethod {
    public let ownParameters: FloatStorage
    public let ownGradients: FloatStorage
    private let hidden: Int

    public var baseTraining: BaseTraining { .none }
    public var trainsFirstLinearMap: Bool { false }

    public init(shape: ModelShape) {
        hidden = shape.hidden
        ownParameters = FloatStorage(count: 2 * shape.hidden)
        ownGradients = FloatStorage(count: 2 * shape.hidden)
        ownParameters.buffer.update(repeating: 1)
    }

    /// l of hidden layer 1 or 2: (H).
    public func scale(_ layer: Int) -> UnsafeMutablePointer<Float> { ownParameters.base + (layer - 1) * hidden }
    private func scaleGradient(_ layer: Int) -> UnsafeMutablePointer<Float> { ownGradients.base + (layer - 1) * hidden }

    public func activate(layer: Int, z: MatrixView, bias: UnsafeMutableBufferPointer<Float>, into h: MatrixView, mode: GateMode) -> Double {
        let b = bias.baseAddress!, l = scale(layer)
        for i in 0..<z.rows {
            let zr = z.row(i), hr = h.row(i)
            for j in 0..<z.cols {
                let v = zr[j] + b[j]
                zr[j] = v
                hr[j] = v > 0 ? l[j] * v : 0
            }
        }
        return 0
    }

    /// dl_j = sum_i dh_ij relu(z_ij);  dz = dh * l * relu'(z).
    public func backwardActivation(layer: Int, z: MatrixView, dh: MatrixView, dz: MatrixView?) {
        let l = scale(layer), dl = scaleGradient(layer)
        dl.update(repeating: 0, count: hidden)
        for i in 0..<z.rows {
            let zr = z.row(i), dhr = dh.row(i)
            for j in 0..<z.cols { dl[j] += dhr[j] * max(zr[j], 0) }
            if let dz {
                let dzr = dz.row(i)
                for j in 0..<z.cols { dzr[j] = zr[j] > 0 ? dhr[j] * l[j] : 0 }
            }
        }
    }
}
