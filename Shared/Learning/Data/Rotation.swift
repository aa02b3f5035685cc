import Foundation

/// Rotation of images by an angle, exactly as experiment.md ("Data") defines it:
/// counter-clockwise as displayed (row 0 at the top), about the centre
/// ((rows-1)/2, (cols-1)/2), bilinear, zero outside the image. Output pixel (r, c), with
/// dy = r - cy and dx = c - cx, samples the source at
///     row = cos(theta)*dy + sin(theta)*dx + cy,  col = -sin(theta)*dy + cos(theta)*dx + cx,
/// which equals scipy.ndimage.rotate(img, theta, reshape=False, order=1,
/// mode="grid-constant", cval=0) (checked by a fixture in the tests).
///
/// The geometry is the same for every image of a size, so it is computed once into a plan
/// (four source indices and four weights per output pixel) and the per-image work is a
/// weighted gather.
public struct RotationPlan: Sendable {
    public let rows: Int
    public let cols: Int
    /// The angle, counter-clockwise as displayed.
    public let degrees: Double
    /// True when the angle is a multiple of 360: the plan copies images unchanged.
    public let isIdentity: Bool

    /// (rows * cols, 4): the source pixels of output pixel p are sourceIndices[4p ..< 4p+4]:
    /// (r0, c0), (r0, c0+1), (r0+1, c0), (r0+1, c0+1). A neighbour outside the image points
    /// at pixel 0 with weight 0, which is how "zero outside" costs no branch.
    private let sourceIndices: [Int32]
    /// (rows * cols, 4): the bilinear weight of each source index above.
    private let weights: [Float]

    /// The plan for rotating rows x cols images by `degrees`.
    public init(rows: Int, cols: Int, degrees: Double) {
        precondition(rows > 0 && cols > 0, "image size must be positive")
        precondition(degrees.isFinite, "the angle must be finite")
        precondition(rows * cols <= Int(Int32.max), "images too large for 32-bit indices")
        self.rows = rows
        self.cols = cols
        self.degrees = degrees
        let (cosine, sine) = cosSin(degrees: degrees)
        isIdentity = cosine == 1 && sine == 0

        let cy = Double(rows - 1) / 2
        let cx = Double(cols - 1) / 2
        var indices = [Int32](repeating: 0, count: 4 * rows * cols)
        var planWeights = [Float](repeating: 0, count: 4 * rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let dy = Double(r) - cy
                let dx = Double(c) - cx
                let sourceRow = cosine * dy + sine * dx + cy
                let sourceCol = -sine * dy + cosine * dx + cx
                let r0 = Int(sourceRow.rounded(.down))
                let c0 = Int(sourceCol.rounded(.down))
                let fr = sourceRow - Double(r0)
                let fc = sourceCol - Double(c0)
                let neighbours = [
                    (r0, c0, (1 - fr) * (1 - fc)), (r0, c0 + 1, (1 - fr) * fc),
                    (r0 + 1, c0, fr * (1 - fc)), (r0 + 1, c0 + 1, fr * fc),
                ]
                let base = 4 * (r * cols + c)
                for (k, (nr, nc, weight)) in neighbours.enumerated()
                where nr >= 0 && nr < rows && nc >= 0 && nc < cols {
                    indices[base + k] = Int32(nr * cols + nc)
                    planWeights[base + k] = Float(weight)
                }
            }
        }
        sourceIndices = indices
        weights = planWeights
    }

    /// Pixels per image.
    public var pixelsPerImage: Int { rows * cols }

    /// Rotates one image (rows * cols pixels) from `source` into `destination`, which must
    /// not overlap it.
    public func apply(_ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == pixelsPerImage && destination.count == pixelsPerImage,
                     "image buffers must hold rows * cols pixels")
        if isIdentity {
            for p in 0..<pixelsPerImage { destination[p] = source[p] }
            return
        }
        sourceIndices.withUnsafeBufferPointer { index in
            weights.withUnsafeBufferPointer { weight in
                for p in 0..<pixelsPerImage {
                    let k = 4 * p
                    destination[p] = weight[k] * source[Int(index[k])]
                        + weight[k + 1] * source[Int(index[k + 1])]
                        + weight[k + 2] * source[Int(index[k + 2])]
                        + weight[k + 3] * source[Int(index[k + 3])]
                }
            }
        }
    }

    /// One image (rows * cols pixels, row-major), rotated.
    public func rotate(image: [Float]) -> [Float] {
        precondition(image.count == pixelsPerImage, "image has \(image.count) pixels, the plan \(pixelsPerImage)")
        if isIdentity { return image }
        return [Float](unsafeUninitializedCapacity: pixelsPerImage) { output, initialised in
            image.withUnsafeBufferPointer { apply($0, into: output) }
            initialised = pixelsPerImage
        }
    }

    /// Every image of `dataset` rotated; labels unchanged. The dataset's image size must be
    /// the plan's.
    public func rotate(_ dataset: Dataset) -> Dataset {
        precondition(dataset.rows == rows && dataset.cols == cols,
                     "dataset images are \(dataset.rows)x\(dataset.cols), the plan's \(rows)x\(cols)")
        if isIdentity { return dataset }
        let n = pixelsPerImage
        let total = dataset.count * n
        let pixels = [Float](unsafeUninitializedCapacity: total) { output, initialised in
            dataset.pixels.withUnsafeBufferPointer { input in
                for image in 0..<dataset.count {
                    let range = (image * n)..<((image + 1) * n)
                    apply(UnsafeBufferPointer(rebasing: input[range]),
                          into: UnsafeMutableBufferPointer(rebasing: output[range]))
                }
            }
            initialised = total
        }
        return Dataset(pixels: pixels, labels: dataset.labels, rows: rows, cols: cols)
    }
}

/// `dataset` with every image rotated by `degrees` (counter-clockwise as displayed).
/// 0 returns it unchanged.
public func rotate(_ dataset: Dataset, degrees: Double) -> Dataset {
    RotationPlan(rows: dataset.rows, cols: dataset.cols, degrees: degrees).rotate(dataset)
}

/// One rows x cols image rotated by `degrees`; for many images of one size, build a
/// `RotationPlan` once instead.
public func rotate(image: [Float], rows: Int, cols: Int, degrees: Double) -> [Float] {
    RotationPlan(rows: rows, cols: cols, degrees: degrees).rotate(image: image)
}

/// cos and sin of an angle in degrees, exact at multiples of 90 (as scipy's cosdg/sindg
/// are), so that 90° and 180° move pixels onto pixels with weights exactly 1 and 0.
private func cosSin(degrees: Double) -> (cos: Double, sin: Double) {
    var reduced = degrees.truncatingRemainder(dividingBy: 360)
    if reduced < 0 { reduced += 360 }
    switch reduced {
    case 0: return (1, 0)
    case 90: return (0, 1)
    case 180: return (-1, 0)
    case 270: return (0, -1)
    default:
        let radians = degrees * Double.pi / 180
        return (cos(radians), sin(radians))
    }
}
