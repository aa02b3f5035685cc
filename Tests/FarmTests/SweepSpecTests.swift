import Foundation
import Testing
import Farm

@Suite struct SweepSpecTests {
    private func decode(_ json: String) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.decode(Data(json.utf8))
    }

    private func error(_ json: String) -> SweepSpecError? {
        do { _ = try decode(json); return nil } catch { return error }
    }

    @Test func emptyObjectTakesTheSpecDefaults() throws {
        let spec = try decode("{}")
        #expect(spec.seeds == [0, 1, 2, 3, 4])
        #expect(spec.methods == MethodName.allCases)
        #expect(spec.datasets == ["mnist"])
        #expect(spec.angles == [45])
        #expect(spec.foundationEpochs == [5] && spec.adaptationEpochs == [5])
        #expect(spec.batchSizes == [128] && spec.hiddenWidths == [128])
        #expect(spec.learningRates["bitfit"] == [1e-2] && spec.learningRates["lora"] == [1e-3])
        #expect(spec.learningRates["foundation"] == [1e-3] && spec.learningRates["ia3"] == [1e-2])
        #expect(spec.tauLambdas == [0.5] && spec.tauSharpnesses == [10] && spec.loraRanks == [8] && spec.loraAlphas == [16])
        #expect(spec == SweepSpec())
    }

    @Test func seedsMayBeACountOrAList() throws {
        #expect(try decode(#"{"seeds": 3}"#).seeds == [0, 1, 2])
        #expect(try decode(#"{"seeds": [7, 2]}"#).seeds == [7, 2])
    }

    @Test func axesMayBeOneValueOrAList() throws {
        let spec = try decode(#"{"angles": 30, "lora_rank": [4, 8], "lr": {"lora": [1e-3, 1e-4], "bitfit": 0.05}, "dataset": "fashion-mnist"}"#)
        #expect(spec.angles == [30])
        #expect(spec.loraRanks == [4, 8])
        #expect(spec.learningRates["lora"] == [1e-3, 1e-4])
        #expect(spec.learningRates["bitfit"] == [0.05])
        #expect(spec.learningRates["taugate"] == [1e-2])  // untouched default
        #expect(spec.datasets == ["fashion-mnist"] && spec.dataDirectories.isEmpty)
    }

    @Test func dataDirectoryReplacesTheDefaultDataset() throws {
        let spec = try decode(#"{"data": "/srv/idx"}"#)
        #expect(spec.datasets.isEmpty)
        #expect(spec.dataSources == [.directory("/srv/idx")])
    }

    @Test func unknownKeysAreRefusedWithASuggestion() {
        guard case let .unknownKeys(keys, suggestions, known)? = error(#"{"angle": 30, "seeds": 2}"#) else {
            Issue.record("expected unknownKeys"); return
        }
        #expect(keys == ["angle"])
        #expect(suggestions["angle"] == "angles")
        #expect(known.contains("angles"))
        #expect(error(#"{"angle": 30}"#)?.description.contains("did you mean 'angles'") == true)
    }

    @Test func unknownMethodIsRefusedListingTheKnownOnes() {
        let e = error(#"{"methods": ["bitfit", "adapter"]}"#)
        #expect(e == .unknownMethod("adapter", known: ["frozen", "bitfit", "taugate", "lora", "full", "ia3"]))
        #expect(e?.description.contains("taugate") == true)
    }

    @Test func unknownDatasetIsRefusedListingTheKnownOnes() {
        #expect(error(#"{"dataset": "cifar10"}"#) == .unknownDataset("cifar10", known: SweepSpec.knownDatasets))
    }

    @Test func badValuesAreRefusedNamingTheKey() {
        #expect(error(#"{"seeds": 0}"#) == .emptyAxis("seeds"))
        #expect(error(#"{"methods": []}"#) == .emptyAxis("methods"))
        #expect(error(#"{"lr": {"lora": 0}}"#) == .notPositive(key: "lr.lora", value: "0.0"))
        #expect(error(#"{"lr": {"foundation": -0.1}}"#) == .notPositive(key: "lr.foundation", value: "-0.1"))
        #expect(error(#"{"adapt_epochs": 0}"#) == .notPositive(key: "adapt_epochs", value: "0"))
        #expect(error(#"{"foundation_epochs": -2}"#) == .notPositive(key: "foundation_epochs", value: "-2"))
        #expect(error(#"{"hidden": [128, 0]}"#) == .notPositive(key: "hidden", value: "0"))
        #expect(error(#"{"seeds": [1, 1]}"#) == .duplicateValue(axis: "seeds", value: "1"))
        #expect(error(#"{"lr": {"frozen": 0.1}}"#) == .learningRateNotApplicable("frozen"))
        #expect(error(#"{"lr": {"bitfti": 0.1}}"#) == .learningRateNotApplicable("bitfti"))
        #expect(error(#"{"data": ""}"#) == .emptyDataDirectory)
    }

    @Test func typeErrorsAndNonJSONAreRefusedWithTheirPlace() {
        guard case let .invalidJSON(_, reason)? = error(#"{"seeds": "five"}"#) else { Issue.record("expected invalidJSON"); return }
        #expect(reason.contains("seeds"))
        guard case .invalidJSON? = error("not json") else { Issue.record("expected invalidJSON"); return }
        guard case .invalidJSON? = error(#"{"seeds": -3}"#) else { Issue.record("expected invalidJSON"); return }
    }

    @Test func expansionMakesOneFoundationPerSeedAndOneAdaptPerMethodSetting() throws {
        let spec = try decode(#"{"seeds": 2, "methods": ["lora", "frozen", "taugate"], "lora_rank": [4, 8]}"#)
        let tasks = spec.tasks
        let foundations = tasks.filter { $0.kind == .foundation }
        #expect(foundations.count == 2)
        #expect(tasks.count == 2 + 2 * (1 + 1 + 2))
        // Foundations first, then the adapts that train in table order per foundation, then
        // the frozen ones (the cheapest, to fill the last round).
        #expect(tasks.prefix(2).allSatisfy { $0.kind == .foundation })
        #expect(tasks[2...].allSatisfy { $0.kind == .adapt })
        #expect(tasks[2...].prefix(3).map { $0.adaptation?.method } == [.taugate, .lora, .lora])
        #expect(tasks.suffix(2).map { $0.adaptation?.method } == [.frozen, .frozen])
        #expect(tasks.suffix(2).map { $0.foundation.seed } == [0, 1])
        // Every adapt depends on a foundation of the sweep.
        let foundationIDs = Set(foundations.map(\.id))
        #expect(tasks.compactMap(\.dependency).allSatisfy { foundationIDs.contains($0.id) })
        // Deterministic.
        #expect(spec.tasks.map(\.id) == tasks.map(\.id))
        #expect(Set(tasks.map(\.id)).count == tasks.count)
    }

    @Test func settingsAMethodDoesNotUseAreNil() throws {
        let spec = try decode(#"{"seeds": 1}"#)
        let byMethod = Dictionary(spec.tasks.compactMap { $0.adaptation }.map { ($0.method, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byMethod[.frozen] == AdaptationSettings(method: .frozen, epochs: 0))
        #expect(byMethod[.bitfit] == AdaptationSettings(method: .bitfit, epochs: 5, learningRate: 1e-2))
        #expect(byMethod[.taugate] == AdaptationSettings(method: .taugate, epochs: 5, learningRate: 1e-2, tauLambda: 0.5, tauSharpness: 10))
        #expect(byMethod[.lora] == AdaptationSettings(method: .lora, epochs: 5, learningRate: 1e-3, loraRank: 8, loraAlpha: 16))
        #expect(byMethod[.full]?.loraRank == nil && byMethod[.ia3]?.tauLambda == nil)
    }

    @Test func anUnrelatedAxisDoesNotChangeAMethodsTaskIDs() throws {
        let a = try decode(#"{"seeds": 1, "methods": ["bitfit", "lora"]}"#)
        let b = try decode(#"{"seeds": 1, "methods": ["bitfit", "lora"], "lora_rank": 4, "taugate_s": 20}"#)
        let bitfit = { (s: SweepSpec) in s.tasks.filter { $0.adaptation?.method == .bitfit }.map(\.id) }
        let lora = { (s: SweepSpec) in s.tasks.filter { $0.adaptation?.method == .lora }.map(\.id) }
        #expect(bitfit(a) == bitfit(b))
        #expect(lora(a) != lora(b))
    }

    @Test func canonicalJSONRoundTripsAndIgnoresListOrder() throws {
        let a = try decode(#"{"seeds": [3, 1], "methods": ["lora", "bitfit"], "angles": [45, 30]}"#)
        let b = try decode(#"{"angles": [30, 45], "methods": ["bitfit", "lora"], "seeds": [1, 3]}"#)
        #expect(a.sameSweep(as: b))
        #expect(try a.canonicalJSON() == b.canonicalJSON())
        let reread = try SweepSpec.decode(a.canonicalJSON())
        #expect(reread.sameSweep(as: a))
        // A count and the same explicit list are the same sweep.
        #expect(try decode(#"{"seeds": 2}"#).sameSweep(as: decode(#"{"seeds": [1, 0]}"#)))
    }

    @Test func aDifferentSettingIsADifferentSweep() throws {
        #expect(try !decode(#"{"seeds": 2}"#).sameSweep(as: decode(#"{"seeds": 3}"#)))
        #expect(try !decode("{}").sameSweep(as: decode(#"{"lr": {"lora": 1e-4}}"#)))
    }

    @Test func loadReadsAFileAndNamesAMissingOne() throws {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("sweep.json")
        try Data(#"{"seeds": 2, "methods": "taugate"}"#.utf8).write(to: url)
        let spec = try SweepSpec.load(from: url)
        #expect(spec.methods == [.taugate] && spec.seeds == [0, 1])
        do {
            _ = try SweepSpec.load(from: dir.appendingPathComponent("nope.json"))
            Issue.record("expected unreadable")
        } catch {
            guard case let .unreadable(path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path.hasSuffix("nope.json"))
        }
    }

    @Test func parseMethodsReadsTheCLIList() throws {
        #expect(try SweepSpec.parseMethods("bitfit, lora") == [.bitfit, .lora])
        #expect(throws: SweepSpecError.unknownMethod("bogus", known: MethodName.allCases.map(\.rawValue))) {
            try SweepSpec.parseMethods("bitfit,bogus")
        }
    }
}
