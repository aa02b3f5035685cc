import Foundation

/// The output formats of `coordinator table --format`.
public enum TableFormat: String, CaseIterable, Sendable {
    /// `md`, `csv`, `json`, `latex`: the values `--format` takes.
    case markdown = "md", csv, json, latex

    /// The file a sweep writes it to (`table.md`, ...).
    public var fileName: String {
        switch self {
        case .markdown: "table.md"
        case .csv: "table.csv"
        case .json: "table.json"
        case .latex: "table.tex"
        }
    }
}

extension SweepTable {
    /// The table in `format`.
    public func rendered(as format: TableFormat) -> String {
        switch format {
        case .markdown: markdown()
        case .csv: csv()
        case .json: json()
        case .latex: latex()
        }
    }

    /// Trainable params: one integer when every seed agrees (they should), else mean ± std.
    static func paramsCell(_ summary: Summary) -> String {
        guard let mean = summary.mean else { return "" }
        if let std = summary.standardDeviation, std > 0 { return summary.formatted(decimals: 1) }
        return String(Int64(mean.rounded()))
    }

    // MARK: Markdown

    /// GitHub-flavoured Markdown: caption, table, notes.
    public func markdown() -> String {
        var lines = [caption, ""]
        lines.append("| Method | Trainable params | Acc (0°) | \(thetaHeader) | High-act frac | n |")
        lines.append("|---|---:|---|---|---|---:|")
        for row in rows {
            let cells = [
                Self.markdownEscape(row.label), Self.paramsCell(row.trainableParams), row.acc0.formatted(),
                row.accTheta.formatted(), row.highActFrac.formatted(), String(row.seedsCompleted.count),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "- \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func markdownEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    // MARK: CSV

    /// RFC 4180 CSV: one row per table row, mean, std and n of each metric in their own
    /// columns at full precision (shortest round-trip form); missing values are empty fields.
    public func csv() -> String {
        let metrics = ["trainable_params", "acc0", "acc_theta", "high_act_frac"]
        var header = ["method", "label", "dataset", "angle", "n", "seeds_completed", "seeds_expected"]
        for metric in metrics { header += ["\(metric)_mean", "\(metric)_std", "\(metric)_n"] }
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        for row in rows {
            var fields = [
                row.method.rawValue, row.label, datasets.joined(separator: " "), Statistics.shortest(row.angleDegrees),
                String(row.seedsCompleted.count), row.seedsCompleted.map(String.init).joined(separator: " "),
                row.seedsExpected.map(String.init).joined(separator: " "),
            ]
            for summary in [row.trainableParams, row.acc0, row.accTheta, row.highActFrac] {
                fields += [summary.mean.map(Statistics.shortest) ?? "", summary.standardDeviation.map(Statistics.shortest) ?? "", String(summary.n)]
            }
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes a field holding a comma, quote, CR or LF, doubling inner quotes.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: JSON

    private struct JSONTable: Encodable {
        var caption: String
        var datasets: [String]
        var seeds: [UInt64]
        var angles: [Double]
        var rows: [JSONRow]
        var notes: [String]
    }

    private struct JSONRow: Encodable {
        var method: String
        var label: String
        var settings: [String: String]
        var angle: Double
        var n: Int
        var seedsCompleted: [UInt64]
        var seedsExpected: [UInt64]
        var metrics: [String: JSONSummary]
        enum CodingKeys: String, CodingKey {
            case method, label, settings, angle, n, metrics
            case seedsCompleted = "seeds_completed", seedsExpected = "seeds_expected"
        }
    }

    private struct JSONSummary: Encodable {
        var mean: Double?
        var std: Double?
        var n: Int
        var seeds: [UInt64]
        enum CodingKeys: String, CodingKey { case mean, std, n, seeds }
        init(_ s: Summary) { mean = s.mean; std = s.standardDeviation; n = s.n; seeds = s.seeds }
        /// Writes nulls: a reader sees "no value", never zero.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
            try c.encode(n, forKey: .n)
            try c.encode(seeds, forKey: .seeds)
        }
    }

    /// Machine-readable: per row, per metric mean, std (null below two seeds), n, seeds.
    public func json() -> String {
        let table = JSONTable(
            caption: caption, datasets: datasets, seeds: seeds, angles: angles,
            rows: rows.map { row in
                JSONRow(
                    method: row.method.rawValue, label: row.label, settings: row.settings, angle: row.angleDegrees,
                    n: row.seedsCompleted.count, seedsCompleted: row.seedsCompleted, seedsExpected: row.seedsExpected,
                    metrics: [
                        "trainable_params": JSONSummary(row.trainableParams), "acc0": JSONSummary(row.acc0),
                        "acc_theta": JSONSummary(row.accTheta), "high_act_frac": JSONSummary(row.highActFrac),
                    ])
            },
            notes: notes)
        let data = (try? CanonicalJSON.encodePretty(table)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: LaTeX

    /// A `tabular` (no packages needed), caption and notes as comments, `$\pm$` between
    /// mean and std, labels escaped.
    public func latex() -> String {
        var lines = ["% " + Self.latexEscape(caption)]
        lines += notes.map { "% " + Self.latexEscape($0) }
        lines.append("\\begin{tabular}{lrlllr}")
        lines.append("\\hline")
        lines.append("Method & Trainable params & Acc (0$^\\circ$) & \(Self.latexEscape(thetaHeader)) & High-act frac & $n$ \\\\")
        lines.append("\\hline")
        for row in rows {
            let cells = [
                Self.latexEscape(row.label), Self.latexEscape(Self.paramsCell(row.trainableParams)),
                Self.latexEscape(row.acc0.formatted()), Self.latexEscape(row.accTheta.formatted()),
                Self.latexEscape(row.highActFrac.formatted()), String(row.seedsCompleted.count),
            ]
            lines.append(cells.joined(separator: " & ") + " \\\\")
        }
        lines.append("\\hline")
        lines.append("\\end{tabular}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Escapes LaTeX's special characters; writes ±, °, θ and λ in math mode.
    public static func latexEscape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(character)"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "±": out += "$\\pm$"
            case "°": out += "$^\\circ$"
            case "θ": out += "$\\theta$"
            case "λ": out += "$\\lambda$"
            default: out.append(character)
            }
        }
        return out
    }
}
