import Foundation

/// Why a run directory could not be used.
public enum RunDirectoryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The directory's `sweep.json` is another sweep.
    case differentSweep(path: String)
    /// No `sweep.json` where one is needed.
    case notARunDirectory(path: String)
    /// `sweep.json` exists but does not parse.
    case unreadableSweep(path: String, reason: String)
    /// A name that is not a hex SHA-256 was asked for as an artifact.
    case invalidArtifactName(String)
    /// No artifact with that hash.
    case missingArtifact(sha256: String, path: String)
    /// Stored or given bytes do not hash to their name.
    case artifactHashMismatch(expected: String, actual: String)
    /// A file-system call failed.
    case io(FileSystemError)

    /// What went wrong, in words a person can act on.
    public var description: String {
        switch self {
        case let .differentSweep(path):
            return "run directory \(path) holds a different sweep; use --out for a new one or the same spec to resume"
        case let .notARunDirectory(path):
            return "\(path) is not a run directory (no sweep.json)"
        case let .unreadableSweep(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidArtifactName(name):
            return "'\(name)' is not a hex SHA-256, so it names no artifact"
        case let .missingArtifact(sha, path):
            return "artifact \(sha) is missing from \(path)"
        case let .artifactHashMismatch(expected, actual):
            return "artifact bytes hash to \(actual), expected \(expected)"
        case let .io(error):
            return "run directory: \(error)"
        }
    }
}

/// `runs/NAME/`: `sweep.json`, `journal.jsonl`, `artifacts/<sha256>.f32` (foundation
/// weights by hash) and the rendered tables (architecture.md, "The journal").
public struct RunDirectory: Sendable {
    /// The directory itself.
    public let url: URL

    /// `sweep.json`: the canonical spec, written once on create.
    public var sweepURL: URL { url.appendingPathComponent("sweep.json") }
    /// `journal.jsonl`.
    public var journalURL: URL { url.appendingPathComponent("journal.jsonl") }
    /// `artifacts/`.
    public var artifactsURL: URL { url.appendingPathComponent("artifacts") }

    private init(url: URL) { self.url = url }

    /// Creates `url` (and `artifacts/`, and `sweep.json`) for a new run, or opens it to
    /// resume when it holds the same sweep; refuses one that holds a different sweep.
    public static func openOrCreate(at url: URL, sweep: SweepSpec) throws(RunDirectoryError) -> RunDirectory {
        let run = RunDirectory(url: url)
        let fileManager = FileManager.default
        do {
            try makeDirectory(url)
            try makeDirectory(run.artifactsURL)
        } catch {
            throw .io(error)
        }
        if fileManager.fileExists(atPath: run.sweepURL.path) {
            let saved = try readSweep(run.sweepURL)
            guard saved.sameSweep(as: sweep) else { throw .differentSweep(path: url.path) }
            return run
        }
        if fileManager.fileExists(atPath: run.journalURL.path) {
            throw .notARunDirectory(path: url.path)  // a journal without its sweep: refuse to guess
        }
        do {
            let json = try sweep.canonicalJSON()
            try POSIXFile.writeAtomically(json, to: run.sweepURL.path)
        } catch let error as FileSystemError {
            throw .io(error)
        } catch {
            throw .unreadableSweep(path: run.sweepURL.path, reason: String(describing: error))
        }
        return run
    }

    /// Opens an existing run (for `coordinator table`) and returns its sweep.
    public static func openExisting(at url: URL) throws(RunDirectoryError) -> (run: RunDirectory, sweep: SweepSpec) {
        let run = RunDirectory(url: url)
        guard FileManager.default.fileExists(atPath: run.sweepURL.path) else { throw .notARunDirectory(path: url.path) }
        return (run, try readSweep(run.sweepURL))
    }

    private static func readSweep(_ url: URL) throws(RunDirectoryError) -> SweepSpec {
        do {
            return try SweepSpec.load(from: url)
        } catch {
            throw .unreadableSweep(path: url.path, reason: error.description)
        }
    }

    private static func makeDirectory(_ url: URL) throws(FileSystemError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileSystemError(operation: "mkdir", path: url.path, errno: 0, message: error.localizedDescription)
        }
        try POSIXFile.syncDirectory(url.deletingLastPathComponent().path)
    }

    // MARK: Artifacts

    /// Where the weights with this hash live.
    public func artifactURL(sha256: String) throws(RunDirectoryError) -> URL {
        guard WeightsPayload.isSHA256(sha256) else { throw .invalidArtifactName(sha256) }
        return artifactsURL.appendingPathComponent("\(sha256).f32")
    }

    /// Whether the weights with this hash are stored.
    public func hasArtifact(sha256: String) -> Bool {
        guard let url = try? artifactURL(sha256: sha256) else { return false }
        return FileManager.default.fileExists(atPath: url.path)
    }

    /// Stores weights under their hash, durably (temp file, fsync, rename, directory
    /// fsync). Refuses bytes that do not hash to `sha256`. Storing twice is harmless.
    public func storeArtifact(_ weights: Data, sha256: String) throws(RunDirectoryError) {
        let url = try artifactURL(sha256: sha256)
        let actual = WeightsPayload.sha256(weights)
        guard actual == sha256 else { throw .artifactHashMismatch(expected: sha256, actual: actual) }
        do {
            try POSIXFile.writeAtomically(weights, to: url.path)
        } catch {
            throw .io(error)
        }
    }

    /// Loads and verifies the weights with this hash.
    public func loadArtifact(sha256: String) throws(RunDirectoryError) -> Data {
        let url = try artifactURL(sha256: sha256)
        guard let data = try? Data(contentsOf: url) else { throw .missingArtifact(sha256: sha256, path: artifactsURL.path) }
        let actual = WeightsPayload.sha256(data)
        guard actual == sha256 else { throw .artifactHashMismatch(expected: sha256, actual: actual) }
        return data
    }

    /// Writes an output file (`table.md`, `results.json`, ...) atomically.
    public func writeOutput(_ data: Data, named name: String) throws(RunDirectoryError) {
        do {
            try POSIXFile.writeAtomically(data, to: url.appendingPathComponent(name).path)
        } catch {
            throw .io(error)
        }
    }
}
