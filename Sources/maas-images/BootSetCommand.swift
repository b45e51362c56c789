import ArgumentParser
import BootAssets
import SignedStreams
import SimpleStreams

/// `maas-images boot set`: what a machine boots and installs, chosen from a verified stream as MAAS chooses it.
struct BootSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Show the files a machine boots and installs from a MAAS stream, or what is missing.",
        discussion: """
            Chooses, as MAAS does, the bootloader files for the firmware, the kernel, initrd and root of the \
            ephemeral Ubuntu environment (the oldest kernel that supports the subarchitecture and is not older \
            than the release, or exactly the kernel given) and the image curtin installs, each from the latest \
            complete version, and prints them with the paths MAAS serves them under. When something is missing, \
            the error names it and the no-such-image path MAAS would hand the machine.

            Output: one line per file, tab-separated: role, served path, size, sha256, stream path; control \
            characters and backslashes in them are written as \\xNN.
            """
    )

    @OptionGroup var stream: StreamSourceOptions

    @Option(help: "The operating system to boot and install (ubuntu, centos, ...).")
    var os = "ubuntu"

    @Option(help: "The release, by name or version (noble, 24.04, centos70).")
    var release: String

    @Option(help: "The machine architecture (amd64, arm64, ppc64el, ...).")
    var arch: String

    @Option(help: "A kernel (hwe-24.04, ga-22.04-lowlatency) or a platform (generic).")
    var subarch = "generic"

    @Option(help: "The firmware the machine boots with.")
    var firmware: EnumArgument<Firmware>?

    @Option(help: "For an OS other than Ubuntu, the Ubuntu release that boots the installer (default: newest LTS).")
    var ephemeralRelease: String?

    @Option(help: "The MAAS version whose serving paths to print (3.4: labelled; 3.5: sha256; 3.6 and later: short).")
    var maasVersion = "3.6"

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let layout = try ServingLayout(maasVersion: maasVersion)
            let result = try await stream.read()
            let catalogue = BootResourceCatalogue(result.products.map(\.document))
            let set = try catalogue.bootSet(
                for: BootSetRequest(
                    os: os, release: release, arch: arch, subarch: subarch, firmware: firmware?.value,
                    ephemeralRelease: ephemeralRelease))
            let paths = ServingPaths(catalogue.resources)
            var output = BufferedOutput()
            func line(_ role: String, _ servedPath: String, _ file: BootResourceFile) {
                let fields = [role, servedPath, String(file.size), file.sha256, file.path]
                output.write(fields.map(printable).joined(separator: "\t") + "\n")
            }
            if let method = set.bootMethod {
                writeStandardError(
                    "boot method \(printable(method.name)): DHCP boot file \(printable(method.bootloaderPath))\n")
            }
            for file in set.bootloader?.files ?? [] {
                line("bootloader", file.servingPath, file.archive)
            }
            for image in set.servedImages(paths, layout: layout) {
                line(image.file.fileType.rawValue, image.path, image.file)
            }
            let deployment = set.deployment
            let source = deployment.curtinSourceType?.rawValue ?? deployment.file.fileType.rawValue
            line(
                "deploy:\(source)", paths.path(of: deployment.file, in: deployment.resource, layout: layout),
                deployment.file)
            try output.flush()
        }
    }
}
