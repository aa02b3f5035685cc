import CBLAS

/// The one Swift face of CBLAS (OpenBLAS). Nothing else imports CBLAS.
public enum BLAS {
    /// Sets OpenBLAS's thread count for this process. A farm runs one worker per core,
    /// so workers use 1.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "BLAS needs at least one thread")
        openblas_set_num_threads(Int32(count))
    }

    /// c = alpha * op(a) * op(b) + beta * c, all row-major, where op transposes when asked.
    /// Shapes are a caller's contract: a mismatch is a bug, so it traps.
    public static func gemm(
        _ a: MatrixView, _ b: MatrixView, into c: MatrixView,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kB = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kB && c.rows == m && c.cols == n,
                     "gemm shapes: op(a) \(m)x\(k), op(b) \(kB)x\(n), c \(c.rows)x\(c.cols)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves c scaled by beta; spell it out since some builds skip the call.
            if beta == 0 { c.fill(0) } else if beta != 1 { for i in 0..<c.count { c.base[i] *= beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a.base, Int32(a.cols), b.base, Int32(b.cols),
            beta, c.base, Int32(c.cols))
    }
}
