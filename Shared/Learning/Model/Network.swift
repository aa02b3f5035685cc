/// The MLP (input -> H -> H -> output, ReLU) with a fine-tuning method plugged into its
/// hidden layers, and every buffer a training step needs, allocated once here and
/// reused for every batch (no allocation in the training loop).
///
/// A batch of `rows <= batchCapacity` images goes in as `input`; `forward` fills the
/// pre-activations and outputs, `backward` the gradients of whatever the method trains.
/// GEMM layout (row-major, W stored (fan_out, fan_in) as PyTorch does):
///   forward   z = x W^T            gemm(N, T)
///   weights   dW = dz^T x          gemm(T, N)
///   inputs    dx = dz W            gemm(N, N)
public final class Network {
    public let shape: ModelShape
    public let parameters: Parameters
    /// Gradients of the base parameters, same layout; only the trained part is written.
    public let gradients: Parameters
    public let method: any FineTuningMethod
    public let batchCapacity: Int

    private let workspace: FloatStorage
    /// (batchCapacity, In): the batch being processed.
    public let input: MatrixView
    /// (batchCapacity, H) each: pre-activations and outputs of the hidden layers.
    private let z1, h1, z2, h2: MatrixView
    /// (batchCapacity, Out).
    public let logits: MatrixView
    /// (batchCapacity, Out): dL/dlogits.
    private let dLogits: MatrixView
    /// (batchCapacity, H) each: gradients with respect to hidden outputs and pre-activations.
    private let dh1, dz1, dh2, dz2: MatrixView
    /// (batchCapacity): the batch's labels.
    public let labels: UnsafeMutableBufferPointer<Int32>

    public init(shape: ModelShape, parameters: Parameters, method: any FineTuningMethod, batchCapacity: Int) {
        precondition(parameters.shape == shape, "parameters are for another shape")
        precondition(batchCapacity > 0, "batch capacity must be positive")
        self.shape = shape
        self.parameters = parameters
        self.method = method
        self.batchCapacity = batchCapacity
        gradients = Parameters(shape: shape)
        let b = batchCapacity, h = shape.hidden
        let sizes = [shape.input, h, h, h, h, shape.output, shape.output, h, h, h, h].map { b * $0 }
        let storage = FloatStorage(count: sizes.reduce(0, +))
        workspace = storage
        var offset = 0
        func next(_ cols: Int) -> MatrixView {
            defer { offset += b * cols }
            return storage.matrix(offset: offset, rows: b, cols: cols)
        }
        input = next(shape.input)
        z1 = next(h); h1 = next(h); z2 = next(h); h2 = next(h)
        logits = next(shape.output); dLogits = next(shape.output)
        dh1 = next(h); dz1 = next(h); dh2 = next(h); dz2 = next(h)
        labels = UnsafeMutableBufferPointer<Int32>.allocate(capacity: batchCapacity)
        labels.initialize(repeating: 0)
    }

    deinit { labels.deallocate() }

    /// What the method trains: 0, 266, 512, 10,448, 118,282 or 256 at the paper's size.
    public var trainableParameterCount: Int {
        method.ownParameters.count + {
            switch method.baseTraining {
            case .none: return 0
            case .biases: return shape.biasCount
            case .all: return shape.parameterCount
            }
        }()
    }

    /// (parameters, gradients) slices the optimiser updates.
    public var trainableSlices: [(values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>)] {
        var slices: [(UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>)] = []
        switch method.baseTraining {
        case .none: break
        case .biases: slices.append((parameters.biases, gradients.biases))
        case .all: slices.append((parameters.all, gradients.all))
        }
        if method.ownParameters.count > 0 { slices.append((method.ownParameters.buffer, method.ownGradients.buffer)) }
        return slices
    }

    /// Forward pass over the first `rows` rows of `input`. Returns the method's
    /// regulariser loss (0 for most); logits are in `logits`.
    @discardableResult
    public func forward(rows: Int, mode: GateMode) -> Double {
        precondition(rows > 0 && rows <= batchCapacity, "batch of \(rows) rows, capacity \(batchCapacity)")
        let x = input.prefix(rows: rows)
        var regulariser = 0.0
        regulariser += hiddenLayer(1, input: x, z: z1.prefix(rows: rows), h: h1.prefix(rows: rows), mode: mode)
        regulariser += hiddenLayer(2, input: h1.prefix(rows: rows), z: z2.prefix(rows: rows), h: h2.prefix(rows: rows), mode: mode)
        let out = logits.prefix(rows: rows)
        BLAS.gemm(h2.prefix(rows: rows), parameters.weights(3), into: out, transposeB: true)
        method.forwardLinear(layer: 3, input: h2.prefix(rows: rows), z: out)
        Kernels.addBias(out, bias: parameters.bias(3))
        return regulariser
    }

    private func hiddenLayer(_ layer: Int, input: MatrixView, z: MatrixView, h: MatrixView, mode: GateMode) -> Double {
        BLAS.gemm(input, parameters.weights(layer), into: z, transposeB: true)
        method.forwardLinear(layer: layer, input: input, z: z)
        return method.activate(layer: layer, z: z, bias: parameters.bias(layer), into: h, mode: mode)
    }

    /// Mean softmax cross-entropy of the last forward pass against `labels`, and
    /// dL/dlogits for `backward`.
    public func crossEntropy(rows: Int) -> Double {
        Kernels.softmaxCrossEntropy(
            logits: logits.prefix(rows: rows), labels: UnsafePointer(labels.baseAddress!),
            gradient: dLogits.prefix(rows: rows))
    }

    /// Backward pass after `forward(rows:mode: .soft)` and `crossEntropy(rows:)`: writes
    /// the gradients of exactly what the method trains. Layer 1's input gradient is
    /// never formed; layer 1's dz only when its linear map trains.
    public func backward(rows: Int) {
        let base = method.baseTraining
        let needsFirstDz = method.trainsFirstLinearMap
        let x = input.prefix(rows: rows)
        let hidden1 = h1.prefix(rows: rows), hidden2 = h2.prefix(rows: rows)
        let gz3 = dLogits.prefix(rows: rows)
        let gh2 = dh2.prefix(rows: rows), gz2 = dz2.prefix(rows: rows)
        let gh1 = dh1.prefix(rows: rows), gz1 = dz1.prefix(rows: rows)

        // 1. Output layer: its weight-side gradients, then dh2.
        linearBackward(3, input: hidden2, dz: gz3, dInput: gh2, base: base)
        // 2. Hidden layer 2.
        method.backwardActivation(layer: 2, z: z2.prefix(rows: rows), dh: gh2, dz: gz2)
        linearBackward(2, input: hidden1, dz: gz2, dInput: gh1, base: base)
        // 3. Hidden layer 1: dz1 only if something at layer 1's linear map trains.
        method.backwardActivation(layer: 1, z: z1.prefix(rows: rows), dh: gh1, dz: needsFirstDz ? gz1 : nil)
        if needsFirstDz { linearBackward(1, input: x, dz: gz1, dInput: nil, base: base) }
    }

    private func linearBackward(_ layer: Int, input: MatrixView, dz: MatrixView, dInput: MatrixView?, base: BaseTraining) {
        if base == .all { BLAS.gemm(dz, input, into: gradients.weights(layer), transposeA: true) }
        if base != .none { Kernels.columnSums(dz, into: gradients.bias(layer)) }
        if let dInput { BLAS.gemm(dz, parameters.weights(layer), into: dInput) }
        method.backwardLinear(layer: layer, input: input, dz: dz, dInput: dInput)
    }

    /// Outputs of hidden layer 1 or 2 from the last forward pass: (rows, H).
    public func hiddenOutputs(_ layer: Int, rows: Int) -> MatrixView {
        (layer == 1 ? h1 : h2).prefix(rows: rows)
    }

    /// Pre-activations of hidden layer 1 or 2 from the last forward pass: (rows, H).
    public func preActivations(_ layer: Int, rows: Int) -> MatrixView {
        (layer == 1 ? z1 : z2).prefix(rows: rows)
    }

    /// Copies images `indices` of `data` (and their labels) into the batch buffers.
    public func load(_ data: Dataset, indices: ArraySlice<Int>) {
        precondition(data.pixelsPerImage == shape.input, "images of \(data.pixelsPerImage) pixels for an input of \(shape.input)")
        precondition(indices.count <= batchCapacity, "batch larger than capacity")
        let width = shape.input
        data.pixels.withUnsafeBufferPointer { pixels in
            for (row, index) in indices.enumerated() {
                (input.base + row * width).update(from: pixels.baseAddress! + index * width, count: width)
                labels[row] = Int32(data.labels[index])
            }
        }
    }

    /// Copies images `range` of `data` into the batch buffers (evaluation: no shuffling).
    public func load(_ data: Dataset, range: Range<Int>) {
        precondition(range.count <= batchCapacity, "batch larger than capacity")
        let width = shape.input
        data.pixels.withUnsafeBufferPointer { pixels in
            input.base.update(from: pixels.baseAddress! + range.lowerBound * width, count: range.count * width)
        }
        for (row, index) in range.enumerated() { labels[row] = Int32(data.labels[index]) }
    }
}
