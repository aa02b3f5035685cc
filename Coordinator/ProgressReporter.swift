import Farm
import Foundation

/// The progress line: rewritten in place on a terminal, a plain log line every few
/// seconds (and on each change of counts) otherwise.
struct ProgressReporter {
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastLine = ""
    private var lastCounts = ""
    private var lastPrinted: ContinuousClock.Instant?
    private let started = ContinuousClock.now
    private var startDone: Int?

    mutating func update(_ p: SchedulerProgress, force: Bool = false) {
        let now = ContinuousClock.now
        let elapsed = (now - started).seconds
        if startDone == nil { startDone = p.done }
        let newlyDone = p.done - (startDone ?? 0)
        let remaining = p.total - p.done - p.failed
        let eta = remaining == 0 ? "0s" : newlyDone > 0 ? Self.format(seconds: elapsed / Double(newlyDone) * Double(remaining)) : "?"
        let counts = "done \(p.done)/\(p.total) running \(p.running) queued \(p.queued) failed \(p.failed) | workers \(p.workers)"
        let line = "[\(Self.format(seconds: elapsed))] \(counts) | ETA \(eta)"
        let sinceLast = lastPrinted.map { now - $0 } ?? .seconds(3600)
        if isTerminal {
            // Redraw at most 10 times a second.
            guard force || (line != lastLine && sinceLast >= .milliseconds(100)) else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            // A log line when the counts change (at most one a second), or every 10 s.
            guard force || (counts != lastCounts && sinceLast >= .seconds(1)) || sinceLast >= .seconds(10) else { return }
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
        lastLine = line
        lastCounts = counts
        lastPrinted = now
    }

    /// Ends the in-place line before other output.
    func finishLine() {
        if isTerminal && !lastLine.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func format(seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
