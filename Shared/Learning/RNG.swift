/// The one random generator of the maths: SplitMix64 (Steele, Lea & Flood, 2014),
/// portable and exactly reproducible on every machine. A task never touches the
/// system's randomness; each use draws from its own named stream so that, say,
/// changing the batch order cannot change the initial weights.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    /// Independent streams of one task seed (experiment.md, "RNG").
    public enum Stream: UInt64, Sendable, CaseIterable {
        case initialisation = 1
        case split = 2
        case batchOrder = 3
        case methodInit = 4
        case synthetic = 5
        /// Batch order of the adaptation phase: apart from the foundation's, so an adapt
        /// task shuffles the same way whoever trained its foundation; shared by all
        /// methods, so they see the same batches.
        case adaptationBatchOrder = 6
    }

    private var state: UInt64

    /// A generator for `stream` of task seed `seed`. The stream is mixed in through one
    /// SplitMix64 step so neighbouring seeds and streams start far apart.
    public init(seed: UInt64, stream: Stream) {
        var mixer = SeededRNG(rawState: seed ^ (stream.rawValue &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    /// A generator started at a raw state (tests and the mixer above).
    public init(rawState: UInt64) { state = rawState }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits: every value is exactly representable.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func nextFloat(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// Uniform integer in 0..<bound, unbiased (rejection on the top of the range),
    /// spelled out so that it never depends on the standard library's algorithm.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        let limit = UInt64.max - UInt64.max % range
        while true {
            let value = next()
            if value < limit { return Int(value % range) }
        }
    }

    /// A Fisher-Yates permutation of 0..<count.
    public mutating func permutation(count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, nextIndex(below: i + 1))
            i -= 1
        }
        return order
    }
}
