// swift-tools-version:6.1
//
// swift-maas-images: MAAS boot images as a Swift library and the `maas-images` command.
//
// C code is used only through system libraries found with pkg-config (decompressors for SquashFS, gpgme for
// Verification), one system-library target per library, each
// with a `shim.h` of `static inline` wrappers for the macros Swift cannot import. Nothing is vendored. libsquashfs
// (LGPL-3) is used only by the separate Benchmarks package, for side-by-side comparisons, never by a product here.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-maas-images",
    products: [
        .library(name: "SquashFS", targets: ["SquashFS"]),
        .library(name: "ImageContents", targets: ["ImageContents"]),
        .library(name: "ImageMirror", targets: ["ImageMirror"]),
        .library(name: "Verification", targets: ["Verification"]),
        .library(name: "SimpleStreams", targets: ["SimpleStreams"]),
        .library(name: "SignedStreams", targets: ["SignedStreams"]),
        .library(name: "BootAssets", targets: ["BootAssets"]),
        .library(name: "ESXiNetwork", targets: ["ESXiNetwork"]),
        .library(name: "ProgressReporting", targets: ["ProgressReporting"]),
        .executable(name: "maas-images", targets: ["maas-images"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // Only for `make docs` (swift package generate-documentation); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries (decompression only)

        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),

        // MARK: - System libraries (OpenPGP)

        .systemLibrary(name: "CGPGME", pkgConfig: "gpgme", providers: [.apt(["libgpgme-dev"])]),

        // MARK: - System layer (internal: no product)

        // Every file and directory operation on swift-system, including the confined directory (descriptor-relative,
        // O_NOFOLLOW, unpredictable temporary names) that the squashfs extractor and the image mirror write through.
        .target(
            name: "SystemLayer",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swiftSettings
        ),

        // The hardened YAML reader over Yams (shape checks, node-visit budget, complex keys refused), shared by the
        // modules that read YAML; each wraps its `YAMLReadingError` into its own error.
        .target(
            name: "YAMLReading",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),

        // The one wrapper of the C decompressors (block decoders for SquashFS, streaming prefix decoders for
        // BootAssets, reference encoders for tests): the only target that depends on them.
        .target(
            name: "Decompression",
            dependencies: ["CZlib", "CLZMA", "CDeflate", "CZstd", "CLZ4"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Libraries

        // The one progress model of the package (extraction, mirroring): lossless, coalescing, no dependencies.
        .target(name: "ProgressReporting", swiftSettings: swiftSettings),

        .target(
            name: "SquashFS",
            dependencies: [
                "SystemLayer", "Decompression", "ProgressReporting",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Verification",
            dependencies: [
                "SystemLayer", "CGPGME", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "SimpleStreams",
            dependencies: ["SystemLayer", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swiftSettings
        ),

        // Signed reading of simplestreams (StreamReader): SimpleStreams plus OpenPGP verification.
        .target(
            name: "SignedStreams",
            dependencies: ["SimpleStreams", "Verification", "SystemLayer"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "ImageMirror",
            dependencies: [
                "ProgressReporting",
                "SystemLayer",
                .product(name: "SystemPackage", package: "swift-system"),
                "SimpleStreams",
                "SignedStreams",
                "Verification",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "BootAssets",
            dependencies: [
                "SimpleStreams", "Decompression", "SystemLayer", .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // What is inside a root image: the package manifest (dpkg database, seeded snaps), read through SquashFS.
        .target(
            name: "ImageContents",
            dependencies: [
                "SquashFS", "Decompression", "YAMLReading", "SystemLayer",
                .product(name: "SystemPackage", package: "swift-system"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "ESXiNetwork",
            dependencies: [
                "YAMLReading", "SystemLayer", .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Command-line tool

        .executableTarget(
            name: "maas-images",
            dependencies: [
                "SquashFS",
                "ImageContents",
                "Verification",
                "SimpleStreams",
                "SignedStreams",
                "ImageMirror",
                "BootAssets",
                "ESXiNetwork",
                "ProgressReporting",
                "SystemLayer",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Examples (small programs that use the libraries as another tool would; built and run by the tests)

        .executableTarget(
            name: "list-latest-images", dependencies: ["SimpleStreams", "SignedStreams", "Verification"],
            path: "Examples/ListLatestImages", swiftSettings: swiftSettings),
        .executableTarget(
            name: "print-manifest", dependencies: ["SquashFS", "ImageContents"], path: "Examples/PrintManifest",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "render-esxi-commands", dependencies: ["ESXiNetwork"], path: "Examples/RenderESXiCommands",
            swiftSettings: swiftSettings),

        // MARK: - Tests

        // Shared by the test targets: scratch directories and a runner for the real tools used as oracles.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // Synthetic products documents and expectation helpers shared by SimpleStreamsTests and SignedStreamsTests.
        .target(
            name: "SimpleStreamsTestSupport", dependencies: ["SimpleStreams"], path: "Tests/SimpleStreamsTestSupport",
            swiftSettings: swiftSettings),
        // A real HTTP/1.1 file server on loopback with switchable faults, and a generated signed stream to serve,
        // for the ImageMirror and command-line tests.
        .target(
            name: "MirrorTestServer",
            dependencies: [
                "TestSupport",
                "Verification",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/MirrorTestServer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SquashFSTests",
            dependencies: ["TestSupport", "SquashFS", "Decompression", "SystemLayer", "ProgressReporting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImageContentsTests",
            dependencies: ["TestSupport", "ImageContents", "SquashFS"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProgressReportingTests",
            dependencies: ["ProgressReporting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VerificationTests",
            dependencies: ["TestSupport", "Verification", .product(name: "SystemPackage", package: "swift-system")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimpleStreamsTests",
            dependencies: [
                "TestSupport", "SimpleStreamsTestSupport", "SimpleStreams",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        // Uses the fixtures of SimpleStreamsTests (found next to its sources).
        .testTarget(
            name: "SignedStreamsTests",
            dependencies: ["TestSupport", "SimpleStreamsTestSupport", "SignedStreams", "SimpleStreams", "Verification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BootAssetsTests",
            dependencies: [
                "TestSupport", "BootAssets", "SimpleStreams", "SystemLayer",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ESXiNetworkTests",
            dependencies: ["TestSupport", "ESXiNetwork"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaasImagesCLITests",
            dependencies: [
                "maas-images", "list-latest-images", "print-manifest", "render-esxi-commands", "MirrorTestServer",
                "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImageMirrorTests",
            dependencies: [
                "TestSupport", "MirrorTestServer", "ImageMirror", "SimpleStreams", "SignedStreams", "Verification",
                "ProgressReporting",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
