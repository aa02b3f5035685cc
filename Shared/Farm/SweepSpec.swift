import Foundation

/// A sweep: the axes whose Cartesian product becomes the task graph (architecture.md,
/// "ZeroMQ and Farm"). Read from a JSON file in which every key is optional and every
/// axis may be a single value or a list:
///
/// ```json
/// { "seeds": 5,                 // a count N (seeds 0..N-1) or a list [0, 3, 7]
///   "methods": ["bitfit", "taugate"],
///   "dataset": "mnist-subset",  // catalogue name(s); or "data": "/path/to/idx" (or both)
///   "angles": [30, 45],
///   "foundation_epochs": 5, "adapt_epochs": 5, "batch_size": 128, "hidden": 128,
///   "lr": { "foundation": 1e-3, "lora": [1e-3, 1e-4] },
///   "taugate_lambda": 0.5, "taugate_s": 10, "lora_rank": 8, "lora_alpha": 16 }
/// ```
///
/// Missing keys take the defaults of experiment.md (5 seeds, all six methods,
/// `mnist`, angle 45, 5 and 5 epochs, batch 128, hidden 128, the per-method
/// learning rates of `defaultLearningRates`). Unknown keys are refused.
public struct SweepSpec: Equatable, Sendable {
    /// Seeds, one foundation per seed per foundation setting.
    public var seeds: [UInt64]
    /// Methods to adapt with.
    public var methods: [MethodName]
    /// Catalogue dataset names (`knownDatasets`).
    public var datasets: [String]
    /// IDX directories, each its own data source beside the catalogue names.
    public var dataDirectories: [String]
    /// Rotation angles theta, degrees.
    public var angles: [Double]
    /// Foundation training epochs.
    public var foundationEpochs: [Int]
    /// Adaptation epochs (`frozen` trains nothing and always gets 0).
    public var adaptationEpochs: [Int]
    /// Mini-batch sizes.
    public var batchSizes: [Int]
    /// Hidden widths H of the 784-H-H-10 MLP.
    public var hiddenWidths: [Int]
    /// Learning rates by method name, plus `"foundation"`; always holds every key of
    /// `learningRateKeys` (defaults filled in).
    public var learningRates: [String: [Double]]
    /// TauGate's sparsity weight lambda.
    public var tauLambdas: [Double]
    /// TauGate's gate sharpness s.
    public var tauSharpnesses: [Double]
    /// LoRA's rank r.
    public var loraRanks: [Int]
    /// LoRA's scale numerator alpha.
    public var loraAlphas: [Double]

    /// Catalogue names a worker can load (experiment.md, "Data").
    public static let knownDatasets = ["mnist", "mnist-subset", "fashion-mnist", "synthetic"]
    /// The dataset used when a spec names neither `dataset` nor `data`: the full MNIST,
    /// which the coordinator downloads once into the user cache when it is absent.
    public static let defaultDataset = "mnist"
    /// Default learning rates (experiment.md, "Methods" and "Model and training").
    public static let defaultLearningRates: [String: Double] = [
        "foundation": 1e-3, "bitfit": 1e-2, "taugate": 1e-2, "lora": 1e-3, "full": 1e-3, "ia3": 1e-2,
    ]
    /// Keys allowed in `lr`: `foundation` and every method that trains.
    public static let learningRateKeys = ["foundation"] + MethodName.allCases.filter { $0 != .frozen }.map(\.rawValue)

    /// A spec with every default: 5 seeds, all methods, `mnist-subset`, angle 45.
    public init() {
        seeds = Array(0..<5)
        methods = MethodName.allCases
        datasets = [Self.defaultDataset]
        dataDirectories = []
        angles = [45]
        foundationEpochs = [5]
        adaptationEpochs = [5]
        batchSizes = [128]
        hiddenWidths = [128]
        learningRates = Self.defaultLearningRates.mapValues { [$0] }
        tauLambdas = [0.5]
        tauSharpnesses = [10]
        loraRanks = [8]
        loraAlphas = [16]
    }

    // MARK: Reading

    /// Reads, decodes and validates a sweep file.
    public static func load(from url: URL) throws(SweepSpecError) -> SweepSpec {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates a sweep from JSON bytes; `path` only names the source in errors.
    public static func decode(_ data: Data, path: String? = nil) throws(SweepSpecError) -> SweepSpec {
        let spec: SweepSpec
        do {
            spec = try JSONDecoder().decode(SweepSpec.self, from: data)
        } catch let error as SweepSpecError {
            throw error
        } catch let error as DecodingError {
            throw .invalidJSON(path: path, reason: Self.describe(error))
        } catch {
            throw .invalidJSON(path: path, reason: String(describing: error))
        }
        try spec.validate()
        return spec
    }

    /// Parses a comma-separated method list as the CLI's `--methods` gives it.
    public static func parseMethods(_ list: String) throws(SweepSpecError) -> [MethodName] {
        var result: [MethodName] = []
        for part in list.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let method = MethodName(rawValue: name) else {
                throw .unknownMethod(name, known: MethodName.allCases.map(\.rawValue))
            }
            result.append(method)
        }
        return result
    }

    // MARK: Checking

    /// Throws the first fault found, naming the key.
    public func validate() throws(SweepSpecError) {
        try Self.check(axis: "seeds", seeds)
        try Self.check(axis: "methods", methods)
        if datasets.isEmpty && dataDirectories.isEmpty { throw .emptyAxis("dataset") }
        for name in datasets where !Self.knownDatasets.contains(name) {
            throw .unknownDataset(name, known: Self.knownDatasets)
        }
        try Self.check(axis: "dataset", datasets, allowEmpty: true)
        if dataDirectories.contains(where: \.isEmpty) { throw .emptyDataDirectory }
        try Self.check(axis: "data", dataDirectories, allowEmpty: true)
        try Self.checkFinite(axis: "angles", angles)
        try Self.check(axis: "angles", angles)
        try Self.checkPositive(axis: "foundation_epochs", foundationEpochs)
        try Self.checkPositive(axis: "adapt_epochs", adaptationEpochs)
        try Self.checkPositive(axis: "batch_size", batchSizes)
        try Self.checkPositive(axis: "hidden", hiddenWidths)
        for key in learningRates.keys.sorted() where !Self.learningRateKeys.contains(key) {
            throw .learningRateNotApplicable(key)
        }
        for key in Self.learningRateKeys {
            try Self.checkPositive(axis: "lr.\(key)", learningRates[key] ?? [])
        }
        try Self.checkPositive(axis: "taugate_lambda", tauLambdas, allowZero: true)
        try Self.checkPositive(axis: "taugate_s", tauSharpnesses)
        try Self.checkPositive(axis: "lora_rank", loraRanks)
        try Self.checkPositive(axis: "lora_alpha", loraAlphas)
    }

    private static func check<T: Hashable>(
        axis: String, _ values: [T], allowEmpty: Bool = false
    ) throws(SweepSpecError) {
        if values.isEmpty && !allowEmpty { throw .emptyAxis(axis) }
        var seen: Set<T> = []
        for value in values where !seen.insert(value).inserted {
            throw .duplicateValue(axis: axis, value: "\(value)")
        }
    }

    private static func checkFinite(axis: String, _ values: [Double]) throws(SweepSpecError) {
        if values.contains(where: { !$0.isFinite }) { throw .notFinite(key: axis) }
    }

    private static func checkPositive(axis: String, _ values: [Int]) throws(SweepSpecError) {
        try check(axis: axis, values)
        if let bad = values.first(where: { $0 <= 0 }) { throw .notPositive(key: axis, value: String(bad)) }
    }

    private static func checkPositive(axis: String, _ values: [Double], allowZero: Bool = false) throws(SweepSpecError) {
        try checkFinite(axis: axis, values)
        try check(axis: axis, values)
        if let bad = values.first(where: { allowZero ? $0 < 0 : $0 <= 0 }) {
            throw .notPositive(key: axis, value: String(bad))
        }
    }

    // MARK: Comparing

    /// The same sweep with every axis sorted (methods in table order), so two specs that
    /// expand to the same tasks compare equal however their files list them.
    public func normalised() -> SweepSpec {
        var copy = self
        copy.seeds.sort()
        copy.methods.sort()
        copy.datasets.sort()
        copy.dataDirectories.sort()
        copy.angles.sort()
        copy.foundationEpochs.sort()
        copy.adaptationEpochs.sort()
        copy.batchSizes.sort()
        copy.hiddenWidths.sort()
        copy.learningRates = learningRates.mapValues { $0.sorted() }
        copy.tauLambdas.sort()
        copy.tauSharpnesses.sort()
        copy.loraRanks.sort()
        copy.loraAlphas.sort()
        return copy
    }

    /// Whether `other` is the same sweep (equal once normalised): the resume check.
    public func sameSweep(as other: SweepSpec) -> Bool { normalised() == other.normalised() }

    /// The normalised spec as canonical, indented JSON: what `sweep.json` holds. Every
    /// key is written, defaults included, so the file documents the whole sweep.
    public func canonicalJSON() throws -> Data { try CanonicalJSON.encodePretty(normalised()) }

    // MARK: Expanding

    /// Every data source: catalogue names, then directories.
    public var dataSources: [DataSource] {
        datasets.map(DataSource.named) + dataDirectories.map(DataSource.directory)
    }

    /// One foundation per (data, angle, epochs, lr, batch, hidden, seed), seed outermost so
    /// that early results complete whole seeds first.
    public var foundations: [FoundationSettings] {
        var result: [FoundationSettings] = []
        for seed in seeds {
            for data in dataSources {
                for angle in angles {
                    for epochs in foundationEpochs {
                        for lr in learningRates["foundation"] ?? [] {
                            for batch in batchSizes {
                                for hidden in hiddenWidths {
                                    result.append(FoundationSettings(
                                        data: data, seed: seed, angleDegrees: angle, epochs: epochs,
                                        learningRate: lr, batchSize: batch, hidden: hidden))
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Every adaptation setting of `method`, with the settings it does not use nil
    /// (and `frozen`, which trains nothing, at 0 epochs), so unrelated axes never
    /// change a method's task ids.
    public func adaptations(of method: MethodName) -> [AdaptationSettings] {
        if method == .frozen { return [AdaptationSettings(method: .frozen, epochs: 0)] }
        var result: [AdaptationSettings] = []
        for epochs in adaptationEpochs {
            for lr in learningRates[method.rawValue] ?? [] {
                let base = AdaptationSettings(method: method, epochs: epochs, learningRate: lr)
                switch method {
                case .taugate:
                    for lambda in tauLambdas {
                        for s in tauSharpnesses {
                            var settings = base
                            settings.tauLambda = lambda
                            settings.tauSharpness = s
                            result.append(settings)
                        }
                    }
                case .lora:
                    for rank in loraRanks {
                        for alpha in loraAlphas {
                            var settings = base
                            settings.loraRank = rank
                            settings.loraAlpha = alpha
                            result.append(settings)
                        }
                    }
                case .frozen, .bitfit, .full, .ia3:
                    result.append(base)
                }
            }
        }
        return result
    }

    /// The task graph in a deterministic order: every foundation first, then for each
    /// foundation (same order) every method (table order) and its settings.
    public var tasks: [TaskSpec] {
        let foundations = self.foundations
        let methodSettings = methods.sorted().flatMap(adaptations(of:))
        var result = foundations.map(TaskSpec.init(foundation:))
        // Adapts that train before `frozen` ones, which only evaluate: the cheapest
        // tasks come last, where they fill the idle tail of a sweep's last round.
        for trains in [true, false] {
            for foundation in foundations {
                for adaptation in methodSettings where (adaptation.method != .frozen) == trains {
                    result.append(TaskSpec(foundation: foundation, adaptation: adaptation))
                }
            }
        }
        return result
    }

    // MARK: Decoding helpers

    /// "at seeds[1]: expected ..." from a `DecodingError`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let parts = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
            let joined = parts.joined()
            return joined.isEmpty ? "" : "at \(joined.hasPrefix(".") ? String(joined.dropFirst()) : joined): "
        }
        switch error {
        case let .typeMismatch(type, context):
            return "\(path(context))expected \(type): \(context.debugDescription)"
        case let .valueNotFound(type, context):
            return "\(path(context))missing \(type): \(context.debugDescription)"
        case let .keyNotFound(key, context):
            return "\(path(context))missing key '\(key.stringValue)'"
        case let .dataCorrupted(context):
            return "\(path(context))\(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}
