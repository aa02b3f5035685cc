import Foundation
import Testing
import ZeroMQ

@Suite("CURVE keys")
struct CurveKeyTests {
    @Test("libzmq has CURVE; generated keys are 40 Z85 characters and the public half derives")
    func keyPairs() throws {
        #expect(CurveKeyPair.isCurveAvailable)
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.z85.count == 40)
        #expect(pair.secretKey.z85.count == 40)
        #expect(pair.publicKey.bytes.count == 32)
        #expect(pair.publicKey != pair.secretKey)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try CurveKeyPair.generate() != pair)
    }

    @Test("Z85 round trips bytes and matches the RFC 32 test vector")
    func z85RoundTrip() throws {
        // RFC 32's example: 8 bytes encode as "HelloWorld".
        let vector = Data([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
        #expect(try Z85.encode(vector) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == vector)

        let bytes = Data((0..<32).map { UInt8($0 * 7 & 0xFF) })
        let key = try CurveKey(bytes: bytes)
        #expect(try CurveKey(z85: key.z85) == key)
        #expect(try Z85.decode(try Z85.encode(bytes)) == bytes)
    }

    @Test("malformed Z85 and wrong key sizes are typed errors")
    func malformedKeys() {
        #expect(throws: CurveKeyError.self) { try Z85.encode(Data([1, 2, 3])) }
        #expect(throws: CurveKeyError.self) { try Z85.decode("abcd") }
        #expect(throws: CurveKeyError.self) { try Z85.decode("abc d") }
        #expect(throws: CurveKeyError.wrongKeyLength(bytes: 31)) {
            try CurveKey(bytes: Data(count: 31))
        }
        #expect(throws: CurveKeyError.self) { try CurveKey(z85: "HelloWorld") }
    }

    @Test("key files round trip; the secret is written 0600, the public 0644")
    func keyFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zmq-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secretPath = directory + "/worker.key_secret"
        let publicPath = directory + "/worker.key"

        let pair = try CurveKeyPair.generate()
        try pair.write(secretKeyFile: secretPath, publicKeyFile: publicPath)
        #expect(try mode(of: secretPath) == 0o600)
        #expect(try mode(of: publicPath) == 0o644)
        #expect(try CurveKeyPair.read(secretKeyFile: secretPath) == pair)
        #expect(try CurveKeyFile.read(kind: .publicKey, from: publicPath) == pair.publicKey)

        // Overwriting keeps the mode, even over a file that was world-readable.
        chmod(secretPath, 0o644)
        #expect(throws: CurveKeyError.insecureSecretKeyFile(path: secretPath, mode: "644")) {
            try CurveKeyPair.read(secretKeyFile: secretPath)
        }
        let other = try CurveKeyPair.generate()
        try CurveKeyFile.write(other.secretKey, kind: .secretKey, to: secretPath)
        #expect(try mode(of: secretPath) == 0o600)
        #expect(try CurveKeyPair.read(secretKeyFile: secretPath) == other)

        try "# two keys\n\(pair.publicKey.z85)\n\(other.publicKey.z85)\n"
            .write(toFile: publicPath, atomically: false, encoding: .utf8)
        #expect(throws: CurveKeyError.self) { try CurveKeyFile.read(kind: .publicKey, from: publicPath) }
        #expect(throws: CurveKeyError.self) {
            try CurveKeyFile.read(kind: .publicKey, from: directory + "/missing")
        }
    }

    private func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}

/// A CURVE ROUTER server guarded by a ZAP allow-list, in its own context.
private struct CurveServer {
    let context: Context
    let handler: ZAPHandler
    let keys: CurveKeyPair
    let router: Socket
    let monitor: Socket
    let endpoint: String

    init(allowed: [CurveKey: String], refusals: RefusalSignal? = nil) throws {
        context = try Context()
        keys = try CurveKeyPair.generate()
        // The handler is bound before the server socket binds.
        handler = try ZAPHandler(context: context, allowedKeys: allowed, onRefusal: refusals?.callback)
        router = try Socket(context, type: .router)
        try router.makeCurveServer(secretKey: keys.secretKey, zapDomain: "seedfarm")
        try router.set(.routerMandatory(true))
        monitor = try router.startMonitor(events: [
            .handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedProtocol,
            .handshakeFailedOther,
        ])
        try router.bind("tcp://127.0.0.1:*")
        endpoint = try router.lastEndpoint
    }

    /// A DEALER client in its own context (as a remote worker would be).
    func client(keys clientKeys: CurveKeyPair?, id: String) throws -> Socket {
        let socket = try Socket(try Context(), type: .dealer)
        try socket.set(.routingID(Data(id.utf8)))
        if let clientKeys {
            try socket.makeCurveClient(keyPair: clientKeys, serverKey: keys.publicKey)
        }
        try socket.connect(endpoint)
        return socket
    }
}

@Suite("CURVE with the ZAP handler")
struct ZAPHandlerTests {
    @Test("a listed client talks to the server; User-Id is what the handler set")
    func listedClientIsServed() throws {
        let clientKeys = try CurveKeyPair.generate()
        let server = try CurveServer(allowed: [clientKeys.publicKey: "worker-1"])
        let client = try server.client(keys: clientKeys, id: "w1")

        try client.send(frames: frames("hello"))
        let message = try expectMessage(server.router)
        #expect(message.frames == frames("w1", "hello"))
        #expect(message.userID == "worker-1")
        #expect(message.peerAddress == "127.0.0.1")

        try server.router.send(frames: frames("w1", "welcome"))
        #expect(try expectMessage(client).frames == frames("welcome"))
        #expect(server.handler.acceptedCount == 1)
        #expect(server.handler.drainRefusals().isEmpty)
    }

    @Test("with the default user id, User-Id is the client's Z85 public key")
    func defaultUserIDIsPublicKey() throws {
        let clientKeys = try CurveKeyPair.generate()
        let context = try Context()
        let serverKeys = try CurveKeyPair.generate()
        let handler = try ZAPHandler(context: context, allowing: [clientKeys.publicKey])
        defer { handler.stop() }
        let router = try Socket(context, type: .router)
        try router.makeCurveServer(secretKey: serverKeys.secretKey)
        try router.bind("tcp://127.0.0.1:*")

        let client = try Socket(try Context(), type: .dealer)
        try client.makeCurveClient(keyPair: clientKeys, serverKey: serverKeys.publicKey)
        try client.connect(try router.lastEndpoint)
        try client.send(frames: frames("hi"))
        #expect(try expectMessage(router).userID == clientKeys.publicKey.z85)
    }

    @Test("an unlisted key gets nothing through and the handler records the refusal")
    func unlistedClientIsRefused() throws {
        let listed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let signal = RefusalSignal()
        let server = try CurveServer(allowed: [listed.publicKey: "worker-1"], refusals: signal)
        let client = try server.client(keys: stranger, id: "intruder")
        try client.send(frames: frames("let me in"))

        #expect(signal.wait(), "the handler reported no refusal")
        let failure = try waitForEvent(
            [.handshakeFailedAuth, .handshakeSucceeded], on: server.monitor)
        #expect(failure?.event == .handshakeFailedAuth)
        #expect(failure?.value == 400)
        #expect(try waitForMessage(server.router, timeout: quietWindow) == nil)

        let refusals = server.handler.drainRefusals()
        #expect(!refusals.isEmpty)
        for refusal in refusals {
            #expect(refusal.clientKey == stranger.publicKey)
            #expect(refusal.mechanism == "CURVE")
            #expect(refusal.statusCode == "400")
            #expect(refusal.domain == "seedfarm")
            #expect(refusal.address == "127.0.0.1")
        }
        #expect(server.handler.acceptedCount == 0)
    }

    @Test("a client without CURVE gets nothing from a CURVE server")
    func plainClientGetsNothing() throws {
        let listed = try CurveKeyPair.generate()
        let server = try CurveServer(allowed: [listed.publicKey: "worker-1"])
        let client = try server.client(keys: nil, id: "plain")
        try client.send(frames: frames("hello?"))

        let failure = try waitForEvent(
            [.handshakeFailedProtocol, .handshakeFailedOther, .handshakeSucceeded],
            on: server.monitor)
        // libzmq 4.3.4 reports the NULL/CURVE mechanism mismatch as either kind, by timing.
        #expect(failure?.event == .handshakeFailedProtocol || failure?.event == .handshakeFailedOther)
        #expect(try waitForMessage(server.router, timeout: quietWindow) == nil)
        #expect(server.handler.acceptedCount == 0)
    }

    @Test("the NULL mechanism is refused when the handler is consulted (CURVE required)")
    func nullMechanismRefused() throws {
        let context = try Context()
        let signal = RefusalSignal()
        let handler = try ZAPHandler(context: context, allowing: [], onRefusal: signal.callback)
        defer { handler.stop() }
        let router = try Socket(context, type: .router)
        try router.set(.zapDomain("seedfarm"))  // makes a NULL server consult ZAP
        try router.bind("tcp://127.0.0.1:*")
        let client = try Socket(try Context(), type: .dealer)
        try client.connect(try router.lastEndpoint)
        try client.send(frames: frames("hello"))

        #expect(signal.wait(), "the handler reported no refusal")
        #expect(try waitForMessage(router, timeout: quietWindow) == nil)
        let refusal = handler.drainRefusals().first
        #expect(refusal?.mechanism == "NULL")
        #expect(refusal?.reason == "CURVE required")
        #expect(refusal?.clientKey == nil)
    }

    @Test("keys can be allowed and revoked while the handler runs")
    func allowAndRevoke() throws {
        let late = try CurveKeyPair.generate()
        let signal = RefusalSignal()
        let server = try CurveServer(allowed: [:], refusals: signal)
        server.handler.allow(late.publicKey, userID: "late")
        let client = try server.client(keys: late, id: "late")
        try client.send(frames: frames("now allowed"))
        #expect(try expectMessage(server.router).userID == "late")

        server.handler.revoke(late.publicKey)
        let again = try server.client(keys: late, id: "late-again")
        try again.send(frames: frames("revoked"))
        #expect(signal.wait(), "the revoked key was not refused")
        #expect(try waitForMessage(server.router, timeout: quietWindow) == nil)
    }

    @Test("one handler per context: a second one fails with EADDRINUSE")
    func oneHandlerPerContext() throws {
        let context = try Context()
        let first = try ZAPHandler(context: context, allowing: [])
        defer { first.stop() }
        do {
            _ = try ZAPHandler(context: context, allowing: [])
            Issue.record("a second handler bound the ZAP endpoint")
        } catch {
            #expect(error.errno == EADDRINUSE)
        }
    }

    @Test("the handler stops cleanly and the context then terminates")
    func stopsAndContextTerminates() {
        let outcome = runWithDeadline(.seconds(30)) {
            weak var weakContext: Context?
            weak var weakClientContext: Context?
            do {
                let clientKeys = try CurveKeyPair.generate()
                let server = try CurveServer(allowed: [clientKeys.publicKey: "worker-1"])
                weakContext = server.context
                let client = try server.client(keys: clientKeys, id: "w1")
                weakClientContext = client.context
                try client.send(frames: frames("hello"))
                guard try expectMessage(server.router).userID == "worker-1" else {
                    throw TestFailure("wrong user id")
                }
                server.handler.stop()
                server.handler.stop()  // idempotent
                // A second handler, never stopped explicitly: deinit stops it.
                _ = try ZAPHandler(context: try Context(), allowing: [])
            }
            if weakContext != nil { throw TestFailure("the server context was not released") }
            if weakClientContext != nil { throw TestFailure("the client context was not released") }
        }
        #expect(outcome == .finished)
    }
}
