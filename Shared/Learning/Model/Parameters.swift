/// The base network's parameters in ONE allocation, laid out
/// `[W1 (H, In), W2 (H, H), W3 (Out, H), b1 (H), b2 (H), b3 (Out)]`, W as PyTorch's
/// `nn.Linear` stores it (fan_out, fan_in). The biases sit together at the end so that
/// BitFit trains one contiguous slice. This layout is also the wire format of a
/// foundation (raw little-endian float32).
public final class Parameters {
    public let shape: ModelShape
    public let storage: FloatStorage

    public init(shape: ModelShape) {
        self.shape = shape
        storage = FloatStorage(count: shape.parameterCount)
    }

    /// Parameters from a flat array in the layout above (a received foundation).
    public convenience init(shape: ModelShape, values: [Float]) {
        self.init(shape: shape)
        storage.copy(from: values)
    }

    /// PyTorch's `nn.Linear` default: W and b uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)).
    public func initialise(rng: inout SeededRNG) {
        for layer in ModelShape.layers {
            let bound = 1 / Float(shape.layer(layer).fanIn).squareRoot()
            let w = weights(layer).buffer
            for i in w.indices { w[i] = rng.nextFloat(in: -bound, bound) }
            let b = bias(layer)
            for i in b.indices { b[i] = rng.nextFloat(in: -bound, bound) }
        }
    }

    /// Offsets of W1, W2, W3 in the allocation.
    private func weightOffset(_ layer: Int) -> Int {
        switch layer {
        case 1: return 0
        case 2: return shape.hidden * shape.input
        case 3: return shape.hidden * shape.input + shape.hidden * shape.hidden
        default: preconditionFailure("layer \(layer) of 3")
        }
    }

    private func biasOffset(_ layer: Int) -> Int {
        shape.weightCount + (layer == 1 ? 0 : layer == 2 ? shape.hidden : 2 * shape.hidden)
    }

    /// W of a layer: (fan_out, fan_in).
    public func weights(_ layer: Int) -> MatrixView {
        let (fanIn, fanOut) = shape.layer(layer)
        return storage.matrix(offset: weightOffset(layer), rows: fanOut, cols: fanIn)
    }

    /// b of a layer: (fan_out).
    public func bias(_ layer: Int) -> UnsafeMutableBufferPointer<Float> {
        storage.slice(offset: biasOffset(layer), count: shape.layer(layer).fanOut)
    }

    /// All three biases, contiguous: what BitFit trains.
    public var biases: UnsafeMutableBufferPointer<Float> {
        storage.slice(offset: shape.weightCount, count: shape.biasCount)
    }

    public var all: UnsafeMutableBufferPointer<Float> { storage.buffer }

    public func toArray() -> [Float] { storage.toArray() }
}
