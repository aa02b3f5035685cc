import Foundation

/// The one canonical JSON encoding Farm hashes and compares: keys sorted, no whitespace,
/// slashes unescaped. Numbers use Foundation's shortest round-trip form (`1e-3` is
/// written `0.001`, `45.0` is written `45`), which is deterministic for a given value,
/// so equal values always give equal bytes. NaN and infinities (a diverged loss) are
/// written as the strings "nan", "inf", "-inf" rather than failing. Optional settings that are nil are omitted
/// (synthesised `Codable`), so adding a new optional setting later keeps old ids.
public enum CanonicalJSON {
    /// Canonical bytes of `value`.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = nonConforming
        return try encoder.encode(value)
    }

    /// Decodes what `encode` wrote (accepting the non-finite spellings).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }

    private static let nonConforming = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// Canonical, but indented for people (`sweep.json`); same key order.
    public static func encodePretty(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = nonConforming
        return try encoder.encode(value)
    }
}
