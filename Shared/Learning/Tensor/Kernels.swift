#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element-wise passes of a training step, each one loop over raw pointers that the
/// compiler vectorises. Shapes are the caller's contract (preconditions, not errors).
public enum Kernels {
    /// z += b (broadcast over rows); h = relu(z). One pass.
    @inline(__always)
    public static func addBiasReLU(_ z: MatrixView, bias: UnsafeMutableBufferPointer<Float>, into h: MatrixView) {
        precondition(z.cols == bias.count && h.rows == z.rows && h.cols == z.cols, "addBiasReLU shapes")
        let n = z.cols
        let b = bias.baseAddress!
        for i in 0..<z.rows {
            let zr = z.row(i), hr = h.row(i)
            for j in 0..<n {
                let v = zr[j] + b[j]
                zr[j] = v
                hr[j] = v > 0 ? v : 0
            }
        }
    }

    /// z += b (broadcast over rows), for the output layer.
    @inline(__always)
    public static func addBias(_ z: MatrixView, bias: UnsafeMutableBufferPointer<Float>) {
        precondition(z.cols == bias.count, "addBias shapes")
        let n = z.cols
        let b = bias.baseAddress!
        for i in 0..<z.rows {
            let zr = z.row(i)
            for j in 0..<n { zr[j] += b[j] }
        }
    }

    /// dz = dh * relu'(z), relu'(0) = 0 as PyTorch has it.
    @inline(__always)
    public static func reluBackward(z: MatrixView, dh: MatrixView, into dz: MatrixView) {
        precondition(z.count == dh.count && z.count == dz.count, "reluBackward shapes")
        let zp = z.base, dhp = dh.base, dzp = dz.base
        for i in 0..<z.count { dzp[i] = zp[i] > 0 ? dhp[i] : 0 }
    }

    /// out[j] = sum over rows of m[i, j]: a bias gradient.
    @inline(__always)
    public static func columnSums(_ m: MatrixView, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count == m.cols, "columnSums shapes")
        let o = out.baseAddress!
        o.update(repeating: 0, count: m.cols)
        for i in 0..<m.rows {
            let r = m.row(i)
            for j in 0..<m.cols { o[j] += r[j] }
        }
    }

    /// Softmax cross-entropy, mean over the rows. Returns the loss and writes
    /// dlogits = (softmax - onehot) / rows, the gradient of the mean.
    public static func softmaxCrossEntropy(
        logits: MatrixView, labels: UnsafePointer<Int32>, gradient: MatrixView
    ) -> Double {
        precondition(gradient.rows == logits.rows && gradient.cols == logits.cols, "softmax shapes")
        let scale = 1 / Float(logits.rows)
        var total = 0.0
        for i in 0..<logits.rows {
            let z = logits.row(i), g = gradient.row(i)
            var maximum = z[0]
            for j in 1..<logits.cols where z[j] > maximum { maximum = z[j] }
            var sum: Float = 0
            for j in 0..<logits.cols {
                let e = (z[j] - maximum).exp
                g[j] = e
                sum += e
            }
            let label = Int(labels[i])
            total += Double(sum.log - (z[label] - maximum))
            let inverse = scale / sum
            for j in 0..<logits.cols { g[j] *= inverse }
            g[label] -= scale
        }
        return total / Double(logits.rows)
    }

    /// Index of the largest value of each row (first on ties).
    public static func argmax(row: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for j in 1..<count where row[j] > row[best] { best = j }
        return best
    }
}

extension Float {
    @inline(__always) var exp: Float { expf(self) }
    @inline(__always) var log: Float { logf(self) }
}
