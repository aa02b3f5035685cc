import Foundation

/// The JSON face of `SweepSpec`: optional keys with defaults, a value or a list for each
/// axis, unknown keys refused with a suggestion.
extension SweepSpec: Codable {
    enum Key: String, CodingKey, CaseIterable {
        case seeds, methods, dataset, data, angles
        case foundationEpochs = "foundation_epochs"
        case adaptEpochs = "adapt_epochs"
        case batchSize = "batch_size"
        case hidden, lr
        case taugateLambda = "taugate_lambda"
        case taugateS = "taugate_s"
        case loraRank = "lora_rank"
        case loraAlpha = "lora_alpha"
    }

    /// Largest `"seeds": N` count accepted, so a typo cannot allocate without bound.
    public static let maxSeedCount = 100_000

    /// Every key a sweep file may use.
    public static var knownKeys: [String] { Key.allCases.map(\.rawValue) }

    /// Decodes the file format described on the type.
    public init(from decoder: any Decoder) throws {
        self.init()
        // 1. Refuse unknown keys before anything else.
        let any = try decoder.container(keyedBy: AnyKey.self)
        let unknown = any.allKeys.map(\.stringValue).filter { Key(rawValue: $0) == nil }.sorted()
        if !unknown.isEmpty {
            var suggestions: [String: String] = [:]
            for key in unknown { suggestions[key] = Self.closestKnownKey(to: key) }
            throw SweepSpecError.unknownKeys(unknown, suggestions: suggestions, known: Self.knownKeys)
        }
        let c = try decoder.container(keyedBy: Key.self)

        // 2. Seeds: a count or a list.
        if c.contains(.seeds) {
            if let count = try? c.decode(Int.self, forKey: .seeds) {
                guard count >= 0, count <= Self.maxSeedCount else {
                    throw SweepSpecError.invalidJSON(
                        path: nil, reason: "'seeds' count must be 0...\(Self.maxSeedCount), got \(count)")
                }
                seeds = (0..<UInt64(count)).map { $0 }
            } else {
                seeds = try c.decode([UInt64].self, forKey: .seeds)
            }
        }

        // 3. Methods, refused by name if unknown.
        if let names = try Self.oneOrMany(String.self, c, .methods) {
            methods = try names.map { name in
                guard let method = MethodName(rawValue: name) else {
                    throw SweepSpecError.unknownMethod(name, known: MethodName.allCases.map(\.rawValue))
                }
                return method
            }
        }

        // 4. Data: a named dataset, directories, or both; the default only when neither.
        let names = try Self.oneOrMany(String.self, c, .dataset)
        let directories = try Self.oneOrMany(String.self, c, .data)
        if names != nil || directories != nil {
            datasets = names ?? []
            dataDirectories = directories ?? []
        }

        // 5. Numeric axes.
        angles = try Self.oneOrMany(Double.self, c, .angles) ?? angles
        foundationEpochs = try Self.oneOrMany(Int.self, c, .foundationEpochs) ?? foundationEpochs
        adaptationEpochs = try Self.oneOrMany(Int.self, c, .adaptEpochs) ?? adaptationEpochs
        batchSizes = try Self.oneOrMany(Int.self, c, .batchSize) ?? batchSizes
        hiddenWidths = try Self.oneOrMany(Int.self, c, .hidden) ?? hiddenWidths
        tauLambdas = try Self.oneOrMany(Double.self, c, .taugateLambda) ?? tauLambdas
        tauSharpnesses = try Self.oneOrMany(Double.self, c, .taugateS) ?? tauSharpnesses
        loraRanks = try Self.oneOrMany(Int.self, c, .loraRank) ?? loraRanks
        loraAlphas = try Self.oneOrMany(Double.self, c, .loraAlpha) ?? loraAlphas

        // 6. Learning rates override the defaults key by key; `validate()` checks the keys.
        if c.contains(.lr) {
            let rates = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .lr)
            for key in rates.allKeys {
                if let one = try? rates.decode(Double.self, forKey: key) {
                    learningRates[key.stringValue] = [one]
                } else {
                    learningRates[key.stringValue] = try rates.decode([Double].self, forKey: key)
                }
            }
        }
    }

    /// Writes every key, each axis as a list, seeds as an explicit list.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(seeds, forKey: .seeds)
        try c.encode(methods, forKey: .methods)
        try c.encode(datasets, forKey: .dataset)
        try c.encode(dataDirectories, forKey: .data)
        try c.encode(angles, forKey: .angles)
        try c.encode(foundationEpochs, forKey: .foundationEpochs)
        try c.encode(adaptationEpochs, forKey: .adaptEpochs)
        try c.encode(batchSizes, forKey: .batchSize)
        try c.encode(hiddenWidths, forKey: .hidden)
        try c.encode(learningRates, forKey: .lr)
        try c.encode(tauLambdas, forKey: .taugateLambda)
        try c.encode(tauSharpnesses, forKey: .taugateS)
        try c.encode(loraRanks, forKey: .loraRank)
        try c.encode(loraAlphas, forKey: .loraAlpha)
    }

    /// A single value or a list of them; nil when the key is absent.
    private static func oneOrMany<T: Decodable>(
        _ type: T.Type, _ c: KeyedDecodingContainer<Key>, _ key: Key
    ) throws -> [T]? {
        guard c.contains(key) else { return nil }
        if let one = try? c.decode(T.self, forKey: key) { return [one] }
        return try c.decode([T].self, forKey: key)
    }

    /// The known key nearest to a typo (edit distance at most 3), if any.
    static func closestKnownKey(to key: String) -> String? {
        let scored = knownKeys.map { ($0, editDistance(key.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
        return best.0
    }

    /// Levenshtein distance, for suggestions only.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A coding key for any string, to list a container's keys.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
