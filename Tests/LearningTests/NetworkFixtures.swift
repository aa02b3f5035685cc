import Learning

/// A small network and batch for checks that visit every parameter.
struct SmallProblem {
    static let shape = ModelShape(input: 7, hidden: 6, output: 4)
    static let rows = 5

    let network: Network

    /// A network of `kind` whose base and own parameters are all random (so no gradient is
    /// trivially zero, unlike LoRA's B = 0 start), with a random batch loaded.
    init(_ kind: MethodKind, seed: UInt64 = 7, settings: MethodSettings = MethodSettings(loraRank: 2)) {
        var rng = SeededRNG(seed: seed, stream: .initialisation)
        let parameters = Parameters(shape: Self.shape)
        parameters.initialise(rng: &rng)
        let method = kind.make(shape: Self.shape, batchCapacity: Self.rows, settings: settings, rng: &rng)
        let own = method.ownParameters.buffer
        for i in own.indices {
            // Around the method's own starting values, perturbed so every path is exercised.
            own[i] += rng.nextFloat(in: -0.4, 0.4)
        }
        network = Network(shape: Self.shape, parameters: parameters, method: method, batchCapacity: Self.rows)
        for i in 0..<network.input.count { network.input.base[i] = rng.nextFloat(in: 0, 1) }
        for i in 0..<Self.rows { network.labels[i] = Int32(rng.nextIndex(below: Self.shape.output)) }
    }

    /// The training loss (cross-entropy plus regulariser) at the current parameters.
    func loss() -> Double {
        let regulariser = network.forward(rows: Self.rows, mode: .soft)
        return network.crossEntropy(rows: Self.rows) + regulariser
    }
}
