// swift-tools-version:6.1
//
// Benchmarks for swift-maas-images, a separate package so that package-benchmark and libsquashfs never reach the
// main package or its users.
//
// Every workload runs twice in the same run: once through the native Swift reader (`SquashFS`) and once through
// libsquashfs 1.2 from squashfs-tools-ng, the C reader that `rdsquashfs` and `sqfs2tar` are built on, or, for the
// extraction, the decompression lower bound (`DecodeBound`: the same blocks through liblzma, zlib or libdeflate and
// nothing else). libsquashfs is LGPL-3.0+: it is linked dynamically, here only, through the `CSquashFS`
// system-library target, and must never become a dependency of the main package.
//
//     swift package benchmark          # all suites; `./compare.sh` adds the Swift/libsquashfs ratios and CLI peers
//     swift run -c release decode-bound IMAGE      # the decompression lower bound of extracting IMAGE
//     swift run -c release xz-decode IMAGE         # native xz decoder vs liblzma, decode only, one thread
//     swift run -c release benchmark-images        # build the input images (setup, not timed)
//     ./compare-checksums.sh                       # SHA-256 vs openssl and sha256sum; 8 files parallel vs serial
//     ./compare-streams.sh                         # a 50,000-item products document vs JSONSerialization, jq, Python
//
// package-benchmark is named by its current URL, ordo-one/benchmark: 1.38.1 warns on every run when it is depended on
// under its legacy identifier, package-benchmark. The `MallocInterposer` trait keeps the malloc metrics and, being an
// explicit trait list, turns off the default `RuntimeInterposer` trait, which would pull in
// ordo-one/swift-runtime-interposer (ARC counters on Swift 6.3; not needed here, and not mirrored offline).

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-maas-images-benchmarks",
    products: [
        .executable(name: "decode-bound", targets: ["DecodeBoundCommand"]),
        .executable(name: "xz-decode", targets: ["XZDecodeCommand"]),
        .executable(name: "benchmark-images", targets: ["BenchmarkImagesCommand"]),
        .executable(name: "verify-files", targets: ["VerifyFilesCommand"]),
        .executable(name: "stream-query", targets: ["StreamQueryCommand"]),
    ],
    dependencies: [
        .package(name: "swift-maas-images", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MARK: - libsquashfs, the reference reader (LGPL-3.0+, benchmarks only)

        .systemLibrary(name: "CSquashFS", pkgConfig: "libsquashfs1", providers: [.apt(["libsquashfs-dev"])]),

        // MARK: - The decoders of the decompression lower bound, apart from the main package's C modules

        .systemLibrary(name: "CBenchLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBenchZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBenchDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

        // MARK: - The decompression lower bound: libsquashfs enumerates the blocks, the C decoders decode them.
        // It does not depend on the Swift reader, so it builds and runs on its own.

        .target(
            name: "DecodeBound",
            dependencies: ["CSquashFS", "CBenchLZMA", "CBenchZlib", "CBenchDeflate"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DecodeBoundCommand",
            dependencies: ["DecodeBound"],
            swiftSettings: swiftSettings
        ),

        // MARK: - The native xz/lzma decoder against liblzma: the same blocks (enumerated by DecodeBound), decoded
        // through the reader's own decoders (`SPIBlockDecoder`, SPI `Benchmarks`), one thread, decode only.

        .executableTarget(
            name: "XZDecodeCommand",
            dependencies: ["DecodeBound", .product(name: "SquashFS", package: "swift-maas-images")],
            swiftSettings: swiftSettings
        ),

        // MARK: - Shared fixtures and workloads

        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "CSquashFS",
                .product(name: "SquashFS", package: "swift-maas-images"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BenchmarkImagesCommand",
            dependencies: ["BenchmarkSupport"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Checksums: the 1 GiB and 8 x 256 MiB inputs, and the parallel-vs-serial comparison

        .target(
            name: "ChecksumSupport",
            dependencies: [.product(name: "Verification", package: "swift-maas-images")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "VerifyFilesCommand",
            dependencies: ["ChecksumSupport", .product(name: "Verification", package: "swift-maas-images")],
            swiftSettings: swiftSettings
        ),

        // MARK: - Streams: the generated 50,000-item MAAS products document and its workloads

        .target(
            name: "StreamsSupport",
            dependencies: [.product(name: "SimpleStreams", package: "swift-maas-images")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StreamQueryCommand",
            dependencies: ["StreamsSupport"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Suites

        .executableTarget(
            name: "TreeWalk",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TreeWalk",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ReadFiles",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ReadFiles",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Extract",
            dependencies: [
                "BenchmarkSupport",
                "DecodeBound",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Extract",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Checksums",
            dependencies: [
                "ChecksumSupport",
                .product(name: "Verification", package: "swift-maas-images"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Checksums",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Streams",
            dependencies: [
                "StreamsSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Streams",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
