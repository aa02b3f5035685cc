import Foundation

/// Small labelled images generated in-process from a seed, for unit tests only
/// (experiment.md, "Data": `synthetic`). 28x28, 10 classes, labels cycling 0...9.
/// Class k is a stroke through the centre at orientation k * 18° plus a blob on a circle
/// of radius 8 at polar angle k * 36°, each jittered by a shift of up to 2 pixels and an
/// intensity in [0.7, 1], over uniform noise in [0, 0.1). So a small model separates the
/// classes easily, and a 45° rotation moves both features to where other classes have
/// theirs: rotation really changes the task.
public enum SyntheticData {
    /// The seed `DatasetCatalogue` uses for the `synthetic` dataset.
    public static let defaultSeed: UInt64 = 0
    public static let rows = 28
    public static let cols = 28
    public static let classCount = 10
    public static let defaultTrainCount = 1000
    public static let defaultTestCount = 500

    /// The training and test sets for `seed`, drawn from SeededRNG stream `.synthetic`
    /// (training images first). The same seed gives the same data on every machine.
    public static func make(
        seed: UInt64, trainCount: Int = defaultTrainCount, testCount: Int = defaultTestCount
    ) -> DatasetPair {
        precondition(trainCount >= 0 && testCount >= 0, "counts must not be negative")
        var rng = SeededRNG(seed: seed, stream: .synthetic)
        let train = makeSet(count: trainCount, rng: &rng)
        let test = makeSet(count: testCount, rng: &rng)
        return DatasetPair(train: train, test: test)
    }

    private static func makeSet(count: Int, rng: inout SeededRNG) -> Dataset {
        let n = rows * cols
        var pixels = [Float](repeating: 0, count: count * n)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let label = i % classCount
            labels[i] = UInt8(label)
            drawImage(label: label, into: &pixels, at: i * n, rng: &rng)
        }
        return Dataset(pixels: pixels, labels: labels, rows: rows, cols: cols)
    }

    /// Draws one image of class `label` into pixels[offset ..< offset + rows * cols].
    private static func drawImage(label: Int, into pixels: inout [Float], at offset: Int, rng: inout SeededRNG) {
        let shiftRow = Double(rng.nextFloat(in: -2, 2))
        let shiftCol = Double(rng.nextFloat(in: -2, 2))
        let intensity = Double(rng.nextFloat(in: 0.7, 1))
        let centreRow = Double(rows - 1) / 2 + shiftRow
        let centreCol = Double(cols - 1) / 2 + shiftCol

        // The stroke: a segment of half-length 9 through the (shifted) centre.
        let strokeAngle = Double(label) * 18 * Double.pi / 180
        let (dirRow, dirCol) = (-sin(strokeAngle), cos(strokeAngle))  // row axis points down
        let halfLength = 9.0, strokeWidth = 1.5
        // The blob: a Gaussian of sigma 1.8 at radius 8, polar angle label * 36°.
        let blobAngle = Double(label) * 36 * Double.pi / 180
        let blobRow = centreRow - 8 * sin(blobAngle)
        let blobCol = centreCol + 8 * cos(blobAngle)
        let blobSigma = 1.8

        for r in 0..<rows {
            for c in 0..<cols {
                let dr = Double(r) - centreRow, dc = Double(c) - centreCol
                let along = min(max(dr * dirRow + dc * dirCol, -halfLength), halfLength)
                let distance = ((dr - along * dirRow) * (dr - along * dirRow)
                    + (dc - along * dirCol) * (dc - along * dirCol)).squareRoot()
                let stroke = max(0, 1 - distance / strokeWidth)
                let br = Double(r) - blobRow, bc = Double(c) - blobCol
                let blob = exp(-(br * br + bc * bc) / (2 * blobSigma * blobSigma))
                let noise = Double(rng.nextFloat(in: 0, 0.1))
                pixels[offset + r * cols + c] = Float(min(1, intensity * (stroke + blob) + noise))
            }
        }
    }
}
