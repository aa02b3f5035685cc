/// The reference the BLAS path is tested against: the textbook triple loop, in Double.
/// Used only by tests.
public func naiveGEMM(
    _ a: MatrixView, _ b: MatrixView, into c: MatrixView,
    transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0
) {
    let m = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let n = transposeB ? b.rows : b.cols
    precondition(c.rows == m && c.cols == n && (transposeB ? b.cols : b.rows) == k, "naiveGEMM shapes")
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transposeA ? a[p, i] : a[i, p]
                let y = transposeB ? b[j, p] : b[p, j]
                sum += Double(x) * Double(y)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i, j])
            c[i, j] = Float(Double(alpha) * sum + old)
        }
    }
}
