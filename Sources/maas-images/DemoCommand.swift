import ArgumentParser
import BootAssets
import ESXiNetwork
import FoundationEssentials
import ImageContents
import ImageMirror
import Logging
import SignedStreams
import SimpleStreams
import SquashFS
import SystemLayer
import SystemPackage
import Verification

/// `maas-images demo`: what a MAAS region does with an image, end to end, through the library's public API.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run the main job end to end: verify a stream, choose a boot set, mirror it, look inside, configure ESXi.",
        discussion: """
            With no options it uses the sample mirror shipped with the tool (signed by its own key, the mirror's \
            keyring.gpg) and needs no network. The sample mirror is looked for, in this order: --sample-mirror \
            PATH; $MAAS_IMAGES_SAMPLE_MIRROR; share/maas-images/sample-mirror beside the directory of the \
            executable (an installed tool: /usr/local/bin/maas-images uses \
            /usr/local/share/maas-images/sample-mirror); sample-mirror in the executable's own directory; and in a \
            development checkout, Examples/sample-mirror of the package, found by walking up from the \
            executable's directory (.build/debug/maas-images). With --source \
            https://images.maas.io/ephemeral-v3/stable/ it does the same against the real stream (the MAAS keyring \
            by default), downloading the chosen boot set (a few hundred MB) into a temporary directory.

            Steps: verify every document's signature and print the signer; list the boot resources and their \
            completeness; choose the boot set of RELEASE/ARCH for UEFI; mirror exactly those files into a \
            temporary directory under $TMPDIR (default /tmp), each checked against its signed size and SHA-256, \
            and check them again; open the mirrored squashfs and print its summary and package manifest, and \
            compare that with the published manifest (a difference is reported, not an error); identify each boot \
            file by its content; render the ESXi commands for a sample MAAS network configuration; report what was \
            checked and how long each step took; remove the temporary directory. Any failure stops the demo with \
            an error.
            """
    )

    @Option(help: "The mirror to use: a directory, file://, http:// or https:// URL (default: the sample mirror).")
    var source: String?

    @Option(
        help: ArgumentHelp(
            "The sample mirror to use when no --source is given (default: found next to the executable).",
            valueName: "path"))
    var sampleMirror: String?

    @Option(help: "The Ubuntu release to boot.")
    var release = "noble"

    @Option(help: "The architecture to boot.")
    var arch = "amd64"

    @Option(help: "The keyring of trusted keys (default: the sample keyring, or the MAAS keyring with --source).")
    var keyring: String?

    func validate() throws {
        if source != nil && sampleMirror != nil {
            throw ValidationError("--source and --sample-mirror exclude each other")
        }
    }

    func run() async throws {
        try await runInterruptibleReportingErrors { [self] in
            let (root, keyringPath) = try locate()
            print("maas-images demo: a MAAS image from signed stream to ESXi host, with every byte checked\n")
            print("source:  \(root)\(source == nil ? " (the sample mirror shipped with the package)" : "")")
            print("keyring: \(keyringPath)\n")
            let policy = SignaturePolicy.verify(keyring: try Keyring(contentsOf: keyringPath))
            let demo = Demo(release: release, arch: arch, policy: policy)
            try await SourceArgument(location: root).withSource(http: HTTPSettings()) { source in
                try await demo.run(source: source)
            }
        }
    }

    /// The mirror root and the keyring to use.
    private func locate() throws -> (root: String, keyring: String) {
        if let source {
            return (source, keyring ?? Keyring.maasDefaultPath)
        }
        if let sampleMirror {
            guard Self.isSampleMirror(sampleMirror) else {
                throw CLIError("--sample-mirror \(sampleMirror): no streams/v1/index.sjson there")
            }
            return (sampleMirror, keyring ?? sampleMirror + "/keyring.gpg")
        }
        guard let sample = Self.sampleMirror() else {
            throw CLIError(
                "the sample mirror was not found (tried \(Self.sampleMirrorCandidates().joined(separator: ", ")));"
                    + " give --sample-mirror PATH or --source")
        }
        return (sample, keyring ?? sample + "/keyring.gpg")
    }

    /// The sample mirror shipped with this executable, if one is found (see the command's discussion).
    static func sampleMirror() -> String? {
        sampleMirrorCandidates().first(where: isSampleMirror)
    }

    /// Whether `path` holds a mirror's signed index.
    static func isSampleMirror(_ path: String) -> Bool {
        FileManager.default.isReadableFile(atPath: path + "/streams/v1/index.sjson")
    }

    /// Where the sample mirror may be, in the order they are tried.
    static func sampleMirrorCandidates() -> [String] {
        var candidates: [String] = []
        if let configured = ProcessEnvironment.value(of: "MAAS_IMAGES_SAMPLE_MIRROR"), !configured.isEmpty {
            candidates.append(configured)
        }
        guard let executable = ProcessEnvironment.executablePath else { return candidates }
        let directory = executable.removingLastComponent()
        // An installed tool: PREFIX/bin/maas-images and PREFIX/share/maas-images/sample-mirror.
        candidates.append(directory.removingLastComponent().appending("share/maas-images/sample-mirror").string)
        candidates.append(directory.appending("sample-mirror").string)
        // A development checkout: PACKAGE/.build/TRIPLE/CONFIGURATION/maas-images.
        var ancestor = directory
        while ancestor.removeLastComponent() && !ancestor.isEmpty {
            candidates.append(ancestor.appending("Examples/sample-mirror").string)
        }
        return candidates
    }
}

/// One run of the demo: each step through the libraries' public API, timed.
private final class Demo {
    let release: String
    let arch: String
    let policy: SignaturePolicy
    /// One line per step for the final report: what was checked, and how long it took.
    private var report: [(step: String, checked: String, duration: Duration)] = []
    private let clock = ContinuousClock()

    init(release: String, arch: String, policy: SignaturePolicy) {
        self.release = release
        self.arch = arch
        self.policy = policy
    }

    func run(source: any PayloadSource) async throws {
        let started = clock.now

        // 1. Every document verified before anything is used.
        var result = StreamQueryResult()
        try await step("1. Verify the stream's signatures", report: "signatures") {
            result = try await StreamReader(source: source, policy: policy).query(StreamQuery())
            let signed = result.documentSignatures
            var signers: Set<String> = []
            for (path, signature) in signed {
                guard let signature else { throw CLIError("\(path) was read without a signature") }
                signers.insert(signature.primaryKeyFingerprint)
                print("   " + SignatureReport.verifiedLine(path: path, signature))
            }
            return "\(signed.count) documents, signed by \(signers.sorted().joined(separator: ", "))"
        }

        // 2. The catalogue MAAS would build.
        let catalogue = BootResourceCatalogue(result.products.map(\.document))
        try await step("2. List the boot resources", report: "boot resources") {
            for resource in catalogue.resources {
                let latest = resource.latestCompleteVersion.map { "latest complete \($0.name) (\($0.completeness))" }
                print(
                    "   \(resource.name) \(resource.architecture): \(resource.versions.count) versions, \(latest ?? "none complete")"
                )
            }
            for refusal in catalogue.refusals { print("   refused: \(refusal)") }
            let complete = catalogue.resources.filter { $0.latestCompleteVersion != nil }.count
            return "\(catalogue.resources.count) resources, \(complete) complete, \(catalogue.refusals.count) refused"
        }

        // 3. What a UEFI machine boots and installs.
        let request = BootSetRequest(release: release, arch: arch, firmware: .uefi)
        var bootSet: BootSet?
        try await step("3. Choose the boot set for \(request)", report: "boot set") {
            let set = try catalogue.bootSet(for: request)
            bootSet = set
            print("   \(set.resource.name) \(set.resource.architecture) version \(set.version.name)")
            for file in set.files {
                print("   \(file.fileType)\t\(file.path)\t\(ByteCount.format(file.size))")
            }
            for served in set.bootloader?.files ?? [] {
                print("   serves \(served.servingPath) from \(served.archive.itemName)")
            }
            return "\(set.files.count) files of version \(set.version.name)"
        }
        guard let bootSet else { return }

        // 4. A verified mirror of exactly those files.
        let scratch = try ScratchMirror()
        defer { scratch.remove() }
        var selections = [
            BootSelection(
                os: bootSet.resource.os, release: bootSet.resource.release,
                arches: [bootSet.resource.architecture.arch],
                subarches: [bootSet.resource.architecture.subarch])
        ]
        if let bootloader = bootSet.bootloader?.resource {
            selections.append(BootSelection(os: bootloader.os, arches: [bootloader.architecture.arch]))
        }
        let mirrorRoot = scratch.path
        try await step("4. Mirror the boot set into \(mirrorRoot)", report: "mirror") {
            var logger = Logger(label: "maas-images.demo")
            logger.logLevel = .warning
            let mirror = StreamMirror(
                source: source, destination: mirrorRoot, policy: policy,
                options: MirrorOptions(selections: selections, maximumVersions: 1), logger: logger)
            let summary = try await mirror.runShowingProgress(true)
            guard summary.succeeded else {
                throw CLIError("\(summary.failures.count) files could not be mirrored: \(summary.failures)")
            }
            // Checked as they arrived; checked again now, in parallel, against the signed sizes and digests.
            let files = try summary.plan.files.map { file in
                FileToVerify(
                    path: mirrorRoot + "/" + file.path,
                    expected: try ExpectedContent(size: Int(file.size), digests: [file.digest]))
            }
            let verified = try await ContentVerifier.verifyFiles(files)
            let bytes = summary.plan.files.reduce(Int64(0)) { $0 + $1.size }
            print("   \(summary.downloaded.count) downloaded, \(summary.linked.count) linked; metadata published")
            print("   \(verified.count) files verified again: size and digest as the signed metadata states")
            return "\(summary.plan.files.count) files, \(ByteCount.format(bytes)), every digest checked twice"
        }

        // 5. Inside the root image.
        let squashfsPath = mirrorRoot + "/" + bootSet.root.path
        try await step("5. Look inside the squashfs", report: "squashfs") {
            let image = try SquashFSImage(path: squashfsPath)
            let superblock = image.superblock
            print(
                "   squashfs \(superblock.compressor), \(superblock.blockSize)-byte blocks, \(superblock.inodeCount)"
                    + " inodes, \(ByteCount.format(Int64(superblock.bytesUsed)))")
            let osRelease = String(decoding: try image.contentsOfFile(at: "/etc/os-release"), as: UTF8.self)
            if let pretty = osRelease.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
                print("   \(pretty.dropFirst("PRETTY_NAME=".count).filter { $0 != "\"" })")
            }
            let manifest = try PackageManifest(of: image)
            print("   \(manifest.entries.count) packages:")
            for entry in manifest.entries.prefix(20) { print("     \(entry.line)") }
            if manifest.entries.count > 20 { print("     ... and \(manifest.entries.count - 20) more") }
            guard let published = bootSet.version.file(ofType: .manifest) else {
                return "\(manifest.entries.count) packages; the stream publishes no manifest to compare with"
            }
            let text = try String(contentsOfFile: mirrorRoot + "/" + published.path, encoding: .utf8)
            let difference = manifest.difference(from: try PackageManifest(parsing: text))
            guard difference.isEmpty else {
                // A finding about the image, not a failure of the demo: show it.
                print("   differs from the published \(published.filename):")
                for entry in difference.added.prefix(10) { print("     only in the squashfs: \(entry.line)") }
                for entry in difference.removed.prefix(10) { print("     only in the manifest: \(entry.line)") }
                for change in difference.changed.prefix(10) {
                    print("     \(change.name): \(change.newVersion) in the squashfs, \(change.oldVersion) published")
                }
                return "\(manifest.entries.count) packages; differs from the published manifest"
                    + " (\(difference.added.count) added, \(difference.removed.count) removed,"
                    + " \(difference.changed.count) changed)"
            }
            print("   the same packages and versions as the published \(published.filename)")
            return "\(manifest.entries.count) packages, equal to the published manifest"
        }

        // 6. Every file is what its type says.
        try await step("6. Identify the boot files by content", report: "identification") {
            let files = bootSet.files + (bootSet.version.file(ofType: .manifest).map { [$0] } ?? [])
            for file in files {
                let found = try ContentIdentification(contentsOf: mirrorRoot + "/" + file.path)
                guard found.isConsistent(with: file.fileType) else {
                    throw CLIError("\(file.path) is declared \(file.fileType) but is \(found.summary)")
                }
                print("   \(file.itemName) (\(file.fileType)): \(found.summary)")
            }
            return "\(files.count) files, each what its type says"
        }

        // 7. The network of an ESXi host, from a MAAS configuration.
        try await step("7. Configure an ESXi host's network (a sample MAAS configuration)", report: "ESXi network") {
            let configuration = try NetworkConfiguration(yaml: Self.esxiConfiguration, source: "sample configuration")
            let plan = try Plan(
                for: configuration, on: HostNICs(pairs: ["vmnic0=52:54:00:a0:00:01", "vmnic1=52:54:00:a0:00:02"]))
            for warning in plan.warnings { print("   warning: \(warning)") }
            for command in plan.commands { print("   \(command.commandLine)") }
            return "\(plan.virtualSwitches.count) vSwitch, \(plan.portGroups.count) port groups,"
                + " \(plan.vmkernelNICs.count) vmknics, \(plan.commands.count) commands"
        }

        print("Report")
        let width = report.map(\.step.count).max() ?? 0
        for line in report {
            let time = Self.milliseconds(line.duration)
            let padding = String(repeating: " ", count: width - line.step.count + max(0, 8 - time.count))
            print("  \(line.step)\(padding)\(time)  \(line.checked)")
        }
        let total = "total"
        let time = Self.milliseconds(clock.now - started)
        print("  \(total)\(String(repeating: " ", count: width - total.count + max(0, 8 - time.count)))\(time)")
    }

    /// Runs one step: prints its title, runs `body`, records what it checked (under `label`) and its duration.
    private func step(_ title: String, report label: String, _ body: () async throws -> String) async throws {
        print(title)
        let start = clock.now
        let checked = try await body()
        report.append((label, checked, clock.now - start))
        print("")
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return value >= 10_000 ? "\(Int(value / 1000)) s" : "\(Int(value.rounded())) ms"
    }

    /// A MAAS-shaped network configuration for ESXi: two NICs bonded active-backup with a static address, a DHCP
    /// VLAN on the bond, and DNS.
    static let esxiConfiguration = """
        network:
          version: 1
          config:
          - {id: eno1, type: physical, name: eno1, mac_address: '52:54:00:a0:00:01', mtu: 1500, subnets: [{type: manual}]}
          - {id: eno2, type: physical, name: eno2, mac_address: '52:54:00:a0:00:02', mtu: 1500, subnets: [{type: manual}]}
          - id: bond0
            type: bond
            name: bond0
            mac_address: '52:54:00:a0:00:01'
            bond_interfaces: [eno1, eno2]
            params: {bond-mode: active-backup}
            mtu: 1500
            subnets:
            - {type: static, address: 10.20.0.15/24, gateway: 10.20.0.1, dns_nameservers: [10.20.0.2]}
          - {id: bond0.30, type: vlan, name: bond0.30, vlan_link: bond0, vlan_id: 30, mtu: 1500, subnets: [{type: dhcp4}]}
          - {type: nameserver, address: [10.20.0.2], search: [maas]}
        """
}

/// A temporary directory for the demo's mirror, under `TMPDIR` (default `/tmp`), removed with everything in it.
private struct ScratchMirror {
    let path: String

    init() throws {
        path = try ProcessEnvironment.makeTemporaryDirectory(prefix: "maas-images-demo").string
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
