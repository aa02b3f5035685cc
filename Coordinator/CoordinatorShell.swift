import Farm
import Foundation
import Synchronization
import ZeroMQ

/// Set by SIGTERM/SIGINT; the loop stops, leaving the journal as it is (resume later).
let interruptRequested = Atomic<Bool>(false)

/// The coordinator's I/O shell: one thread, one ROUTER socket. It feeds the pure
/// `Scheduler` with what arrives and carries out what it decides: durable writes first
/// (artifacts, then one journal append with one fsync for the whole batch: group commit),
/// then the sends, so no `ack` leaves before its result is on disk.
final class CoordinatorShell {
    private let options: SweepOptions
    private let run: RunDirectory
    private let journal: Journal
    private var scheduler: Scheduler
    private let context: Context
    private let router: Socket
    private var zap: ZAPHandler?
    /// Handshake failures of the ROUTER (a client without CURVE, a wrong server key):
    /// libzmq refuses these before ZAP is asked, so they are logged from here.
    private var monitor: Socket?
    private let localWorkers = LocalWorkers()
    private var progress = ProgressReporter()
    private var logger: ShellLogger
    private var artifactCache: [String: Data] = [:]
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    /// Where local workers connect.
    private var localEndpoint: String?
    private var localWorkerArguments: [String] = []

    /// Opens (or resumes) the run and binds; throws `CommandLineArguments.UsageError` for
    /// what the user must fix (exit 2), `ShellError` or library errors otherwise.
    init(_ options: SweepOptions) throws {
        self.options = options
        start = clock.now
        logger = ShellLogger()
        let run = try Self.openRun(options)
        self.run = run
        let (journal, load) = try Journal.open(at: run.journalURL)
        self.journal = journal
        if let torn = load.droppedTail { logger.log(.warning, "journal: \(torn)") }
        // A done foundation whose weights file is gone must run again.
        var records: [JournalRecord] = []
        for record in load.records {
            if record.status == .done, let sha = record.outcome?.foundation?.weightsSHA256, !run.hasArtifact(sha256: sha) {
                logger.log(.warning, "foundation \(record.taskID): weights \(sha) missing from artifacts/; it runs again")
                continue
            }
            records.append(record)
        }
        scheduler = Scheduler(tasks: options.spec.tasks, journal: records, settings: options.settings)
        let resumed = scheduler.progress
        if resumed.done > 0 || resumed.failed > 0 {
            logger.log(.info, "resuming \(run.url.path): \(resumed.done) of \(resumed.total) tasks already done")
        }
        context = try Context()
        router = try Socket(context, type: .router)
        try router.set([
            .routerMandatory(true), .routerHandover(true),
            .maxMessageSize(Int64(WireProtocol.maxMessageBytes)),
            .sendHighWaterMark(WireProtocol.perPeerQueueMessages),
            .receiveHighWaterMark(WireProtocol.perPeerQueueMessages),
        ])
        try configureSecurity()
        try bindEndpoints()
    }

    /// The run directory; one holding a different sweep is the user's to fix (exit 2).
    private static func openRun(_ options: SweepOptions) throws -> RunDirectory {
        do {
            return try RunDirectory.openOrCreate(at: options.runDirectory, sweep: options.spec)
        } catch {
            if case .differentSweep = error { throw CommandLineArguments.UsageError(error.description) }
            throw error
        }
    }

    private func configureSecurity() throws {
        guard let secretPath = options.curveSecretPath, let keysPath = options.allowKeysPath else {
            if let bind = options.bind, !Self.isLoopback(bind) {
                for line in [
                    "!!! \(bind) accepts workers from the network WITHOUT encryption or authentication:",
                    "!!! anyone who can reach it can join, read task specs and send results.",
                    "!!! Use --curve-secret FILE --allow-keys DIR (see README, \"Running on a cluster\").",
                ] { logger.log(.warning, line) }
            }
            return
        }
        let pair: CurveKeyPair
        do { pair = try CurveKeyPair.read(secretKeyFile: secretPath) } catch {
            throw CommandLineArguments.UsageError("--curve-secret \(secretPath): \(error)")
        }
        var allowed = try Self.readAllowedKeys(keysPath)
        if options.localWorkers > 0 {
            // Local workers get a key of their own, listed here and given to them in files.
            let local = try CurveKeyPair.generate()
            let keyDirectory = run.url.appendingPathComponent("local-keys")
            try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true)
            let secret = keyDirectory.appendingPathComponent("worker.key").path
            let server = keyDirectory.appendingPathComponent("coordinator.pub").path
            try local.write(secretKeyFile: secret, publicKeyFile: keyDirectory.appendingPathComponent("worker.pub").path)
            try CurveKeyFile.write(pair.publicKey, kind: .publicKey, to: server)
            allowed[local.publicKey] = "local-worker"
            localWorkerArguments = ["--curve-secret", secret, "--server-key", server]
        }
        zap = try ZAPHandler(context: context, allowedKeys: allowed) { _ in }
        try router.makeCurveServer(secretKey: pair.secretKey, zapDomain: "seedfarm")
        monitor = try router.startMonitor(events: [.handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedOther])
        logger.log(.info, "CURVE on: \(allowed.count) worker key(s) allowed")
    }

    /// Every `*.pub` file in `directory`, named by its file name.
    static func readAllowedKeys(_ directory: String) throws -> [CurveKey: String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw CommandLineArguments.UsageError("--allow-keys \(directory): \(error.localizedDescription)")
        }
        var keys: [CurveKey: String] = [:]
        for name in names.sorted() where name.hasSuffix(".pub") {
            let path = (directory as NSString).appendingPathComponent(name)
            do { keys[try CurveKeyFile.read(kind: .publicKey, from: path)] = String(name.dropLast(4)) } catch {
                throw CommandLineArguments.UsageError("--allow-keys: \(path): \(error)")
            }
        }
        guard !keys.isEmpty else { throw CommandLineArguments.UsageError("--allow-keys \(directory) holds no *.pub key") }
        return keys
    }

    static func isLoopback(_ endpoint: String) -> Bool {
        endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") || endpoint.hasPrefix("tcp://127.")
            || endpoint.hasPrefix("tcp://localhost:") || endpoint.hasPrefix("tcp://[::1]")
    }

    private func bindEndpoints() throws {
        if let bind = options.bind {
            do { try router.bind(bind) } catch {
                throw ShellError("cannot bind \(bind): \(error)")
            }
            logger.log(.info, "accepting workers at \(try router.lastEndpoint)")
        }
        if options.localWorkers > 0 {
            // A Unix socket in the run directory: only its owner can connect (other users
            // of this host cannot reach an unauthenticated endpoint). Loopback TCP when the
            // path is too long for a socket address or the file system refuses sockets.
            let socketPath = run.url.appendingPathComponent("coordinator.ipc").path
            if socketPath.utf8.count < 100, (try? router.bind("ipc://\(socketPath)")) != nil {
                localEndpoint = "ipc://\(socketPath)"
            } else {
                try router.bind("tcp://127.0.0.1:*")
                localEndpoint = try router.lastEndpoint
            }
        }
    }

    private var now: Duration { clock.now - start }

    /// MNIST, when the sweep names it and neither `$SEEDFARM_DATA/mnist` nor the user
    /// cache holds it: downloaded once, checksums verified, before any worker starts
    /// (local workers then find it in the cache; remote hosts need their own copy).
    private func prepareData() throws {
        guard !options.dryRun, !scheduler.isFinished, options.spec.datasets.contains(MNISTDownload.datasetName) else { return }
        let download = MNISTDownload()
        if download.locate() != nil { return }
        logger.log(.info, "MNIST is not in \(MNISTDownload.cacheDirectory()); downloading it once")
        var log = logger
        _ = try download.ensure { event in log.log(.info, "\(event)") }
    }

    /// Runs the sweep to its end (or an interrupt); returns the exit code.
    func runSweep() throws -> Int32 {
        try prepareData()
        let tasks = scheduler.progress.total
        logger.log(.info, "run directory \(run.url.path): \(tasks) tasks (\(options.spec.seeds.count) seeds x \(options.spec.methods.count) methods)")
        if !scheduler.isFinished, let localEndpoint {
            try localWorkers.start(
                count: options.localWorkers, endpoint: localEndpoint, extraArguments: localWorkerArguments,
                logDirectory: run.url.appendingPathComponent("logs"), dryRun: options.dryRun)
            logger.log(.info, "started \(options.localWorkers) local worker(s); logs in \(run.url.path)/logs")
        }
        defer {
            localWorkers.stop()
            router.close()
            // libzmq unlinks it from its I/O thread, which the process exit may outrun.
            if let path = localEndpoint?.dropFirst("ipc://".count), localEndpoint?.hasPrefix("ipc://") == true {
                unlink(String(path))
            }
        }
        let throughputStart = clock.now
        let doneAtStart = scheduler.progress.done
        var finishedAt: Duration? = scheduler.isFinished ? now : nil
        let pollTimeout = Duration.milliseconds(100)
        while true {
            if interruptRequested.load(ordering: .relaxed) {
                logger.log(.warning, "interrupted: finished results are in the journal; run the same command again to resume")
                return 1
            }
            if let finishedAt {
                // Linger briefly so workers asking for work hear `bye`.
                if localWorkers.running == 0 && (options.bind == nil || now - finishedAt > .seconds(2)) { break }
                if now - finishedAt > .seconds(5) { break }
            } else if options.bind == nil && localWorkers.processes.count > 0 && localWorkers.running == 0 {
                logger.log(.error, "every local worker exited before the sweep finished; see \(run.url.path)/logs")
                return 1
            }
            // After the end, poll briefly: the loop only waits for workers to hear bye and exit.
            let ready = try Poller([router] + (monitor.map { [$0] } ?? [])).poll(timeout: finishedAt == nil ? pollTimeout : .milliseconds(5))
            var actions: [SchedulerAction] = []
            if ready.contains(router) { actions += receiveBatch() }
            reportRefusals(monitorReady: monitor.map(ready.contains) ?? false)
            actions += scheduler.handle(.tick, now: now)
            if try perform(actions), finishedAt == nil { finishedAt = now }
            // A log line erased the progress line: draw it again.
            progress.update(scheduler.progress, force: logger.takeWroteSomething())
        }
        progress.update(scheduler.progress, force: true)
        progress.finishLine()
        let newlyDone = scheduler.progress.done - doneAtStart
        // Up to the last result, not the linger for byes after it.
        let seconds = ((finishedAt.map { start + $0 } ?? clock.now) - throughputStart).seconds
        if newlyDone > 0 {
            let rate = Double(newlyDone) / seconds
            logger.log(.info, String(format: rate < 10 ? "%d tasks in %.2f s (%.2f tasks/s)" : "%d tasks in %.2f s (%.0f tasks/s)", newlyDone, seconds, rate))
        }
        logger.flushSuppressed()
        journal.close()
        monitor?.close()
        zap?.stop()
        return try writeOutputs()
    }

    /// Logs workers that CURVE kept out: ZAP refusals (unlisted keys) and failed
    /// handshakes (no CURVE, wrong server key).
    private func reportRefusals(monitorReady: Bool) {
        for refusal in zap?.drainRefusals() ?? [] {
            let key = refusal.clientKey.map { " key \($0.z85)" } ?? ""
            logger.log(.warning, "refused a worker from \(refusal.address.isEmpty ? "?" : refusal.address) (\(refusal.mechanism)\(key)): \(refusal.reason)")
        }
        guard monitorReady, let monitor else { return }
        while let message = try? monitor.receive(dontWait: true) {
            guard let event = MonitorEvent(message) else { continue }
            let kind = event.event == .handshakeFailedAuth ? "authentication failed" : "security handshake failed (is the worker using CURVE with this coordinator's public key?)"
            logger.log(.warning, "refused a connection on \(event.endpoint): \(kind)")
        }
    }

    /// Up to 512 waiting messages, fed to the scheduler; their actions in order.
    private func receiveBatch() -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for _ in 0..<512 {
            let message: ReceivedMessage?
            do { message = try router.receive(dontWait: true) } catch {
                logger.log(.warning, "receive failed: \(error)")
                break
            }
            guard let message else { break }
            guard let identity = message.frames.first else { continue }
            let peer = PeerID(identity)
            let frames = Array(message.frames.dropFirst())
            if message.isTruncated {
                actions += scheduler.handle(.undecodable(peer, .wrongFrameCount(frames.count + message.discardedFrameCount)), now: now)
                continue
            }
            do {
                actions += scheduler.handle(.received(peer, try WireMessage.decode(frames)), now: now)
            } catch {
                actions += scheduler.handle(.undecodable(peer, error), now: now)
            }
        }
        return actions
    }

    /// Carries out a batch of actions: writes, then one journal append, then sends.
    /// Returns whether the scheduler announced the end of the sweep.
    private func perform(_ actions: [SchedulerAction]) throws -> Bool {
        var records: [JournalRecord] = []
        var sends: [SchedulerAction] = []
        var finished = false
        for action in actions {
            switch action {
            case let .storeArtifact(sha, weights):
                // A failed durable write is fatal: nothing may be acked after it.
                try run.storeArtifact(weights, sha256: sha)
                artifactCache[sha] = weights
            case let .persist(record): records.append(record)
            case .send, .sendTask: sends.append(action)
            case let .log(level, text): logger.log(level, text)
            case .finished: finished = true
            }
        }
        if !records.isEmpty { try journal.append(records) }
        for action in sends {
            switch action {
            case let .send(peer, message): send(message, to: peer)
            case .sendTask(let peer, var assignment, let sha):
                if let sha {
                    do { assignment.weights = try artifact(sha) } catch {
                        logger.log(.error, "cannot load foundation \(sha) for task \(assignment.taskID): \(error)")
                        continue
                    }
                }
                send(.task(assignment), to: peer)
            default: break
            }
        }
        return finished
    }

    private func artifact(_ sha: String) throws -> Data {
        if let cached = artifactCache[sha] { return cached }
        let data = try run.loadArtifact(sha256: sha)
        if artifactCache.count >= 64 { artifactCache.removeAll() }
        artifactCache[sha] = data
        return data
    }

    private func send(_ message: WireMessage, to peer: PeerID) {
        do {
            if try !router.send(frames: [peer.routingID] + message.encode(), dontWait: true) {
                logger.log(.debug, "\(message.kind.rawValue) to \(peer) dropped: its queue is full")
            }
        } catch let error where error.isHostUnreachable {
            logger.log(.debug, "\(message.kind.rawValue) to \(peer) dropped: peer gone")
        } catch {
            logger.log(.warning, "send of \(message.kind.rawValue) to \(peer) failed: \(error)")
        }
    }

    /// The table on stdout and every output file; 0 when every task is done, 1 when some failed.
    private func writeOutputs() throws -> Int32 {
        let records = try Journal.read(at: run.journalURL).records
        let outputs = try RunOutputs.write(run: run, spec: options.spec, records: records, dryRun: options.dryRun)
        print(outputs.markdown)
        logger.log(.info, "wrote table.md, table.csv, table.json, table.tex and results.json in \(run.url.path)")
        let failed = scheduler.progress.failed
        if failed > 0 {
            logger.log(.error, "\(failed) task(s) failed after their retries; the table leaves their seeds out (see its notes and results.json)")
            return 1
        }
        return 0
    }
}

/// Log lines on stderr, with warnings rate-limited so a flood of hostile traffic cannot
/// drown the operator (or the disk).
struct ShellLogger {
    private var windowStart = ContinuousClock.now
    private var warningsInWindow = 0
    private var suppressed = 0
    private let showDebug = ProcessInfo.processInfo.environment["SEEDFARM_DEBUG"] != nil
    /// On a terminal each line first erases the progress line it overwrites.
    private let erasePrefix = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""
    private var wroteSomething = false
    static let warningsPerSecond = 20

    /// Whether a line was written since the last call.
    mutating func takeWroteSomething() -> Bool {
        defer { wroteSomething = false }
        return wroteSomething
    }

    mutating func log(_ level: LogLevel, _ text: String) {
        if level == .debug && !showDebug { return }
        let now = ContinuousClock.now
        if now - windowStart > .seconds(1) {
            flushSuppressed()
            windowStart = now
            warningsInWindow = 0
        }
        if level == .warning {
            warningsInWindow += 1
            if warningsInWindow > Self.warningsPerSecond {
                suppressed += 1
                return
            }
        }
        write(level, text)
    }

    /// `text` with control characters escaped: worker ids, hosts and reasons come from
    /// peers, and a newline or a terminal escape in them must not forge log lines.
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += String(format: "\\x%02X", scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Says how many warnings the limit swallowed; called as each window closes and at exit.
    mutating func flushSuppressed() {
        if suppressed > 0 { write(.warning, "\(suppressed) more warnings suppressed") }
        suppressed = 0
    }

    private mutating func write(_ level: LogLevel, _ text: String) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        FileHandle.standardError.write(Data("\(erasePrefix)\(stamp) coordinator \(level.rawValue): \(Self.printable(text))\n".utf8))
        wroteSomething = true
    }
}
