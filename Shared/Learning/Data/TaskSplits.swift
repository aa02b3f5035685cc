/// The four datasets of one task (experiment.md, "Data", "Splits"), for seed S and angle
/// theta:
/// - foundation: the training set in the order of SeededRNG(seed: S, stream: .split)
///   .permutation(count: n); the first floor(n/2) of that order at 0°, the rest at theta;
/// - adaptation: the whole training set at theta, in its original order;
/// - test0 and testTheta: the test set at 0° and at theta.
/// Each set is rotated once: the foundation's rotated half is taken from the adaptation set.
public struct TaskSplits: Sendable {
    /// (n images) half upright, half rotated, in permutation order.
    public let foundation: Dataset
    /// (n images) every training image at theta.
    public let adaptation: Dataset
    /// The test set as read.
    public let test0: Dataset
    /// The test set at theta.
    public let testTheta: Dataset
    /// The permutation of training indices the foundation follows: foundation image i is
    /// training image order[i], upright for i < uprightCount and rotated after.
    public let order: [Int]
    /// floor(n / 2): how many foundation images are upright.
    public let uprightCount: Int
    /// The angle theta in degrees.
    public let angleDegrees: Double

    /// The splits of `data` for task seed `seed` and angle `angleDegrees`.
    public init(data: DatasetPair, seed: UInt64, angleDegrees: Double) {
        self.init(modes: ModePair(data: data, angleDegrees: angleDegrees), seed: seed)
    }

    /// The splits for task seed `seed` from data already rotated (rotation does not
    /// depend on the seed, so a worker rotates once per dataset and angle).
    public init(modes: ModePair, seed: UInt64) {
        let train = modes.upright.train
        var rng = SeededRNG(seed: seed, stream: .split)
        let order = rng.permutation(count: train.count)
        let uprightCount = train.count / 2
        let adaptation = modes.rotated.train

        // Foundation: gather image order[i] from the upright or the rotated copy, copying
        // whole images between raw buffers (60k images: one pass, no per-image arrays).
        let n = train.pixelsPerImage
        let total = train.count * n
        let pixels = [Float](unsafeUninitializedCapacity: total) { output, initialised in
            train.pixels.withUnsafeBufferPointer { upright in
                adaptation.pixels.withUnsafeBufferPointer { rotated in
                    for (position, index) in order.enumerated() {
                        let source = position < uprightCount ? upright : rotated
                        let from = UnsafeBufferPointer(rebasing: source[(index * n)..<((index + 1) * n)])
                        _ = UnsafeMutableBufferPointer(rebasing: output[(position * n)..<((position + 1) * n)])
                            .initialize(fromContentsOf: from)
                    }
                }
            }
            initialised = total
        }
        let labels = order.map { train.labels[$0] }

        self.foundation = Dataset(pixels: pixels, labels: labels, rows: train.rows, cols: train.cols)
        self.adaptation = adaptation
        self.test0 = modes.upright.test
        self.testTheta = modes.rotated.test
        self.order = order
        self.uprightCount = uprightCount
        self.angleDegrees = modes.angleDegrees
    }
}

/// A dataset in its two modes: as read, and every image (train and test) rotated by
/// theta. The seed-independent part of a task's data: the adaptation set is
/// `rotated.train`, the test sets `upright.test` and `rotated.test`.
public struct ModePair: Sendable {
    public let upright: DatasetPair
    public let rotated: DatasetPair
    public let angleDegrees: Double

    public init(data: DatasetPair, angleDegrees: Double) {
        let plan = RotationPlan(rows: data.train.rows, cols: data.train.cols, degrees: angleDegrees)
        upright = data
        rotated = DatasetPair(train: plan.rotate(data.train), test: plan.rotate(data.test))
        self.angleDegrees = angleDegrees
    }
}
