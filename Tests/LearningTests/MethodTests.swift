import Learning
import Testing

@Suite struct MethodTests {
    static let expectedCounts: [MethodKind: Int] = [
        .frozen: 0, .bitfit: 266, .taugate: 512, .lora: 10_448, .full: 118_282, .ia3: 256,
    ]

    @Test(arguments: MethodKind.allCases)
    func trainableParameterCountMatchesThePaper(_ kind: MethodKind) {
        var rng = SeededRNG(seed: 1, stream: .methodInit)
        let method = kind.make(shape: .paper, batchCapacity: 4, settings: MethodSettings(), rng: &rng)
        let network = Network(shape: .paper, parameters: Parameters(shape: .paper), method: method, batchCapacity: 4)
        #expect(network.trainableParameterCount == Self.expectedCounts[kind])
        #expect(network.trainableSlices.reduce(0) { $0 + $1.values.count } == Self.expectedCounts[kind])
    }

    /// Logits of the foundation and of a fresh `kind` adapter on the same batch.
    func startingLogits(_ kind: MethodKind) -> (base: [Float], adapted: [Float], network: Network) {
        let shape = ModelShape(input: 20, hidden: 16, output: 5)
        let rows = 8
        var rng = SeededRNG(seed: 3, stream: .initialisation)
        let parameters = Parameters(shape: shape)
        parameters.initialise(rng: &rng)
        var inputs = [Float]()
        for _ in 0..<(rows * shape.input) { inputs.append(rng.nextFloat(in: 0, 1)) }
        func logits(_ method: any FineTuningMethod) -> ([Float], Network) {
            let network = Network(shape: shape, parameters: parameters, method: method, batchCapacity: rows)
            for i in inputs.indices { network.input.base[i] = inputs[i] }
            network.forward(rows: rows, mode: .soft)
            return (Array(network.logits.buffer), network)
        }
        var methodRNG = SeededRNG(seed: 3, stream: .methodInit)
        let (base, _) = logits(Full())
        let (adapted, network) = logits(kind.make(shape: shape, batchCapacity: rows, settings: MethodSettings(), rng: &methodRNG))
        return (base, adapted, network)
    }

    @Test(arguments: [MethodKind.frozen, .bitfit, .lora, .full, .ia3])
    func startsExactlyAsTheFoundation(_ kind: MethodKind) {
        let (base, adapted, _) = startingLogits(kind)
        #expect(base == adapted)
    }

    @Test func tauGateStartsWithinOnePercentOfTheFoundation() {
        let (base, adapted, network) = startingLogits(.taugate)
        // Layer 1 sees the same input: each positive unit passes sigmoid(s(z - tau)) >=
        // sigmoid(5) > 0.99 of relu(z), the spec's 1%.
        let z = network.preActivations(1, rows: 8), h = network.hiddenOutputs(1, rows: 8)
        for i in 0..<z.count where z.base[i] > 0 {
            #expect(abs(h.base[i] - z.base[i]) <= 0.01 * z.base[i])
        }
        let scale = base.map(abs).max() ?? 1
        for (a, b) in zip(base, adapted) { #expect(abs(a - b) <= 0.02 * scale) }
        #expect(base != adapted, "the soft gate is not exactly 1")
    }

    /// One Adam step of `kind`: base parameters before and after, and which base
    /// parameters had a non-zero gradient (a dead ReLU unit legitimately has none).
    func stepOnce(_ kind: MethodKind) -> (before: [Float], after: [Float], hadGradient: [Bool], shape: ModelShape) {
        let problem = SmallProblem(kind)
        let network = problem.network
        let before = network.parameters.toArray()
        let slices = network.trainableSlices
        let count = slices.reduce(0) { $0 + $1.values.count }
        var hadGradient = [Bool](repeating: false, count: before.count)
        if count > 0 {
            let adam = Adam(parameterCount: count, learningRate: 1e-2)
            _ = Training.step(network, rows: SmallProblem.rows, optimiser: adam, slices: slices)
            hadGradient = network.gradients.toArray().map { $0 != 0 }
        }
        return (before, network.parameters.toArray(), hadGradient, SmallProblem.shape)
    }

    @Test(arguments: [MethodKind.frozen, .taugate, .lora, .ia3])
    func leavesTheBaseNetworkUntouched(_ kind: MethodKind) {
        let (before, after, _, _) = stepOnce(kind)
        #expect(before == after)
    }

    @Test func bitfitMovesBiasesAndOnlyBiases() {
        let (before, after, hadGradient, shape) = stepOnce(.bitfit)
        let weights = 0..<shape.weightCount
        #expect(Array(before[weights]) == Array(after[weights]))
        let biases = shape.weightCount..<shape.parameterCount
        #expect(biases.filter { hadGradient[$0] }.count >= shape.biasCount / 2)
        for i in biases { #expect((before[i] != after[i]) == hadGradient[i]) }
    }

    @Test func fullMovesEveryParameterThatHasAGradient() {
        let (before, after, hadGradient, shape) = stepOnce(.full)
        #expect(hadGradient.filter { $0 }.count >= shape.parameterCount / 2)
        for i in before.indices { #expect((before[i] != after[i]) == hadGradient[i]) }
    }
}
