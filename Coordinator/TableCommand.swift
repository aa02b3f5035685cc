import Farm
import Foundation

/// `coordinator table RUN_DIR [--format md|csv|json|latex]`: re-renders a run's table
/// from its journal (finished or not) on stdout.
enum TableCommand {
    static let usage = """
        usage: coordinator table RUN_DIR [--format md|csv|json|latex]

        Prints the mean ± std table of a run directory from its journal (a finished sweep,
        or one still running or interrupted: missing seeds are named in the notes).
        """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["format"], flags: ["help"])
        if options.has("help") {
            print(usage)
            return 0
        }
        guard options.positionals.count == 1 else { throw CommandLineArguments.UsageError("give one RUN_DIR") }
        let formatName = options.string("format") ?? "md"
        let formats: [String: TableFormat] = ["md": .markdown, "markdown": .markdown, "csv": .csv, "json": .json, "latex": .latex, "tex": .latex]
        guard let format = formats[formatName] else {
            throw CommandLineArguments.UsageError("--format wants md, csv, json or latex, got '\(formatName)'")
        }
        let url = URL(fileURLWithPath: options.positionals[0]).standardizedFileURL
        let opened: (run: RunDirectory, sweep: SweepSpec)
        do { opened = try RunDirectory.openExisting(at: url) } catch {
            throw CommandLineArguments.UsageError("\(error)")
        }
        let records = try Journal.read(at: opened.run.journalURL).records
        print(SweepTable.build(spec: opened.sweep, records: records).rendered(as: format), terminator: "")
        return 0
    }
}
