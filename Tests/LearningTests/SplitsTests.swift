import Learning
import Testing

/// `count` distinct seeded 6x6 images with labels cycling 0...9, and a test set of 4.
func smallPair(count: Int) -> DatasetPair {
    var rng = SeededRNG(rawState: UInt64(count))
    let train = Dataset(
        pixels: (0..<(count * 36)).map { _ in rng.nextUnitFloat() },
        labels: (0..<count).map { UInt8($0 % 10) }, rows: 6, cols: 6)
    let test = Dataset(pixels: (0..<(4 * 36)).map { _ in rng.nextUnitFloat() }, labels: [1, 2, 3, 4], rows: 6, cols: 6)
    return DatasetPair(train: train, test: test)
}

func image(_ dataset: Dataset, _ i: Int) -> [Float] {
    Array(dataset.pixels[(i * dataset.pixelsPerImage)..<((i + 1) * dataset.pixelsPerImage)])
}

@Suite("Task splits")
struct SplitsTests {
    @Test("half upright, half rotated: floor(n/2) upright for even and odd n", arguments: [10, 7, 1, 0])
    func sizes(count: Int) {
        let splits = TaskSplits(data: smallPair(count: count), seed: 3, angleDegrees: 45)
        #expect(splits.uprightCount == count / 2)
        #expect(splits.foundation.count == count)
        #expect(splits.adaptation.count == count)
        #expect(splits.test0.count == 4 && splits.testTheta.count == 4)
        #expect(splits.order.sorted() == Array(0..<count))
    }

    @Test("the order is the task seed's .split permutation")
    func orderIsSeededPermutation() {
        var rng = SeededRNG(seed: 42, stream: .split)
        #expect(TaskSplits(data: smallPair(count: 9), seed: 42, angleDegrees: 45).order == rng.permutation(count: 9))
    }

    @Test("foundation: first half the permuted upright images, second half exactly those images rotated")
    func foundationContents() {
        let data = smallPair(count: 7)
        let splits = TaskSplits(data: data, seed: 5, angleDegrees: 45)
        let rotated = rotate(data.train, degrees: 45)
        for (position, index) in splits.order.enumerated() {
            let expected = position < 3 ? image(data.train, index) : image(rotated, index)
            #expect(image(splits.foundation, position) == expected, "position \(position), image \(index)")
            #expect(splits.foundation.labels[position] == data.train.labels[index])
        }
        // And the rotated half really differs from the upright images.
        #expect(image(splits.foundation, 3) != image(data.train, splits.order[3]))
    }

    @Test("adaptation is every training image rotated, in the original order; tests at 0° and theta")
    func adaptationAndTests() {
        let data = smallPair(count: 8)
        let splits = TaskSplits(data: data, seed: 1, angleDegrees: -30)
        #expect(splits.adaptation == rotate(data.train, degrees: -30))
        #expect(splits.test0 == data.test)
        #expect(splits.testTheta == rotate(data.test, degrees: -30))
        #expect(splits.testTheta != data.test)
    }

    @Test("the same seed gives the same split")
    func sameSeedSameSplit() {
        let data = smallPair(count: 20)
        let a = TaskSplits(data: data, seed: 9, angleDegrees: 45)
        let b = TaskSplits(data: data, seed: 9, angleDegrees: 45)
        #expect(a.order == b.order)
        #expect(a.foundation == b.foundation)
    }

    @Test("different seeds give different splits")
    func differentSeedDifferentSplit() {
        let data = smallPair(count: 20)
        let a = TaskSplits(data: data, seed: 9, angleDegrees: 45)
        let b = TaskSplits(data: data, seed: 10, angleDegrees: 45)
        #expect(a.order != b.order)
        #expect(a.foundation != b.foundation)
        // Which images are upright differs too, not only their order.
        #expect(Set(a.order.prefix(10)) != Set(b.order.prefix(10)))
    }

    @Test("at 0° the foundation is the permuted training set and adaptation is the training set")
    func zeroAngle() {
        let data = smallPair(count: 6)
        let splits = TaskSplits(data: data, seed: 2, angleDegrees: 0)
        #expect(splits.adaptation == data.train)
        #expect(splits.foundation == data.train.subset(splits.order))
    }
}
