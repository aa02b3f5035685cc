/// What the worker's shell feeds `WorkerSession`.
public enum WorkerEvent: Equatable, Sendable {
    /// Begin: connect and say hello.
    case start
    /// A message from the coordinator, decoded.
    case received(WireMessage)
    /// Frames from the coordinator that did not decode (logged; still a sign of life).
    case undecodable(WireError)
    /// The task from `.run` finished.
    case runFinished(ResultReport)
    /// The task from `.run` failed (an error, not a crash of the worker).
    case runFailed(taskID: String, reason: String)
    /// Time passed; call at least every `heartbeatInterval`.
    case tick
    /// SIGTERM: leave. With `finishCurrent`, a running task is finished and its result
    /// delivered first; without, it is abandoned and the coordinator told so.
    case stop(finishCurrent: Bool)
}

/// What `WorkerSession` asks its shell to do, in order.
public enum WorkerAction: Equatable, Sendable {
    /// Open a fresh DEALER socket (linger 0) and connect; following sends go to it.
    case connect
    /// Close the socket, dropping anything queued; nothing is sent until `.connect`.
    case disconnect
    /// Send a message on the current socket.
    case send(WireMessage)
    /// Start the task off the protocol thread; weights are attached or, when `weights`
    /// is nil and `foundationSHA256` set, in the shell's cache. Report back with
    /// `.runFinished` or `.runFailed`.
    case run(TaskAssignment)
    /// Leave the process.
    case exit(WorkerExit)
    /// Tell the operator.
    case log(LogLevel, String)
}

/// Why the worker leaves; the shell maps it to an exit code.
public enum WorkerExit: Equatable, Sendable {
    /// The coordinator said `bye`: the sweep is done (exit 0).
    case finished
    /// Stopped by a signal (exit 0).
    case stopped
    /// The coordinator refused us (exit 1).
    case rejected(reason: String)
}
