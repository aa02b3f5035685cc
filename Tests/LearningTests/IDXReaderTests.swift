import Foundation
import Learning
import Testing

@Suite("IDX reader")
struct IDXReaderTests {
    /// Three 2x3 images using the ends and middle of the byte range.
    let pixels: [UInt8] = [0, 1, 2, 127, 128, 255, 10, 20, 30, 40, 50, 60, 255, 254, 253, 3, 2, 1]
    let labels: [UInt8] = [7, 0, 9]

    func expectedPixels() -> [Float] { pixels.map { Float($0) / 255 } }

    // MARK: Valid files

    @Test("a valid raw image and label file round-trip exactly (u8 / 255)")
    func rawRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let imagesPath = try directory.write(IDXBytes.images(count: 3, rows: 2, cols: 3, pixels: pixels), to: "images")
        let labelsPath = try directory.write(IDXBytes.labels(labels), to: "labels")
        let dataset = try IDXReader.readDataset(images: imagesPath, labels: labelsPath)
        #expect(dataset.rows == 2 && dataset.cols == 3 && dataset.count == 3)
        #expect(dataset.pixels == expectedPixels())
        #expect(dataset.labels == labels)
        #expect(dataset.pixels.min() == 0 && dataset.pixels.max() == 1)
    }

    @Test("a valid gzip image and label file round-trip exactly")
    func gzipRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let imagesPath = try directory.write(
            Gzip.compress(IDXBytes.images(count: 3, rows: 2, cols: 3, pixels: pixels)), to: "images.gz")
        let labelsPath = try directory.write(Gzip.compress(IDXBytes.labels(labels)), to: "labels.gz")
        let dataset = try IDXReader.readDataset(images: imagesPath, labels: labelsPath)
        #expect(dataset.pixels == expectedPixels())
        #expect(dataset.labels == labels)
    }

    @Test("a directory in the standard layout loads, .gz preferred over raw when both exist")
    func standardDirectory() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, train: [1, 2, 3], test: [4, 5], gzip: true)
        // A raw training-label file with different labels beside the .gz: must be ignored.
        try directory.write(IDXBytes.labels([9, 9, 9]), to: "train-labels-idx1-ubyte")
        let pair = try IDXReader.loadDirectory(directory.path)
        #expect(pair.train.labels == [1, 2, 3])
        #expect(pair.test.labels == [4, 5])
        #expect(pair.train.pixels.count == 3 * 4)
        #expect(pair.test.pixels[0] == Float(4 * 20 + 0) / 255)
    }

    @Test("a directory of raw files loads")
    func rawDirectory() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, train: [0, 1], test: [2], gzip: false)
        let pair = try IDXReader.loadDirectory(directory.path)
        #expect(pair.train.labels == [0, 1] && pair.test.labels == [2])
    }

    @Test("a directory that does not exist says so")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("no-such-dataset")
        let error = #expect(throws: DataError.self) { try IDXReader.loadDirectory(path) }
        #expect(error == .fileNotFound(path: path))
    }

    @Test("an incomplete directory names the directory and each missing file")
    func incompleteDirectory() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, train: [0, 1], test: [2], gzip: true)
        try FileManager.default.removeItem(atPath: directory.file("t10k-labels-idx1-ubyte.gz"))
        let error = #expect(throws: DataError.self) { try IDXReader.loadDirectory(directory.path) }
        #expect(error == .incompleteDirectory(directory: directory.path, missing: ["t10k-labels-idx1-ubyte[.gz]"]))
        #expect(error?.description.contains(directory.path) == true)
        #expect(error?.description.contains("t10k-labels-idx1-ubyte") == true)
    }

    // MARK: Faults: each names the file and the fault with the facts

    @Test("wrong magic says which magic was expected and which was found")
    func wrongMagic() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.labels(labels), to: "images")  // a label file where images belong
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        #expect(error == .wrongMagic(path: path, expected: .images, found: 2049))
        let text = error?.description ?? ""
        #expect(text.contains(path) && text.contains("wrong magic"))
        #expect(text.contains("expected 2051") && text.contains("found 2049"))
    }

    @Test("an unknown magic is shown as bytes")
    func unknownMagic() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.labels(labels, magic: 0x0000_0901), to: "labels")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .wrongMagic(path: path, expected: .labels, found: 0x901))
        #expect(error?.description.contains("00 00 09 01") == true)
    }

    @Test("a header cut short is truncated, with expected and actual bytes")
    func truncatedHeader() throws {
        let directory = try TemporaryDirectory()
        let full = IDXBytes.images(count: 3, rows: 2, cols: 3, pixels: pixels)
        let path = try directory.write(Array(full.prefix(10)), to: "images")
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        #expect(error == .truncatedHeader(path: path, kind: .images, expectedBytes: 16, actualBytes: 10))
        let text = error?.description ?? ""
        #expect(text.contains(path) && text.contains("truncated header"))
        #expect(text.contains("16 bytes") && text.contains("has 10"))
    }

    @Test("a label header cut short is truncated")
    func truncatedLabelHeader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write([0, 0, 8, 1, 0, 0], to: "labels")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .truncatedHeader(path: path, kind: .labels, expectedBytes: 8, actualBytes: 6))
    }

    @Test("an image body cut short is truncated, with expected and actual bytes")
    func truncatedBody() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            IDXBytes.images(count: 3, rows: 2, cols: 3, pixels: Array(pixels.dropLast())), to: "images")
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        #expect(error == .truncatedBody(path: path, kind: .images, count: 3, expectedBytes: 18, actualBytes: 17))
        let text = error?.description ?? ""
        #expect(text.contains(path) && text.contains("truncated body"))
        #expect(text.contains("3 images") && text.contains("18 bytes") && text.contains("found 17"))
    }

    @Test("a gzip body cut short inside the IDX (valid gzip) says decompressed")
    func truncatedBodyInGzip() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Gzip.compress(IDXBytes.labels([1, 2], count: 5)), to: "labels.gz")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .truncatedBody(path: path, kind: .labels, count: 5, expectedBytes: 5, actualBytes: 2))
        #expect(error?.description.contains("(decompressed)") == true)
    }

    @Test("a header promising more than memory can hold is a truncated body, not a crash")
    func hostileHeader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            IDXBytes.images(count: Int(UInt32.max), rows: Int(UInt32.max), cols: Int(UInt32.max), pixels: [1]),
            to: "images")
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        guard case .truncatedBody(_, _, _, _, let actual)? = error else {
            Issue.record("expected .truncatedBody, got \(String(describing: error))")
            return
        }
        #expect(actual == 1)
    }

    @Test("bytes beyond what the header promises are an error")
    func trailingBytes() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.labels(labels, count: 2), to: "labels")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .trailingBytes(path: path, kind: .labels, count: 2, expectedBytes: 2, actualBytes: 3))
        #expect(error?.description.contains(path) == true)
    }

    @Test("image and label counts that disagree name both files and both counts")
    func countMismatch() throws {
        let directory = try TemporaryDirectory()
        let imagesPath = try directory.write(IDXBytes.images(count: 3, rows: 2, cols: 3, pixels: pixels), to: "images")
        let labelsPath = try directory.write(IDXBytes.labels([1, 2]), to: "labels")
        let error = #expect(throws: DataError.self) {
            try IDXReader.readDataset(images: imagesPath, labels: labelsPath)
        }
        #expect(error == .countMismatch(imagesPath: imagesPath, imageCount: 3, labelsPath: labelsPath, labelCount: 2))
        let text = error?.description ?? ""
        #expect(text.contains(imagesPath) && text.contains(labelsPath))
        #expect(text.contains("3 images") && text.contains("2 labels"))
    }

    @Test("a label above 9 names its index and value")
    func labelOutOfRange() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.labels([1, 9, 0, 12, 200]), to: "labels")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .labelOutOfRange(path: path, index: 3, value: 12))
        let text = error?.description ?? ""
        #expect(text.contains(path) && text.contains("label 12 at index 3"))
    }

    @Test("a missing file names the path")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nothing-here.gz")
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        #expect(error == .fileNotFound(path: path))
        #expect(error?.description == "\(path): no such file or directory")
    }

    @Test("a file named .gz that is not gzip says so, with the bytes found")
    func notGzip() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.labels(labels), to: "labels.gz")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error == .notGzip(path: path, firstBytes: [0, 0]))
        let text = error?.description ?? ""
        #expect(text.contains(path) && text.contains("not gzip") && text.contains("1f 8b"))
    }

    @Test("a corrupt .gz names the file and carries zlib's message")
    func corruptGzip() throws {
        let directory = try TemporaryDirectory()
        var packed = try Gzip.compress(IDXBytes.labels(labels))
        packed[packed.count - 6] ^= 0xFF  // the CRC-32
        let path = try directory.write(packed, to: "labels.gz")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        guard case .corruptGzip(let errorPath, .corrupt)? = error else {
            Issue.record("expected .corruptGzip(.corrupt), got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("incorrect data check") == true)
    }

    @Test("a raw file that is really gzip gets a hint in the wrong-magic message")
    func gzipWithoutSuffix() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Gzip.compress(IDXBytes.labels(labels)), to: "labels")
        let error = #expect(throws: DataError.self) { try IDXReader.readLabels(at: path) }
        #expect(error?.description.contains("name it .gz") == true)
    }

    @Test("zero rows in the header is an error, not a crash")
    func emptyImageSize() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDXBytes.images(count: 2, rows: 0, cols: 3, pixels: []), to: "images")
        let error = #expect(throws: DataError.self) { try IDXReader.readImages(at: path) }
        #expect(error == .emptyImageSize(path: path, rows: 0, cols: 3))
    }
}
