import Foundation

/// Why the journal could not be read or written.
public enum JournalError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A bad line before the last one: not a torn write but damage. Never skipped.
    case corrupt(path: String, line: Int, reason: String)
    /// A file-system call failed; for `fsync` this is fatal (the journal refuses further appends).
    case io(FileSystemError)
    /// An earlier write or fsync failed, so what is on disk is unknown.
    case unusable(path: String, cause: FileSystemError)

    /// What went wrong, in words a person can act on.
    public var description: String {
        switch self {
        case let .corrupt(path, line, reason):
            return "journal \(path) is corrupt at line \(line): \(reason); it was not written by a clean append, so it is not repaired automatically"
        case let .io(error):
            return "journal: \(error)"
        case let .unusable(path, cause):
            return "journal \(path) is unusable after an earlier failure (\(cause)); restart the coordinator to resume from what is on disk"
        }
    }
}

/// What loading found besides the records.
public struct JournalLoad: Equatable, Sendable {
    /// Every intact record, in file order.
    public var records: [JournalRecord]
    /// Set when the last line was torn (a crash mid-append) and dropped.
    public var droppedTail: TornTail?

    /// A dropped last line.
    public struct TornTail: Equatable, Sendable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        /// Length of the dropped bytes.
        public var bytes: Int
        /// What was wrong with it.
        public var reason: String
        /// What went wrong, in words a person can act on.
        public var description: String { "dropped a torn last line (line \(line), \(bytes) bytes: \(reason)); its task will run again" }
    }
}

/// `runs/NAME/journal.jsonl`: one line per finished task, appended and fsynced before
/// the scheduler's `ack` goes out (reliability.md, "Crash-safe logs").
///
/// A line is `<checksum> <record JSON>\n`, the checksum being the first 16 hex digits of
/// the SHA-256 of the JSON bytes. SHA-256 rather than CRC32: it is already here and
/// tested, 64 bits catch torn and rotten lines at least as well as CRC32's 32, and at
/// one line per task its cost is nothing.
///
/// On open, a bad last line (no newline, bad checksum, bad JSON) is a torn append: it is
/// reported and cut off so later appends start clean. A bad line before the last is
/// corruption and throws with its line number.
public final class Journal {
    /// The journal file.
    public let path: String
    private let file: POSIXFile
    private var failure: FileSystemError?

    private init(path: String, file: POSIXFile) {
        self.path = path
        self.file = file
    }

    /// Opens (creating if absent) the journal for appending, after loading it and cutting
    /// off a torn tail.
    public static func open(at url: URL) throws(JournalError) -> (journal: Journal, load: JournalLoad) {
        let path = url.path
        let contents = try read(url)
        let (load, validLength) = try parse(contents, path: path)
        let opened: (file: POSIXFile, created: Bool)
        do {
            opened = try POSIXFile.openForAppend(path)
            if validLength < contents.count {
                try opened.file.truncate(to: validLength)
                try opened.file.sync()
            }
            if opened.created { try POSIXFile.syncDirectory(url.deletingLastPathComponent().path) }
        } catch {
            throw .io(error)
        }
        return (Journal(path: path, file: opened.file), load)
    }

    /// Reads a journal without changing it (for `coordinator table`); a missing file is empty.
    public static func read(at url: URL) throws(JournalError) -> JournalLoad {
        try parse(read(url), path: url.path).load
    }

    /// The file's bytes; empty when it does not exist.
    private static func read(_ url: URL) throws(JournalError) -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else { return Data() }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .io(FileSystemError(operation: "read", path: url.path, errno: 0, message: error.localizedDescription))
        }
    }

    /// Appends one record durably.
    public func append(_ record: JournalRecord, now: Date = Date()) throws(JournalError) {
        try append([record], now: now)
    }

    /// Appends several records with one write and one fsync (group commit). Records with
    /// no `recordedAt` are stamped with `now`. When this returns, they are on disk; when
    /// it throws, the journal refuses further appends.
    public func append(_ records: [JournalRecord], now: Date = Date()) throws(JournalError) {
        if let failure { throw .unusable(path: path, cause: failure) }
        guard !records.isEmpty else { return }
        let stamp = ISO8601DateFormatter().string(from: now)
        var bytes = Data()
        for var record in records {
            if record.recordedAt == nil { record.recordedAt = stamp }
            bytes.append(Self.line(for: record))
        }
        do {
            try file.write(bytes)
            try file.sync()
        } catch {
            failure = error
            throw .io(error)
        }
    }

    /// Closes the file (also done on deinit).
    public func close() { file.close() }

    // MARK: Format

    /// The checksum of a line's JSON.
    static func checksum(_ json: Data) -> String { String(SHA256.hex(json).prefix(16)) }

    /// One encoded line, newline included.
    public static func line(for record: JournalRecord) -> Data {
        let json: Data
        do {
            json = try CanonicalJSON.encode(record)
        } catch {
            preconditionFailure("encoding a journal record failed: \(error)")
        }
        var line = Data(checksum(json).utf8)
        line.append(0x20)
        line.append(json)
        line.append(0x0A)
        return line
    }

    /// Parses a whole file; returns the records and the byte length of the intact prefix.
    static func parse(_ contents: Data, path: String) throws(JournalError) -> (load: JournalLoad, validLength: Int) {
        let bytes = [UInt8](contents)
        var records: [JournalRecord] = []
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline ?? bytes.count
            let isLast = newline == nil || end + 1 == bytes.count
            let problem: String?
            if newline == nil {
                problem = "no newline at the end"
            } else {
                switch decodeLine(bytes[start..<end]) {
                case let .success(record): records.append(record); problem = nil
                case let .failure(reason): problem = reason.text
                }
            }
            if let problem {
                guard isLast else { throw .corrupt(path: path, line: lineNumber, reason: problem) }
                let torn = JournalLoad.TornTail(line: lineNumber, bytes: bytes.count - start, reason: problem)
                return (JournalLoad(records: records, droppedTail: torn), start)
            }
            start = end + 1
        }
        return (JournalLoad(records: records, droppedTail: nil), bytes.count)
    }

    private struct LineProblem: Error { var text: String }

    private static func decodeLine(_ line: ArraySlice<UInt8>) -> Result<JournalRecord, LineProblem> {
        guard line.count > 17, let space = line.firstIndex(of: 0x20), space - line.startIndex == 16 else {
            return .failure(LineProblem(text: "no checksum prefix"))
        }
        let stored = String(decoding: line[line.startIndex..<space], as: UTF8.self)
        let json = Data(line[(space + 1)...])
        guard stored == checksum(json) else {
            return .failure(LineProblem(text: "checksum \(stored) does not match the content"))
        }
        do {
            return .success(try CanonicalJSON.decode(JournalRecord.self, from: json))
        } catch let error as DecodingError {
            return .failure(LineProblem(text: "not a journal record: \(SweepSpec.describe(error))"))
        } catch {
            return .failure(LineProblem(text: "not a journal record: \(error)"))
        }
    }
}
