// A ZAP (ZeroMQ RFC 27) allow-list authenticator for CURVE servers. Without a handler
// bound at inproc://zeromq.zap.01 in the server's context, a CURVE server encrypts but
// accepts any client key; with this one, only listed client public keys get in.
import CZMQ
import Dispatch
import Foundation

/// A refused ZAP request: who asked, how, and why they were turned away.
public struct ZAPRefusal: Sendable, Equatable {
    /// The ZAP domain of the server socket (`SocketOption.zapDomain`).
    public let domain: String
    /// The client's address as libzmq reports it (an IP for TCP, empty for inproc).
    public let address: String
    /// The security mechanism the client used: `"CURVE"`, `"NULL"`, `"PLAIN"`, ...
    public let mechanism: String
    /// The client's long-term public key, for CURVE requests.
    public let clientKey: CurveKey?
    /// The ZAP status code sent back (`"400"`).
    public let statusCode: String
    /// Why: the status text sent back.
    public let reason: String
}

/// Answers ZAP requests of one `Context` on its own thread: a CURVE client whose 32-byte
/// public key is on the allow-list gets "200" and its user id (readable as
/// `ReceivedMessage.userID` on every message it sends); every other request (unlisted key,
/// NULL or PLAIN mechanism, a malformed request) gets "400" and is recorded as a refusal.
///
/// Create it before the CURVE server socket binds (`init` returns once the handler is bound
/// at `inproc://zeromq.zap.01`). Its sockets are created, used and closed on its thread
/// only. `stop()` (or `deinit`) signals the thread over an `inproc://` PAIR and joins it,
/// after which the context can terminate. One handler per context (a second bind fails
/// with `EADDRINUSE`).
public final class ZAPHandler: @unchecked Sendable {
    /// Where libzmq looks for the ZAP handler of a context (RFC 27).
    public static let endpoint = "inproc://zeromq.zap.01"

    private let state: ZAPState
    private let stopLock = NSLock()
    // Guarded by stopLock.
    private var control: Socket?
    private var thread: pthread_t?

    /// Starts a handler in `context` allowing `allowedKeys`, each mapped to the user id the
    /// server will see for it. `onRefusal` runs on the handler's thread for each refusal
    /// (keep it short); refusals are also kept for `drainRefusals()`.
    public init(
        context: Context, allowedKeys: [CurveKey: String],
        onRefusal: (@Sendable (ZAPRefusal) -> Void)? = nil
    ) throws(ZMQError) {
        state = ZAPState(allowedKeys: allowedKeys, onRefusal: onRefusal)
        // 1. The owner's end of the stop channel; the thread connects to it.
        let controlEndpoint = "inproc://seedfarm.zap.control.\(UUID().uuidString)"
        let control = try Socket(context, type: .pair)
        try control.bind(controlEndpoint)
        // 2. The thread binds the ZAP endpoint and reports before serving.
        let runner = ZAPRunner(context: context, controlEndpoint: controlEndpoint, state: state)
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<ZAPRunner>.fromOpaque(argument).takeRetainedValue().run()
                return nil
            }, Unmanaged.passRetained(runner).toOpaque())
        guard started == 0 else {
            control.close()
            throw ZMQError(operation: "pthread_create(ZAP handler)", errno: started)
        }
        runner.ready.wait()
        if let error = runner.startupError {
            pthread_join(thread, nil)
            control.close()
            throw error
        }
        self.control = control
        self.thread = thread
    }

    /// Starts a handler allowing `keys`; each client's user id is its public key in Z85.
    public convenience init(
        context: Context, allowing keys: [CurveKey],
        onRefusal: (@Sendable (ZAPRefusal) -> Void)? = nil
    ) throws(ZMQError) {
        try self.init(
            context: context,
            allowedKeys: Dictionary(keys.map { ($0, $0.z85) }, uniquingKeysWith: { first, _ in first }),
            onRefusal: onRefusal)
    }

    deinit { stop() }

    /// Adds (or renames) an allowed client key; applies to handshakes from now on.
    public func allow(_ key: CurveKey, userID: String? = nil) {
        state.withLock { $0.allowedKeys[key] = userID ?? key.z85 }
    }

    /// Removes a client key; existing connections stay up, new handshakes are refused.
    public func revoke(_ key: CurveKey) {
        state.withLock { _ = $0.allowedKeys.removeValue(forKey: key) }
    }

    /// Returns and forgets the refusals recorded so far (oldest first). At most
    /// `maxKeptRefusals` are kept; older ones are counted in `droppedRefusalCount`.
    public func drainRefusals() -> [ZAPRefusal] {
        state.withLock { values in
            defer { values.refusals.removeAll() }
            return values.refusals
        }
    }

    /// How many refusals were not kept because `maxKeptRefusals` were already waiting.
    public var droppedRefusalCount: Int { state.withLock { $0.droppedRefusals } }
    /// How many requests got "200".
    public var acceptedCount: Int { state.withLock { $0.accepted } }
    /// The last error the handler thread hit (it keeps serving unless it was ETERM).
    public var lastError: ZMQError? { state.withLock { $0.lastError } }
    /// The most refusals kept between drains (a flood of hostile handshakes cannot grow
    /// memory without bound).
    public static let maxKeptRefusals = 1000

    /// Stops the handler thread and waits for it to finish; idempotent. Afterwards CURVE
    /// handshakes in this context fail (no handler answers), and the context can terminate.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard let thread, let control else { return }
        self.thread = nil
        self.control = nil
        // If the context was shut down the send fails, but then the thread's poll fails
        // with ETERM too and it exits on its own.
        _ = try? control.send(frames: [Data("STOP".utf8)], dontWait: true)
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)  // stop() from onRefusal: the thread ends after returning
        } else {
            pthread_join(thread, nil)
        }
        control.close()
    }
}

/// The handler's shared, lock-protected state.
final class ZAPState: @unchecked Sendable {
    struct Values {
        var allowedKeys: [CurveKey: String]
        var refusals: [ZAPRefusal] = []
        var droppedRefusals = 0
        var accepted = 0
        var lastError: ZMQError?
    }

    private let lock = NSLock()
    private var values: Values
    let onRefusal: (@Sendable (ZAPRefusal) -> Void)?

    init(allowedKeys: [CurveKey: String], onRefusal: (@Sendable (ZAPRefusal) -> Void)?) {
        values = Values(allowedKeys: allowedKeys)
        self.onRefusal = onRefusal
    }

    func withLock<T>(_ body: (inout Values) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&values)
    }

    /// The reply frames (after the envelope) for one request (frames after the envelope).
    func reply(to request: [Data]) -> [Data] {
        // RFC 27 request: version, request id, domain, address, identity, mechanism,
        // credentials...
        let text = { (index: Int) in
            index < request.count ? String(decoding: request[index], as: UTF8.self) : ""
        }
        let requestID = request.count > 1 ? request[1] : Data()
        let mechanism = text(5)
        var clientKey: CurveKey?
        let refusal: String?
        var userID = ""
        if request.count < 6 || text(0) != "1.0" {
            refusal = "malformed ZAP request"
        } else if mechanism != "CURVE" {
            refusal = "CURVE required"
        } else if request.count != 7 {
            refusal = "malformed CURVE credentials"
        } else if let key = try? CurveKey(bytes: request[6]) {
            clientKey = key
            if let allowedID = withLock({ $0.allowedKeys[key] }) {
                userID = allowedID
                refusal = nil
            } else {
                refusal = "client key not allowed"
            }
        } else {
            refusal = "malformed CURVE credentials"
        }

        guard let refusal else {
            withLock { $0.accepted += 1 }
            return [Data("1.0".utf8), requestID, Data("200".utf8), Data("OK".utf8), Data(userID.utf8), Data()]
        }
        let record = ZAPRefusal(
            domain: text(2), address: text(3), mechanism: mechanism, clientKey: clientKey,
            statusCode: "400", reason: refusal)
        withLock { values in
            if values.refusals.count < ZAPHandler.maxKeptRefusals {
                values.refusals.append(record)
            } else {
                values.droppedRefusals += 1
            }
        }
        onRefusal?(record)
        return [Data("1.0".utf8), requestID, Data("400".utf8), Data(refusal.utf8), Data(), Data()]
    }
}

/// The handler thread's body. Its sockets exist only on that thread.
final class ZAPRunner: @unchecked Sendable {
    let context: Context
    let controlEndpoint: String
    let state: ZAPState
    /// Signalled once the ZAP endpoint is bound (or binding failed: `startupError`).
    let ready = DispatchSemaphore(value: 0)
    /// Written before `ready` is signalled, read after waiting on it.
    var startupError: ZMQError?

    init(context: Context, controlEndpoint: String, state: ZAPState) {
        self.context = context
        self.controlEndpoint = controlEndpoint
        self.state = state
    }

    func run() {
        let zap: Socket
        let control: Socket
        do {
            // ROUTER, not REP: no send/receive state machine to wedge on an odd request.
            zap = try Socket(context, type: .router)
            zap.maxFramesPerMessage = 16  // envelope (2) + 6 fields + credentials
            try zap.bind(ZAPHandler.endpoint)
            control = try Socket(context, type: .pair)
            try control.connect(controlEndpoint)
        } catch {
            startupError = error
            ready.signal()
            return
        }
        ready.signal()
        defer {
            zap.close()
            control.close()
        }

        let poller = Poller([zap, control])
        while true {
            do {
                let readable = try poller.poll(timeout: nil)
                if readable.contains(control) { return }
                guard readable.contains(zap), let request = try zap.receive(dontWait: true)
                else { continue }
                // Envelope: the requester's routing id, then an empty delimiter frame.
                guard request.frames.count >= 2, request.frames[1].isEmpty else {
                    continue  // not from libzmq's ZAP client: nothing sensible to answer
                }
                let reply = state.reply(to: Array(request.frames.dropFirst(2)))
                try zap.send(frames: Array(request.frames.prefix(2)) + reply, dontWait: true)
            } catch {
                state.withLock { $0.lastError = error }
                if error.isContextTerminated { return }
            }
        }
    }
}
