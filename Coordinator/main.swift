import Farm
import Foundation
import ZeroMQ

/// `coordinator`: runs sweeps over a farm of workers and renders their tables.
/// Exit codes: 0 success, 1 runtime failure (including tasks that failed), 2 usage error.
let usage = """
    usage: coordinator sweep [options]       run a sweep (coordinator sweep --help)
           coordinator table RUN_DIR [--format md|csv|json|latex]
           coordinator keygen --out PREFIX   a CURVE key pair for this coordinator
           coordinator --help

    Errors go to stderr; exit 0 on success, 1 on a runtime failure, 2 on a usage error.
    """

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
exit(CommandLineTool.exitCode(program: "coordinator") {
    switch arguments.first {
    case "sweep":
        if rest.contains("--help") {
            print(SweepOptions.usage)
            return 0
        }
        let options = try SweepOptions(rest)
        signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
        signal(SIGPIPE, SIG_IGN)
        CommandLineTool.unblockSignals([SIGTERM, SIGINT])
        return try CoordinatorShell(options).runSweep()
    case "table": return try TableCommand.main(rest)
    case "keygen":
        return try CommandLineTool.keygen(rest, program: "coordinator") {
            try CurveKeyPair.generateFiles(prefix: $0, overwrite: true)
        }
    case "--help", "-h", "help":
        print(usage)
        return 0
    default:
        throw CommandLineArguments.UsageError(arguments.isEmpty ? "no command given" : "unknown command '\(arguments[0])'")
    }
})
