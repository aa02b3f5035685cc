import Foundation

/// A tiny HTTP/1.0 server for tests, on 127.0.0.1 and an ephemeral port only: one
/// background thread accepts, reads a request head, answers from a fixed table of
/// paths (404 otherwise) and closes. It counts what it was asked for, so tests can
/// check that a call made no request at all.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// A canned answer.
    struct Response: Sendable {
        var status: Int
        var body: Data
        static func ok(_ body: Data) -> Response { Response(status: 200, body: body) }
    }

    /// `http://127.0.0.1:PORT/`.
    let baseURL: URL
    private let listener: Int32
    private let log = RequestLog()
    private let finished = DispatchSemaphore(value: 0)

    /// What the serving thread shares with the tests. The thread holds this, not the
    /// server, so dropping the server runs `deinit`, which stops the thread.
    private final class RequestLog: @unchecked Sendable {
        let lock = NSLock()
        var paths: [String] = []
        var stopping = false
    }

    /// Starts serving `routes` (absolute paths such as `/m1/file.gz`).
    init(routes: [String: Response]) throws {
        LoopbackHTTPServer.keepLoopbackOffProxies()
        let (fd, port) = try LoopbackSocket.bound()
        guard listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw LoopbackSocket.Failure(call: "listen", errno: code)
        }
        listener = fd
        baseURL = URL(string: "http://127.0.0.1:\(port)/")!
        let (log, finished) = (log, finished)
        let thread = Thread { Self.serve(listener: fd, routes: routes, log: log, finished: finished) }
        thread.start()
    }

    deinit { stop() }

    /// A mirror base URL under this server: `http://127.0.0.1:PORT/PREFIX/`.
    func mirror(_ prefix: String) -> URL { URL(string: "\(baseURL.absoluteString)\(prefix)/")! }

    /// Every request path received so far, in order.
    var requestedPaths: [String] { log.lock.withLock { log.paths } }

    /// Stops accepting and waits for the serving thread to end. Idempotent.
    func stop() {
        let first = log.lock.withLock { () -> Bool in
            defer { log.stopping = true }
            return !log.stopping
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))  // wakes the blocked accept
        finished.wait()
        close(listener)
    }

    private static func serve(listener: Int32, routes: [String: Response], log: RequestLog, finished: DispatchSemaphore) {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR && !log.lock.withLock({ log.stopping }) { continue }
                return
            }
            answer(connection, routes: routes, log: log)
            close(connection)
        }
    }

    private static func answer(_ connection: Int32, routes: [String: Response], log: RequestLog) {
        // Read the request head (we ignore any body).
        var head = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 65536, head.range(of: Data("\r\n\r\n".utf8)) == nil {
            let n = read(connection, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            head.append(contentsOf: buffer[0..<n])
        }
        let requestLine = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : ""
        log.lock.withLock { log.paths.append(path) }
        let response = routes[path] ?? Response(status: 404, body: Data("not found\n".utf8))
        let reason = response.status == 200 ? "OK" : response.status == 404 ? "Not Found" : "Status"
        var message = Data("HTTP/1.0 \(response.status) \(reason)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n".utf8)
        message.append(response.body)
        message.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = write(connection, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// libcurl (under URLSession) sends even loopback requests to `http_proxy` unless
    /// `no_proxy` exempts them; these tests must never leave the machine, so exempt them.
    private static func keepLoopbackOffProxies() {
        for variable in ["no_proxy", "NO_PROXY"] {
            let current = ProcessInfo.processInfo.environment[variable] ?? ""
            if !current.split(separator: ",").contains("127.0.0.1") {
                setenv(variable, current.isEmpty ? "127.0.0.1" : current + ",127.0.0.1", 1)
            }
        }
    }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks.
enum LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    }

    /// A bound socket and its port.
    static func bound() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let boundResult = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard boundResult == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "bind", errno: code)
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return (fd, UInt16(bigEndian: actual.sin_port))
    }
}

/// A loopback port that refuses connections: bound but never listening, so the kernel
/// answers a connect with RST for as long as this is alive (no race with other tests
/// taking a port that was merely closed).
final class RefusingPort: @unchecked Sendable {
    let baseURL: URL
    private let fd: Int32

    init() throws {
        let (fd, port) = try LoopbackSocket.bound()
        self.fd = fd
        baseURL = URL(string: "http://127.0.0.1:\(port)/mnist/")!
    }

    deinit { close(fd) }
}
