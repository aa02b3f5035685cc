import Foundation

/// A small pure-Swift SHA-256 (FIPS 180-4). Foundation on Linux has no CryptoKit, and
/// Farm may import nothing else. Used for task ids, weight payload hashes and the
/// journal's line checksums. Not constant-time; we hash our own data, not secrets.
public struct SHA256: Sendable {
    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes not yet forming a full 64-byte block.
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    /// A fresh hasher.
    public init() {}

    /// Feeds more bytes into the hash.
    public mutating func update(_ data: some Sequence<UInt8>) {
        for byte in data {
            pending.append(byte)
            totalBytes &+= 1
            if pending.count == 64 {
                compress(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Feeds the contents of `data` (faster path than the generic sequence).
    public mutating func update(data: Data) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var index = 0
            // Top up the pending block first.
            while !pending.isEmpty && index < raw.count {
                pending.append(raw[index]); index += 1; totalBytes &+= 1
                if pending.count == 64 { compress(pending); pending.removeAll(keepingCapacity: true) }
            }
            var block = [UInt8](repeating: 0, count: 64)
            while raw.count - index >= 64 {
                for j in 0..<64 { block[j] = raw[index + j] }
                compress(block)
                index += 64; totalBytes &+= 64
            }
            while index < raw.count {
                pending.append(raw[index]); index += 1; totalBytes &+= 1
            }
        }
    }

    /// The 32-byte digest. Consumes a copy, so the hasher can keep being updated.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = totalBytes &* 8
        var tail: [UInt8] = [0x80]
        let afterMarker = (Int(totalBytes % 64) + 1) % 64
        let zeros = (56 - afterMarker + 64) % 64
        tail += [UInt8](repeating: 0, count: zeros)
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        for byte in tail {
            copy.pending.append(byte)
            if copy.pending.count == 64 { copy.compress(copy.pending); copy.pending.removeAll() }
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in copy.state {
            out += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return out
    }

    /// The digest of `data` as 64 lowercase hex characters.
    public static func hex(_ data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: data)
        return hexString(hasher.finalize())
    }

    /// The digest of the UTF-8 bytes of `string` as 64 lowercase hex characters.
    public static func hex(_ string: String) -> String { hex(Data(string.utf8)) }

    /// Lowercase hex of arbitrary bytes.
    public static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var chars: [UInt8] = []
        for byte in bytes {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// One 64-byte block (FIPS 180-4 section 6.2.2).
    private mutating func compress(_ block: [UInt8]) {
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for t in 0..<16 {
            w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16
                | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
        }
        for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ SHA256.roundConstants[t] &+ w[t]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }
}
