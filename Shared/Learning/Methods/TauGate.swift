#if canImport(Glibc)
import Glibc
#endif

/// `taugate` (the paper): the network stays frozen; each hidden unit learns a threshold
/// tau and a gain gamma.
///   soft (training): g = sigmoid(s (z - tau)),  h = gamma * g * relu(z)
///   hard (inference): g = [z > tau],             h = gamma * g * relu(z)
/// plus the sparsity regulariser lambda * (mean over batch and units of g), summed over
/// both hidden layers. With tau = -0.5, gamma = 1 and s = 10 a unit with z > 0 passes
/// at least sigmoid(5) = 99.3% of relu(z): the adapted network starts within 1% of the
/// foundation. Own parameters: `[tau1 (H), gamma1 (H), tau2 (H), gamma2 (H)]`.
public final class TauGate: FineTuningMethod {
    public static let initialThreshold: Float = -0.5
    public static let initialGain: Float = 1

    public let ownParameters: FloatStorage
    public let ownGradients: FloatStorage
    public let lambda: Float
    public let sharpness: Float
    private let hidden: Int
    /// The gates of the last forward pass, per hidden layer: (batchCapacity, H) each.
    private let gates: FloatStorage
    private let batchCapacity: Int

    public var baseTraining: BaseTraining { .none }
    public var trainsFirstLinearMap: Bool { false }

    public init(shape: ModelShape, batchCapacity: Int, lambda: Float, sharpness: Float) {
        hidden = shape.hidden
        self.lambda = lambda
        self.sharpness = sharpness
        self.batchCapacity = batchCapacity
        ownParameters = FloatStorage(count: 4 * shape.hidden)
        ownGradients = FloatStorage(count: 4 * shape.hidden)
        gates = FloatStorage(count: 2 * batchCapacity * shape.hidden)
        for layer in ModelShape.hiddenLayers {
            threshold(layer).update(repeating: Self.initialThreshold, count: hidden)
            gain(layer).update(repeating: Self.initialGain, count: hidden)
        }
    }

    /// tau of hidden layer 1 or 2: (H).
    public func threshold(_ layer: Int) -> UnsafeMutablePointer<Float> { ownParameters.base + (layer - 1) * 2 * hidden }
    /// gamma of hidden layer 1 or 2: (H).
    public func gain(_ layer: Int) -> UnsafeMutablePointer<Float> { threshold(layer) + hidden }
    private func thresholdGradient(_ layer: Int) -> UnsafeMutablePointer<Float> { ownGradients.base + (layer - 1) * 2 * hidden }
    private func gainGradient(_ layer: Int) -> UnsafeMutablePointer<Float> { thresholdGradient(layer) + hidden }

    /// The gates g of the last forward pass for `layer`: (rows, H).
    public func lastGates(_ layer: Int, rows: Int) -> MatrixView {
        gates.matrix(offset: (layer - 1) * batchCapacity * hidden, rows: rows, cols: hidden)
    }

    public func activate(layer: Int, z: MatrixView, bias: UnsafeMutableBufferPointer<Float>, into h: MatrixView, mode: GateMode) -> Double {
        let b = bias.baseAddress!, tau = threshold(layer), gamma = gain(layer)
        let g = lastGates(layer, rows: z.rows)
        let s = sharpness
        var gateSum = 0.0
        for i in 0..<z.rows {
            let zr = z.row(i), hr = h.row(i), gr = g.row(i)
            var rowSum: Float = 0
            for j in 0..<z.cols {
                let v = zr[j] + b[j]
                zr[j] = v
                let gate: Float
                switch mode {
                case .soft: gate = 1 / (1 + expf(-s * (v - tau[j])))
                case .hard: gate = v > tau[j] ? 1 : 0
                }
                gr[j] = gate
                rowSum += gate
                hr[j] = gamma[j] * gate * max(v, 0)
            }
            gateSum += Double(rowSum)
        }
        return Double(lambda) * gateSum / Double(z.rows * z.cols)
    }

    /// With r = relu(z) and the regulariser's dR/dg = lambda / (rows H):
    ///   dgamma = sum_i dh g r;   dL/dg = dh gamma r + dR/dg;   g' = s g (1 - g)
    ///   dtau = -sum_i dL/dg g';  dz = dh gamma g relu'(z) + dL/dg g'
    public func backwardActivation(layer: Int, z: MatrixView, dh: MatrixView, dz: MatrixView?) {
        let tauGrad = thresholdGradient(layer), gammaGrad = gainGradient(layer), gamma = gain(layer)
        tauGrad.update(repeating: 0, count: hidden)
        gammaGrad.update(repeating: 0, count: hidden)
        let g = lastGates(layer, rows: z.rows)
        let s = sharpness
        let regulariserSlope = lambda / Float(z.rows * z.cols)
        for i in 0..<z.rows {
            let zr = z.row(i), dhr = dh.row(i), gr = g.row(i)
            let dzr = dz?.row(i)
            for j in 0..<z.cols {
                let v = zr[j], gate = gr[j], upstream = dhr[j]
                let r = max(v, 0)
                gammaGrad[j] += upstream * gate * r
                let dLdg = upstream * gamma[j] * r + regulariserSlope
                let slope = s * gate * (1 - gate)
                tauGrad[j] -= dLdg * slope
                if let dzr { dzr[j] = (v > 0 ? upstream * gamma[j] * gate : 0) + dLdg * slope }
            }
        }
    }
}
