/// `full`: every weight and bias trains. Also how a foundation is trained.
public final class Full: FineTuningMethod {
    public let ownParameters = FloatStorage(count: 0)
    public let ownGradients = FloatStorage(count: 0)
    public var baseTraining: BaseTraining { .all }
    public var trainsFirstLinearMap: Bool { true }
    public init() {}
}
