import Foundation
import Learning
import Testing

/// The spec formula of experiment.md ("Data", rotation), written out directly and in
/// Double, independently of RotationPlan: output (r, c) samples the source at
/// row = cos*dy + sin*dx + cy, col = -sin*dy + cos*dx + cx, bilinear, zero outside.
func naiveRotate(_ image: [Float], rows: Int, cols: Int, degrees: Double) -> [Float] {
    let theta = degrees * Double.pi / 180
    let cy = Double(rows - 1) / 2, cx = Double(cols - 1) / 2
    func pixel(_ r: Int, _ c: Int) -> Double {
        (0..<rows).contains(r) && (0..<cols).contains(c) ? Double(image[r * cols + c]) : 0
    }
    var output = [Float](repeating: 0, count: rows * cols)
    for r in 0..<rows {
        for c in 0..<cols {
            let dy = Double(r) - cy, dx = Double(c) - cx
            let sr = cos(theta) * dy + sin(theta) * dx + cy
            let sc = -sin(theta) * dy + cos(theta) * dx + cx
            let r0 = Int(floor(sr)), c0 = Int(floor(sc))
            let fr = sr - Double(r0), fc = sc - Double(c0)
            let value = (1 - fr) * (1 - fc) * pixel(r0, c0) + (1 - fr) * fc * pixel(r0, c0 + 1)
                + fr * (1 - fc) * pixel(r0 + 1, c0) + fr * fc * pixel(r0 + 1, c0 + 1)
            output[r * cols + c] = Float(value)
        }
    }
    return output
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// A seeded random image with values in [0, 1].
func randomImage(rows: Int, cols: Int, seed: UInt64) -> [Float] {
    var rng = SeededRNG(rawState: seed)
    return (0..<(rows * cols)).map { _ in rng.nextUnitFloat() }
}

/// The committed scipy reference (Fixtures/rotation_fixture.json, made by
/// Fixtures/make_rotation_fixture.py from MNIST test image 0).
struct RotationFixture: Decodable {
    let rows: Int
    let cols: Int
    let image_u8: [UInt8]
    let rotated: [String: [Double]]

    static func load() throws -> RotationFixture {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: directory.appendingPathComponent("rotation_fixture.json"))
        return try JSONDecoder().decode(RotationFixture.self, from: data)
    }
}

@Suite("Rotation")
struct RotationTests {
    /// Float pixels against a Double reference: the plan stores Float weights and sums four
    /// Float products, an error of a few ulps of values <= 1, far below 1e-5; a wrong index,
    /// sign or weight shows up as at least ~1e-3 on these images.
    static let tolerance: Float = 1e-5

    @Test("the plan equals the spec formula on square and non-square images",
          arguments: [0.0, 45, 90, -30, 180, 17.3, 270, 405, -90])
    func matchesNaiveFormula(degrees: Double) {
        for (rows, cols) in [(28, 28), (5, 8), (9, 4)] {
            let image = randomImage(rows: rows, cols: cols, seed: UInt64(rows * 100 + cols))
            let rotated = rotate(image: image, rows: rows, cols: cols, degrees: degrees)
            let expected = naiveRotate(image, rows: rows, cols: cols, degrees: degrees)
            #expect(maxAbsDifference(rotated, expected) <= Self.tolerance, "\(rows)x\(cols) at \(degrees)°")
        }
    }

    @Test("0° returns the image and the dataset exactly unchanged")
    func zeroIsIdentity() {
        let image = randomImage(rows: 28, cols: 28, seed: 7)
        #expect(rotate(image: image, rows: 28, cols: 28, degrees: 0) == image)
        #expect(RotationPlan(rows: 28, cols: 28, degrees: 0).isIdentity)
        #expect(!RotationPlan(rows: 28, cols: 28, degrees: 45).isIdentity)
        let dataset = Dataset(pixels: image + image.reversed(), labels: [3, 4], rows: 28, cols: 28)
        #expect(rotate(dataset, degrees: 0) == dataset)
    }

    @Test("90° turns a pixel near the top to the left: counter-clockwise as displayed")
    func ninetyMovesKnownPixel() {
        // Source (2, 13): near the top edge. Output (r, c) reads source (c, 27 - r) at 90°
        // (cos 0, sin 1, centre 13.5), so it lands at (14, 2), near the left edge.
        var image = [Float](repeating: 0, count: 28 * 28)
        image[2 * 28 + 13] = 1
        let rotated = rotate(image: image, rows: 28, cols: 28, degrees: 90)
        #expect(rotated[14 * 28 + 2] == 1)
        #expect(rotated.reduce(0, +) == 1)
    }

    @Test("180° maps (r, c) to (27 - r, 27 - c) exactly")
    func oneEightyFlipsBothAxes() {
        let image = randomImage(rows: 28, cols: 28, seed: 11)
        let rotated = rotate(image: image, rows: 28, cols: 28, degrees: 180)
        for r in 0..<28 {
            for c in 0..<28 {
                #expect(rotated[r * 28 + c] == image[(27 - r) * 28 + (27 - c)])
            }
        }
    }

    @Test("45° loses the corners: pixels that come from outside the image are 0")
    func zeroOutside() {
        let image = [Float](repeating: 1, count: 28 * 28)
        let rotated = rotate(image: image, rows: 28, cols: 28, degrees: 45)
        #expect(rotated[0] == 0 && rotated[27] == 0 && rotated[27 * 28] == 0 && rotated[28 * 28 - 1] == 0)
        // Inside, the four Float weights sum to 1 up to rounding (a few ulps).
        #expect(abs(rotated[14 * 28 + 14] - 1) <= Self.tolerance)
    }

    @Test("rotating a dataset rotates each image and keeps the labels")
    func datasetMatchesImages() {
        let images = (0..<5).map { randomImage(rows: 28, cols: 28, seed: UInt64(100 + $0)) }
        let dataset = Dataset(pixels: images.flatMap { $0 }, labels: [0, 1, 2, 3, 9], rows: 28, cols: 28)
        let rotated = rotate(dataset, degrees: 45)
        #expect(rotated.labels == dataset.labels)
        let plan = RotationPlan(rows: 28, cols: 28, degrees: 45)
        for (i, image) in images.enumerated() {
            #expect(Array(rotated.pixels[(i * 784)..<((i + 1) * 784)]) == plan.rotate(image: image))
        }
    }

    @Test("equals scipy.ndimage.rotate(order=1, grid-constant) on a real MNIST image",
          arguments: ["0", "45", "90", "-30"])
    func matchesScipyFixture(angle: String) throws {
        let fixture = try RotationFixture.load()
        let image = fixture.image_u8.map { Float($0) / 255 }
        let expected = try #require(fixture.rotated[angle]).map { Float($0) }
        let degrees = try #require(Double(angle))
        let rotated = rotate(image: image, rows: fixture.rows, cols: fixture.cols, degrees: degrees)
        // Tolerance: the fixture is scipy's float64 result printed to 9 significant digits;
        // ours is Float. Both round far below 1e-5.
        #expect(maxAbsDifference(rotated, expected) <= Self.tolerance)
        if angle != "0" { #expect(maxAbsDifference(rotated, image) > 0.5, "the rotation changed the image") }
    }
}
