import Farm
import Foundation
import Learning
import ZeroMQ

/// `worker --connect ENDPOINT`: join a coordinator and train what it hands out until it
/// says `bye` (exit 0), refuses us (exit 1), or SIGTERM/SIGINT arrives (the running task
/// is abandoned and the coordinator told so; exit 0).
enum ConnectCommand {
    static let usage = """
        usage: worker --connect ENDPOINT [--threads N] [--id NAME]
                      [--curve-secret FILE --server-key FILE] [--heartbeat-timeout SECONDS]

          --connect ENDPOINT   the coordinator, e.g. tcp://head-node:5555
          --threads N          BLAS threads (default 1: a farm runs one worker per core)
          --id NAME            this worker's name in logs (default HOST-PID)
          --curve-secret FILE  this worker's CURVE secret key (worker keygen makes one)
          --server-key FILE    the coordinator's CURVE public key
          --heartbeat-timeout SECONDS  presume the coordinator gone after this much
                               silence and reconnect (default 5)
          --dry-run            answer every task at once without training (to measure the
                               farm itself; the coordinator's sweep --dry-run uses it)
          --exit-with-parent   stop (as on SIGTERM) when the process that started this one
                               exits: how a coordinator's local workers end with it
        Reconnects with back-off (1 s doubling to 32 s) when the coordinator goes away.
        """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, options: ["connect", "threads", "id", "curve-secret", "server-key", "heartbeat-timeout"],
            flags: ["help", "dry-run", "exit-with-parent"])
        if options.has("help") {
            print(usage)
            return 0
        }
        guard let endpoint = options.string("connect") else { throw CommandLineArguments.UsageError("--connect ENDPOINT is required") }
        guard options.positionals.isEmpty else {
            throw CommandLineArguments.UsageError("unexpected argument '\(options.positionals[0])'")
        }
        let threads = try options.int("threads") ?? 1
        guard threads >= 1 else { throw CommandLineArguments.UsageError("--threads must be at least 1") }
        BLAS.setThreads(threads)
        let faults = try FaultInjection()
        let host = ProcessInfo.processInfo.hostName
        var configuration = WorkerShell.Configuration(
            endpoint: endpoint, workerID: options.string("id") ?? "\(host)-\(getpid())", host: host,
            cores: threads, curve: try curveSettings(options))
        configuration.dryRun = options.has("dry-run")
        if options.has("exit-with-parent") { configuration.parentProcess = getppid() }
        if let timeout = try options.double("heartbeat-timeout") {
            guard timeout > 1 else { throw CommandLineArguments.UsageError("--heartbeat-timeout must exceed the 1 s heartbeat") }
            configuration.settings.livenessTimeout = .milliseconds(Int(timeout * 1000))
        }
        installStopHandlers()
        return try WorkerShell(configuration, faults: faults).run()
    }

    static func curveSettings(_ options: CommandLineArguments) throws -> (keyPair: CurveKeyPair, serverKey: CurveKey)? {
        switch (options.string("curve-secret"), options.string("server-key")) {
        case (nil, nil): return nil
        case let (secret?, server?):
            guard CurveKeyPair.isCurveAvailable else {
                throw CommandLineArguments.UsageError("this libzmq was built without CURVE")
            }
            do {
                return (try CurveKeyPair.read(secretKeyFile: secret), try CurveKeyFile.read(kind: .publicKey, from: server))
            } catch {
                throw CommandLineArguments.UsageError("cannot read keys: \(error)")
            }
        default: throw CommandLineArguments.UsageError("--curve-secret and --server-key go together")
        }
    }

    static func installStopHandlers() {
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        CommandLineTool.unblockSignals([SIGTERM, SIGINT])
    }
}

