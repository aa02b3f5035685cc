import Foundation
import Testing
import Farm

@Suite struct StatisticsTests {
    @Test func meanAndSampleStandardDeviation() throws {
        #expect(Statistics.mean([]) == nil)
        #expect(abs((Statistics.mean([0.8, 0.9]) ?? 0) - 0.85) < 1e-15)
        #expect(Statistics.mean([1, 2, 6]) == 3)
        #expect(Statistics.sampleStandardDeviation([0.5]) == nil)
        let std = try #require(Statistics.sampleStandardDeviation([2, 4, 4, 4, 5, 5, 7, 9]))
        #expect(abs(std - 2.138_089_935_299_395) < 1e-12)  // n-1, not n (which gives 2)
    }

    @Test func cellsShowMeanPlusMinusStdBlankWhenMissingMeanAloneForOne() {
        #expect(Summary(values: [0.8, 0.9]).formatted() == "0.850 ± 0.071")
        #expect(Summary(values: [0.85]).formatted() == "0.850")
        #expect(Summary(values: []).formatted() == "")
        #expect(Summary(values: [0.1, 0.1]).formatted() == "0.100 ± 0.000")
        #expect(Statistics.format(-0.0001, decimals: 3) == "0.000")
    }

    @Test func seedRangesAreCompact() {
        #expect(Statistics.seedRanges([0, 1, 2, 3, 4]) == "0-4")
        #expect(Statistics.seedRanges([0, 1, 3]) == "0,1,3")
        #expect(Statistics.seedRanges([7, 0, 1, 2, 5, 6]) == "0-2,5-7")
        #expect(Statistics.seedRanges([]) == "none")
    }
}

@Suite struct SweepTableTests {
    /// Seeds 0-2, bitfit and taugate; bitfit completes seeds 0 and 1, taugate only seed 0.
    func sampleTable() throws -> SweepTable {
        let spec = try SweepSpec.decode(Data(#"{"seeds": 3, "methods": ["taugate", "bitfit", "lora"], "dataset": "synthetic"}"#.utf8))
        var records: [JournalRecord] = []
        for task in spec.tasks where task.kind == .adapt {
            let seed = task.foundation.seed
            guard let method = task.adaptation?.method else { continue }
            let metrics: Metrics
            switch (method, seed) {
            case (.bitfit, 0): metrics = Fixtures.metrics(.bitfit, seed: 0, acc0: 0.8, accTheta: 0.7)
            case (.bitfit, 1): metrics = Fixtures.metrics(.bitfit, seed: 1, acc0: 0.9, accTheta: 0.8)
            case (.taugate, 0): metrics = Fixtures.metrics(.taugate, seed: 0, acc0: 0.85, accTheta: 0.875, params: 512, high: 0.28)
            default: continue
            }
            records.append(.done(spec: task, outcome: TaskOutcome(metrics: metrics), workerID: "w", attempts: 1))
        }
        // A failure record does not count as a seed.
        if let lora = spec.tasks.first(where: { $0.adaptation?.method == .lora }) {
            records.append(.failed(spec: lora, reasons: ["x"], attempts: 3))
        }
        return SweepTable.build(spec: spec, records: records)
    }

    @Test func rowsFollowMethodOrderWithStatsPerSeedsCompleted() throws {
        let table = try sampleTable()
        #expect(table.rows.map(\.label) == ["bitfit", "taugate", "lora"])
        let bitfit = table.rows[0]
        #expect(bitfit.seedsCompleted == [0, 1] && bitfit.seedsExpected == [0, 1, 2])
        #expect(bitfit.acc0.formatted() == "0.850 ± 0.071")
        #expect(bitfit.highActFrac.formatted() == "")
        #expect(table.rows[2].seedsCompleted.isEmpty && table.rows[2].acc0.n == 0)
        #expect(table.thetaHeader == "Acc (45°)")
    }

    @Test func markdownNamesDatasetSeedsAndLeavesMissingBlank() throws {
        let md = try sampleTable().markdown()
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Dataset: synthetic; 3 seeds (0-2); angle 45°; mean ± sample std over completed seeds")
        #expect(lines[2] == "| Method | Trainable params | Acc (0°) | Acc (45°) | High-act frac | n |")
        #expect(lines[4] == "| bitfit | 266 | 0.850 ± 0.071 | 0.750 ± 0.071 |  | 2 |")
        #expect(lines[5] == "| taugate | 512 | 0.850 | 0.875 | 0.280 | 1 |")
        #expect(lines[6] == "| lora |  |  |  |  | 0 |")
        #expect(md.contains("- bitfit: seeds 0,1 of 0-2 completed"))
        #expect(md.contains("- lora: seeds none of 0-2 completed"))
        #expect(md.contains("one seed show the mean alone"))
    }

    @Test func differingSettingsSplitRowsAndNameThem() throws {
        let spec = try SweepSpec.decode(Data(#"{"seeds": 1, "methods": ["lora", "bitfit"], "lora_rank": [4, 8], "angles": [30, 45]}"#.utf8))
        let table = SweepTable.build(spec: spec, records: [])
        #expect(table.rows.map(\.label) == [
            "bitfit (angle=30°)", "bitfit (angle=45°)",
            "lora (angle=30°, r=4)", "lora (angle=30°, r=8)", "lora (angle=45°, r=4)", "lora (angle=45°, r=8)",
        ])
        #expect(table.thetaHeader == "Acc (θ)")
        #expect(table.rows[2].settings == ["angle": "30°", "r": "4"])
    }

    @Test func csvHasNumericColumnsAndQuotesFieldsThatNeedIt() throws {
        let csv = try sampleTable().csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "method,label,dataset,angle,n,seeds_completed,seeds_expected,trainable_params_mean,trainable_params_std,trainable_params_n,acc0_mean,acc0_std,acc0_n,acc_theta_mean,acc_theta_std,acc_theta_n,high_act_frac_mean,high_act_frac_std,high_act_frac_n")
        let bitfit = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(bitfit.prefix(10) == ["bitfit", "bitfit", "synthetic", "45", "2", "0 1", "0 1 2", "266", "0", "2"])
        #expect(abs((Double(bitfit[10]) ?? 0) - 0.85) < 1e-12)
        #expect(abs((Double(bitfit[11]) ?? 0) - 0.005.squareRoot()) < 1e-12)
        #expect(bitfit[12] == "2")
        #expect(bitfit.suffix(3) == ["", "", "0"])
        #expect(lines[3] == "lora,lora,synthetic,45,0,,0 1 2,,,0,,,0,,,0,,,0")
        #expect(SweepTable.csvField("lora (r=4, lr=0.001)") == "\"lora (r=4, lr=0.001)\"")
        #expect(SweepTable.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(SweepTable.csvField("two\nlines") == "\"two\nlines\"")
        #expect(SweepTable.csvField("plain") == "plain")
    }

    @Test func jsonCarriesMeanStdNAndSeedsWithNulls() throws {
        let json = try sampleTable().json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        let taugate = try #require(rows.first { $0["method"] as? String == "taugate" })
        let metrics = try #require(taugate["metrics"] as? [String: [String: Any]])
        #expect(metrics["high_act_frac"]?["mean"] as? Double == 0.28)
        #expect(metrics["high_act_frac"]?["std"] is NSNull)  // one seed: no std, written as null
        #expect(metrics["acc0"]?["n"] as? Int == 1)
        #expect(metrics["acc0"]?["seeds"] as? [Int] == [0])
        let bitfit = try #require(rows.first { $0["method"] as? String == "bitfit" })
        let bitfitMetrics = try #require(bitfit["metrics"] as? [String: [String: Any]])
        #expect(bitfitMetrics["high_act_frac"]?["mean"] is NSNull)
        #expect(bitfit["seeds_completed"] as? [Int] == [0, 1])
    }

    @Test func latexUsesPlusMinusAndEscapes() throws {
        let tex = try sampleTable().latex()
        #expect(tex.contains("\\begin{tabular}{lrlllr}"))
        #expect(tex.contains("Method & Trainable params & Acc (0$^\\circ$) & Acc (45$^\\circ$) & High-act frac & $n$ \\\\"))
        #expect(tex.contains("bitfit & 266 & 0.850 $\\pm$ 0.071 & 0.750 $\\pm$ 0.071 &  & 2 \\\\"))
        #expect(tex.hasSuffix("\\end{tabular}\n"))
        #expect(SweepTable.latexEscape("a_b & 50% #1 {x} $y ~ ^ \\") == "a\\_b \\& 50\\% \\#1 \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}")
        #expect(SweepTable.latexEscape("Acc (θ)") == "Acc ($\\theta$)")
    }

    @Test func resultsFileListsEveryTaskWithItsStatus() throws {
        let spec = try SweepSpec.decode(Data(#"{"seeds": 1, "methods": ["bitfit"]}"#.utf8))
        let adapt = try #require(spec.tasks.last)
        let record = JournalRecord.done(spec: adapt, outcome: TaskOutcome(metrics: Fixtures.metrics()), workerID: "w", attempts: 1)
        let data = try ResultsFile.encode(spec: spec, records: [record])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.count == 2)
        #expect(tasks.map { $0["status"] as? String } == ["pending", "done"])
        #expect(tasks.map { $0["task_id"] as? String } == spec.tasks.map(\.id))
        #expect((tasks[1]["metrics"] as? [String: Any])?["acc0"] as? Double == 0.8)
        #expect(tasks[0]["metrics"] is NSNull)
    }
}
