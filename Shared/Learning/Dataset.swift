/// A set of labelled images in memory: pixels as Float in [0, 1], one image a row.
public struct Dataset: Sendable, Equatable {
    /// (count, rows * cols), row-major; image i starts at i * pixelsPerImage.
    public var pixels: [Float]
    /// (count); each in 0...9.
    public var labels: [UInt8]
    public let rows: Int
    public let cols: Int

    public init(pixels: [Float], labels: [UInt8], rows: Int, cols: Int) {
        precondition(rows > 0 && cols > 0, "image size must be positive")
        precondition(pixels.count == labels.count * rows * cols, "pixels and labels disagree on the count")
        self.pixels = pixels
        self.labels = labels
        self.rows = rows
        self.cols = cols
    }

    public var count: Int { labels.count }
    public var pixelsPerImage: Int { rows * cols }

    /// The images at `indices`, in that order.
    public func subset(_ indices: some Collection<Int>) -> Dataset {
        var newPixels = [Float]()
        newPixels.reserveCapacity(indices.count * pixelsPerImage)
        var newLabels = [UInt8]()
        newLabels.reserveCapacity(indices.count)
        for i in indices {
            newPixels.append(contentsOf: pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)])
            newLabels.append(labels[i])
        }
        return Dataset(pixels: newPixels, labels: newLabels, rows: rows, cols: cols)
    }
}

/// A dataset's training and test parts, as read from disk or generated.
public struct DatasetPair: Sendable, Equatable {
    public var train: Dataset
    public var test: Dataset
    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}
