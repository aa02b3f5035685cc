// CURVE keys: the 32-byte key type, key pairs from libzmq, and Z85 text encoding.
import CZMQ
import Foundation

/// A malformed key or key file.
public enum CurveKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Text that is not valid Z85 (wrong length or characters); `reason` says which.
    case invalidZ85(reason: String)
    /// Binary key material of the wrong size (CURVE keys are exactly 32 bytes).
    case wrongKeyLength(bytes: Int)
    /// A key file that does not hold exactly one 40-character key line.
    case malformedKeyFile(path: String, reason: String)
    /// A secret key file that others than its owner may read (mode shown in octal).
    case insecureSecretKeyFile(path: String, mode: String)
    /// A file system call failed: the call, the path, `errno` and `strerror` text.
    case fileSystem(operation: String, path: String, errno: Int32, message: String)
    /// A key file is already there and replacing it was not asked for.
    case fileExists(path: String)

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .invalidZ85(let reason): "invalid Z85 text: \(reason)"
        case .fileExists(let path): "\(path) exists; use --force to replace it"
        case .wrongKeyLength(let bytes): "a CURVE key is 32 bytes, not \(bytes)"
        case .malformedKeyFile(let path, let reason): "malformed key file \(path): \(reason)"
        case .insecureSecretKeyFile(let path, let mode):
            "secret key file \(path) has mode \(mode); run `chmod 600 \(path)`"
        case .fileSystem(let operation, let path, let errno, let message):
            "\(operation)(\(path)) failed: \(message) (errno \(errno))"
        }
    }
}

/// Z85 (ZeroMQ RFC 32) text encoding, as libzmq implements it.
public enum Z85 {
    /// Encodes `data`, whose length must be a multiple of 4, as `data.count * 5 / 4` characters.
    public static func encode(_ data: Data) throws(CurveKeyError) -> String {
        guard data.count % 4 == 0 else {
            throw .invalidZ85(reason: "Z85 encodes multiples of 4 bytes, not \(data.count)")
        }
        var text = [CChar](repeating: 0, count: data.count * 5 / 4 + 1)
        let ok = data.withUnsafeBytes { raw in
            zmq_z85_encode(&text, raw.bindMemory(to: UInt8.self).baseAddress, raw.count) != nil
        }
        // zmq_z85_encode fails only for a length not a multiple of 4, checked above.
        guard ok else { throw .invalidZ85(reason: "zmq_z85_encode refused \(data.count) bytes") }
        return String(nulTerminated: text)
    }

    /// Decodes Z85 text (length a multiple of 5, characters from the Z85 alphabet).
    public static func decode(_ text: String) throws(CurveKeyError) -> Data {
        let utf8 = Array(text.utf8)
        guard utf8.count % 5 == 0 else {
            throw .invalidZ85(reason: "Z85 text is a multiple of 5 characters, not \(utf8.count)")
        }
        guard utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidZ85(reason: "characters outside the Z85 alphabet")
        }
        var bytes = [UInt8](repeating: 0, count: utf8.count * 4 / 5)
        let ok = bytes.withUnsafeMutableBufferPointer { out in
            text.withCString { zmq_z85_decode(out.baseAddress, $0) != nil }
        }
        guard ok else { throw .invalidZ85(reason: "characters outside the Z85 alphabet") }
        return Data(bytes)
    }
}

/// A 32-byte CURVE key (public or secret); 40 characters as Z85.
public struct CurveKey: Hashable, Sendable {
    /// The 32 raw key bytes (what the ZAP handler receives as the client's credentials).
    public let bytes: Data

    /// The key's size in bytes.
    public static let byteCount = 32
    /// The key's size as Z85 text.
    public static let z85Count = 40

    /// Wraps 32 raw bytes.
    public init(bytes: Data) throws(CurveKeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongKeyLength(bytes: bytes.count) }
        self.bytes = Data(bytes)  // rebased copy: indices start at 0 even for a slice
    }

    /// Parses a 40-character Z85 key.
    public init(z85: String) throws(CurveKeyError) {
        guard z85.utf8.count == Self.z85Count else {
            throw .invalidZ85(reason: "a CURVE key is 40 Z85 characters, not \(z85.utf8.count)")
        }
        try self.init(bytes: try Z85.decode(z85))
    }

    /// The key as 40 Z85 characters (the form `zmq_curve_keypair` and key files use).
    public var z85: String {
        // 32 bytes always encode; the fallback is unreachable but keeps this non-throwing.
        (try? Z85.encode(bytes)) ?? ""
    }
}

/// A CURVE long-term key pair.
public struct CurveKeyPair: Hashable, Sendable {
    /// The public half, shared with peers.
    public let publicKey: CurveKey
    /// The secret half; keep it in a mode-0600 file.
    public let secretKey: CurveKey

    /// True when this libzmq was built with CURVE (`zmq_has("curve")`).
    public static var isCurveAvailable: Bool { zmq_has("curve") == 1 }

    /// A fresh random pair from `zmq_curve_keypair` (ENOTSUP without CURVE support).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        var secretText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        try ZMQ.mustSucceed("zmq_curve_keypair") { zmq_curve_keypair(&publicText, &secretText) }
        return try pair(publicText: publicText, secretText: secretText, operation: "zmq_curve_keypair")
    }

    /// The pair whose secret half is `secretKey`, deriving the public half
    /// (`zmq_curve_public`).
    public init(secretKey: CurveKey) throws(ZMQError) {
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        let secretText = Array(secretKey.z85.utf8CString)
        try ZMQ.mustSucceed("zmq_curve_public") { zmq_curve_public(&publicText, secretText) }
        self = try Self.pair(
            publicText: publicText, secretText: secretText, operation: "zmq_curve_public")
    }

    private init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private static func pair(
        publicText: [CChar], secretText: [CChar], operation: String
    ) throws(ZMQError) -> CurveKeyPair {
        let publicZ85 = String(nulTerminated: publicText)
        let secretZ85 = String(nulTerminated: secretText)
        do {
            return CurveKeyPair(
                publicKey: try CurveKey(z85: publicZ85), secretKey: try CurveKey(z85: secretZ85))
        } catch {
            // libzmq returned text that is not a key: report it as its failure.
            throw ZMQError(operation: operation, errno: EPROTO)
        }
    }
}

extension Socket {
    /// Makes this socket a CURVE server with `secretKey`. Bind after starting the
    /// `ZAPHandler` of this context, or any client key is accepted.
    /// `zapDomain` (passed to the handler) is optional: CURVE consults the handler anyway.
    public func makeCurveServer(secretKey: CurveKey, zapDomain: String? = nil) throws(ZMQError) {
        try set([.curveServer(true), .curveSecretKey(secretKey)])
        if let zapDomain { try set(.zapDomain(zapDomain)) }
    }

    /// Makes this socket a CURVE client of the server whose public key is `serverKey`.
    /// Call before `connect`.
    public func makeCurveClient(keyPair: CurveKeyPair, serverKey: CurveKey) throws(ZMQError) {
        try set([
            .curvePublicKey(keyPair.publicKey), .curveSecretKey(keyPair.secretKey),
            .curveServerKey(serverKey),
        ])
    }
}
