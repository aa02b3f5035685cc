import Foundation
import Learning
import Testing

@Suite("Gzip")
struct GzipTests {
    /// Bytes with some structure (so deflate has work to do) and every byte value.
    let sample: [UInt8] = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 300) }

    @Test("compress then decompress gives the bytes back exactly")
    func roundTrip() throws {
        let packed = try Gzip.compress(sample)
        #expect(Array(packed.prefix(2)) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(packed) == sample)
    }

    @Test("an empty payload round-trips")
    func emptyRoundTrip() throws {
        #expect(try Gzip.decompress(try Gzip.compress([])) == [])
    }

    @Test("concatenated members decompress to the concatenation")
    func multiMember() throws {
        let second: [UInt8] = Array("second member".utf8)
        let packed = try Gzip.compress(sample) + Gzip.compress(second)
        #expect(try Gzip.decompress(packed) == sample + second)
    }

    @Test("output much larger than the trailer's size hint still inflates (growth path)")
    func growsBeyondHint() throws {
        // The last member is tiny, so the ISIZE hint (from the last trailer) is far too small.
        let big = [UInt8](repeating: 42, count: 3_000_000)
        let packed = try Gzip.compress(big) + Gzip.compress([1])
        #expect(try Gzip.decompress(packed) == big + [1])
    }

    @Test("a file made by /usr/bin/gzip decompresses (independent encoder)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip"), "/usr/bin/gzip not installed"))
    func systemGzip() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(sample, to: "sample")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-9", path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let packed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
        #expect(try Gzip.decompress(packed) == sample)
    }

    @Test("input without the magic 1f 8b is not gzip")
    func notGzip() {
        let error = #expect(throws: GzipError.self) { try Gzip.decompress([0x00, 0x00, 0x08, 0x03]) }
        #expect(error == .notGzip(firstBytes: [0x00, 0x00]))
        #expect(error?.description.contains("1f 8b") == true)
    }

    @Test("a member cut short is truncated")
    func truncated() throws {
        let packed = try Gzip.compress(sample)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(Array(packed.dropLast(100))) }
        guard case .truncated(let inputBytes, _)? = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(inputBytes == packed.count - 100)
    }

    @Test("a damaged body or checksum is corrupt, with zlib's message")
    func corrupt() throws {
        var packed = try Gzip.compress(sample)
        packed[packed.count - 6] ^= 0xFF  // inside the CRC-32 of the trailer
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(packed) }
        guard case .corrupt(_, let message, _)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(message == "incorrect data check")
        #expect(error?.description.contains("incorrect data check") == true)
    }

    @Test("bytes after the last member that are not a member are an error")
    func trailingGarbage() throws {
        let packed = try Gzip.compress(sample)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(packed + [1, 2, 3]) }
        #expect(error == .trailingGarbage(offset: packed.count, count: 3))
    }
}
