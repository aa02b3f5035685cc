// A hostile peer for the coordinator's endpoint, in raw TCP: the test target does not
// link ZeroMQ, and raw bytes can also break the transport itself (bad greetings,
// oversized frame headers), which a well-behaved ZeroMQ socket never would.
//
// ZMTP 3.0 (rfc.zeromq.org/spec/23) with the NULL mechanism, as far as a DEALER needs:
//   greeting  = 0xFF, 8 x 0x00, 0x7F, major 3, minor 0, "NULL" padded to 20 bytes,
//               as-server 0, 31 x 0x00                                        (64 bytes)
//   command   = flags 0x04 (|0x02 long), size (1 or 8 bytes, big-endian), body
//   READY     = 0x05 "READY" then properties: name-size (1), name, value-size (4 BE), value
//   frame     = flags (0x01 more, 0x02 long), size (1 or 8 bytes BE), body
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP connection with deadlines on reads and no SIGPIPE on writes.
final class RawConnection {
    private var fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            _ = Glibc.close(fd)
            throw HarnessError("connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Writes everything; false when the peer closed the connection (EPIPE, ECONNRESET).
    @discardableResult
    func write(_ bytes: [UInt8]) throws -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { return false }
                throw HarnessError("send failed: errno \(errno)")
            }
            offset += written
        }
        return true
    }

    /// Streams `count` copies of `byte` in 1 MiB chunks (so a test never holds a huge
    /// buffer); false when the peer closed the connection on the way.
    func writeRepeated(_ byte: UInt8, count: Int) throws -> Bool {
        let chunk = [UInt8](repeating: byte, count: 1 << 20)
        var left = count
        while left > 0 {
            let part = min(left, chunk.count)
            guard try write(Array(chunk[..<part])) else { return false }
            left -= part
        }
        return true
    }

    enum ReadOutcome: Equatable {
        case bytes([UInt8])
        case closed
        case timedOut
    }

    /// Exactly `count` bytes, or why not, within `timeout`.
    func read(_ count: Int, timeout: Duration) -> ReadOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var result: [UInt8] = []
        while result.count < count {
            let left = deadline - clock.now
            guard left > .zero else { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, left.timeInterval * 1000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return ready == 0 ? .timedOut : .closed }
            var buffer = [UInt8](repeating: 0, count: count - result.count)
            let received = recv(fd, &buffer, buffer.count, 0)
            if received < 0 && errno == EINTR { continue }
            if received <= 0 { return .closed }
            result += buffer[..<received]
        }
        return .bytes(result)
    }

    /// Reads until the peer closes the connection (anything received is discarded).
    func waitForClose(timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            switch read(1, timeout: deadline - clock.now) {
            case .closed: return true
            case .timedOut: return false
            case .bytes: continue
            }
        }
        return false
    }
}

enum ZMTP {
    static let signature: [UInt8] = [0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F]

    /// A 64-byte greeting offering `mechanism`.
    static func greeting(mechanism: String = "NULL") -> [UInt8] {
        var bytes = signature + [3, 0]
        let name = Array(mechanism.utf8.prefix(20))
        bytes += name + [UInt8](repeating: 0, count: 20 - name.count)
        bytes += [0] + [UInt8](repeating: 0, count: 31)
        return bytes
    }

    /// The size field of a frame or command, short or long.
    static func frameHeader(flags: UInt8, size: Int) -> [UInt8] {
        if size <= 255 { return [flags, UInt8(size)] }
        return [flags | 0x02] + withUnsafeBytes(of: UInt64(size).bigEndian, Array.init)
    }

    static func frame(_ body: [UInt8], more: Bool) -> [UInt8] {
        frameHeader(flags: more ? 0x01 : 0x00, size: body.count) + body
    }

    static func readyCommand(socketType: String) -> [UInt8] {
        let name = Array("Socket-Type".utf8)
        let value = Array(socketType.utf8)
        var body: [UInt8] = [5] + Array("READY".utf8)
        body += [UInt8(name.count)] + name
        body += withUnsafeBytes(of: UInt32(value.count).bigEndian, Array.init) + value
        return frameHeader(flags: 0x04, size: body.count) + body
    }

    /// A whole multipart message.
    static func message(_ frames: [Data]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, frame) in frames.enumerated() {
            bytes += Self.frame([UInt8](frame), more: index < frames.count - 1)
        }
        return bytes
    }
}

/// A DEALER peer spoken by hand: the handshake, then whole messages.
final class ZMTPDealer {
    let connection: RawConnection

    /// Connects and completes the NULL handshake, or throws saying where it stopped.
    init(port: UInt16, timeout: Duration = Deadlines.event) throws {
        connection = try RawConnection(port: port)
        try connection.write(ZMTP.greeting())
        guard case let .bytes(greeting) = connection.read(64, timeout: timeout) else {
            throw HarnessError("no ZMTP greeting from 127.0.0.1:\(port)")
        }
        guard greeting[0] == 0xFF, greeting[9] == 0x7F, greeting[10] >= 3 else {
            throw HarnessError("not a ZMTP 3 greeting: \(greeting.prefix(12))")
        }
        try connection.write(ZMTP.readyCommand(socketType: "DEALER"))
        guard let (isCommand, body) = try readFrame(timeout: timeout), isCommand, body.starts(with: [5] + Array("READY".utf8)) else {
            throw HarnessError("no READY command after the greeting")
        }
    }

    /// Sends frames as one message; false when the coordinator closed the connection.
    @discardableResult
    func send(_ frames: [Data]) throws -> Bool {
        try connection.write(ZMTP.message(frames))
    }

    /// The next message (commands skipped), or nil on timeout or close.
    func receive(timeout: Duration = Deadlines.event) throws -> [Data]? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var frames: [Data] = []
        while true {
            guard let (isCommand, body, more) = try readFrameWithMore(timeout: deadline - clock.now) else { return nil }
            if isCommand { continue }
            frames.append(Data(body))
            if !more { return frames }
        }
    }

    private func readFrame(timeout: Duration) throws -> (Bool, [UInt8])? {
        try readFrameWithMore(timeout: timeout).map { ($0.0, $0.1) }
    }

    private func readFrameWithMore(timeout: Duration) throws -> (Bool, [UInt8], Bool)? {
        guard case let .bytes(flagsByte) = connection.read(1, timeout: timeout) else { return nil }
        let flags = flagsByte[0]
        let size: Int
        if flags & 0x02 != 0 {
            guard case let .bytes(long) = connection.read(8, timeout: timeout) else { return nil }
            size = Int(long.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        } else {
            guard case let .bytes(short) = connection.read(1, timeout: timeout) else { return nil }
            size = Int(short[0])
        }
        guard size < 64 << 20 else { throw HarnessError("the coordinator announced a \(size)-byte frame") }
        if size == 0 { return (flags & 0x04 != 0, [], flags & 0x01 != 0) }
        guard case let .bytes(body) = connection.read(size, timeout: timeout) else { return nil }
        return (flags & 0x04 != 0, body, flags & 0x01 != 0)
    }
}

/// SplitMix64, so the random traffic is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
