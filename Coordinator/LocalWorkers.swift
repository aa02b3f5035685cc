import Foundation

/// The worker processes a coordinator starts on its own machine (the embedded default).
/// Their output goes to `RUN_DIR/logs/worker-N.log`, not over the progress line.
final class LocalWorkers {
    private(set) var processes: [Process] = []

    /// The `worker` executable: `$SEEDFARM_WORKER`, else the one beside this coordinator.
    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["SEEDFARM_WORKER"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = own.deletingLastPathComponent().appendingPathComponent("worker")
        guard FileManager.default.isExecutableFile(atPath: sibling.path) else {
            throw ShellError("cannot find the worker executable beside \(own.path); build it (swift build -c release) or set SEEDFARM_WORKER")
        }
        return sibling
    }

    func start(count: Int, endpoint: String, extraArguments: [String], logDirectory: URL, dryRun: Bool) throws {
        guard count > 0 else { return }
        let executable = try Self.executable()
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        for index in 0..<count {
            let process = Process()
            process.executableURL = executable
            // --exit-with-parent: a coordinator killed with SIGKILL leaves no orphans behind.
            process.arguments = ["--connect", endpoint, "--threads", "1", "--id", "local-\(index)", "--exit-with-parent"]
                + extraArguments + (dryRun ? ["--dry-run"] : [])
            // OpenBLAS reads its thread count when it loads, before `worker` can set it.
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_NUM_THREADS"] = "1"
            process.environment = environment
            let logURL = logDirectory.appendingPathComponent("worker-\(index).log")
            // Appended to, never truncated: a resumed sweep keeps the earlier logs.
            if !FileManager.default.fileExists(atPath: logURL.path) {
                FileManager.default.createFile(atPath: logURL.path, contents: nil)
            }
            let log = try FileHandle(forWritingTo: logURL)
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
    }

    var running: Int { processes.filter(\.isRunning).count }

    /// SIGTERM to those still running, then SIGKILL after `grace`.
    func stop(grace: Duration = .seconds(3)) {
        for process in processes where process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + grace
        while running > 0 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
    }
}

/// A runtime failure of the coordinator (exit 1), with its cause.
struct ShellError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
