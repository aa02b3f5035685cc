/// Everything that can go wrong between a dataset name or directory and a `DatasetPair`.
/// Each description names the file (or directory, or dataset) and the fault with the facts
/// (expected against found), so that a person can act without a debugger
/// (experiment.md, "Data": "an error naming the file and the fault").
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: One file
    /// Nothing at `path` (a file, or a dataset directory).
    case fileNotFound(path: String)
    /// `path` exists but could not be read (permissions, a directory, an I/O error).
    case unreadable(path: String, reason: String)
    /// `path` is named `.gz` but does not start with the gzip magic 1f 8b.
    case notGzip(path: String, firstBytes: [UInt8])
    /// `path` starts as gzip but zlib could not decode it.
    case corruptGzip(path: String, GzipError)
    /// The IDX magic number is not the one this kind of file must have.
    case wrongMagic(path: String, expected: IDXKind, found: UInt32)
    /// The file is shorter than its IDX header.
    case truncatedHeader(path: String, kind: IDXKind, expectedBytes: Int, actualBytes: Int)
    /// The header promises `count` items (`expectedBytes` after the header); fewer are there.
    case truncatedBody(path: String, kind: IDXKind, count: Int, expectedBytes: Int, actualBytes: Int)
    /// More bytes follow the header than it promises: the file is not what it says.
    case trailingBytes(path: String, kind: IDXKind, count: Int, expectedBytes: Int, actualBytes: Int)
    /// An image file whose header gives a zero image size.
    case emptyImageSize(path: String, rows: Int, cols: Int)
    /// A label outside 0...9.
    case labelOutOfRange(path: String, index: Int, value: UInt8)

    // MARK: Files that must agree
    /// An image file and its label file disagree on the number of items.
    case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
    /// The training and test images have different sizes.
    case imageSizeMismatch(
        trainPath: String, trainRows: Int, trainCols: Int, testPath: String, testRows: Int, testCols: Int)
    /// A directory lacks some of the four standard IDX files (`missing`, each as `name[.gz]`).
    case incompleteDirectory(directory: String, missing: [String])

    // MARK: The catalogue
    /// A dataset name the catalogue does not know.
    case unknownDataset(name: String, known: [String])
    /// A known dataset found in none of the places searched.
    case datasetNotFound(name: String, searched: [SearchedPlace], advice: String)
    /// Both a dataset name and a directory were given; only one can say where the data is.
    case conflictingSources(name: String, directory: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file or directory"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .notGzip(let path, let first):
            let found = first.isEmpty ? "an empty file" : first.map(hexByte).joined(separator: " ")
            return "\(path): named .gz but not gzip: expected magic bytes 1f 8b, found \(found)"
        case .corruptGzip(let path, let error):
            return "\(path): \(error)"
        case .wrongMagic(let path, let expected, let found):
            var text = "\(path): wrong magic number: expected \(expected.magic) (\(expected.name)), "
                + "found \(found) (\(IDXKind.describe(magic: found)))"
            if found >> 16 == 0x1F8B {
                text += "; the file looks gzip-compressed: name it .gz"
            }
            return text
        case .truncatedHeader(let path, let kind, let expected, let actual):
            return "\(path): truncated header: an \(kind.name) header is \(expected) bytes, "
                + "the file\(decompressedNote(path)) has \(actual)"
        case .truncatedBody(let path, let kind, let count, let expected, let actual):
            return "\(path): truncated body: the header promises \(count) \(kind.items) "
                + "(\(expected) bytes after the \(kind.headerBytes)-byte header), "
                + "found \(actual)\(decompressedNote(path))"
        case .trailingBytes(let path, let kind, let count, let expected, let actual):
            return "\(path): \(actual - expected) unexpected bytes after the body: the header promises "
                + "\(count) \(kind.items) (\(expected) bytes after the \(kind.headerBytes)-byte header), "
                + "found \(actual)\(decompressedNote(path))"
        case .emptyImageSize(let path, let rows, let cols):
            return "\(path): image size \(rows)x\(cols) in the header: rows and cols must be positive"
        case .labelOutOfRange(let path, let index, let value):
            return "\(path): label \(value) at index \(index) is out of range: labels must be 0...9"
        case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
            return "count mismatch: \(imagesPath) holds \(imageCount) images but \(labelsPath) "
                + "holds \(labelCount) labels"
        case .imageSizeMismatch(let trainPath, let trainRows, let trainCols, let testPath, let testRows, let testCols):
            return "image size mismatch: \(trainPath) has \(trainRows)x\(trainCols) images but "
                + "\(testPath) has \(testRows)x\(testCols)"
        case .incompleteDirectory(let directory, let missing):
            return "\(directory): not a dataset directory in the standard IDX layout: missing "
                + missing.joined(separator: ", ")
        case .unknownDataset(let name, let known):
            return "unknown dataset '\(name)': known datasets are \(known.joined(separator: ", ")), "
                + "or use --data DIR for any directory in the standard IDX layout"
        case .datasetNotFound(let name, let searched, let advice):
            let places = searched.map { "  \($0.path): \($0.finding)" }.joined(separator: "\n")
            return "dataset '\(name)' not found; looked in:\n\(places)\n\(advice)"
        case .conflictingSources(let name, let directory):
            return "both a dataset name ('\(name)') and a directory (\(directory)) were given: use one "
                + "(--dataset NAME or --data DIR)"
        }
    }
}

/// One place the catalogue looked for a dataset, and what it found there.
public struct SearchedPlace: Sendable, Equatable, CustomStringConvertible {
    /// The directory looked at.
    public let path: String
    /// Why it was not used, e.g. "does not exist" or "lacks t10k-labels-idx1-ubyte[.gz]".
    public let finding: String

    public init(path: String, finding: String) {
        self.path = path
        self.finding = finding
    }

    public var description: String { "\(path): \(finding)" }
}

/// The two IDX files the data layer reads, with the facts of their headers
/// (LeCun et al., "THE MNIST DATABASE", file formats).
public enum IDXKind: Sendable, Equatable {
    /// Magic 2051: u8 data, 3 dimensions (count, rows, cols).
    case images
    /// Magic 2049: u8 data, 1 dimension (count).
    case labels

    /// The big-endian u32 the file must start with.
    public var magic: UInt32 { self == .images ? 2051 : 2049 }
    /// Bytes of header: magic plus one big-endian u32 per dimension.
    public var headerBytes: Int { self == .images ? 16 : 8 }
    /// For messages.
    public var name: String { self == .images ? "IDX images" : "IDX labels" }
    var items: String { self == .images ? "images" : "labels" }

    /// What a magic number found in a file says about it, for messages.
    static func describe(magic: UInt32) -> String {
        switch magic {
        case IDXKind.images.magic: return "IDX images"
        case IDXKind.labels.magic: return "IDX labels"
        default:
            let bytes = (0..<4).map { UInt8(truncatingIfNeeded: magic >> (24 - 8 * $0)) }
            return "bytes " + bytes.map(hexByte).joined(separator: " ")
        }
    }
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}

private func decompressedNote(_ path: String) -> String {
    path.hasSuffix(".gz") ? " (decompressed)" : ""
}
