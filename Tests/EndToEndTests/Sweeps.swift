// The sweeps the end-to-end tests run, and one undisturbed reference run shared by the
// tests that compare a disturbed run's table with it.
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// 2 seeds x all six methods on the real data at 1 epoch each: 2 foundations + 12 adapts.
/// The figures are not the point in the tests that use it, only that runs agree.
enum SmallSweep {
    static let taskCount = 14
    static let methods = ["frozen", "bitfit", "taugate", "lora", "full", "ia3"]

    /// `coordinator` arguments for it; add `--local-workers`, `--bind`, ...
    static func arguments(data: String, out: URL) -> [String] {
        ["sweep", "--data", data, "--seeds", "2", "--methods", methods.joined(separator: ","),
         "--epochs-foundation", "1", "--epochs-adapt", "1", "--out", out.path]
    }
}

/// The run directory of an undisturbed `SmallSweep` with 2 local workers, run once per
/// test process on first use and then only read (tests that change a run copy it).
enum ReferenceRun {
    static func directory() throws -> URL {
        try referenceRunDirectory.withLock { cached throws -> URL in
            if let cached { return cached }
            let data = try TestData.requireDirectory()
            let scratch = try TemporaryDirectory("reference")
            let run = scratch.path("run")
            let processes = Processes(logDirectory: scratch.url)
            defer { processes.killAll() }
            let coordinator = try processes.coordinator(SmallSweep.arguments(data: data, out: run) + ["--local-workers", "2"])
            let termination = try coordinator.waitForExit(timeout: Deadlines.sweep)
            guard termination == .exited(0) else {
                throw HarnessError("the reference sweep ended with \(termination); stderr ends:\n\(coordinator.stderrTail)")
            }
            cached = run
            atexit {
                referenceRunDirectory.withLock { url in
                    if let url, ProcessInfo.processInfo.environment["SEEDFARM_E2E_KEEP"] == nil {
                        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
                    }
                }
            }
            return run
        }
    }

    /// A private copy of the reference run that a test may change.
    static func copy(to destination: URL) throws {
        try FileManager.default.copyItem(at: try directory(), to: destination)
    }
}

private let referenceRunDirectory = Mutex<URL?>(nil)

extension ChildProcess {
    /// Waits for the exit and requires `expected`, showing stderr otherwise.
    func expectExit(_ expected: Termination, timeout: Duration = Deadlines.sweep, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let termination = try waitForExit(timeout: timeout)
        #expect(termination == expected, "\(name) ended with \(termination); stderr ends:\n\(stderrTail)", sourceLocation: sourceLocation)
    }
}
