/// One owned, zero-initialised allocation of Float. Parameters, gradients and
/// workspaces are each one of these, with `MatrixView`s into them, so a training step
/// never allocates.
public final class FloatStorage {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "negative storage size")
        self.count = count
        base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { base.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// A row-major (rows, cols) view starting `offset` floats in.
    public func matrix(offset: Int = 0, rows: Int, cols: Int) -> MatrixView {
        precondition(offset >= 0 && offset + rows * cols <= count, "view outside its storage")
        return MatrixView(base: base + offset, rows: rows, cols: cols)
    }

    /// `length` floats starting `offset` floats in.
    public func slice(offset: Int, count length: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(offset >= 0 && offset + length <= count, "slice outside its storage")
        return UnsafeMutableBufferPointer(start: base + offset, count: length)
    }

    public func copy(from values: [Float]) {
        precondition(values.count == count, "copying \(values.count) values into \(count)")
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: count) }
    }

    public func toArray() -> [Float] { Array(buffer) }
}
