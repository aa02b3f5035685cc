import Farm
import Foundation
import Synchronization
import ZeroMQ

/// Set by SIGTERM/SIGINT; read by the protocol loop (a lock-free atomic is safe in a handler).
let stopRequested = Atomic<Bool>(false)

/// The worker's I/O shell: carries out what `WorkerSession` decides, on one thread that
/// owns the DEALER socket. Training runs on `TrainingThread`, so this loop keeps
/// heartbeating however long a BLAS call takes.
final class WorkerShell {
    struct Configuration {
        var endpoint: String
        var workerID: String
        var host: String
        var cores: Int
        var curve: (keyPair: CurveKeyPair, serverKey: CurveKey)?
        var settings = WorkerSettings()
        var dryRun = false
        /// When set, the worker stops once its parent is no longer this process.
        var parentProcess: pid_t?
    }

    private let configuration: Configuration
    private let context: Context
    private var socket: Socket?
    private let wake: Socket
    private var session: WorkerSession
    private let training: TrainingThread
    private var cache = FoundationCache()
    private var exitCode: Int32?
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(_ configuration: Configuration, faults: FaultInjection) throws {
        self.configuration = configuration
        context = try Context()
        let wakeEndpoint = "inproc://seedfarm-training-\(UUID().uuidString)"
        wake = try Socket(context, type: .pair)
        try wake.bind(wakeEndpoint)
        training = TrainingThread(context: context, wakeEndpoint: wakeEndpoint, faults: faults)
        session = WorkerSession(
            workerID: configuration.workerID, host: configuration.host, cores: configuration.cores,
            settings: configuration.settings)
        start = clock.now
    }

    private var now: Duration { clock.now - start }

    /// Runs until the session exits; returns the process exit code.
    func run() -> Int32 {
        perform(session.handle(.start, now: now))
        var stopSent = false
        // Poll often enough to notice a stop request and keep every timer of the session.
        let pollTimeout = min(configuration.settings.heartbeatInterval / 4, .milliseconds(250))
        while exitCode == nil {
            if !stopSent, let parent = configuration.parentProcess, getppid() != parent {
                log(.warning, "the coordinator that started this worker is gone; stopping")
                stopRequested.store(true, ordering: .relaxed)
            }
            if !stopSent && stopRequested.load(ordering: .relaxed) {
                stopSent = true
                perform(session.handle(.stop(finishCurrent: false), now: now))
                continue
            }
            var sockets = [wake]
            if let socket { sockets.append(socket) }
            let ready: PollResult
            do { ready = try Poller(sockets).poll(timeout: pollTimeout) } catch {
                log(.error, "poll failed: \(error)")
                return 1
            }
            if ready.contains(wake) { collectTrainingOutcome() }
            if let socket, ready.contains(socket) { drain(socket) }
            if exitCode == nil { perform(session.handle(.tick, now: now)) }
        }
        return exitCode ?? 0
    }

    private func collectTrainingOutcome() {
        while (try? wake.receive(dontWait: true)) != nil {}
        switch training.takeFinished() {
        case let .succeeded(report)?: perform(session.handle(.runFinished(report), now: now))
        case let .failed(taskID, reason)?: perform(session.handle(.runFailed(taskID: taskID, reason: reason), now: now))
        case nil: break
        }
    }

    /// Everything the coordinator sent so far, a bounded number per turn.
    private func drain(_ socket: Socket) {
        for _ in 0..<64 {
            guard exitCode == nil, self.socket === socket else { return }
            let message: ReceivedMessage?
            do { message = try socket.receive(dontWait: true) } catch {
                log(.warning, "receive failed: \(error)")
                return
            }
            guard let message else { return }
            do {
                perform(session.handle(.received(try WireMessage.decode(message.frames)), now: now))
            } catch {
                perform(session.handle(.undecodable(error), now: now))
            }
        }
    }

    private func perform(_ actions: [WorkerAction]) {
        for action in actions {
            switch action {
            case .connect: connect()
            case .disconnect:
                socket?.close()
                socket = nil
            case let .send(message): send(message)
            case let .run(task): startTraining(task)
            case let .exit(reason):
                switch reason {
                case .finished, .stopped: exitCode = 0
                case let .rejected(why):
                    log(.error, "the coordinator refused this worker: \(why)")
                    exitCode = 1
                }
            case let .log(level, text): log(level, text)
            }
        }
    }

    private func connect() {
        do {
            let socket = try Socket(context, type: .dealer)
            try socket.set([
                .maxMessageSize(Int64(WireProtocol.maxMessageBytes)),
                .immediate(false),
            ])
            if let curve = configuration.curve {
                try socket.makeCurveClient(keyPair: curve.keyPair, serverKey: curve.serverKey)
            }
            try socket.connect(configuration.endpoint)
            self.socket = socket
        } catch {
            log(.error, "cannot connect to \(configuration.endpoint): \(error)")
            exitCode = 1
        }
    }

    private func send(_ message: WireMessage) {
        guard let socket else { return }
        do {
            // Never block the protocol loop: a full queue means the coordinator is away,
            // and the session's liveness rules deal with that.
            if try !socket.send(frames: message.encode(), dontWait: true) {
                log(.debug, "send of \(message.kind.rawValue) would block; dropped")
            }
        } catch {
            log(.warning, "send of \(message.kind.rawValue) failed: \(error)")
        }
    }

    private func startTraining(_ task: TaskAssignment) {
        var foundation: [Float]?
        if let sha = task.foundationSHA256 {
            if let payload = task.weights {
                do {
                    let values = try WeightsPayload.floats(from: payload)
                    cache.insert(values, sha256: sha)
                    session.cachedFoundations = cache.hashes
                    foundation = values
                } catch {
                    perform(session.handle(.runFailed(taskID: task.taskID, reason: "foundation payload: \(error)"), now: now))
                    return
                }
            } else {
                foundation = cache[sha]
            }
            guard foundation != nil else {
                perform(session.handle(.runFailed(taskID: task.taskID, reason: "foundation \(sha) is not in this worker's cache"), now: now))
                return
            }
        }
        if configuration.dryRun {
            // Nothing to compute: answer on this thread, so a dry run measures the farm
            // (coordinator, protocol, journal) and not thread hand-offs in the worker.
            let output = TaskRunner.dryRun(task.spec)
            let report = ResultReport(taskID: task.taskID, outcome: output.outcome, weights: output.weights.map(WeightsPayload.data(from:)))
            perform(session.handle(.runFinished(report), now: now))
            return
        }
        training.start(task, foundation: foundation)
    }

    private func log(_ level: LogLevel, _ text: String) {
        if level == .debug && ProcessInfo.processInfo.environment["SEEDFARM_DEBUG"] == nil { return }
        let line = "\(ISO8601DateFormatter().string(from: Date())) worker \(configuration.workerID) \(level.rawValue): \(text)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
