/// Severity of a `.log` action; the shells map it onto their output.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    /// Detail for debugging; warning: something was dropped or retried; error: given up.
    case debug, info, warning, error

    /// Order of severity.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
