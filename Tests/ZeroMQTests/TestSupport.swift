// Waiting helpers for the ZeroMQ tests: every wait is a zmq_poll with a deadline, never a
// sleep, and every hang check runs the code on a thread with a deadline.
import Foundation
import Testing
import ZeroMQ

/// A failure raised inside a helper, with a message the test report shows.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Generous for loaded CI machines (2 shared cores).
let eventTimeout: Duration = .seconds(10)
/// How long "nothing arrives" is watched for.
let quietWindow: Duration = .milliseconds(400)

/// Polls `socket` until a message arrives or `timeout` passes.
func waitForMessage(_ socket: Socket, timeout: Duration = eventTimeout) throws -> ReceivedMessage? {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        let ready = try Poller([socket]).poll(timeout: deadline - clock.now)
        if ready.contains(socket), let message = try socket.receive(dontWait: true) {
            return message
        }
    }
    return nil
}

/// Like `waitForMessage`, but a timeout is a thrown failure.
func expectMessage(_ socket: Socket, timeout: Duration = eventTimeout) throws -> ReceivedMessage {
    guard let message = try waitForMessage(socket, timeout: timeout) else {
        throw TestFailure("no message within \(timeout)")
    }
    return message
}

/// Reads monitor events until one of `kind` arrives (others are skipped) or time runs out.
func waitForEvent(
    _ kind: MonitorEvents, on monitor: Socket, timeout: Duration = eventTimeout
) throws -> MonitorEvent? {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        guard let message = try waitForMessage(monitor, timeout: deadline - clock.now) else {
            return nil
        }
        if let event = MonitorEvent(message), !event.event.isDisjoint(with: kind) { return event }
    }
    return nil
}

/// Frames from strings, for readability.
func frames(_ strings: String...) -> [Data] { strings.map { Data($0.utf8) } }

/// How a body run against a deadline ended.
enum DeadlineOutcome: Equatable {
    case finished
    case failed(String)
    case timedOut
}

/// Runs `body` on its own thread and waits at most `timeout` for it: a hang (e.g. in
/// `zmq_ctx_term`) becomes a failed expectation instead of a stuck test run.
func runWithDeadline(
    _ timeout: Duration, _ body: @escaping @Sendable () throws -> Void
) -> DeadlineOutcome {
    final class Box: @unchecked Sendable {
        let lock = NSLock()
        var outcome: DeadlineOutcome = .timedOut
    }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        let outcome: DeadlineOutcome
        do {
            try body()
            outcome = .finished
        } catch {
            outcome = .failed(String(describing: error))
        }
        box.lock.lock()
        box.outcome = outcome
        box.lock.unlock()
        done.signal()
    }
    thread.start()
    let seconds = Double(timeout.components.seconds)
    guard done.wait(timeout: .now() + seconds) == .success else { return .timedOut }
    box.lock.lock()
    defer { box.lock.unlock() }
    return box.outcome
}

/// Lets a test wait for a ZAP refusal reported on the handler's thread.
final class RefusalSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    /// The callback to give `ZAPHandler`.
    var callback: @Sendable (ZAPRefusal) -> Void {
        { [semaphore] _ in semaphore.signal() }
    }
    /// True when a refusal arrived within `seconds`.
    func wait(seconds: Double = 10) -> Bool {
        semaphore.wait(timeout: .now() + seconds) == .success
    }
}
