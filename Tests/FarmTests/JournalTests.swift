import Foundation
import Testing
import Farm

@Suite struct JournalTests {
    let records: [JournalRecord] = [
        .done(spec: Fixtures.foundation(), outcome: Fixtures.foundationOutcome(), workerID: "w1", attempts: 1),
        .done(spec: Fixtures.adapt(.bitfit), outcome: TaskOutcome(metrics: Fixtures.metrics()), workerID: "w2", attempts: 2),
        .failed(spec: Fixtures.adapt(.lora), reasons: ["worker w1: nan loss", "worker w2: nan loss"], attempts: 2),
    ]
    let fixedDate = Date(timeIntervalSince1970: 1_800_000_000)

    func stamped(_ records: [JournalRecord]) -> [JournalRecord] {
        records.map { var r = $0; r.recordedAt = ISO8601DateFormatter().string(from: fixedDate); return r }
    }

    @Test func appendThenLoadRoundTrips() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        do {
            let (journal, load) = try Journal.open(at: url)
            #expect(load.records.isEmpty && load.droppedTail == nil)
            for record in records { try journal.append(record, now: fixedDate) }
        }
        let (_, load) = try Journal.open(at: url)
        #expect(load.records == stamped(records))
        #expect(load.droppedTail == nil)
        #expect(load.records.first?.recordedAt == "2027-01-15T08:00:00Z")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.hasSuffix("\n"))
    }

    @Test func groupAppendWritesEveryRecordAtOnce() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        let (journal, _) = try Journal.open(at: url)
        try journal.append(records, now: fixedDate)
        try journal.append([], now: fixedDate)  // nothing to write is fine
        #expect(try Journal.read(at: url).records == stamped(records))
    }

    @Test func tornLastLineIsReportedDroppedAndCutOff() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        var bytes = Data()
        for record in stamped(records) { bytes.append(Journal.line(for: record)) }
        let intact = bytes.count
        let extra = Journal.line(for: records[0])
        bytes.append(extra.prefix(extra.count / 2))  // a crash mid-append
        try bytes.write(to: url)

        let readOnly = try Journal.read(at: url)
        #expect(readOnly.records.count == 3)
        #expect(readOnly.droppedTail?.line == 4)
        #expect(readOnly.droppedTail?.reason.contains("newline") == true)
        #expect(try Data(contentsOf: url).count == bytes.count)  // read does not repair

        let (journal, load) = try Journal.open(at: url)
        #expect(load.records == stamped(records))
        #expect(load.droppedTail?.bytes == extra.count / 2)
        #expect(try Data(contentsOf: url).count == intact)  // open cut it off
        try journal.append(records[0], now: fixedDate)
        #expect(try Journal.read(at: url).records.count == 4)
    }

    @Test func lastLineWithABadChecksumIsTornToo() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        var last = [UInt8](Journal.line(for: records[1]))
        last[30] = last[30] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        try (Journal.line(for: records[0]) + Data(last)).write(to: url)
        let (_, load) = try Journal.open(at: url)
        #expect(load.records.count == 1)
        #expect(load.droppedTail?.reason.contains("checksum") == true)
    }

    @Test func badLineInTheMiddleIsCorruptionNamingTheLine() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        var middle = [UInt8](Journal.line(for: records[1]))
        middle[40] ^= 0x01
        try (Journal.line(for: records[0]) + Data(middle) + Journal.line(for: records[2])).write(to: url)
        #expect {
            _ = try Journal.open(at: url)
        } throws: { error in
            guard case let JournalError.corrupt(_, line, reason) = error else { return false }
            return line == 2 && reason.contains("checksum")
        }
        #expect(throws: JournalError.self) { _ = try Journal.read(at: url) }
    }

    @Test func validChecksumButNotARecordInTheMiddleIsCorruption() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("journal.jsonl")
        let json = Data(#"{"hello":1}"#.utf8)
        let bogus = Data((String(SHA256.hex(json).prefix(16)) + " ").utf8) + json + Data([0x0A])
        try (bogus + Journal.line(for: records[0])).write(to: url)
        #expect {
            _ = try Journal.read(at: url)
        } throws: { error in
            guard case let JournalError.corrupt(_, line, reason) = error else { return false }
            return line == 1 && reason.contains("not a journal record")
        }
    }

    @Test func anEmptyOrMissingJournalHasNoRecords() throws {
        let dir = try Fixtures.temporaryDirectory()
        #expect(try Journal.read(at: dir.appendingPathComponent("none.jsonl")).records.isEmpty)
        try Data().write(to: dir.appendingPathComponent("empty.jsonl"))
        let load = try Journal.read(at: dir.appendingPathComponent("empty.jsonl"))
        #expect(load.records.isEmpty && load.droppedTail == nil)
    }

    @Test func finalRecordPrefersTheFirstSuccess() {
        let spec = Fixtures.adapt(.ia3)
        let failed = JournalRecord.failed(spec: spec, reasons: ["x"], attempts: 3)
        let first = JournalRecord.done(spec: spec, outcome: TaskOutcome(metrics: Fixtures.metrics(acc0: 0.1)), workerID: "a", attempts: 1)
        let second = JournalRecord.done(spec: spec, outcome: TaskOutcome(metrics: Fixtures.metrics(acc0: 0.2)), workerID: "b", attempts: 1)
        #expect(JournalRecord.final([failed, first, second, failed])[spec.id] == first)
        #expect(JournalRecord.final([failed])[spec.id] == failed)
    }
}

@Suite struct RunDirectoryTests {
    @Test func createWritesTheSweepAndReopensForTheSameSweep() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("runs/first")
        var spec = SweepSpec()
        spec.seeds = [2, 0, 1]
        let run = try RunDirectory.openOrCreate(at: url, sweep: spec)
        #expect(FileManager.default.fileExists(atPath: run.artifactsURL.path))
        #expect(try Data(contentsOf: run.sweepURL) == spec.canonicalJSON())
        var reordered = spec
        reordered.seeds = [0, 1, 2]
        _ = try RunDirectory.openOrCreate(at: url, sweep: reordered)
        let (_, saved) = try RunDirectory.openExisting(at: url)
        #expect(saved.sameSweep(as: spec))
    }

    @Test func aDifferentSweepIsRefusedWithAClearMessage() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("run")
        _ = try RunDirectory.openOrCreate(at: url, sweep: SweepSpec())
        var other = SweepSpec()
        other.angles = [30]
        #expect(throws: RunDirectoryError.differentSweep(path: url.path)) {
            try RunDirectory.openOrCreate(at: url, sweep: other)
        }
        #expect(RunDirectoryError.differentSweep(path: "runs/x").description
            == "run directory runs/x holds a different sweep; use --out for a new one or the same spec to resume")
    }

    @Test func openingSomethingThatIsNotARunIsRefused() throws {
        let url = try Fixtures.temporaryDirectory()
        #expect(throws: RunDirectoryError.notARunDirectory(path: url.path)) { try RunDirectory.openExisting(at: url) }
    }

    @Test func artifactsRoundTripByHashAndAreVerified() throws {
        let run = try RunDirectory.openOrCreate(at: Fixtures.temporaryDirectory(), sweep: SweepSpec())
        let weights = WeightsPayload.data(from: (0..<1000).map { Float($0) * 0.25 })
        let sha = WeightsPayload.sha256(weights)
        #expect(!run.hasArtifact(sha256: sha))
        try run.storeArtifact(weights, sha256: sha)
        try run.storeArtifact(weights, sha256: sha)  // idempotent
        #expect(run.hasArtifact(sha256: sha))
        #expect(try run.loadArtifact(sha256: sha) == weights)
        #expect(try run.artifactURL(sha256: sha).lastPathComponent == "\(sha).f32")
        // Wrong bytes under a name are refused on store and detected on load.
        #expect(throws: RunDirectoryError.artifactHashMismatch(expected: sha, actual: Fixtures.weightsSHA)) {
            try run.storeArtifact(Fixtures.weightsData, sha256: sha)
        }
        try Fixtures.weightsData.write(to: run.artifactURL(sha256: sha))
        #expect(throws: RunDirectoryError.artifactHashMismatch(expected: sha, actual: Fixtures.weightsSHA)) {
            try run.loadArtifact(sha256: sha)
        }
        #expect(throws: RunDirectoryError.invalidArtifactName("../sweep")) { try run.loadArtifact(sha256: "../sweep") }
        let absent = String(repeating: "0", count: 64)
        #expect(throws: RunDirectoryError.missingArtifact(sha256: absent, path: run.artifactsURL.path)) {
            try run.loadArtifact(sha256: absent)
        }
        // No temporary files left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: run.artifactsURL.path)
        #expect(names == ["\(sha).f32"])
    }
}
