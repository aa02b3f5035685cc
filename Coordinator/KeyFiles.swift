import Farm
import ZeroMQ

/// `keygen --out PREFIX [--force]`: a CURVE key pair in two files.
enum KeyFiles {
    static func keygen(_ arguments: [String], program: String) throws -> Int32 {
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
        do {
            let paths = try CurveKeyPair.generateFiles(prefix: prefix, overwrite: options.has("force"))
            print("wrote \(paths.secret) (secret, 0600) and \(paths.public) (public)")
        } catch let error as CurveKeyError {
            if case .fileExists = error { throw CommandLineArguments.UsageError(error.description) }
            throw error
        }
        return 0
    }
}
