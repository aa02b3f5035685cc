/// How a hidden unit's gate is evaluated: smooth while training, a step at inference
/// (TauGate, experiment.md). Methods without a gate ignore it.
public enum GateMode: Sendable {
    case soft
    case hard
}

/// Which of the base network's own parameters a method trains.
public enum BaseTraining: Sendable {
    case none
    /// b1, b2, b3: one contiguous slice (see `Parameters`).
    case biases
    case all
}

/// A fine-tuning method: what trains, how a hidden layer's output is formed, and how
/// gradients reach the trainable parameters. The network calls these hooks; the
/// defaults (in the extension) are a plain ReLU MLP with nothing of the method's own.
/// Adding a method is one file with a type conforming to this, and one line in
/// `MethodKind`.
public protocol FineTuningMethod: AnyObject {
    /// Which base parameters train.
    var baseTraining: BaseTraining { get }
    /// The method's own trainable parameters (tau and gamma, LoRA's A and B, IA3's l),
    /// in one allocation; empty when it has none.
    var ownParameters: FloatStorage { get }
    /// Gradients of the loss with respect to `ownParameters`, same layout.
    var ownGradients: FloatStorage { get }
    /// True when the linear map of layer 1 has something trainable (so the backward
    /// pass must form dz1 and run layer 1's weight-side hooks).
    var trainsFirstLinearMap: Bool { get }

    /// Adds the method's share to a layer's pre-activation, `z` (rows, fan_out), from the
    /// layer's `input` (rows, fan_in). Called after z = input W^T, before the bias.
    func forwardLinear(layer: Int, input: MatrixView, z: MatrixView)
    /// Accumulates the method's linear-parameter gradients from `dz` and adds its share of
    /// the input gradient to `dInput` when given.
    func backwardLinear(layer: Int, input: MatrixView, dz: MatrixView, dInput: MatrixView?)
    /// Adds `bias` to `z` in place and writes the hidden output `h`. Returns this layer's
    /// contribution to the loss (a regulariser), 0 for most methods.
    func activate(layer: Int, z: MatrixView, bias: UnsafeMutableBufferPointer<Float>, into h: MatrixView, mode: GateMode) -> Double
    /// From dL/dh, writes dL/dz into `dz` when given and accumulates the method's own
    /// activation-side gradients (including its regulariser's).
    func backwardActivation(layer: Int, z: MatrixView, dh: MatrixView, dz: MatrixView?)
}

extension FineTuningMethod {
    public func forwardLinear(layer: Int, input: MatrixView, z: MatrixView) {}
    public func backwardLinear(layer: Int, input: MatrixView, dz: MatrixView, dInput: MatrixView?) {}

    public func activate(layer: Int, z: MatrixView, bias: UnsafeMutableBufferPointer<Float>, into h: MatrixView, mode: GateMode) -> Double {
        Kernels.addBiasReLU(z, bias: bias, into: h)
        return 0
    }

    public func backwardActivation(layer: Int, z: MatrixView, dh: MatrixView, dz: MatrixView?) {
        if let dz { Kernels.reluBackward(z: z, dh: dh, into: dz) }
    }
}
