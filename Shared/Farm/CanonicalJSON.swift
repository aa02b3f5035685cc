import Foundation

/// The one canonical JSON encoding Farm hashes and compares: keys sorted, no whitespace,
/// slashes unescaped. Numbers use Foundation's shortest round-trip form (`1e-3` is
/// written `0.001`, `45.0` is written `45`), which is deterministic for a given value,
/// so equal values always give equal bytes. Optional settings that are nil are omitted
/// (synthesised `Codable`), so adding a new optional setting later keeps old ids.
public enum CanonicalJSON {
    /// Canonical bytes of `value`.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Canonical, but indented for people (`sweep.json`); same key order.
    public static func encodePretty(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return try encoder.encode(value)
    }
}
