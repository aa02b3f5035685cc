import Foundation
import Farm
import Learning

/// `worker bench`: this host's training throughput at batch 128 with one BLAS thread,
/// against the single-thread sgemm rate at the model's own GEMM shapes (the ceiling).
/// Efficiency = a phase's useful GEMM FLOP rate (forward and backward) / the ceiling.
struct Bench {
    struct Phase: Codable {
        var name: String
        var samplesPerSecond: Double
        var gflops: Double
        var efficiency: Double
        var gemmFLOPsPerSample: Double

        enum CodingKeys: String, CodingKey {
            case name
            case samplesPerSecond = "samples_per_second"
            case gflops
            case efficiency
            case gemmFLOPsPerSample = "gemm_flops_per_sample"
        }
    }

    struct ShapeRate: Codable {
        var shape: String
        var gflops: Double
    }

    struct Report: Codable {
        var sgemmGFLOPS: Double
        var sgemmShapes: [ShapeRate]
        var batchSize: Int
        var phases: [Phase]
        var peakRSSMegabytes: Double

        enum CodingKeys: String, CodingKey {
            case sgemmGFLOPS = "sgemm_gflops"
            case sgemmShapes = "sgemm_gflops_by_shape"
            case batchSize = "batch_size"
            case phases
            case peakRSSMegabytes = "peak_rss_mb"
        }
    }

    let shape = ModelShape.paper
    let batch = 128
    /// How long each measurement runs; the median of `repeats` such runs is reported.
    let measureSeconds: Double
    let repeats: Int

    /// The GEMMs of one full-backprop step, as (m, n, k): forward x3, dW x3, dX x2.
    var stepShapes: [(m: Int, n: Int, k: Int)] {
        let (i, h, o, b) = (shape.input, shape.hidden, shape.output, batch)
        return [(b, h, i), (b, h, h), (b, o, h), (o, h, b), (h, h, b), (h, i, b), (b, h, o), (b, h, h)]
    }

    func run() -> Report {
        BLAS.setThreads(1)
        let (ceiling, byShape) = measureCeiling()
        var phases = [Phase]()
        phases.append(measureTraining(name: "foundation", kind: .full, ceiling: ceiling))
        for kind in MethodKind.allCases where kind != .frozen {
            phases.append(measureTraining(name: kind.rawValue, kind: kind, ceiling: ceiling))
        }
        return Report(sgemmGFLOPS: ceiling, sgemmShapes: byShape, batchSize: batch, phases: phases,
                      peakRSSMegabytes: peakResidentMegabytes())
    }

    /// Runs `body` repeatedly for about `measureSeconds`; returns calls per second,
    /// the median over `repeats` runs.
    func rate(_ body: () -> Void) -> Double {
        for _ in 0..<3 { body() }  // warm caches and OpenBLAS's buffers
        var rates = [Double]()
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            var calls = 0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                for _ in 0..<8 { body() }
                calls += 8
                elapsed = (clock.now - start).seconds
            } while elapsed < measureSeconds
            rates.append(Double(calls) / elapsed)
        }
        return rates.sorted()[rates.count / 2]
    }

    /// Each of the step's GEMM shapes in the plain (N, N) layout, on buffers that stay
    /// in cache; the ceiling is the step's total GEMM FLOPs over the sum of their times.
    func measureCeiling() -> (Double, [ShapeRate]) {
        var totalFLOPs = 0.0, totalSeconds = 0.0
        var byShape = [ShapeRate]()
        for (m, n, k) in stepShapes {
            let a = FloatStorage(count: m * k), b = FloatStorage(count: k * n), c = FloatStorage(count: m * n)
            var rng = SeededRNG(rawState: 1)
            for i in 0..<a.count { a.base[i] = rng.nextFloat(in: -1, 1) }
            for i in 0..<b.count { b.base[i] = rng.nextFloat(in: -1, 1) }
            let callsPerSecond = rate {
                BLAS.gemm(a.matrix(rows: m, cols: k), b.matrix(rows: k, cols: n), into: c.matrix(rows: m, cols: n))
            }
            let flops = 2.0 * Double(m * n * k)
            byShape.append(ShapeRate(shape: "m\(m) n\(n) k\(k)", gflops: flops * callsPerSecond / 1e9))
            totalFLOPs += flops
            totalSeconds += 1 / callsPerSecond
        }
        return (totalFLOPs / totalSeconds / 1e9, byShape)
    }

    func measureTraining(name: String, kind: MethodKind, ceiling: Double) -> Phase {
        var rng = SeededRNG(seed: 0, stream: .initialisation)
        let parameters = Parameters(shape: shape)
        parameters.initialise(rng: &rng)
        let method = kind.make(shape: shape, batchCapacity: batch, settings: MethodSettings(), rng: &rng)
        let network = Network(shape: shape, parameters: parameters, method: method, batchCapacity: batch)
        // 1,024 random images: the batch is gathered from them every step, as in training.
        let count = 1024
        var pixels = [Float](repeating: 0, count: count * shape.input)
        for i in pixels.indices { pixels[i] = rng.nextUnitFloat() }
        let labels = (0..<count).map { _ in UInt8(rng.nextIndex(below: 10)) }
        let data = Dataset(pixels: pixels, labels: labels, rows: 28, cols: 28)
        let order = rng.permutation(count: count)
        let slices = network.trainableSlices
        let optimiser = Adam(parameterCount: slices.reduce(0) { $0 + $1.values.count }, learningRate: 1e-4)
        var cursor = 0
        let stepsPerSecond = rate {
            network.load(data, indices: order[cursor..<(cursor + batch)])
            cursor = (cursor + batch) % count
            _ = Training.step(network, rows: batch, optimiser: optimiser, slices: slices)
        }
        let flopsPerStep = GEMMCount.trainingStep(shape: shape, rows: batch, method: method)
        let gflops = flopsPerStep * stepsPerSecond / 1e9
        return Phase(name: name, samplesPerSecond: stepsPerSecond * Double(batch), gflops: gflops,
                     efficiency: gflops / ceiling, gemmFLOPsPerSample: flopsPerStep / Double(batch))
    }

    func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
    }

    static func render(_ report: Report) -> String {
        var lines = [String]()
        lines.append(String(format: "sgemm ceiling (1 thread, the model's step shapes, N/N): %.1f GFLOP/s", report.sgemmGFLOPS))
        for rate in report.sgemmShapes {
            lines.append(String(format: "  %-18@ %7.1f GFLOP/s", rate.shape as NSString, rate.gflops))
        }
        lines.append("training at batch \(report.batchSize):")
        lines.append("  phase        samples/s   GFLOP/s  efficiency  GEMM MFLOP/sample")
        for p in report.phases {
            lines.append(String(format: "  %-10@ %11.0f %9.1f %11.2f %18.3f", p.name as NSString, p.samplesPerSecond,
                                p.gflops, p.efficiency, p.gemmFLOPsPerSample / 1e6))
        }
        lines.append(String(format: "peak RSS: %.1f MB", report.peakRSSMegabytes))
        return lines.joined(separator: "\n")
    }
}

/// `worker bench [--json] [--seconds S] [--repeats N]`.
enum BenchCommand {
    static let usage = """
        usage: worker bench [--json] [--seconds S] [--repeats N]

        Measures, with one BLAS thread: the single-thread sgemm rate at the model's GEMM
        shapes (the ceiling), then training throughput at batch 128 for the foundation step
        (full backprop) and each adaptation method, and each one's efficiency (its GEMM FLOP
        rate over the ceiling). Each figure is the median of N runs of S seconds
        (default 3 x 0.5 s). Also peak RSS.
        """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["seconds", "repeats"], flags: ["json", "help"])
        if options.has("help") {
            print(usage)
            return 0
        }
        let seconds = try options.double("seconds") ?? 0.5
        let repeats = try options.int("repeats") ?? 3
        guard seconds > 0, repeats > 0 else { throw CommandLineArguments.UsageError("--seconds and --repeats must be positive") }
        let report = Bench(measureSeconds: seconds, repeats: repeats).run()
        if options.has("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Bench.render(report))
        }
        return 0
    }
}
