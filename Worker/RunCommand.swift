import Farm
import Foundation
import Learning

/// `worker run`: one task (or a foundation and one method) on this machine, no network;
/// prints the result as one JSON object.
enum RunCommand {
    static let usage = """
        usage: worker run (--dataset NAME | --data DIR) --seed N --method METHOD
                          [--angle DEG] [--epochs-foundation N] [--epochs-adapt N] [--lr X]
                          [--foundation-lr X] [--threads N]
               worker run --task FILE [--threads N]

        Trains the foundation for the seed, adapts it with METHOD, and prints the metrics as
        one JSON object (method, seed, trainable_params, acc0, acc_theta, acc0_hard,
        acc_theta_hard, high_act_frac, final_loss, train_seconds, ...). With --task, runs the
        task spec in FILE (JSON, as the coordinator sends it): a foundation task prints its
        outcome, an adapt task trains its foundation first.

          --dataset NAME     mnist, mnist-subset, fashion-mnist or synthetic
          --data DIR         any directory with the four IDX files (raw or .gz)
          --method METHOD    frozen, bitfit, taugate, lora, full or ia3
          --angle DEG        rotation of the second mode (default 45)
          --epochs-foundation N, --epochs-adapt N   (default 5 each)
          --lr X             adaptation learning rate (default: the method's, see the spec)
          --foundation-lr X  (default 1e-3)
          --threads N        BLAS threads (default 1)
        """

    static func main(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments,
            options: ["dataset", "data", "seed", "method", "angle", "epochs-foundation", "epochs-adapt", "lr",
                      "foundation-lr", "threads", "task"],
            flags: ["help"])
        if options.has("help") {
            print(usage)
            return 0
        }
        guard options.positionals.isEmpty else {
            throw CommandLineArguments.UsageError("unexpected argument '\(options.positionals[0])'")
        }
        BLAS.setThreads(try positive(options.int("threads"), "threads") ?? 1)
        let runner = TaskRunner()
        if let taskFile = options.string("task") {
            let task = try readTask(taskFile)
            let foundation = try runner.run(task.dependency ?? task)
            if task.kind == .foundation {
                try printJSON(foundation.outcome.foundation)
            } else {
                let adapted = try runner.run(task, foundationWeights: foundation.weights)
                try printJSON(adapted.outcome.metrics)
            }
            return 0
        }
        let task = try taskFromOptions(options)
        let foundation = try runner.run(task.dependency ?? task)
        let adapted = try runner.run(task, foundationWeights: foundation.weights)
        try printJSON(adapted.outcome.metrics)
        return 0
    }

    static func taskFromOptions(_ options: CommandLineArguments) throws -> TaskSpec {
        let data: DataSource
        switch (options.string("dataset"), options.string("data")) {
        case let (name?, nil): data = .named(name)
        case let (nil, directory?): data = .directory(directory)
        case (.some, .some): throw CommandLineArguments.UsageError("give --dataset or --data, not both")
        case (nil, nil): throw CommandLineArguments.UsageError("say which data: --dataset NAME or --data DIR")
        }
        guard let seedText = options.string("seed") else { throw CommandLineArguments.UsageError("--seed N is required") }
        guard let seed = UInt64(seedText) else {
            throw CommandLineArguments.UsageError("--seed wants a non-negative integer, got '\(seedText)'")
        }
        guard let methodName = options.string("method") else {
            throw CommandLineArguments.UsageError("--method is required (one of \(MethodName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let method = MethodName(rawValue: methodName) else {
            throw CommandLineArguments.UsageError(
                "unknown method '\(methodName)'; known: \(MethodName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var foundation = FoundationSettings(data: data, seed: seed)
        if let angle = try options.double("angle") { foundation.angleDegrees = angle }
        if let epochs = try positive(options.int("epochs-foundation"), "epochs-foundation") { foundation.epochs = epochs }
        if let lr = try positive(options.double("foundation-lr"), "foundation-lr") { foundation.learningRate = lr }
        var adaptation = AdaptationSettings(method: method)
        if let epochs = try positive(options.int("epochs-adapt"), "epochs-adapt") { adaptation.epochs = epochs }
        adaptation.learningRate = try positive(options.double("lr"), "lr")
        return TaskSpec(foundation: foundation, adaptation: adaptation)
    }

    static func positive<T: Numeric & Comparable>(_ value: T?, _ name: String) throws -> T? {
        if let value, value <= 0 { throw CommandLineArguments.UsageError("--\(name) must be positive, got \(value)") }
        return value
    }

    static func readTask(_ path: String) throws -> TaskSpec {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandLineArguments.UsageError("cannot read task file \(path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(TaskSpec.self, from: data) } catch {
            throw CommandLineArguments.UsageError("task file \(path) is not a task spec: \(error)")
        }
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
