import Foundation

/// A command line's options, checked against what the command accepts. Both executables
/// parse with this, so `--help`, unknown options and bad values behave the same in each.
public struct CommandLineArguments: Sendable {
    /// A usage error: the command exits 2 with this message.
    public struct UsageError: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public private(set) var positionals: [String] = []
    private var values: [String: String] = [:]
    private var present: Set<String> = []

    /// Parses `arguments` (without the program name). `options` take a value
    /// (`--name VALUE` or `--name=VALUE`); `flags` take none.
    public init(_ arguments: [String], options: Set<String>, flags: Set<String> = []) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flags.contains(name) {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                present.insert(name)
            } else if options.contains(name) {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError("--\(name) needs a value") }
                    value = arguments[index]
                    index += 1
                }
                guard values[name] == nil else { throw UsageError("--\(name) given twice") }
                values[name] = value
                present.insert(name)
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
    }

    public func has(_ name: String) -> Bool { present.contains(name) }
    public func string(_ name: String) -> String? { values[name] }

    public func int(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text) else { throw UsageError("--\(name) wants an integer, got '\(text)'") }
        return value
    }

    public func double(_ name: String) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else { throw UsageError("--\(name) wants a number, got '\(text)'") }
        return value
    }

    /// A comma-separated list, empty items dropped.
    public func list(_ name: String) -> [String]? {
        values[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}
