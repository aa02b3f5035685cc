/// Test-set measurements of a network (experiment.md, "Metrics of one task").
public enum Evaluation {
    /// Fraction of `data` classified correctly (argmax of the logits), with gates in `mode`.
    /// `visit`, when given, sees every batch after its forward pass (gate statistics).
    public static func accuracy(
        of network: Network, on data: Dataset, mode: GateMode,
        visit: ((_ network: Network, _ rows: Int) -> Void)? = nil
    ) -> Double {
        guard data.count > 0 else { return .nan }
        var correct = 0
        var first = 0
        while first < data.count {
            let rows = min(network.batchCapacity, data.count - first)
            network.load(data, range: first..<(first + rows))
            network.forward(rows: rows, mode: mode)
            for i in 0..<rows {
                let predicted = Kernels.argmax(row: network.logits.row(i), count: network.shape.output)
                if predicted == Int(network.labels[i]) { correct += 1 }
            }
            visit?(network, rows)
            first += rows
        }
        return Double(correct) / Double(data.count)
    }
}
