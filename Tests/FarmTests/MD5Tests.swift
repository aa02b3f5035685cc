import Foundation
import Testing
import Farm

@Suite struct MD5Tests {
    /// RFC 1321 appendix A.5, the test suite, verbatim.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func matchesRFC1321TestSuite(message: String, digest: String) {
        #expect(MD5.hex(message) == digest)
    }

    @Test func incrementalUpdatesEqualOneShotAcrossBlockBoundaries() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let oneShot = MD5.hex(Data(bytes))
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 299, 300] {
            var hasher = MD5()
            hasher.update(data: Data(bytes[..<split]))
            hasher.update(Array(bytes[split...]))
            #expect(SHA256.hexString(hasher.finalize()) == oneShot, "split at \(split)")
        }
    }

    @Test func finalizeLeavesTheHasherUsable() {
        var hasher = MD5()
        hasher.update(Array("mess".utf8))
        _ = hasher.finalize()
        hasher.update(Array("age digest".utf8))
        #expect(SHA256.hexString(hasher.finalize()) == "f96b697d7cb7938d525a2f31aaf161d0")
    }
}
