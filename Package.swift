// swift-tools-version:6.0
import PackageDescription

/// Release builds of the numeric targets use AVX2 and FMA on x86-64 (Haswell and later, every x86 server since 2013):
/// the engine's elementwise, normalisation and optimizer loops vectorise 8-wide instead of 4-wide.
#if arch(x86_64)
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
#else
let numericSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "SensorFM",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sensorfm", targets: ["sensorfm"]),
        .library(name: "SensorTensor", targets: ["SensorTensor"]),
        .library(name: "SensorNN", targets: ["SensorNN"]),
        .library(name: "SensorData", targets: ["SensorData"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "SafeTensors"),
        // Open MPI bound at run time (dlopen) only under mpirun/srun: builds and runs without MPI installed.
        .target(name: "CMPIShim", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "SensorTensor", dependencies: ["CBLAS"], swiftSettings: numericSettings),
        .target(name: "SensorNN", dependencies: ["SensorTensor", "SafeTensors"], swiftSettings: numericSettings),
        .target(
            name: "SensorData",
            dependencies: ["SensorTensor", "SafeTensors", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "SensorPretrain", dependencies: ["SensorNN", "SensorData"]),
        .target(name: "SensorEval", dependencies: ["SensorPretrain", "SensorData", "SensorNN"]),
        .target(name: "SensorReport"),
        .target(name: "SensorEdge", dependencies: ["SensorNN", "SensorData", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "SensorRun",
            dependencies: [
                "SensorPretrain", "SensorData", "SensorNN", "SensorEval", "SensorReport", "SensorEdge", "CMPIShim",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sensorfm",
            dependencies: [
                "SensorPretrain", "SensorRun", "SensorEval", "SensorReport", "SensorEdge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "sensorfm-fuzz", dependencies: ["SafeTensors", "SensorData", "SensorRun"], path: "Sources/SensorFuzz"),
        .testTarget(name: "SensorTensorTests", dependencies: ["SensorTensor"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "SensorNNTests", dependencies: ["SensorNN"]),
        .testTarget(name: "SensorDataTests", dependencies: ["SensorData"]),
        .testTarget(name: "SensorPretrainTests", dependencies: ["SensorPretrain"]),
        .testTarget(name: "SensorRunTests", dependencies: ["SensorRun"]),
        .testTarget(name: "SensorEvalTests", dependencies: ["SensorEval"]),
        .testTarget(name: "SensorReportTests", dependencies: ["SensorReport"]),
        .testTarget(name: "SensorEdgeTests", dependencies: ["SensorEdge"]),
        .testTarget(
            name: "SensorParityTests",
            dependencies: ["SensorNN", "SafeTensors"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
