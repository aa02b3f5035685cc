// The end-to-end tests' process harness: find the built executables, launch them with
// their output captured to files, wait for their exit (an event) or for a condition on a
// file with a deadline, pick free loopback ports, and kill whatever is left at teardown —
// including the workers a coordinator spawned, by process id, never by name.
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A harness failure with a message the test report shows.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Deadlines, generous for a debug build on 2 shared cores. A test that hits one fails
/// with what it was waiting for; none of them is a sleep.
enum Deadlines {
    /// A whole small sweep, start to exit.
    static let sweep: Duration = .seconds(120)
    /// One awaited event (a log line, a journal line, a worker's exit).
    static let event: Duration = .seconds(30)
    /// A usage error: no work is done, so it is quick.
    static let usageError: Duration = .seconds(20)
}

// MARK: - Executables

/// `coordinator` and `worker`, built beside the test bundle (the EndToEndTests target
/// depends on both executable targets, so SwiftPM builds them into the same products
/// directory).
enum Executables {
    static var coordinator: URL { get throws { try directory().appendingPathComponent("coordinator") } }
    static var worker: URL { get throws { try directory().appendingPathComponent("worker") } }

    /// The products directory holding both executables: the test bundle's directory or
    /// one of its ancestors (a macOS `.xctest` bundle nests its binary three levels down).
    static func directory() throws -> URL {
        var starts: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()]
        if let main = Bundle.main.executableURL { starts.append(main.resolvingSymlinksInPath()) }
        var tried: [String] = []
        for start in starts {
            var candidate = start.deletingLastPathComponent()
            for _ in 0..<4 {
                tried.append(candidate.path)
                let fm = FileManager.default
                if fm.isExecutableFile(atPath: candidate.appendingPathComponent("coordinator").path),
                   fm.isExecutableFile(atPath: candidate.appendingPathComponent("worker").path) {
                    return candidate
                }
                candidate = candidate.deletingLastPathComponent()
            }
        }
        throw HarnessError("""
            cannot find the 'coordinator' and 'worker' executables beside the test bundle; \
            looked in: \(tried.joined(separator: ", ")). Build them with `swift build --build-tests` \
            (EndToEndTests depends on both executable targets).
            """)
    }
}

// MARK: - Processes

/// How a process ended.
enum Termination: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    var description: String {
        switch self {
        case let .exited(code): "exit \(code)"
        case let .signaled(signal): "killed by signal \(signal)"
        }
    }
}

/// One launched process; stdout and stderr go to files so nothing blocks on a full pipe.
final class ChildProcess {
    let name: String
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    /// Signalled once by the termination handler, and re-signalled by each waiter.
    private let exited = DispatchSemaphore(value: 0)

    fileprivate init(name: String, executable: URL, arguments: [String], environment: [String: String], logDirectory: URL) throws {
        self.name = name
        stdoutURL = logDirectory.appendingPathComponent("\(name).stdout")
        stderrURL = logDirectory.appendingPathComponent("\(name).stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = logDirectory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The last lines of stderr, for failure messages.
    var stderrTail: String {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(25).joined(separator: "\n")
    }

    /// Waits for the exit event; a timeout throws, naming the process and its stderr.
    @discardableResult
    func waitForExit(timeout: Duration = Deadlines.sweep) throws -> Termination {
        guard exited.wait(timeout: .now() + timeout.timeInterval) == .success else {
            throw HarnessError("\(name) did not exit within \(timeout); its stderr ends:\n\(stderrTail)")
        }
        exited.signal()  // later waiters see the exit too
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signaled(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }

    func send(signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }
}

/// Launches processes for one test and kills every one left at the end, with the
/// descendants it adopted (a coordinator's local workers). Use as
/// `let processes = Processes(...); defer { processes.killAll() }`.
final class Processes {
    let logDirectory: URL
    private var children: [ChildProcess] = []
    /// Processes we did not launch ourselves (a coordinator's workers), with their start
    /// time so a recycled pid is never signalled.
    private var adopted: [(pid: pid_t, startTime: String)] = []

    init(logDirectory: URL) {
        self.logDirectory = logDirectory
    }

    /// The environment of every child: ours, minus the variables that change what the
    /// executables do, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["SEEDFARM_FAULTS", "SEEDFARM_DEBUG", "SEEDFARM_WORKER"] { environment[name] = nil }
        environment.merge(extra) { _, new in new }
        return environment
    }

    func launch(_ name: String, _ executable: URL, _ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        let child = try ChildProcess(
            name: name, executable: executable, arguments: arguments, environment: Self.environment(extra),
            logDirectory: logDirectory)
        children.append(child)
        return child
    }

    func coordinator(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try launch(name, try Executables.coordinator, arguments, environment: environment)
    }

    func coordinator(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try coordinator("coordinator", arguments, environment: environment)
    }

    func worker(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try launch(name, try Executables.worker, arguments, environment: environment)
    }

    /// Records `parent`'s descendants now, so they can be killed after `parent` dies and
    /// they are re-parented; returns their pids.
    @discardableResult
    func adoptDescendants(of parent: ChildProcess) -> [pid_t] {
        let found = ProcFS.descendants(of: parent.pid)
        for pid in found {
            if let start = ProcFS.startTime(of: pid) { adopted.append((pid, start)) }
        }
        return found
    }

    /// Whether an adopted process still runs (and is the same process).
    func isAlive(_ pid: pid_t) -> Bool {
        guard let entry = adopted.first(where: { $0.pid == pid }) else { return false }
        return ProcFS.startTime(of: pid) == entry.startTime && !ProcFS.isZombie(pid)
    }

    /// SIGKILL to every launched process still running and to its descendants, and to
    /// every adopted process still alive; then reaps the launched ones.
    func killAll() {
        for child in children where child.isRunning {
            adoptDescendants(of: child)
            child.send(signal: SIGKILL)
        }
        for entry in adopted where ProcFS.startTime(of: entry.pid) == entry.startTime {
            kill(entry.pid, SIGKILL)
        }
        for child in children { _ = try? child.waitForExit(timeout: .seconds(10)) }
    }
}

/// What `/proc` says about processes (Linux).
enum ProcFS {
    /// Fields after the command name of `/proc/PID/stat`: state, ppid, ..., starttime (22nd field overall).
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func parent(of pid: pid_t) -> pid_t? {
        guard let fields = statFields(pid), fields.count > 1 else { return nil }
        return pid_t(fields[1])
    }

    static func startTime(of pid: pid_t) -> String? {
        guard let fields = statFields(pid), fields.count > 19 else { return nil }
        return String(fields[19])
    }

    static func isZombie(_ pid: pid_t) -> Bool { statFields(pid)?.first == "Z" }

    /// Every live descendant of `root`, children first.
    static func descendants(of root: pid_t) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: [pid_t: [pid_t]] = [:]
        for name in names {
            guard let pid = pid_t(name), let parent = parent(of: pid) else { continue }
            children[parent, default: []].append(pid)
        }
        var result: [pid_t] = []
        var queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] {
                result.append(child)
                queue.append(child)
            }
        }
        return result
    }
}

// MARK: - Waiting

/// Polls `condition` until it holds or `timeout` passes; used for conditions on files
/// (a journal line, a log line), which announce themselves no other way. When `process`
/// exits first, fails at once with its stderr.
func waitUntil(
    _ what: String, timeout: Duration = Deadlines.event, unlessExited process: ChildProcess? = nil,
    _ condition: () throws -> Bool
) throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try condition() { return }
        if let process, !process.isRunning {
            if try condition() { return }
            throw HarnessError("\(process.name) exited while waiting for \(what); its stderr ends:\n\(process.stderrTail)")
        }
        guard clock.now < deadline else {
            let detail = process.map { "; \($0.name)'s stderr ends:\n\($0.stderrTail)" } ?? ""
            throw HarnessError("timed out after \(timeout) waiting for \(what)\(detail)")
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
}

// MARK: - Ports and directories

/// A loopback TCP port free right now: bind port 0, read it, close.
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw HarnessError("binding a loopback port failed: errno \(errno)") }
    return UInt16(bigEndian: address.sin_port)
}

/// A fresh directory under the system's temporary directory, removed by `remove()`
/// (kept when `SEEDFARM_E2E_KEEP` is set, for debugging).
struct TemporaryDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("seedfarm-e2e-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        if ProcessInfo.processInfo.environment["SEEDFARM_E2E_KEEP"] != nil { return }
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }
}

extension Processes {
    /// A coordinator that also accepts workers at loopback `port`, returned once it says so.
    func acceptingCoordinator(_ arguments: [String], port: UInt16, environment: [String: String] = [:]) throws -> ChildProcess {
        let coordinator = try coordinator(arguments + ["--bind", "tcp://127.0.0.1:\(port)"], environment: environment)
        try waitUntil("the coordinator to accept workers", unlessExited: coordinator) {
            coordinator.stderr.contains("accepting workers at")
        }
        return coordinator
    }
}
