import Farm
import Foundation

/// Faults a test can ask a worker for through `SEEDFARM_FAULTS`, so the farm's failure
/// handling is exercised by real processes. Comma-separated:
///   `fail=METHOD@SEED`  tasks of that method and seed throw (`fail=foundation@SEED` for a foundation)
///   `delay=SECONDS`     every task holds this long before it returns (a window to kill it in)
/// Unset in normal use; an unparsable value is a usage error, never ignored.
struct FaultInjection {
    static let variable = "SEEDFARM_FAULTS"

    struct InjectedFailure: Error, CustomStringConvertible {
        let task: String
        var description: String { "injected failure (\(FaultInjection.variable)) for \(task)" }
    }

    var failing: Set<String> = []
    var delaySeconds: Double = 0

    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let text = environment[Self.variable], !text.isEmpty else { return }
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CommandLineArguments.UsageError("\(Self.variable): cannot read '\(item)'") }
            switch parts[0] {
            case "fail": failing.insert(parts[1])
            case "delay":
                guard let seconds = Double(parts[1]), seconds >= 0 else {
                    throw CommandLineArguments.UsageError("\(Self.variable): delay wants seconds, got '\(parts[1])'")
                }
                delaySeconds = seconds
            default: throw CommandLineArguments.UsageError("\(Self.variable): unknown fault '\(parts[0])'")
            }
        }
    }

    /// Throws or waits as configured for `task`.
    func apply(to task: TaskSpec) throws {
        if delaySeconds > 0 { Thread.sleep(forTimeInterval: delaySeconds) }
        let name = "\(task.adaptation?.method.rawValue ?? "foundation")@\(task.foundation.seed)"
        if failing.contains(name) { throw InjectedFailure(task: name) }
    }
}
