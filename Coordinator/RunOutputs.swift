import Farm
import Foundation

/// The files a person uses after a sweep: the table in four formats and every task's
/// metrics, written into the run directory.
enum RunOutputs {
    struct Written {
        var markdown: String
    }

    static let dryRunNote = "DRY RUN: workers returned without training; these are not measurements."

    static func write(run: RunDirectory, spec: SweepSpec, records: [JournalRecord], dryRun: Bool) throws -> Written {
        let table = SweepTable.build(spec: spec, records: records)
        var markdown = ""
        for format in TableFormat.allCases {
            var text = table.rendered(as: format)
            if dryRun && format == .markdown { text = "> \(dryRunNote)\n\n" + text }
            if format == .markdown { markdown = text }
            try run.writeOutput(Data(text.utf8), named: format.fileName)
        }
        try run.writeOutput(try ResultsFile.encode(spec: spec, records: records), named: "results.json")
        return Written(markdown: markdown)
    }
}
