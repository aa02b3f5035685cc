/// TauGate's hardened-gate measurements (experiment.md, "Metrics"; the paper's RQ3).
public struct GateAnalysis: Sendable, Equatable {
    /// Accuracy with hard gates.
    public var accuracy: Double
    /// Per hidden unit (layer 1's H, then layer 2's H): fraction of images whose hard gate is open.
    public var openFraction: [Double]
    /// Fraction of (image, unit) pairs, over both hidden layers, whose hard gate is open
    /// and whose pre-activation is positive: the unit's gated output is non-zero.
    public var highActivationFraction: Double

    /// Runs `data` through `network` (whose method must be a TauGate) with hard gates.
    public init(network: Network, gate: TauGate, data: Dataset) {
        let hidden = network.shape.hidden
        var openCounts = [Int](repeating: 0, count: 2 * hidden)
        var active = 0
        accuracy = Evaluation.accuracy(of: network, on: data, mode: .hard) { network, rows in
            for layer in ModelShape.hiddenLayers {
                let g = gate.lastGates(layer, rows: rows)
                let z = network.preActivations(layer, rows: rows)
                let unitOffset = (layer - 1) * hidden
                for i in 0..<rows {
                    let gr = g.row(i), zr = z.row(i)
                    for j in 0..<hidden where gr[j] > 0 {
                        openCounts[unitOffset + j] += 1
                        if zr[j] > 0 { active += 1 }
                    }
                }
            }
        }
        let n = Double(max(data.count, 1))
        openFraction = openCounts.map { Double($0) / n }
        highActivationFraction = Double(active) / (n * Double(2 * hidden))
    }
}

/// Which units are mode-specific: open (fraction >= 0.5) for one mode and closed for the other.
public struct ModeAttribution: Sendable, Equatable {
    public var openFraction0: [Double]
    public var openFractionTheta: [Double]
    public var specificTo0: [Int]
    public var specificToTheta: [Int]

    public static let openThreshold = 0.5

    public init(upright: GateAnalysis, rotated: GateAnalysis) {
        let open0 = upright.openFraction, openTheta = rotated.openFraction
        let t = Self.openThreshold
        openFraction0 = open0
        openFractionTheta = openTheta
        specificTo0 = open0.indices.filter { open0[$0] >= t && openTheta[$0] < t }
        specificToTheta = open0.indices.filter { openTheta[$0] >= t && open0[$0] < t }
    }
}
