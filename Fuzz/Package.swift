// swift-tools-version:6.1
//
// libFuzzer targets for the parsers of swift-maas-images. Build and run with `make fuzz` (see the top-level
// Makefile), which passes `-sanitize=fuzzer,address` to the Swift compiler.

import PackageDescription

let package = Package(
    name: "swift-maas-images-fuzz",
    dependencies: [
        .package(name: "swift-maas-images", path: "..")
    ],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzSquashFS",
            dependencies: ["FuzzSupport", .product(name: "SquashFS", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzStreams",
            dependencies: ["FuzzSupport", .product(name: "SimpleStreams", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzCatalogue",
            dependencies: ["FuzzSupport", .product(name: "BootAssets", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzExtract",
            dependencies: ["FuzzSupport", .product(name: "SquashFS", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // Differential: the native xz and lzma-alone decoders against liblzma (through `@_spi(Fuzzing)`).
        .executableTarget(
            name: "FuzzXZ",
            dependencies: [.product(name: "SquashFS", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzESXiNetwork",
            dependencies: ["FuzzSupport", .product(name: "ESXiNetwork", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzIdentify",
            dependencies: ["FuzzSupport", .product(name: "BootAssets", package: "swift-maas-images")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
