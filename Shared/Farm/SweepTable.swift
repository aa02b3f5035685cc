import Foundation

/// The sweep's result table (experiment.md, "The table"): one row per method and
/// setting group, each metric as mean ± sample std over the seeds that completed.
/// Rows follow `MethodName` order; a method run with several settings (two angles, two
/// learning rates, ...) gets a row per setting, labelled with what differs.
public struct SweepTable: Equatable, Sendable {
    /// Data source labels of the sweep.
    public var datasets: [String]
    /// The sweep's seeds.
    public var seeds: [UInt64]
    /// Distinct angles theta over the rows.
    public var angles: [Double]
    /// Rows in table order.
    public var rows: [Row]

    /// One method with one group of settings.
    public struct Row: Equatable, Sendable {
        /// The method of every task in the row.
        public var method: MethodName
        /// The method, plus the settings that tell this row from its siblings: `lora (r=4)`.
        public var label: String
        /// The settings named in the label, key -> value (`["r": "4"]`).
        public var settings: [String: String]
        /// The row's rotation angle theta.
        public var angleDegrees: Double
        /// Trainable parameter count per seed (equal for every seed).
        public var trainableParams: Summary
        /// Test accuracy at 0°.
        public var acc0: Summary
        /// Test accuracy at theta.
        public var accTheta: Summary
        /// TauGate only; blank for other methods.
        public var highActFrac: Summary
        /// Seeds with a result, ascending.
        public var seedsCompleted: [UInt64]
        /// Seeds the sweep asked for.
        public var seedsExpected: [UInt64]

        /// Whether every seed completed.
        public var isComplete: Bool { seedsCompleted == seedsExpected }
    }

    /// `"Acc (45°)"` when every row has one angle, else `"Acc (θ)"` (rows then name theirs).
    public var thetaHeader: String {
        angles.count == 1 ? "Acc (\(Statistics.shortest(angles[0]))°)" : "Acc (θ)"
    }

    /// The line that names what the table is: dataset, seeds, angle.
    public var caption: String {
        let angleText = angles.count == 1 ? "angle \(Statistics.shortest(angles[0]))°" : "angles \(angles.map { Statistics.shortest($0) + "°" }.joined(separator: ", "))"
        return "Dataset: \(datasets.joined(separator: ", ")); \(seeds.count) seed\(seeds.count == 1 ? "" : "s") (\(Statistics.seedRanges(seeds))); \(angleText); mean ± sample std over completed seeds"
    }

    /// Notes for rows missing seeds, and for single-seed rows (no std).
    public var notes: [String] {
        var notes: [String] = []
        for row in rows where !row.isComplete {
            notes.append("\(row.label): seeds \(Statistics.seedRanges(row.seedsCompleted)) of \(Statistics.seedRanges(row.seedsExpected)) completed")
        }
        if rows.contains(where: { $0.seedsCompleted.count == 1 }) {
            notes.append("rows with one seed show the mean alone: a sample std needs two")
        }
        return notes
    }

    /// Builds the table from a sweep and its journal. Only `done` adapt records count;
    /// a task's first result wins.
    public static func build(spec: SweepSpec, records: [JournalRecord]) -> SweepTable {
        let final = JournalRecord.final(records)
        // 1. Group adapt tasks by everything but the seed, in sweep order.
        var groupOrder: [String] = []
        var groups: [String: (template: TaskSpec, tasks: [TaskSpec])] = [:]
        for task in spec.tasks where task.kind == .adapt {
            var template = task
            template.foundation.seed = 0
            let key = String(decoding: (try? CanonicalJSON.encode(template)) ?? Data(), as: UTF8.self)
            if groups[key] == nil { groupOrder.append(key); groups[key] = (template, []) }
            groups[key]?.tasks.append(task)
        }
        // 2. Settings that differ between groups of one method go in the labels.
        let described = groupOrder.compactMap { groups[$0] }.map { ($0, describe($0.template)) }
        var rows: [Row] = []
        for method in MethodName.allCases {
            let mine = described.filter { $0.0.template.adaptation?.method == method }
            var varying: [String] = []
            for (key, _) in mine.first?.1 ?? [] where Set(mine.map { settingValue($0.1, key) }).count > 1 {
                varying.append(key)
            }
            for (group, settings) in mine {
                rows.append(row(method: method, group: group, settings: settings, varying: varying, final: final, seeds: spec.seeds))
            }
        }
        let angles = Array(Set(rows.map(\.angleDegrees))).sorted()
        return SweepTable(datasets: spec.dataSources.map(\.label), seeds: spec.seeds, angles: angles.isEmpty ? spec.angles : angles, rows: rows)
    }

    private static func row(
        method: MethodName, group: (template: TaskSpec, tasks: [TaskSpec]), settings: [(String, String)],
        varying: [String], final: [String: JournalRecord], seeds: [UInt64]
    ) -> Row {
        var params: [Double] = [], acc0: [Double] = [], accTheta: [Double] = [], high: [Double] = []
        var paramSeeds: [UInt64] = [], highSeeds: [UInt64] = [], completed: [UInt64] = []
        for task in group.tasks.sorted(by: { $0.foundation.seed < $1.foundation.seed }) {
            guard let record = final[task.id], record.status == .done, let metrics = record.outcome?.metrics else { continue }
            let seed = task.foundation.seed
            completed.append(seed)
            params.append(Double(metrics.trainableParams)); paramSeeds.append(seed)
            acc0.append(metrics.acc0)
            accTheta.append(metrics.accTheta)
            if let value = metrics.highActFrac { high.append(value); highSeeds.append(seed) }
        }
        let shown = settings.filter { varying.contains($0.0) }
        let label = shown.isEmpty ? method.rawValue : "\(method.rawValue) (\(shown.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))"
        return Row(
            method: method, label: label, settings: Dictionary(shown, uniquingKeysWith: { a, _ in a }),
            angleDegrees: group.template.foundation.angleDegrees,
            trainableParams: Summary(values: params, seeds: paramSeeds), acc0: Summary(values: acc0, seeds: completed),
            accTheta: Summary(values: accTheta, seeds: completed), highActFrac: Summary(values: high, seeds: highSeeds),
            seedsCompleted: completed, seedsExpected: seeds.sorted())
    }

    private static func settingValue(_ settings: [(String, String)], _ key: String) -> String {
        settings.first { $0.0 == key }?.1 ?? ""
    }

    /// Every setting of a group (seed excluded), label names first to last.
    private static func describe(_ task: TaskSpec) -> [(String, String)] {
        let f = task.foundation
        var result: [(String, String)] = [
            ("data", f.data.label), ("angle", Statistics.shortest(f.angleDegrees) + "°"),
            ("foundation_epochs", String(f.epochs)), ("foundation_lr", Statistics.shortest(f.learningRate)),
            ("batch", String(f.batchSize)), ("hidden", String(f.hidden)),
        ]
        if let a = task.adaptation {
            result.append(("epochs", String(a.epochs)))
            result.append(("lr", a.learningRate.map(Statistics.shortest) ?? "-"))
            result.append(("lambda", a.tauLambda.map(Statistics.shortest) ?? "-"))
            result.append(("s", a.tauSharpness.map(Statistics.shortest) ?? "-"))
            result.append(("r", a.loraRank.map(String.init) ?? "-"))
            result.append(("alpha", a.loraAlpha.map(Statistics.shortest) ?? "-"))
        }
        return result
    }
}
