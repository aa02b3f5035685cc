/// `frozen`: nothing trains; the foundation is evaluated as it is.
public final class Frozen: FineTuningMethod {
    public let ownParameters = FloatStorage(count: 0)
    public let ownGradients = FloatStorage(count: 0)
    public var baseTraining: BaseTraining { .none }
    public var trainsFirstLinearMap: Bool { false }
    public init() {}
}
