import Foundation
import Learning
import Testing

@Suite("Dataset catalogue")
struct CatalogueTests {
    /// An environment that points every search place into `directory`.
    func environment(_ directory: TemporaryDirectory) -> [String: String] {
        ["SEEDFARM_DATA": directory.file("data"), "XDG_CACHE_HOME": directory.file("cache"), "HOME": directory.file("home")]
    }

    @Test("an unknown name is an error listing every known name")
    func unknownName() {
        let error = #expect(throws: DataError.self) { try DatasetCatalogue.load(name: "mnsit", directory: nil) }
        #expect(error == .unknownDataset(name: "mnsit", known: ["mnist", "mnist-subset", "fashion-mnist", "synthetic"]))
        let text = error?.description ?? ""
        for name in ["mnsit", "mnist", "mnist-subset", "fashion-mnist", "synthetic", "--data DIR"] {
            #expect(text.contains(name), "missing \(name)")
        }
    }

    @Test("a missing dataset lists every place searched and what to do")
    func missingDataset() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: DataError.self) {
            try DatasetCatalogue.load(name: "mnist", directory: nil, environment: environment(directory),
                                      currentDirectory: directory.path)
        }
        guard case .datasetNotFound(let name, let searched, _)? = error else {
            Issue.record("expected .datasetNotFound, got \(String(describing: error))")
            return
        }
        #expect(name == "mnist")
        #expect(searched.map(\.path) == [directory.file("data/mnist"), directory.file("cache/seedfarm/mnist")])
        let text = error?.description ?? ""
        #expect(text.contains(directory.file("data/mnist")) && text.contains(directory.file("cache/seedfarm/mnist")))
        #expect(text.contains("download") && text.contains("--data DIR") && text.contains("--dataset fashion-mnist"))
    }

    @Test("without SEEDFARM_DATA or XDG_CACHE_HOME: says the variable is unset, searches ~/.cache")
    func unsetVariables() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: DataError.self) {
            try DatasetCatalogue.load(name: "mnist", directory: nil, environment: ["HOME": directory.path],
                                      currentDirectory: directory.path)
        }
        guard case .datasetNotFound(_, let searched, _)? = error else {
            Issue.record("expected .datasetNotFound, got \(String(describing: error))")
            return
        }
        #expect(searched == [
            SearchedPlace(path: "$SEEDFARM_DATA/mnist", finding: "SEEDFARM_DATA is not set"),
            SearchedPlace(path: directory.file(".cache/seedfarm/mnist"), finding: "does not exist"),
        ])
    }

    @Test("each dataset's own places come after SEEDFARM_DATA and the cache")
    func searchPaths() {
        let env = ["SEEDFARM_DATA": "/d", "XDG_CACHE_HOME": "/c"]
        #expect(DatasetCatalogue.searchPaths(for: .fashionMNIST, environment: env, currentDirectory: "/w/main")
            == ["/d/fashion-mnist", "/c/seedfarm/fashion-mnist", "/usr/share/datasets/fashion-mnist"])
        #expect(DatasetCatalogue.searchPaths(for: .mnistSubset, environment: env, currentDirectory: "/w/main")
            == ["/d/mnist-subset", "/c/seedfarm/mnist-subset", "/w/shared/data/mnist-subset"])
        #expect(DatasetCatalogue.searchPaths(for: .mnist, environment: [:], currentDirectory: "/w")
            == [(NSHomeDirectory() as NSString).appendingPathComponent(".cache/seedfarm/mnist")])
    }

    @Test("a dataset under SEEDFARM_DATA is found; an incomplete one earlier is reported, not used")
    func foundUnderDataVariable() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, under: "cache/seedfarm/mnist",
                                            train: [1, 2], test: [3], gzip: true)
        try directory.write(IDXBytes.labels([0]), to: "data/mnist/train-labels-idx1-ubyte")
        let pair = try DatasetCatalogue.load(name: "mnist", directory: nil, environment: environment(directory))
        #expect(pair.train.labels == [1, 2] && pair.test.labels == [3])

        // With the complete copy gone, the error shows what was wrong with the partial one.
        try FileManager.default.removeItem(atPath: directory.file("cache"))
        let error = #expect(throws: DataError.self) {
            try DatasetCatalogue.locate(.mnist, environment: environment(directory), currentDirectory: "/")
        }
        #expect(error?.description.contains(
            "\(directory.file("data/mnist")): lacks train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]") == true)
    }

    @Test("mnist-subset is found at ../shared/data/mnist-subset from the working directory")
    func mnistSubsetBesideShared() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, under: "shared/data/mnist-subset",
                                            train: [5], test: [6], gzip: false)
        try FileManager.default.createDirectory(atPath: directory.file("main"), withIntermediateDirectories: true)
        let pair = try DatasetCatalogue.load(name: "mnist-subset", directory: nil, environment: environment(directory),
                                             currentDirectory: directory.file("main"))
        #expect(pair.train.labels == [5])
    }

    @Test("a directory loads directly; a name and a directory together are refused")
    func directoryAndConflict() throws {
        let directory = try TemporaryDirectory()
        try IDXBytes.writeStandardDirectory(in: directory, train: [1], test: [2], gzip: true)
        #expect(try DatasetCatalogue.load(name: nil, directory: directory.path).train.labels == [1])
        let error = #expect(throws: DataError.self) {
            try DatasetCatalogue.load(name: "mnist", directory: directory.path)
        }
        #expect(error == .conflictingSources(name: "mnist", directory: directory.path))
    }

    @Test("synthetic: 28x28, 1000/500, 10 balanced classes, pixels in [0, 1]")
    func syntheticShape() throws {
        let pair = try DatasetCatalogue.load(name: "synthetic", directory: nil)
        #expect(pair == SyntheticData.make(seed: SyntheticData.defaultSeed))
        #expect(pair.train.count == 1000 && pair.test.count == 500)
        #expect(pair.train.rows == 28 && pair.train.cols == 28)
        for set in [pair.train, pair.test] {
            let perClass = Dictionary(grouping: set.labels, by: { $0 }).mapValues(\.count)
            #expect(perClass.keys.sorted() == Array(0...9))
            #expect(Set(perClass.values).count == 1, "balanced")
            #expect(set.pixels.min() ?? -1 >= 0 && set.pixels.max() ?? 2 <= 1)
        }
    }

    @Test("synthetic is deterministic per seed and differs between seeds")
    func syntheticDeterministic() {
        #expect(SyntheticData.make(seed: 4) == SyntheticData.make(seed: 4))
        #expect(SyntheticData.make(seed: 4).train.pixels != SyntheticData.make(seed: 5).train.pixels)
    }

    @Test("synthetic is learnable upright, and a 45° rotation changes it")
    func syntheticLearnableAndRotationMatters() {
        // A nearest-class-mean classifier stands in for the MLP: if it does well, a small
        // MLP does at least as well; if rotated test images fool it, rotation matters.
        let pair = SyntheticData.make(seed: 1)
        let means = classMeans(pair.train)
        let upright = accuracy(pair.test, means: means)
        let rotated = accuracy(rotate(pair.test, degrees: 45), means: means)
        #expect(upright > 0.9, "upright accuracy \(upright)")
        #expect(rotated < 0.5, "rotated accuracy \(rotated)")
    }

    private func classMeans(_ set: Dataset) -> [[Float]] {
        var sums = [[Float]](repeating: [Float](repeating: 0, count: set.pixelsPerImage), count: 10)
        var counts = [Float](repeating: 0, count: 10)
        for i in 0..<set.count {
            let label = Int(set.labels[i])
            counts[label] += 1
            for p in 0..<set.pixelsPerImage { sums[label][p] += set.pixels[i * set.pixelsPerImage + p] }
        }
        return sums.enumerated().map { k, sum in sum.map { $0 / max(counts[k], 1) } }
    }

    private func accuracy(_ set: Dataset, means: [[Float]]) -> Double {
        var correct = 0
        for i in 0..<set.count {
            let start = i * set.pixelsPerImage
            let distances = means.map { mean in
                (0..<set.pixelsPerImage).reduce(Float(0)) { sum, p in
                    let d = set.pixels[start + p] - mean[p]
                    return sum + d * d
                }
            }
            if let best = distances.indices.min(by: { distances[$0] < distances[$1] }), best == Int(set.labels[i]) {
                correct += 1
            }
        }
        return Double(correct) / Double(max(set.count, 1))
    }
}
