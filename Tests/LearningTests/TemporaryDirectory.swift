import Foundation
import Learning

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("seedfarm-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes `bytes` to `name` (creating intermediate directories) and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }
}

/// IDX file bytes, built by hand so that tests can make them malformed on purpose.
enum IDXBytes {
    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// An image file: magic, count, rows, cols, then `pixels` as given.
    static func images(count: Int, rows: Int, cols: Int, pixels: [UInt8], magic: UInt32 = 2051) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols)) + pixels
    }

    /// A label file: magic, count, then `labels` as given.
    static func labels(_ labels: [UInt8], count: Int? = nil, magic: UInt32 = 2049) -> [UInt8] {
        bigEndian(magic) + bigEndian(UInt32(count ?? labels.count)) + labels
    }

    /// Writes a complete standard-layout directory of `train` and `test` 2x2 images; each
    /// image's pixels are all `label * 20 + i` so every image is distinct.
    static func writeStandardDirectory(in directory: TemporaryDirectory, under subdirectory: String = "",
                                       train: [UInt8], test: [UInt8], gzip: Bool) throws {
        func pixels(_ labels: [UInt8]) -> [UInt8] {
            labels.enumerated().flatMap { i, label in [UInt8](repeating: label * 20 + UInt8(i), count: 4) }
        }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", images(count: train.count, rows: 2, cols: 2, pixels: pixels(train))),
            ("train-labels-idx1-ubyte", labels(train)),
            ("t10k-images-idx3-ubyte", images(count: test.count, rows: 2, cols: 2, pixels: pixels(test))),
            ("t10k-labels-idx1-ubyte", labels(test)),
        ]
        for (name, bytes) in files {
            let prefix = subdirectory.isEmpty ? "" : subdirectory + "/"
            if gzip {
                try directory.write(try Learning.Gzip.compress(bytes), to: prefix + name + ".gz")
            } else {
                try directory.write(bytes, to: prefix + name)
            }
        }
    }
}
