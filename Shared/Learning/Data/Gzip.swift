import CZlib

/// Whole-buffer gzip (RFC 1952) through zlib: the one Swift face of zlib in the package.
/// Nothing else imports CZlib. Decompression handles concatenated members (what `cat a.gz
/// b.gz` makes) and outputs of any size; compression exists so tests can write `.gz`
/// fixtures without a child process.
public enum Gzip {
    /// The first two bytes of every gzip member (RFC 1952, section 2.3.1).
    public static let magic: [UInt8] = [0x1F, 0x8B]

    /// zlib's windowBits for "gzip wrapper, 32 KiB window" (zlib.h, inflateInit2).
    private static let gzipWindowBits = 16 + MAX_WBITS

    /// zlib counts input and output in `uInt` (32 bits): buffers larger than this are fed
    /// to it in slices.
    private static let maxChunk = Int(UInt32.max)

    /// True when `bytes` begins with the gzip magic 1f 8b.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == magic[0] && bytes[1] == magic[1]
    }

    /// The decompressed contents of a whole gzip file: every member, concatenated.
    /// Throws `.notGzip` if the input does not start with 1f 8b, `.truncated` if it ends
    /// inside a member, `.corrupt` with zlib's message for bad data or a bad checksum, and
    /// `.trailingGarbage` for bytes after the last member that are not another member.
    public static func decompress(_ input: [UInt8]) throws(GzipError) -> [UInt8] {
        guard hasMagic(input) else { throw .notGzip(firstBytes: Array(input.prefix(2))) }

        var stream = z_stream()
        let initCode = inflateInit2_(
            &stream, gzipWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else {
            throw .zlib(operation: "inflateInit2", code: initCode, message: message(of: stream))
        }
        defer { inflateEnd(&stream) }

        // 1. Size the output from the trailer's ISIZE (length mod 2^32 of the last member):
        //    exact for the usual single small member, and only a hint otherwise.
        var output = [UInt8](repeating: 0, count: max(initialCapacity(for: input), 1024))
        var consumed = 0  // bytes of `input` zlib has taken
        var produced = 0  // bytes of `output` zlib has written

        // 2. Inflate, growing the output whenever it fills; at each member's end, go on if
        //    another member follows.
        while true {
            if produced == output.count {
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            let inChunk = min(input.count - consumed, maxChunk)
            let outChunk = min(output.count - produced, maxChunk)
            let code: Int32 = input.withUnsafeBufferPointer { src in
                output.withUnsafeMutableBufferPointer { dst in
                    // zlib does not keep these pointers between calls (it copies what it
                    // needs into its own window), so re-pointing after growth is safe.
                    stream.next_in = src.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                    stream.avail_in = UInt32(inChunk)
                    stream.next_out = dst.baseAddress.map { $0 + produced }
                    stream.avail_out = UInt32(outChunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
            }
            consumed += inChunk - Int(stream.avail_in)
            produced += outChunk - Int(stream.avail_out)

            switch code {
            case Z_STREAM_END:
                if consumed == input.count {
                    output.removeLast(output.count - produced)
                    return output
                }
                let rest = Array(input[consumed..<min(consumed + 2, input.count)])
                guard rest == magic else {
                    throw .trailingGarbage(offset: consumed, count: input.count - consumed)
                }
                inflateReset(&stream)
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == input.count:
                // No progress possible and no input left: the file stops inside a member.
                throw .truncated(inputBytes: input.count, outputBytes: produced)
            case Z_BUF_ERROR where produced == output.count:
                continue  // the output is full: grow it at the top of the loop
            default:
                throw .corrupt(code: code, message: message(of: stream), inputOffset: consumed)
            }
        }
    }

    /// `input` as one gzip member (zlib's default level). Used by tests to make `.gz`
    /// files; the data layer itself never writes.
    public static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION)
        throws(GzipError) -> [UInt8]
    {
        precondition(input.count <= maxChunk, "compress takes at most 4 GiB at once")
        var stream = z_stream()
        let initCode = deflateInit2_(
            &stream, level, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else {
            throw .zlib(operation: "deflateInit2", code: initCode, message: message(of: stream))
        }
        defer { deflateEnd(&stream) }

        // deflateBound after deflateInit2 includes the gzip header and trailer, so one call
        // with Z_FINISH always completes.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))))
        let outCapacity = output.count
        let code: Int32 = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(outCapacity)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard code == Z_STREAM_END else {
            throw .zlib(operation: "deflate", code: code, message: message(of: stream))
        }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// The ISIZE field of the last member (its uncompressed length mod 2^32), capped so
    /// that a corrupt trailer cannot make us allocate gigabytes up front.
    private static func initialCapacity(for input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 0 }  // 10-byte header + 8-byte trailer
        let n = input.count
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16
            | Int(input[n - 1]) << 24
        return min(isize, 1 << 30)
    }

    /// zlib's own explanation of the last failure, if it gave one.
    private static func message(of stream: z_stream) -> String? {
        stream.msg.map { String(cString: $0) }
    }
}

/// A gzip buffer zlib could not decode, with zlib's words where it has them.
public enum GzipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input does not begin with the gzip magic 1f 8b.
    case notGzip(firstBytes: [UInt8])
    /// The input ends inside a member: `inputBytes` read, `outputBytes` produced so far.
    case truncated(inputBytes: Int, outputBytes: Int)
    /// zlib rejected the data (Z_DATA_ERROR etc.) at or before `inputOffset`.
    case corrupt(code: Int32, message: String?, inputOffset: Int)
    /// `count` bytes after the last member, from `offset`, that are not another member.
    case trailingGarbage(offset: Int, count: Int)
    /// zlib failed outside decoding (initialisation, memory).
    case zlib(operation: String, code: Int32, message: String?)

    public var description: String {
        switch self {
        case .notGzip(let first):
            let found = first.map { hex($0) }.joined(separator: " ")
            return "not gzip: expected magic bytes 1f 8b, found \(found.isEmpty ? "an empty file" : found)"
        case .truncated(let inputBytes, let outputBytes):
            return "truncated gzip: the data ends inside a member after \(inputBytes) compressed bytes "
                + "(\(outputBytes) bytes decompressed so far)"
        case .corrupt(let code, let message, let offset):
            return "corrupt gzip: zlib error \(code) (\(message ?? "no message")) near compressed byte \(offset)"
        case .trailingGarbage(let offset, let count):
            return "corrupt gzip: \(count) bytes after the last member (from byte \(offset)) are not a gzip member"
        case .zlib(let operation, let code, let message):
            return "zlib \(operation) failed with code \(code) (\(message ?? "no message"))"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}
