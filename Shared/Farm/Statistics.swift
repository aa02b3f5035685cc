import Foundation

/// Mean, sample standard deviation and count of one metric over seeds (experiment.md,
/// "The table"). With one value the std is undefined (n-1 = 0): it is nil and the cell
/// shows the mean alone; with none, both are nil and the cell is blank, never zero.
public struct Summary: Equatable, Sendable {
    /// The values, in seed order.
    public var values: [Double]
    /// The seed each value came from (same order), when known.
    public var seeds: [UInt64]

    /// A summary of `values` (from `seeds`, same order, when known).
    public init(values: [Double], seeds: [UInt64] = []) {
        self.values = values
        self.seeds = seeds
    }

    /// Number of values.
    public var n: Int { values.count }
    /// Arithmetic mean; nil when empty.
    public var mean: Double? { Statistics.mean(values) }
    /// Sample standard deviation (n-1); nil when fewer than two values.
    public var standardDeviation: Double? { Statistics.sampleStandardDeviation(values) }

    /// `"0.850 ± 0.071"`, `"0.850"` (one value) or `""` (none).
    public func formatted(decimals: Int = 3) -> String {
        guard let mean else { return "" }
        let m = Statistics.format(mean, decimals: decimals)
        guard let std = standardDeviation else { return m }
        return "\(m) ± \(Statistics.format(std, decimals: decimals))"
    }
}

/// The few statistics the tables need.
public enum Statistics {
    /// Mean; nil for no values.
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation, sqrt(sum (x - mean)^2 / (n - 1)), two-pass for
    /// accuracy; nil for fewer than two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// Fixed decimals, never "-0.000".
    public static func format(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    /// Shortest form of a setting value: `45`, `0.001`, `1e-05`.
    public static func shortest(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Seeds as ranges: [0,1,2,3,4] -> "0-4"; [0,1,3] -> "0,1,3"; [] -> "none".
    public static func seedRanges(_ seeds: [UInt64]) -> String {
        let sorted = Array(Set(seeds)).sorted()
        guard var start = sorted.first else { return "none" }
        var parts: [String] = []
        var previous = start
        let rest: [UInt64?] = sorted.dropFirst().map { Optional($0) } + [nil]
        for seed in rest {
            if let seed, seed == previous + 1 { previous = seed; continue }
            parts.append(previous >= start + 2 ? "\(start)-\(previous)" : (start == previous ? "\(start)" : "\(start),\(previous)"))
            if let seed { start = seed; previous = seed }
        }
        return parts.joined(separator: ",")
    }
}
