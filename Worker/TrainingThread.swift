import Farm
import Foundation
import ZeroMQ

/// Runs tasks off the protocol thread, so heartbeats keep flowing while BLAS is busy
/// (reliability.md). One task at a time; when it ends, the thread pokes the protocol
/// loop through an `inproc://` PAIR socket that it owns, and the loop collects the
/// outcome with `takeFinished()`.
final class TrainingThread: @unchecked Sendable {
    enum Finished {
        case succeeded(ResultReport)
        case failed(taskID: String, reason: String)
    }

    /// The endpoint the protocol loop binds its PAIR socket to.
    let wakeEndpoint: String
    private let context: Context
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: (TaskAssignment, [Float]?)?
    private var finished: Finished?
    private let faults: FaultInjection

    init(context: Context, wakeEndpoint: String, faults: FaultInjection) {
        self.context = context
        self.wakeEndpoint = wakeEndpoint
        self.faults = faults
        let thread = Thread { [self] in loop() }
        thread.name = "seedfarm-training"
        thread.start()
    }

    /// Hands a task over; the previous one must have finished.
    func start(_ task: TaskAssignment, foundation: [Float]?) {
        condition.lock()
        precondition(pending == nil, "a task is already running")
        pending = (task, foundation)
        condition.signal()
        condition.unlock()
    }

    /// The outcome of the last task, once.
    func takeFinished() -> Finished? {
        condition.lock()
        defer { condition.unlock() }
        let outcome = finished
        finished = nil
        return outcome
    }

    private func loop() {
        let runner = TaskRunner()
        // This thread's own socket: created, used and kept here.
        let wake: Socket
        do {
            wake = try Socket(context, type: .pair)
            try wake.connect(wakeEndpoint)
        } catch {
            FileHandle.standardError.write(Data("worker: cannot open the training thread's wake socket: \(error)\n".utf8))
            return
        }
        while true {
            condition.lock()
            while pending == nil { condition.wait() }
            let (task, foundation) = pending!
            condition.unlock()

            let outcome: Finished
            do {
                try faults.apply(to: task.spec)
                let output = try runner.run(task.spec, foundationWeights: foundation)
                outcome = .succeeded(ResultReport(
                    taskID: task.taskID, outcome: output.outcome,
                    weights: output.weights.map(WeightsPayload.data(from:))))
            } catch {
                outcome = .failed(taskID: task.taskID, reason: "\(error)")
            }
            condition.lock()
            finished = outcome
            pending = nil
            condition.unlock()
            _ = try? wake.send(frames: [Data([1])])
        }
    }
}
