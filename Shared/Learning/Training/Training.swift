/// How one training phase went.
public struct TrainingReport: Sendable, Equatable {
    /// Mean loss (cross-entropy plus any regulariser) over the batches of the last epoch.
    public var finalLoss: Double
    public var seconds: Double
    public var samples: Int
    public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
}

/// A training phase (experiment.md, "Model and training"): `epochs` passes over `data`
/// in batches of the network's capacity, reshuffled every epoch from `rng`, the last
/// partial batch kept; Adam on whatever the network's method trains.
public enum Training {
    public static func run(
        _ network: Network, on data: Dataset, epochs: Int, learningRate: Float, rng: inout SeededRNG
    ) -> TrainingReport {
        precondition(epochs >= 0, "negative epoch count")
        let slices = network.trainableSlices
        let count = slices.reduce(0) { $0 + $1.values.count }
        guard count > 0, epochs > 0, data.count > 0 else {
            return TrainingReport(finalLoss: .nan, seconds: 0, samples: 0)
        }
        let optimiser = Adam(parameterCount: count, learningRate: learningRate)
        let batch = network.batchCapacity
        let clock = ContinuousClock()
        let start = clock.now
        var epochLoss = 0.0
        for _ in 0..<epochs {
            let order = rng.permutation(count: data.count)
            epochLoss = 0
            var batches = 0
            var first = 0
            while first < data.count {
                let rows = min(batch, data.count - first)
                network.load(data, indices: order[first..<(first + rows)])
                epochLoss += step(network, rows: rows, optimiser: optimiser, slices: slices)
                batches += 1
                first += rows
            }
            epochLoss /= Double(batches)
        }
        let elapsed = clock.now - start
        return TrainingReport(finalLoss: epochLoss, seconds: elapsed.seconds, samples: epochs * data.count)
    }

    /// One optimisation step on the batch already loaded: forward, loss, backward, Adam.
    @inline(__always)
    public static func step(
        _ network: Network, rows: Int, optimiser: Adam,
        slices: [(values: UnsafeMutableBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>)]
    ) -> Double {
        let regulariser = network.forward(rows: rows, mode: .soft)
        let loss = network.crossEntropy(rows: rows) + regulariser
        network.backward(rows: rows)
        optimiser.update(slices)
        return loss
    }
}

extension Duration {
    /// This duration in seconds, as a Double.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
