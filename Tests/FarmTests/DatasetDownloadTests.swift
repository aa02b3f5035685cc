import Foundation
import Testing
import Farm

/// `MNISTDownload` against servers on 127.0.0.1 that the tests start themselves, serving
/// small stand-ins whose MD5s are injected through `MNISTDownload(files:)`. Every
/// mirror and every cache directory is given explicitly: nothing here can reach a
/// non-loopback address or the user's real cache.
@Suite(.serialized) struct DatasetDownloadTests {
    // MARK: Fixtures

    static let names = MNISTDownload.canonicalFiles.map(\.name)

    /// A distinct small body per file (more than one MD5 block, not block-aligned).
    static func body(_ name: String) -> Data {
        Data("stand-in for \(name)\n".utf8) + Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    }

    /// The four names with the stand-ins' checksums.
    static let download = MNISTDownload(files: names.map { PublishedFile(name: $0, md5: MD5.hex(body($0))) })

    /// Routes serving `names` under `/prefix/`.
    static func routes(_ prefix: String, _ names: [String] = names) -> [String: LoopbackHTTPServer.Response] {
        Dictionary(uniqueKeysWithValues: names.map { ("/\(prefix)/\($0)", .ok(body($0))) })
    }

    /// An environment whose cache lies under `root` and which sets nothing else.
    static func environment(cacheUnder root: URL) -> [String: String] {
        ["XDG_CACHE_HOME": root.path, "HOME": root.appendingPathComponent("home").path]
    }

    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    // MARK: Downloading

    @Test func downloadsEveryFileIntoTheCacheVerifiedAndASecondCallMakesNoRequest() throws {
        let root = try Fixtures.temporaryDirectory()
        let server = try LoopbackHTTPServer(routes: Self.routes("m1"))
        let environment = Self.environment(cacheUnder: root)
        var events: [DownloadEvent] = []

        let directory = try Self.download.ensure(environment: environment, mirrors: [server.mirror("m1")]) { events.append($0) }

        #expect(directory == root.appendingPathComponent("seedfarm/mnist").path)
        #expect(directory == MNISTDownload.cacheDirectory(environment: environment))
        #expect(Self.contents(directory) == Self.names.sorted())
        for file in Self.download.files {
            let saved = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file.name))
            #expect(saved == Self.body(file.name))
            #expect(MD5.hex(saved) == file.md5)
        }
        #expect(server.requestedPaths == Self.names.map { "/m1/\($0)" })
        #expect(events.filter { if case .saved = $0 { true } else { false } }.count == 4)

        #expect(try Self.download.ensure(environment: environment, mirrors: [server.mirror("m1")]) == directory)
        #expect(server.requestedPaths.count == 4, "the second call found the cache complete and asked nothing")
    }

    @Test func aChecksumMismatchOnTheFirstMirrorFallsBackToTheNext() throws {
        let root = try Fixtures.temporaryDirectory()
        let corrupt = Self.names[0]
        var routes = Self.routes("m1").merging(Self.routes("m2")) { first, _ in first }
        routes["/m1/\(corrupt)"] = .ok(Self.body(corrupt).dropLast(10))  // a truncated copy
        let server = try LoopbackHTTPServer(routes: routes)
        var events: [DownloadEvent] = []

        let directory = try Self.download.ensure(
            environment: Self.environment(cacheUnder: root), mirrors: [server.mirror("m1"), server.mirror("m2")]
        ) { events.append($0) }

        let saved = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(corrupt))
        #expect(saved == Self.body(corrupt))
        #expect(server.requestedPaths.prefix(2) == ["/m1/\(corrupt)", "/m2/\(corrupt)"])
        #expect(server.requestedPaths.dropFirst(2) == ArraySlice(Self.names.dropFirst().map { "/m1/\($0)" }))
        let expectedMismatch = MirrorFailure(
            mirror: server.mirror("m1").absoluteString, file: corrupt,
            reason: .checksumMismatch(
                expected: Self.download.files[0].md5, got: MD5.hex(Self.body(corrupt).dropLast(10)),
                bytes: Self.body(corrupt).count - 10))
        #expect(events.contains(.rejected(expectedMismatch)))
        #expect(Self.contents(directory) == Self.names.sorted())
    }

    @Test func everyMirrorFailingNamesEachMirrorsReasonAndWhatToDo() throws {
        let root = try Fixtures.temporaryDirectory()
        let refusing = try RefusingPort()
        let server = try LoopbackHTTPServer(routes: [:])
        let environment = Self.environment(cacheUnder: root)
        let cache = MNISTDownload.cacheDirectory(environment: environment)

        let error = #expect(throws: DatasetDownloadError.self) {
            try Self.download.ensure(environment: environment, mirrors: [refusing.baseURL, server.mirror("m1")])
        }

        let first = Self.names[0]
        #expect(error == .allMirrorsFailed(
            file: first,
            failures: [
                MirrorFailure(mirror: refusing.baseURL.absoluteString, file: first, reason: .unreachable("connection refused")),
                MirrorFailure(mirror: server.mirror("m1").absoluteString, file: first, reason: .httpStatus(404)),
            ],
            cacheDirectory: cache))
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("\(refusing.baseURL.absoluteString): connection refused"))
        #expect(text.contains("\(server.mirror("m1").absoluteString): HTTP status 404"))
        #expect(text.contains(
            "offline? use --dataset fashion-mnist (Debian: apt-get install dataset-fashion-mnist), --dataset mnist-subset, "
                + "or --data DIR with the four IDX files; or put MNIST in \(cache)"))
        #expect(Self.contents(cache).isEmpty, "nothing, not even a temporary, is left behind")
        #expect(server.requestedPaths == ["/m1/\(first)"], "it stops at the first file no mirror has")
    }

    @Test func aFailureMidwayKeepsWholeFilesLeavesNoTemporariesAndTheNextRunFetchesOnlyTheRest() throws {
        let root = try Fixtures.temporaryDirectory()
        let environment = Self.environment(cacheUnder: root)
        let halfway = try LoopbackHTTPServer(routes: Self.routes("m1", Array(Self.names.prefix(2))))

        #expect(throws: DatasetDownloadError.self) {
            try Self.download.ensure(environment: environment, mirrors: [halfway.mirror("m1")])
        }
        let cache = MNISTDownload.cacheDirectory(environment: environment)
        #expect(Self.contents(cache) == Array(Self.names.prefix(2)).sorted())
        #expect(Self.download.locate(environment: environment) == nil, "a partial download is not complete")

        let full = try LoopbackHTTPServer(routes: Self.routes("m1"))
        #expect(try Self.download.ensure(environment: environment, mirrors: [full.mirror("m1")]) == cache)
        #expect(full.requestedPaths == Self.names.dropFirst(2).map { "/m1/\($0)" })
        #expect(Self.contents(cache) == Self.names.sorted())
    }

    @Test func aTemporaryAbandonedByADeadProcessNeverCountsAndIsRemoved() throws {
        let root = try Fixtures.temporaryDirectory()
        let environment = Self.environment(cacheUnder: root)
        let cache = MNISTDownload.cacheDirectory(environment: environment)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        for name in Self.names.dropLast() {
            try Self.body(name).write(to: URL(fileURLWithPath: cache).appendingPathComponent(name))
        }
        // Whole contents, but under a temporary name whose pid (above Linux's pid_max) is no process.
        let last = Self.names[3]
        let abandoned = ".\(last).999999999.\(UUID().uuidString).part"
        try Self.body(last).write(to: URL(fileURLWithPath: cache).appendingPathComponent(abandoned))
        #expect(Self.download.locate(environment: environment) == nil)

        let server = try LoopbackHTTPServer(routes: Self.routes("m1"))
        #expect(try Self.download.ensure(environment: environment, mirrors: [server.mirror("m1")]) == cache)
        #expect(server.requestedPaths == ["/m1/\(last)"])
        #expect(Self.contents(cache) == Self.names.sorted())
    }

    // MARK: Finding

    @Test func aCompleteDirectoryInSeedfarmDataIsUsedWithoutARequest() throws {
        let root = try Fixtures.temporaryDirectory()
        let data = root.appendingPathComponent("data")
        let mnist = data.appendingPathComponent("mnist")
        try FileManager.default.createDirectory(at: mnist, withIntermediateDirectories: true)
        // Two gzipped names and two raw ones: either form counts, as in DatasetCatalogue.
        for (index, name) in Self.names.enumerated() {
            let onDisk = index < 2 ? name : String(name.dropLast(3))
            try Self.body(name).write(to: mnist.appendingPathComponent(onDisk))
        }
        var environment = Self.environment(cacheUnder: root)
        environment["SEEDFARM_DATA"] = data.path
        let server = try LoopbackHTTPServer(routes: Self.routes("m1"))

        #expect(Self.download.locate(environment: environment) == mnist.path)
        #expect(try Self.download.ensure(environment: environment, mirrors: [server.mirror("m1")]) == mnist.path)
        #expect(server.requestedPaths.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: MNISTDownload.cacheDirectory(environment: environment)))
    }

    @Test func searchesSeedfarmDataThenTheCache() {
        let environment = ["SEEDFARM_DATA": "/d", "XDG_CACHE_HOME": "/x", "HOME": "/h"]
        #expect(MNISTDownload.searchPaths(environment: environment) == ["/d/mnist", "/x/seedfarm/mnist"])
        #expect(MNISTDownload.searchPaths(environment: ["HOME": "/h"]) == ["/h/.cache/seedfarm/mnist"])
        #expect(MNISTDownload.cacheDirectory(environment: ["XDG_CACHE_HOME": "", "HOME": "/h"]) == "/h/.cache/seedfarm/mnist")
    }

    // MARK: Mirrors

    @Test func theCanonicalFilesAndMirrorsAreTorchvisions() throws {
        #expect(MNISTDownload.canonicalFiles.map(\.name) == [
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
        ])
        #expect(MNISTDownload.canonicalFiles.map(\.md5) == [
            "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
            "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c",
        ])
        #expect(MNISTDownload.defaultMirrors.map(\.absoluteString) == [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ])
        #expect(try MNISTDownload.mirrors(environment: [:]) == MNISTDownload.defaultMirrors)
        #expect(try MNISTDownload.mirrors(environment: ["SEEDFARM_MNIST_MIRRORS": ""]) == MNISTDownload.defaultMirrors)
    }

    @Test func theMirrorsVariableReplacesTheDefaultsAndIsUsedByEnsure() throws {
        let root = try Fixtures.temporaryDirectory()
        let server = try LoopbackHTTPServer(routes: Self.routes("m2"))
        var environment = Self.environment(cacheUnder: root)
        let withoutSlash = String(server.mirror("m2").absoluteString.dropLast())
        environment["SEEDFARM_MNIST_MIRRORS"] = " \(server.mirror("m1").absoluteString) ,\(withoutSlash),"

        #expect(try MNISTDownload.mirrors(environment: environment) == [server.mirror("m1"), server.mirror("m2")])
        _ = try Self.download.ensure(environment: environment)
        #expect(server.requestedPaths == Self.names.flatMap { ["/m1/\($0)", "/m2/\($0)"] },
                "each file from m1 (a 404) and then m2, in the variable's order")
    }

    @Test func badMirrorListsAreRefusedWithTheirSource() {
        #expect(throws: DatasetDownloadError.invalidMirror("ftp://example.invalid/mnist/", source: "SEEDFARM_MNIST_MIRRORS")) {
            try MNISTDownload.mirrors(environment: ["SEEDFARM_MNIST_MIRRORS": "ftp://example.invalid/mnist/"])
        }
        #expect(throws: DatasetDownloadError.noMirrors(source: "SEEDFARM_MNIST_MIRRORS")) {
            try MNISTDownload.mirrors(environment: ["SEEDFARM_MNIST_MIRRORS": " , "])
        }
        #expect(throws: DatasetDownloadError.noMirrors(source: "the mirrors argument")) {
            try Self.download.ensure(environment: ["XDG_CACHE_HOME": "/nonexistent-farmtests"], mirrors: [])
        }
    }
}
