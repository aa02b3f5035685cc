import Foundation

/// Images read from one IDX image file (magic 2051).
public struct IDXImages: Sendable, Equatable {
    public let count: Int
    public let rows: Int
    public let cols: Int
    /// (count, rows * cols), row-major, each byte / 255 so in [0, 1].
    public let pixels: [Float]
}

/// Reads the IDX files of MNIST-style datasets, raw or gzip-compressed (experiment.md,
/// "Data"). A file named `*.gz` is inflated first; anything else is read as raw IDX.
/// Every fault is a `DataError` naming the file.
public enum IDXReader {
    /// The four file names of the standard layout, without `.gz`.
    public static let trainImagesName = "train-images-idx3-ubyte"
    public static let trainLabelsName = "train-labels-idx1-ubyte"
    public static let testImagesName = "t10k-images-idx3-ubyte"
    public static let testLabelsName = "t10k-labels-idx1-ubyte"
    public static let standardNames = [trainImagesName, trainLabelsName, testImagesName, testLabelsName]

    // MARK: Directories

    /// The path of `name` in `directory`: `name.gz` if it exists (preferred), else `name`
    /// raw, else nil.
    public static func locate(_ name: String, in directory: String) -> String? {
        let base = (directory as NSString).appendingPathComponent(name)
        for candidate in [base + ".gz", base] where isRegularFile(candidate) {
            return candidate
        }
        return nil
    }

    /// The standard names (as `name[.gz]`) missing from `directory`; empty when it is a
    /// complete dataset directory.
    public static func missingFiles(in directory: String) -> [String] {
        standardNames.filter { locate($0, in: directory) == nil }.map { $0 + "[.gz]" }
    }

    /// The training and test sets of a directory in the standard layout.
    public static func loadDirectory(_ directory: String) throws(DataError) -> DatasetPair {
        guard FileManager.default.fileExists(atPath: directory) else { throw .fileNotFound(path: directory) }
        let missing = missingFiles(in: directory)
        guard missing.isEmpty else {
            throw .incompleteDirectory(directory: directory, missing: missing)
        }
        let path = { (name: String) in locate(name, in: directory) ?? name }
        let trainImages = path(trainImagesName)
        let testImages = path(testImagesName)
        let train = try readDataset(images: trainImages, labels: path(trainLabelsName))
        let test = try readDataset(images: testImages, labels: path(testLabelsName))
        guard train.rows == test.rows, train.cols == test.cols else {
            throw .imageSizeMismatch(
                trainPath: trainImages, trainRows: train.rows, trainCols: train.cols,
                testPath: testImages, testRows: test.rows, testCols: test.cols)
        }
        return DatasetPair(train: train, test: test)
    }

    /// An image file and its label file as one dataset; their counts must agree.
    public static func readDataset(images imagesPath: String, labels labelsPath: String)
        throws(DataError) -> Dataset
    {
        let images = try readImages(at: imagesPath)
        let labels = try readLabels(at: labelsPath)
        guard images.count == labels.count else {
            throw .countMismatch(
                imagesPath: imagesPath, imageCount: images.count, labelsPath: labelsPath,
                labelCount: labels.count)
        }
        return Dataset(pixels: images.pixels, labels: labels, rows: images.rows, cols: images.cols)
    }

    // MARK: Files

    /// An IDX image file: magic 2051, big-endian u32 count, rows, cols, then
    /// count * rows * cols u8 pixels, converted to Float / 255.
    public static func readImages(at path: String) throws(DataError) -> IDXImages {
        let bytes = try contents(of: path)
        let header = try readHeader(bytes, kind: .images, path: path)
        let count = header[0], rows = header[1], cols = header[2]
        guard rows > 0, cols > 0 else { throw .emptyImageSize(path: path, rows: rows, cols: cols) }
        let bodyBytes = try checkBody(bytes, kind: .images, dimensions: [count, rows, cols], path: path)
        return IDXImages(count: count, rows: rows, cols: cols, pixels: floatPixels(bytes, from: 16, count: bodyBytes))
    }

    /// An IDX label file: magic 2049, big-endian u32 count, then count u8 labels in 0...9.
    public static func readLabels(at path: String) throws(DataError) -> [UInt8] {
        let bytes = try contents(of: path)
        let header = try readHeader(bytes, kind: .labels, path: path)
        let count = header[0]
        _ = try checkBody(bytes, kind: .labels, dimensions: [count], path: path)
        let labels = Array(bytes[8...])
        if let index = labels.firstIndex(where: { $0 > 9 }) {
            throw .labelOutOfRange(path: path, index: index, value: labels[index])
        }
        return labels
    }

    // MARK: Pieces

    /// The file's bytes, inflated when it is named `.gz`.
    static func contents(of path: String) throws(DataError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
        let raw: [UInt8]
        do {
            raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard path.hasSuffix(".gz") else { return raw }
        guard Gzip.hasMagic(raw) else { throw .notGzip(path: path, firstBytes: Array(raw.prefix(2))) }
        do {
            return try Gzip.decompress(raw)
        } catch {
            throw .corruptGzip(path: path, error)
        }
    }

    /// The header's dimensions (count; or count, rows, cols) after checking its length and magic.
    private static func readHeader(_ bytes: [UInt8], kind: IDXKind, path: String) throws(DataError) -> [Int] {
        guard bytes.count >= 4 else {
            throw .truncatedHeader(path: path, kind: kind, expectedBytes: kind.headerBytes, actualBytes: bytes.count)
        }
        let magic = bigEndianUInt32(bytes, at: 0)
        guard magic == kind.magic else { throw .wrongMagic(path: path, expected: kind, found: magic) }
        guard bytes.count >= kind.headerBytes else {
            throw .truncatedHeader(path: path, kind: kind, expectedBytes: kind.headerBytes, actualBytes: bytes.count)
        }
        return stride(from: 4, to: kind.headerBytes, by: 4).map { Int(bigEndianUInt32(bytes, at: $0)) }
    }

    /// The body's length in bytes, after checking it is exactly what the header promises.
    private static func checkBody(_ bytes: [UInt8], kind: IDXKind, dimensions: [Int], path: String)
        throws(DataError) -> Int
    {
        let count = dimensions[0]
        let actual = bytes.count - kind.headerBytes
        // A hostile header can promise more than Int holds: that is a truncated body too.
        var promised = 1
        for dimension in dimensions {
            let (product, overflow) = promised.multipliedReportingOverflow(by: dimension)
            promised = overflow ? Int.max : product
        }
        if actual < promised {
            throw .truncatedBody(path: path, kind: kind, count: count, expectedBytes: promised, actualBytes: actual)
        }
        if actual > promised {
            throw .trailingBytes(path: path, kind: kind, count: count, expectedBytes: promised, actualBytes: actual)
        }
        return promised
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// `count` bytes from `start` as Float / 255 (the spec's conversion, division not a
    /// multiplication by 1/255, so values equal PyTorch's `x.float() / 255`). One tight loop
    /// into uninitialised storage: no per-element allocation, and the compiler vectorises it.
    private static func floatPixels(_ bytes: [UInt8], from start: Int, count: Int) -> [Float] {
        precondition(start + count <= bytes.count, "body was checked against the header")
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            bytes.withUnsafeBufferPointer { source in
                for i in 0..<count {
                    buffer[i] = Float(source[start + i]) / 255
                }
            }
            initialised = count
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
