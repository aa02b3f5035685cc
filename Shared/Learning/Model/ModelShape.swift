/// The MLP's sizes: input -> hidden -> hidden -> output (experiment.md: 784-128-128-10).
public struct ModelShape: Sendable, Equatable {
    public let input: Int
    public let hidden: Int
    public let output: Int

    public init(input: Int = 784, hidden: Int = 128, output: Int = 10) {
        precondition(input > 0 && hidden > 0 && output > 0, "layer sizes must be positive")
        self.input = input
        self.hidden = hidden
        self.output = output
    }

    /// The paper's network.
    public static let paper = ModelShape()

    /// The three linear layers, 1-based as in the spec: (fan in, fan out).
    public func layer(_ index: Int) -> (fanIn: Int, fanOut: Int) {
        switch index {
        case 1: return (input, hidden)
        case 2: return (hidden, hidden)
        case 3: return (hidden, output)
        default: preconditionFailure("layer \(index) of 3")
        }
    }

    public static let layers = 1...3
    public static let hiddenLayers = 1...2

    public var weightCount: Int { hidden * input + hidden * hidden + output * hidden }
    public var biasCount: Int { hidden + hidden + output }
    /// Every weight and bias: 118,282 for the paper's network.
    public var parameterCount: Int { weightCount + biasCount }
}
