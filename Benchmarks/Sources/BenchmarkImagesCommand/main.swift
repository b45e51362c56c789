// benchmark-images: builds the benchmark input images (a setup step, never timed) and prints their paths.
//
//     swift run -c release benchmark-images [minbase] [server]
//
// With no argument it builds the trees in $BENCHMARK_TREES (default: minbase). Each image is built only when missing
// from $BENCHMARK_DATA_DIR (default /tmp/swift-maas-images-bench); see BenchmarkImages. Prints one line per image:
// `<tree>-<compression> <path>`.

import BenchmarkSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

var trees: [ImageTree] = []
for argument in CommandLine.arguments.dropFirst() {
    guard let tree = ImageTree(rawValue: argument) else {
        FileHandle.standardError.write(
            Data("usage: benchmark-images [\(ImageTree.allCases.map(\.rawValue).joined(separator: "] ["))]\n".utf8))
        exit(2)
    }
    trees.append(tree)
}
if trees.isEmpty { trees = ImageTree.selected }

var status: Int32 = 0
for tree in trees {
    for compression in ImageCompression.allCases {
        do {
            print(tree.label(compression), try BenchmarkImages.path(for: compression, tree: tree))
        } catch {
            FileHandle.standardError.write(Data("benchmark-images: \(tree.label(compression)): \(error)\n".utf8))
            status = 1
        }
    }
}
exit(status)
