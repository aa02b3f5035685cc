/// `lora` (Hu et al., 2022) on all three layers: z = x W^T + b + (alpha / r) (x A^T) B^T,
/// W and b frozen, A (r, fan_in) uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)), B
/// (fan_out, r) zero, so the adapted network starts exactly as the foundation.
/// Own parameters: `[A1, B1, A2, B2, A3, B3]`.
public final class LoRA: FineTuningMethod {
    public let ownParameters: FloatStorage
    public let ownGradients: FloatStorage
    public let rank: Int
    /// alpha / r.
    public let scale: Float
    private let shape: ModelShape
    private let offsets: [Int]
    /// u = x A^T per layer, kept from the forward pass: (batchCapacity, r) each.
    private let projections: FloatStorage
    /// du = scale dz B: (batchCapacity, r).
    private let projectionGradient: FloatStorage
    private let batchCapacity: Int

    public var baseTraining: BaseTraining { .none }
    public var trainsFirstLinearMap: Bool { true }

    public init(shape: ModelShape, batchCapacity: Int, rank: Int, alpha: Float, rng: inout SeededRNG) {
        precondition(rank > 0, "LoRA rank must be positive")
        self.shape = shape
        self.rank = rank
        self.batchCapacity = batchCapacity
        scale = alpha / Float(rank)
        var offsets = [Int]()
        var total = 0
        for layer in ModelShape.layers {
            let (fanIn, fanOut) = shape.layer(layer)
            offsets.append(total)
            total += rank * fanIn + fanOut * rank
        }
        self.offsets = offsets
        ownParameters = FloatStorage(count: total)
        ownGradients = FloatStorage(count: total)
        projections = FloatStorage(count: 3 * batchCapacity * rank)
        projectionGradient = FloatStorage(count: batchCapacity * rank)
        for layer in ModelShape.layers {
            let a = down(layer).buffer
            let bound = 1 / Float(shape.layer(layer).fanIn).squareRoot()
            for i in a.indices { a[i] = rng.nextFloat(in: -bound, bound) }
        }
    }

    /// A of a layer: (r, fan_in).
    public func down(_ layer: Int) -> MatrixView { matrix(ownParameters, layer, up: false) }
    /// B of a layer: (fan_out, r).
    public func up(_ layer: Int) -> MatrixView { matrix(ownParameters, layer, up: true) }

    private func matrix(_ storage: FloatStorage, _ layer: Int, up: Bool) -> MatrixView {
        let (fanIn, fanOut) = shape.layer(layer)
        let offset = offsets[layer - 1]
        return up
            ? storage.matrix(offset: offset + rank * fanIn, rows: fanOut, cols: rank)
            : storage.matrix(offset: offset, rows: rank, cols: fanIn)
    }

    private func projection(_ layer: Int, rows: Int) -> MatrixView {
        projections.matrix(offset: (layer - 1) * batchCapacity * rank, rows: rows, cols: rank)
    }

    public func forwardLinear(layer: Int, input: MatrixView, z: MatrixView) {
        let u = projection(layer, rows: input.rows)
        BLAS.gemm(input, down(layer), into: u, transposeB: true)
        BLAS.gemm(u, up(layer), into: z, transposeB: true, alpha: scale, beta: 1)
    }

    /// dB = scale dz^T u;  du = scale dz B;  dA = du^T x;  dx += du A.
    public func backwardLinear(layer: Int, input: MatrixView, dz: MatrixView, dInput: MatrixView?) {
        let u = projection(layer, rows: input.rows)
        let du = projectionGradient.matrix(rows: input.rows, cols: rank)
        BLAS.gemm(dz, u, into: matrix(ownGradients, layer, up: true), transposeA: true, alpha: scale)
        BLAS.gemm(dz, up(layer), into: du, alpha: scale)
        BLAS.gemm(du, input, into: matrix(ownGradients, layer, up: false), transposeA: true)
        if let dInput { BLAS.gemm(du, down(layer), into: dInput, beta: 1) }
    }
}
