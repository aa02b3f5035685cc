/// `bitfit` (Ben Zaken et al., 2022): only the three bias vectors train (H + H + Out).
public final class BitFit: FineTuningMethod {
    public let ownParameters = FloatStorage(count: 0)
    public let ownGradients = FloatStorage(count: 0)
    public var baseTraining: BaseTraining { .biases }
    public var trainsFirstLinearMap: Bool { true }
    public init() {}
}
