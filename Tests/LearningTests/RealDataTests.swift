import Foundation
import Learning
import Testing

/// Tests on the real mnist-subset, found through SEEDFARM_TEST_DATA (see TestData.swift):
/// skipped, saying why, when it is unset; failing when it is set and the data is not there.
@Suite("Real data (SEEDFARM_TEST_DATA)")
struct RealDataTests {
    @Test("mnist-subset: 5000 training images, 500 per class; 10000 test images; pixels in [0, 1]",
          TestData.required)
    func mnistSubset() throws {
        let pair = try IDXReader.loadDirectory(try TestData.requireDirectory())
        #expect(pair.train.count == 5000)
        #expect(pair.test.count == 10000)
        #expect(pair.train.rows == 28 && pair.train.cols == 28)
        let perClass = Dictionary(grouping: pair.train.labels, by: { $0 }).mapValues(\.count)
        #expect(perClass == Dictionary(uniqueKeysWithValues: (0...9).map { (UInt8($0), 500) }))
        for set in [pair.train, pair.test] {
            #expect(set.pixels.min() == 0 && set.pixels.max() == 1)
        }
    }

    @Test("the rotation fixture's image is test image 0 of the real data", TestData.required)
    func fixtureImageIsReal() throws {
        let pair = try IDXReader.loadDirectory(try TestData.requireDirectory())
        let fixture = try RotationFixture.load()
        #expect(Array(pair.test.pixels[0..<784]) == fixture.image_u8.map { Float($0) / 255 })
    }
}
