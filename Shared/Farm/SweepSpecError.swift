import Foundation

/// Why a sweep file or spec was refused. Each case names the key and the fault.
public enum SweepSpecError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file is not JSON, or a value has the wrong type.
    case invalidJSON(path: String?, reason: String)
    /// Keys the spec does not know (a typo must not silently run the default).
    case unknownKeys([String], suggestions: [String: String], known: [String])
    /// A method name that is not one of `MethodName`.
    case unknownMethod(String, known: [String])
    /// A catalogue dataset name that is not known.
    case unknownDataset(String, known: [String])
    /// An axis with no values (e.g. `"seeds": 0`, `"methods": []`).
    case emptyAxis(String)
    /// The same value twice in one axis.
    case duplicateValue(axis: String, value: String)
    /// A number that must be positive is not (epochs, batch size, hidden width, rank, lr...).
    case notPositive(key: String, value: String)
    /// A number that is NaN or infinite.
    case notFinite(key: String)
    /// A learning rate given for something that trains nothing (`frozen`) or is not a method.
    case learningRateNotApplicable(String)
    /// A data directory given as an empty string.
    case emptyDataDirectory

    /// What went wrong, in words a person can act on.
    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read sweep file \(path): \(reason)"
        case let .invalidJSON(path, reason):
            return "sweep spec\(path.map { " \($0)" } ?? "") is not valid: \(reason)"
        case let .unknownKeys(keys, suggestions, known):
            let named = keys.map { key in suggestions[key].map { "'\(key)' (did you mean '\($0)'?)" } ?? "'\(key)'" }
            return "unknown key\(keys.count == 1 ? "" : "s") in sweep spec: \(named.joined(separator: ", ")); known keys: \(known.joined(separator: ", "))"
        case let .unknownMethod(name, known):
            return "unknown method '\(name)'; known methods: \(known.joined(separator: ", "))"
        case let .unknownDataset(name, known):
            return "unknown dataset '\(name)'; known datasets: \(known.joined(separator: ", ")) (or give a directory with \"data\")"
        case let .emptyAxis(key):
            return "'\(key)' has no values; a sweep needs at least one"
        case let .duplicateValue(axis, value):
            return "'\(axis)' lists \(value) more than once"
        case let .notPositive(key, value):
            return "'\(key)' must be positive, got \(value)"
        case let .notFinite(key):
            return "'\(key)' must be a finite number"
        case let .learningRateNotApplicable(name):
            return name == MethodName.frozen.rawValue
                ? "'lr' gives a learning rate for 'frozen', which trains nothing"
                : "'lr' has key '\(name)', which is neither a method nor 'foundation'; known: \(SweepSpec.learningRateKeys.joined(separator: ", "))"
        case .emptyDataDirectory:
            return "'data' contains an empty directory path"
        }
    }
}
