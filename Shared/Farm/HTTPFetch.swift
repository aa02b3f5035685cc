import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one place Farm speaks HTTP: a blocking GET of a whole (small) file through
/// URLSession, with timeouts, its failures turned into the reasons a person reads.
/// Bodies are held in memory; the largest file we fetch (MNIST's training images) is
/// under 10 MB. Proxies come from the usual `https_proxy`/`http_proxy`/`no_proxy`
/// variables, which libcurl (under FoundationNetworking) honours.
enum HTTPFetch {
    /// How long one file may take in all, however steadily its bytes arrive.
    static let wholeFileLimit: Duration = .seconds(600)

    /// Why a GET gave no body.
    struct Failure: Error, Equatable {
        var reason: MirrorFailureReason
    }

    /// The body of `url` when the server answers 200. `idleTimeout` bounds the connection
    /// and each wait for more bytes; `wholeFileLimit` bounds the transfer.
    static func get(_ url: URL, idleTimeout: Duration) -> Result<Data, Failure> {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = seconds(idleTimeout)
        configuration.timeoutIntervalForResource = max(seconds(idleTimeout), seconds(wholeFileLimit))
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: url) { data, response, error in
            outcome.set(interpret(data: data, response: response, error: error, idleTimeout: idleTimeout))
            done.signal()
        }
        task.resume()
        // URLSession calls back by the resource timeout; the margin only guards against
        // a callback that never comes, so this can never hang for good.
        let margin = seconds(wholeFileLimit) + 30
        if done.wait(timeout: .now() + margin) == .timedOut {
            task.cancel()
            return .failure(Failure(reason: .unreachable("no answer within \(Int(margin)) s")))
        }
        return outcome.get() ?? .failure(Failure(reason: .unreachable("no answer")))
    }

    private static func interpret(data: Data?, response: URLResponse?, error: (any Error)?, idleTimeout: Duration)
        -> Result<Data, Failure>
    {
        if let error {
            return .failure(Failure(reason: .unreachable(describe(error, idleTimeout: idleTimeout))))
        }
        guard let http = response as? HTTPURLResponse else {
            return .failure(Failure(reason: .unreachable("not an HTTP response")))
        }
        guard http.statusCode == 200 else { return .failure(Failure(reason: .httpStatus(http.statusCode))) }
        return .success(data ?? Data())
    }

    /// A short phrase for a URLSession error (URLError's own texts are generic on Linux).
    private static func describe(_ error: any Error, idleTimeout: Duration) -> String {
        let code = URLError.Code(rawValue: (error as NSError).code)
        switch code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "timed out (no data for \(Int(seconds(idleTimeout))) s, or over \(Int(seconds(wholeFileLimit))) s in all)"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .notConnectedToInternet: return "not connected to a network"
        case .networkConnectionLost: return "connection lost mid-transfer"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return "TLS handshake failed"
        case .httpTooManyRedirects, .redirectToNonExistentLocation: return "bad redirect"
        case .unsupportedURL: return "unsupported URL"
        default: return "network error \((error as NSError).code)"
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The callback's result, handed across threads.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<Data, Failure>?

        func set(_ result: Result<Data, Failure>) { lock.withLock { value = result } }
        func get() -> Result<Data, Failure>? { lock.withLock { value } }
    }
}
