import Foundation

/// A small pure-Swift MD5 (RFC 1321). Used only to check downloaded files against the
/// digests their publishers give (MNIST's are MD5s); MD5 is broken for collisions, so
/// it says "this is the file the mirror meant to send", never anything about trust.
/// Foundation on Linux has no CryptoKit, and Farm may import nothing else.
public struct MD5: Sendable {
    // The chaining variables A, B, C, D (RFC 1321 section 3.3).
    private var a: UInt32 = 0x6745_2301
    private var b: UInt32 = 0xefcd_ab89
    private var c: UInt32 = 0x98ba_dcfe
    private var d: UInt32 = 0x1032_5476
    /// Bytes not yet forming a full 64-byte block (fewer than 64).
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    /// A fresh hasher.
    public init() {}

    /// Feeds more bytes into the hash.
    public mutating func update(data: Data) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in update(raw) }
    }

    /// Feeds more bytes into the hash.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in update(raw) }
    }

    /// The 16-byte digest. Works on a copy, so the hasher can keep being updated.
    public func finalize() -> [UInt8] {
        var copy = self
        // Section 3.1-3.2: a 1 bit, zeros to 56 mod 64 bytes, the bit length little-endian.
        let bitLength = totalBytes &* 8
        let afterMarker = (Int(totalBytes % 64) + 1) % 64
        var tail: [UInt8] = [0x80] + [UInt8](repeating: 0, count: (56 - afterMarker + 64) % 64)
        for shift in stride(from: 0, through: 56, by: 8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        copy.update(tail)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for word in [copy.a, copy.b, copy.c, copy.d] {
            for shift in stride(from: 0, through: 24, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return out
    }

    /// The digest of `data` as 32 lowercase hex characters.
    public static func hex(_ data: Data) -> String {
        var hasher = MD5()
        hasher.update(data: data)
        return SHA256.hexString(hasher.finalize())
    }

    /// The digest of the UTF-8 bytes of `string` as 32 lowercase hex characters.
    public static func hex(_ string: String) -> String { hex(Data(string.utf8)) }

    private mutating func update(_ raw: UnsafeRawBufferPointer) {
        var index = 0
        totalBytes &+= UInt64(raw.count)
        // Top up a partial block first.
        if !pending.isEmpty {
            while pending.count < 64 && index < raw.count { pending.append(raw[index]); index += 1 }
            if pending.count == 64 {
                pending.withUnsafeBytes { compress(UnsafeRawBufferPointer(rebasing: $0[0..<64])) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while raw.count - index >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: raw[index..<(index + 64)]))
            index += 64
        }
        while index < raw.count { pending.append(raw[index]); index += 1 }
    }

    /// floor(abs(sin(i + 1)) * 2^32), the table T of RFC 1321 section 3.4.
    private static let sines: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    /// The left-rotation amounts of each step, four per round.
    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

    /// One 64-byte block: the four rounds of RFC 1321 section 3.4.
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        var x = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                 UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &x) { words in
            for i in 0..<16 {
                words.storeBytes(of: UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)),
                                 toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        var aa = a, bb = b, cc = c, dd = d
        withUnsafeBytes(of: &x) { words in
            for i in 0..<64 {
                let f: UInt32
                let g: Int
                switch i >> 4 {
                case 0: f = (bb & cc) | (~bb & dd); g = i
                case 1: f = (dd & bb) | (~dd & cc); g = (5 * i + 1) & 15
                case 2: f = bb ^ cc ^ dd; g = (3 * i + 5) & 15
                default: f = cc ^ (bb | ~dd); g = (7 * i) & 15
                }
                let sum = aa &+ f &+ MD5.sines[i] &+ words.load(fromByteOffset: 4 * g, as: UInt32.self)
                let s = MD5.shifts[(i >> 4) << 2 | (i & 3)]
                aa = dd; dd = cc; cc = bb
                bb = bb &+ (sum << s | sum >> (32 - s))
            }
        }
        a &+= aa; b &+= bb; c &+= cc; d &+= dd
    }
}
