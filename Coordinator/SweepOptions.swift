import Farm
import Foundation

/// `coordinator sweep`'s command line, checked before any work starts: a bad option or
/// sweep is a usage error (exit 2) that names the fault.
struct SweepOptions {
    static let usage = """
        usage: coordinator sweep [--config FILE] [--dataset NAME | --data DIR] [--seeds N]
                                 [--methods LIST] [--angle DEG] [--epochs-foundation N]
                                 [--epochs-adapt N] [--out DIR] [--bind ENDPOINT]
                                 [--local-workers N] [--heartbeat-timeout SECONDS]
                                 [--curve-secret FILE --allow-keys DIR] [--dry-run]

        Splits the sweep (seeds x methods x settings) into tasks, hands them to workers over
        ZeroMQ, journals every result, and prints the mean ± std table at the end; also
        writes table.md, table.csv, table.json, table.tex and results.json in the run
        directory. Running the same command again resumes: finished tasks are not rerun.

          --config FILE        a sweep file (JSON; see README); flags below override it
          --dataset NAME       mnist (default; downloaded once into the user cache),
                               mnist-subset, fashion-mnist or synthetic
          --data DIR           any directory with the four IDX files, instead of --dataset
          --seeds N            seeds 0..N-1 (default 5)
          --methods LIST       comma-separated: frozen,bitfit,taugate,lora,full,ia3 (default all)
          --angle DEG          rotation of the second mode (default 45)
          --epochs-foundation N, --epochs-adapt N   (default 5 each)
          --out DIR            the run directory (default runs/sweep-<hash of the sweep>)
          --bind ENDPOINT      also accept remote workers here, e.g. tcp://*:5555
          --local-workers N    worker processes to start on this machine (default: cores)
          --heartbeat-timeout SECONDS  presume a silent worker dead after this (default 5)
          --curve-secret FILE  this coordinator's CURVE secret key: encrypt all traffic
          --allow-keys DIR     accept only workers whose public key (*.pub) is in DIR
          --dry-run            workers return at once without training (measures the farm
                               itself); the table says so and holds no real figures
        """

    var spec: SweepSpec
    var runDirectory: URL
    var bind: String?
    var localWorkers: Int
    var settings = SchedulerSettings()
    var curveSecretPath: String?
    var allowKeysPath: String?
    var dryRun: Bool

    init(_ arguments: [String]) throws {
        let options = try CommandLineArguments(
            arguments,
            options: ["config", "dataset", "data", "seeds", "methods", "angle", "epochs-foundation", "epochs-adapt",
                      "out", "bind", "local-workers", "heartbeat-timeout", "curve-secret", "allow-keys"],
            flags: ["dry-run"])
        guard options.positionals.isEmpty else {
            throw CommandLineArguments.UsageError("unexpected argument '\(options.positionals[0])'")
        }
        do {
            var spec = SweepSpec()
            if let path = options.string("config") { spec = try SweepSpec.load(from: URL(fileURLWithPath: path)) }
            switch (options.string("dataset"), options.string("data")) {
            case (.some, .some): throw CommandLineArguments.UsageError("give --dataset or --data, not both")
            case let (name?, nil):
                spec.datasets = [name]
                spec.dataDirectories = []
            case let (nil, directory?):
                spec.datasets = []
                spec.dataDirectories = [URL(fileURLWithPath: directory).standardizedFileURL.path]
            case (nil, nil): break
            }
            if let count = try options.int("seeds") {
                guard count > 0 else { throw CommandLineArguments.UsageError("--seeds must be at least 1, got \(count)") }
                spec.seeds = (0..<UInt64(count)).map { $0 }
            }
            if let list = options.string("methods") { spec.methods = try SweepSpec.parseMethods(list) }
            if let angle = try options.double("angle") { spec.angles = [angle] }
            if let epochs = try options.int("epochs-foundation") { spec.foundationEpochs = [epochs] }
            if let epochs = try options.int("epochs-adapt") { spec.adaptationEpochs = [epochs] }
            try spec.validate()
            self.spec = spec
        } catch let error as SweepSpecError {
            throw CommandLineArguments.UsageError("bad sweep: \(error.description)")
        }
        for directory in spec.dataDirectories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandLineArguments.UsageError("--data \(directory): no such directory")
            }
        }
        dryRun = options.has("dry-run")
        if let out = options.string("out") {
            runDirectory = URL(fileURLWithPath: out).standardizedFileURL
        } else {
            let identity = (try? spec.canonicalJSON()).map { SHA256.hex($0) } ?? "default"
            let name = (dryRun ? "dry-run-" : "sweep-") + identity.prefix(12)
            runDirectory = URL(fileURLWithPath: "runs").appendingPathComponent(name).standardizedFileURL
        }
        bind = options.string("bind")
        localWorkers = try options.int("local-workers") ?? ProcessInfo.processInfo.activeProcessorCount
        guard localWorkers >= 0 else { throw CommandLineArguments.UsageError("--local-workers cannot be negative") }
        if localWorkers == 0 && bind == nil {
            throw CommandLineArguments.UsageError("--local-workers 0 needs --bind ENDPOINT, or no worker could ever join")
        }
        if let timeout = try options.double("heartbeat-timeout") {
            guard timeout > 1 else { throw CommandLineArguments.UsageError("--heartbeat-timeout must exceed the 1 s heartbeat") }
            settings.livenessTimeout = .milliseconds(Int(timeout * 1000))
        }
        curveSecretPath = options.string("curve-secret")
        allowKeysPath = options.string("allow-keys")
        if (curveSecretPath == nil) != (allowKeysPath == nil) {
            throw CommandLineArguments.UsageError("--curve-secret and --allow-keys go together")
        }
    }
}
