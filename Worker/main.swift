import Farm
import Foundation
import ZeroMQ

/// `worker`: joins a coordinator and trains what it is given; also runs one task locally
/// and measures this host. Exit codes: 0 success, 1 runtime failure, 2 usage error.
let usage = """
    usage: worker --connect ENDPOINT [options]   join a coordinator (worker --connect --help)
           worker run ...            one task on this machine, result as JSON (worker run --help)
           worker bench [--json]     training throughput and BLAS efficiency of this host
           worker keygen --out PREFIX   a CURVE key pair for this worker
           worker --help

    Errors go to stderr; exit 0 on success, 1 on a runtime failure, 2 on a usage error.
    """

let arguments = Array(CommandLine.arguments.dropFirst())
exit(CommandLineTool.exitCode(program: "worker") {
    switch arguments.first {
    case "run": return try RunCommand.main(Array(arguments.dropFirst()))
    case "bench": return try BenchCommand.main(Array(arguments.dropFirst()))
    case "keygen":
        return try CommandLineTool.keygen(Array(arguments.dropFirst()), program: "worker") {
            try CurveKeyPair.generateFiles(prefix: $0, overwrite: true)
        }
    case "--help", "-h", "help":
        print(usage)
        return 0
    case let first? where first.hasPrefix("--"):
        if arguments.contains("--help") {
            print(ConnectCommand.usage)
            return 0
        }
        return try ConnectCommand.main(arguments)
    default:
        throw CommandLineArguments.UsageError(arguments.isEmpty ? "no command given" : "unknown command '\(arguments[0])'")
    }
})
