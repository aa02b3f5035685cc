import Foundation

/// What both executables share at their top level: the exit-code convention (0 success,
/// 1 runtime failure, 2 usage error, the cause on stderr) and the `keygen` command.
public enum CommandLineTool {
    /// Runs `body` and maps what it throws onto the exit-code convention.
    public static func exitCode(program: String, _ body: () throws -> Int32) -> Int32 {
        do {
            return try body()
        } catch let error as CommandLineArguments.UsageError {
            FileHandle.standardError.write(Data("\(program): \(error)\n(\(program) --help lists the commands and options)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            return 1
        }
    }

    /// Unblocks `signals` for this thread (and the threads it starts): a process inherits
    /// its parent's signal mask, and a parent that blocked SIGTERM would otherwise leave
    /// this one deaf to it.
    public static func unblockSignals(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// `PROGRAM keygen --out PREFIX [--force]`: a CURVE key pair in PREFIX.key (secret,
    /// 0600) and PREFIX.pub. Farm knows no ZeroMQ, so the caller passes the generator.
    public static func keygen(
        _ arguments: [String], program: String, generate: (_ prefix: String) throws -> (secret: String, public: String)
    ) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["out"], flags: ["help", "force"])
        if options.has("help") {
            print("""
                usage: \(program) keygen --out PREFIX [--force]

                Writes a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public).
                Give the .pub file to the other side; keep the .key file private.
                """)
            return 0
        }
        guard let prefix = options.string("out") else { throw CommandLineArguments.UsageError("--out PREFIX is required") }
        if !options.has("force") {
            for path in [prefix + ".key", prefix + ".pub"] where FileManager.default.fileExists(atPath: path) {
                throw CommandLineArguments.UsageError("\(path) exists; use --force to replace it")
            }
        }
        let paths = try generate(prefix)
        print("wrote \(paths.secret) (secret, 0600) and \(paths.public) (public)")
        return 0
    }
}
