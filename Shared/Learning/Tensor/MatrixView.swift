/// A non-owning, contiguous, row-major (rows, cols) view of Float. Whoever made it
/// (a `FloatStorage`) keeps the memory alive.
public struct MatrixView {
    public let base: UnsafeMutablePointer<Float>
    public let rows: Int
    public let cols: Int

    public init(base: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        self.base = base
        self.rows = rows
        self.cols = cols
    }

    public var count: Int { rows * cols }

    @inline(__always)
    public func row(_ i: Int) -> UnsafeMutablePointer<Float> { base + i * cols }

    @inline(__always)
    public subscript(_ i: Int, _ j: Int) -> Float {
        get { base[i * cols + j] }
        nonmutating set { base[i * cols + j] = newValue }
    }

    /// The first `count` rows: a batch smaller than the workspace's capacity.
    public func prefix(rows count: Int) -> MatrixView {
        precondition(count >= 0 && count <= rows, "prefix of \(count) rows of \(rows)")
        return MatrixView(base: base, rows: count, cols: cols)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    public func fill(_ value: Float) { base.update(repeating: value, count: count) }
}
