// swift-tools-version:6.0
// seedfarm: a distributed seed farm for "mean ± std over N seeds" tables.
// Dependency direction (never the other way):
//   Coordinator -> Farm, ZeroMQ;  Worker -> Farm, ZeroMQ, Learning;
//   Learning -> CBLAS, CZlib;     ZeroMQ -> CZMQ;   Farm -> Foundation alone.
import PackageDescription

/// Applied to every Swift target in one place.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "seedfarm",
    products: [
        .executable(name: "coordinator", targets: ["Coordinator"]),
        .executable(name: "worker", targets: ["Worker"]),
    ],
    targets: [
        // MARK: System libraries (a module map and a shim header each)
        .systemLibrary(
            name: "CBLAS", path: "Shared/System/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Shared/System/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // No pkgConfig: libzmq's .pc adds -isystem flags SwiftPM refuses, and zmq.h is
        // in the default include path on Debian.
        .systemLibrary(
            name: "CZMQ", path: "Shared/System/CZMQ", providers: [.apt(["libzmq3-dev"])]),

        // MARK: Libraries
        // Adam's update in C: Swift's sqrt keeps errno semantics and will not vectorise.
        .target(
            name: "Kernels", path: "Shared/Kernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]),
        .target(
            name: "Learning", dependencies: ["CBLAS", "CZlib", "Kernels"], path: "Shared/Learning",
            swiftSettings: strictSettings),
        .target(
            name: "ZeroMQ", dependencies: ["CZMQ"], path: "Shared/ZeroMQ",
            swiftSettings: strictSettings),
        .target(name: "Farm", path: "Shared/Farm", swiftSettings: strictSettings),

        // MARK: Executables
        .executableTarget(
            name: "Coordinator", dependencies: ["Farm", "ZeroMQ"], path: "Coordinator",
            swiftSettings: strictSettings),
        .executableTarget(
            name: "Worker", dependencies: ["Farm", "ZeroMQ", "Learning"], path: "Worker",
            swiftSettings: strictSettings),

        // MARK: Tests
        .testTarget(
            name: "LearningTests", dependencies: ["Learning"], path: "Tests/LearningTests",
            resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(
            name: "FarmTests", dependencies: ["Farm"], path: "Tests/FarmTests",
            swiftSettings: strictSettings),
        .testTarget(
            name: "ZeroMQTests", dependencies: ["ZeroMQ"], path: "Tests/ZeroMQTests",
            swiftSettings: strictSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["Coordinator", "Worker", "Farm", "ZeroMQ"],
            path: "Tests/EndToEndTests", swiftSettings: strictSettings),
    ]
)
