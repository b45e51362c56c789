import BootAssets
import FuzzSupport
import SimpleStreams

@main
enum FuzzCatalogue {
    /// Treats each input as a MAAS products document (and its first line as a kernel string) and exercises building
    /// boot resources, completeness, boot sets for every release and architecture the document names, and serving
    /// paths.
    static func main() {
        runFuzzer(exercise)
    }
}

private func exercise(fd: Int32) {
    guard let bytes = readFuzzInput(fd) else { return }
    if let firstLine = bytes.split(separator: 0x0A, maxSplits: 1).first,
        let string = String(validating: firstLine, as: UTF8.self)
    {
        if let kernel = try? KernelString(parsing: string) {
            _ = (kernel.channel, kernel.release, kernel.platform, kernel.flavour, try? kernel.ordering())
        }
        _ = try? KernelString.ordering(of: string)
        _ = try? BootArchitecture(parsing: string)
        _ = UbuntuReleaseTable.standard.release(named: string)
    }
    guard let document = try? ProductsDocument(parsing: bytes) else { return }
    let catalogue = BootResourceCatalogue([document])
    let paths = ServingPaths(catalogue.resources)
    for resource in catalogue.resources.prefix(200) {
        for version in resource.versions.prefix(20) {
            _ = (version.completeness.description, version.completeness.isUsable, version.totalSize)
            for file in version.files.prefix(50) {
                for layout in ServingLayout.allCases {
                    let path = paths.path(of: file, in: resource, layout: layout)
                    if path.contains("/../") || path.hasPrefix("/") { fatalError("a serving path escapes: \(path)") }
                }
            }
        }
        for firmware in [nil] + Firmware.allCases.map(Optional.some) {
            let request = BootSetRequest(
                os: resource.os, release: resource.release, arch: resource.architecture.arch,
                subarch: resource.architecture.subarch, firmware: firmware)
            guard let set = try? catalogue.bootSet(for: request) else { continue }
            let files = set.files
            if Set(files.map(\.path)).count != files.count { fatalError("a boot set lists a file twice") }
            _ = set.servedImages(paths, layout: .shortSHA256Prefixed)
        }
    }
}
