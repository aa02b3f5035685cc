import Foundation

/// Foundation weights on the wire and on disk: raw float32, little-endian, no header.
/// The byte order is explicit so a cluster that mixed architectures would still agree.
public enum WeightsPayload {
    /// Little-endian bytes of `weights` (4 per value).
    public static func data(from weights: [Float]) -> Data {
        var data = Data(capacity: weights.count * 4)
        for value in weights {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The floats in `data`; throws if its length is not a multiple of 4.
    public static func floats(from data: Data) throws(WireError) -> [Float] {
        guard data.count % 4 == 0 else { throw .payloadSizeMismatch(expectedBytes: data.count / 4 * 4 + 4, actualBytes: data.count) }
        var result = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for i in 0..<result.count {
                var bits: UInt32 = 0
                for j in 0..<4 { bits |= UInt32(raw[4 * i + j]) << (8 * UInt32(j)) }
                result[i] = Float(bitPattern: bits)
            }
        }
        return result
    }

    /// Hex SHA-256 of the payload bytes: the name weights are cached and stored under.
    public static func sha256(_ data: Data) -> String { SHA256.hex(data) }

    /// Whether `text` looks like a hex SHA-256 (64 lowercase hex digits), so it is safe to
    /// use as a file name.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
