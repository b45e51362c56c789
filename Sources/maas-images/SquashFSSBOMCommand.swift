import ArgumentParser
import ImageContents
import SquashFS
import Verification

/// `--format` of `squashfs sbom`.
enum SBOMFormatArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case cyclonedx, spdx
}

extension SquashFSCommand {
    struct SBOM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sbom",
            abstract: "Write the image's software bill of materials (CycloneDX 1.6 or SPDX 2.3 JSON).",
            discussion: """
                Lists the operating system (os-release) and the installed Debian packages (the dpkg database), read \
                from the image without extracting it: each package with its package URL \
                (pkg:deb/ID/NAME@VERSION?arch=ARCH&distro=ID-VERSION_ID, with upstream= where the source package \
                differs), its maintainer, homepage and the licenses its machine-readable copyright file \
                (/usr/share/doc/NAME/copyright) declares. The document is reproducible: its serial number (SPDX \
                namespace) is derived from the image's SHA-256 when one is given (--image-sha256 or --hash), else \
                from its contents, and its timestamp is the image's modification time unless --timestamp is given.

                Without -o the document goes to standard output. With -o it is written to a temporary file beside \
                FILE and renamed to FILE when complete.
                """)

        @OptionGroup var image: ImageOptions

        @Option(help: "The document format: cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON).")
        var format: SBOMFormatArgument = .cyclonedx

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the document to FILE.", valueName: "file"))
        var output: String?

        @Option(
            name: .customLong("image-sha256"),
            help: ArgumentHelp("The image file's SHA-256, recorded as its hash.", valueName: "hex"))
        var imageSHA256: String?

        @Flag(help: "Compute the image file's SHA-256 (reads the whole file) and record it.")
        var hash = false

        @Option(help: "The name of the image in the document (default: the image file's name).")
        var name: String?

        @Option(
            help: ArgumentHelp(
                "The document's creation time in seconds since 1970-01-01 UTC (default: the image's modification time).",
                valueName: "seconds"))
        var timestamp: Int64?

        @Flag(help: "Do not read the packages' copyright files (no licenses).")
        var noLicenses = false

        func validate() throws {
            if hash && imageSHA256 != nil { throw ValidationError("--hash and --image-sha256 cannot be used together") }
            if let imageSHA256, Self.digest(imageSHA256) == nil {
                throw ValidationError("--image-sha256 must be 64 hexadecimal digits")
            }
        }

        /// The 32 bytes of a hexadecimal SHA-256, or nil.
        static func digest(_ hex: String) -> [UInt8]? {
            (try? ContentDigest(.sha256, hex: hex))?.bytes
        }

        func run() throws {
            try runReportingErrors {
                let document = try makeDocument()
                if let output {
                    try VerifySignatureCommand.replaceFile(output, with: document)
                } else {
                    try writeStandardOutput(document)
                }
            }
        }

        /// Reads the image and writes its document in the chosen format.
        private func makeDocument() throws -> [UInt8] {
            let squashfs = try image.open()
            var options = SoftwareBillOfMaterials.Options()
            options.imageName = name
            options.timestamp = timestamp
            options.readsLicenses = !noLicenses
            if let imageSHA256 {
                options.imageSHA256 = Self.digest(imageSHA256)
            } else if hash {
                let digest = try ContentDigest.compute(.sha256, ofFileAtPath: image.image)
                options.imageSHA256 = digest.bytes
            }
            let sbom = try SoftwareBillOfMaterials(of: squashfs, options: options)
            switch format {
            case .cyclonedx: return sbom.cycloneDXJSON()
            case .spdx: return sbom.spdxJSON()
            }
        }
    }
}
