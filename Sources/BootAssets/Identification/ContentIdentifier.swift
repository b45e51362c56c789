internal import Decompression
public import SystemPackage

extension ContentIdentification {
    /// Identifies the file at `path` by its content, reading only what its headers need.
    ///
    /// Kernels, initrds, SquashFS roots, device trees, EFI binaries, ELF files, tarballs, disk and file system
    /// images and package manifests are recognised, compressed or not. Only headers are read: cpio member data is
    /// skipped, not read; a compressed file has at most its first 64 KiB decompressed from at most 1 MiB of input; a
    /// file is never read beyond 8 MiB in all. Hostile input (a truncated file, wrong magic numbers, offsets past the
    /// end) gives a result that says so, never a crash or an error; only failing to open or read the file throws.
    ///
    /// ```swift
    /// let found = try ContentIdentification(contentsOf: "/srv/boot/boot-initrd")
    /// print(found.summary)  // initrd: early microcode (GenuineIntel.bin) + zstd-compressed cpio newc, ...
    /// ```
    ///
    /// - Throws: ``BootAssetsError/Code/io`` (with the system layer's error as the underlying error) when the file
    ///   cannot be opened or read, or is a directory; never for what the bytes are.
    public init(contentsOf path: FilePath) throws(BootAssetsError) {
        let probe = try FileProbe(path: path.string)
        self = try ContentIdentifier.identify(probe: probe, depth: 0)
    }

    /// Identifies the file at `path`, as ``init(contentsOf:)-(FilePath)`` does.
    public init(contentsOf path: String) throws(BootAssetsError) {
        try self.init(contentsOf: FilePath(path))
    }

    /// Identifies bytes in memory, with the same logic as ``init(contentsOf:)-(FilePath)``.
    public init(bytes: some Collection<UInt8>) {
        let probe = FileProbe(bytes: Array(bytes))
        do {
            self = try ContentIdentifier.identify(probe: probe, depth: 0)
        } catch {
            // Reads from memory never fail.
            self.init(kind: .unknown, summary: "unreadable: \(error)")
        }
    }

    /// Identifies the file at `path` and checks that it is consistent with `expected` (``isConsistent(with:)``).
    ///
    /// ```swift
    /// let kernel = try ContentIdentification(contentsOf: "boot-kernel", expected: .bootKernel)
    /// ```
    ///
    /// - Throws: ``BootAssetsError/Code/contentMismatch`` naming the path, the expected type and what was found;
    ///   ``BootAssetsError/Code/io`` when the file cannot be read.
    public init(contentsOf path: FilePath, expected: BootFileType) throws(BootAssetsError) {
        try self.init(contentsOf: path)
        guard isConsistent(with: expected) else {
            throw BootAssetsError(.contentMismatch, "\(path): expected \(expected), found \(summary)")
        }
    }

    /// Identifies the file at `path` and checks it against `expected`, as ``init(contentsOf:expected:)-(FilePath,_)``
    /// does.
    public init(contentsOf path: String, expected: BootFileType) throws(BootAssetsError) {
        try self.init(contentsOf: FilePath(path), expected: expected)
    }
}

/// The identification logic behind ``ContentIdentification/init(contentsOf:)-(FilePath)``: recognisers tried in
/// order on the head of the bytes, containers (compressed streams, a tarball's first member) opened up to
/// ``maximumDepth`` deep.
enum ContentIdentifier {
    /// How many containers deep identification looks (a compressed stream, a tarball's first member).
    static let maximumDepth = 3
    /// The bytes read from the start of a file before recognisers look at them.
    static let headSize = 64 << 10

    /// Identifies the bytes of `probe`; `depth` counts the containers already opened.
    static func identify(probe: FileProbe, depth: Int) throws(BootAssetsError) -> ContentIdentification {
        let head = try probe.read(at: 0, count: headSize)
        guard !head.isEmpty else { return ContentIdentification(kind: .unknown, summary: "empty") }
        if let compression = Compression.detect(head) {
            return try identifyCompressed(probe: probe, compression: compression, depth: depth)
        }
        if let found = try identifyPlain(head: head, probe: probe, depth: depth) { return found }
        var result = ContentIdentification(kind: .unknown, summary: "unrecognised content")
        if head.count < 1024 && !probe.isPrefix {
            result.summary = "unrecognised content (\(head.count) bytes)"
        }
        return result
    }

    private static func identifyPlain(head: [UInt8], probe: FileProbe, depth: Int) throws(BootAssetsError)
        -> ContentIdentification?
    {
        let pe = try PortableExecutable.parse(head: head, probe: probe)
        if let kernel = try LinuxKernel.identify(head: head, probe: probe, pe: pe) { return kernel }
        if let pe { return pe.identification() }
        if let elf = ELFHeader.identify(head: head, probe: probe) { return elf }
        if let squashfs = SquashFSSuperblock.identify(head: head, probe: probe) { return squashfs }
        if let deviceTree = try DeviceTree.identify(head: head, probe: probe) { return deviceTree }
        if let initrd = try Initrd.identify(probe: probe, head: head, depth: depth) { return initrd }
        if let tar = try TarArchive.identify(head: head, probe: probe, depth: depth) { return tar }
        if let disk = try DiskImage.identifyDisk(head: head, probe: probe) { return disk }
        if let filesystem = DiskImage.identifyFilesystem(head: head, probe: probe) { return filesystem }
        if let manifest = try DpkgQueryManifest.identify(head: head, probe: probe) { return manifest }
        if head.matches("MZ", at: 0) {
            return ContentIdentification(kind: .unknown, summary: "MZ executable without a valid PE header")
        }
        return nil
    }

    private static func identifyCompressed(probe: FileProbe, compression: Compression, depth: Int)
        throws(BootAssetsError) -> ContentIdentification
    {
        var result = ContentIdentification(
            kind: .compressedData, compression: compression, summary: "\(compression)-compressed data")
        guard depth < maximumDepth else { return result }
        guard let prefix = try PrefixDecompressor.prefix(of: probe, at: 0, compression: compression) else {
            result.set("inspected", "no (\(compression) is not decompressed)")
            return result
        }
        let cutShort = prefix.failure != nil && prefix.bytes.count < PrefixDecompressor.outputLimit
        let inner = try identify(probe: FileProbe(bytes: prefix.bytes, isPrefix: true), depth: depth + 1)
        if inner.kind != .unknown && inner.kind != .compressedData {
            result = inner
            result.compression = compression
            result.summary =
                inner.kind == .initrd ? Initrd.summary(result) : inner.summary + ", \(compression)-compressed"
        } else if inner.compression != nil {
            result.set("inner", inner.summary)
            result.summary += " (containing \(inner.summary))"
        }
        if cutShort, let failure = prefix.failure {
            result.set(ContentDetail.truncated, failure)
            if !result.summary.contains("truncated") { result.summary += " (\(failure))" }
        }
        return result
    }
}
