internal import Decompression
import Synchronization
internal import SystemLayer
public import SystemPackage

/// How ``SquashFSImage/writeTar(to:options:)`` writes an image as a tar archive.
public struct TarOptions: Sendable {
    /// The compression of the whole archive.
    public enum Compression: Sendable, Hashable, CaseIterable {
        /// A plain `.tar`.
        case none
        /// `.tar.gz` (zlib deflate, level 6 by default).
        case gzip
        /// `.tar.xz` (liblzma, preset 6 by default, CRC64 check; multi-threaded, in 24 MiB blocks).
        case xz
        /// `.tar.zst` (libzstd, level 3 by default, content checksum; multi-threaded).
        case zstd
    }

    /// The compression of the archive; none by default.
    public var compression = Compression.none
    /// The compression level (gzip 1-9, xz 0-9, zstd 1-19); each tool's default when `nil`.
    public var compressionLevel: Int?
    /// Threads used to decompress the image's blocks (at most 16) and to compress the archive (xz and zstd, at most
    /// 8). The archive's bytes do not depend on it.
    public var jobs = Processes.onlineProcessorCount
    /// Whether extended attributes are archived (as `SCHILY.xattr.NAME` pax records); `true` by default.
    public var includesExtendedAttributes = true

    /// The default options: an uncompressed archive of everything, extended attributes included.
    public init() {}
}

/// What ``SquashFSImage/writeTar(to:options:)`` wrote.
public struct TarSummary: Sendable, Hashable {
    /// Entries archived (the root directory included).
    public var entries = 0
    /// Entries archived as hard links to an earlier entry.
    public var hardLinks = 0
    /// Regular files archived in GNU sparse 1.0 form (they have sparse blocks).
    public var sparseFiles = 0
    /// Bytes of file contents the archive holds (holes of sparse files not counted).
    public var contentBytes: UInt64 = 0
    /// Bytes of the archive before compression.
    public var archiveBytes: UInt64 = 0
    /// Sockets, which tar cannot archive, left out (with hard links to them).
    public var skippedSockets: [ImagePath] = []

    /// An empty summary.
    public init() {}
}

extension SquashFSImage {
    /// Writes the whole image to `descriptor` as a POSIX pax archive, compressed as `options` say, and returns what
    /// was written.
    ///
    /// The archive is what `tar --xattrs --xattrs-include='*' --numeric-owner -xpf` (GNU tar) turns back into the
    /// tree `unsquashfs -d` extracts: entries in image order (each directory before its contents), the root as
    /// `./`, names relative to it; for every entry its mode (all 12 bits), numeric owner and group (no user or
    /// group names), modification time and extended attributes (`SCHILY.xattr.NAME` records, binary values kept);
    /// second and later names of a hard-linked inode as hard links; symbolic links, fifos and device nodes; files
    /// with sparse blocks in GNU sparse 1.0 form (holes not stored). Fields that do not fit ustar go in an `x`
    /// extended header: paths that cannot be split into ustar's 155 + 100 bytes, link targets over 100 bytes, sizes
    /// of 8 GiB and more, ids over 2097151; a path or target that is not UTF-8 is marked `hdrcharset=BINARY`.
    /// Sockets cannot be archived and are left out (``TarSummary/skippedSockets``).
    ///
    /// The output is byte-for-byte reproducible: the same image and options give the same archive on any machine,
    /// whatever the number of jobs. File contents are streamed, with memory bounded by a few MiB plus the encoder's
    /// (xz: about 100 MiB per thread at the default preset).
    ///
    /// ```swift
    /// let output = try FileDescriptor.open("root.tar.zst", .writeOnly, options: [.create, .truncate],
    ///                                      permissions: .ownerReadWrite)
    /// var options = TarOptions()
    /// options.compression = .zstd
    /// let summary = try await image.writeTar(to: output, options: options)
    /// ```
    ///
    /// - Throws: ``SquashFSError``: `output` when writing fails, `cancelled` when the task is cancelled, or any
    ///   reading error (the archive is then incomplete).
    public func writeTar(to descriptor: FileDescriptor, options: TarOptions = TarOptions()) async throws(SquashFSError)
        -> TarSummary
    {
        try await writeTar(options: options) { (bytes) throws(SquashFSError) in
            do throws(FileSystemError) {
                try FileIO.writeAll(descriptor, bytes, "the archive")
            } catch {
                throw SquashFSError(.output, "cannot write the archive", underlyingError: error.underlying)
            }
        }
    }

    /// Writes the image as a pax archive (see ``writeTar(to:options:)``), handing the archive's bytes, compressed
    /// as `options` say, to `write` in order, in chunks of up to a few MiB.
    public func writeTar(
        options: TarOptions = TarOptions(),
        write: @escaping @Sendable (UnsafeRawBufferPointer) throws(SquashFSError) -> Void
    ) async throws(SquashFSError) -> TarSummary {
        guard options.jobs >= 1 else {
            throw SquashFSError(.invalidArgument, "writing a tar archive needs at least one job, not \(options.jobs)")
        }
        let stopFlag = StopFlag()
        let outcome = await withTaskCancellationHandler { () async -> Result<TarSummary, SquashFSError> in
            await onDedicatedThread { () -> Result<TarSummary, SquashFSError> in
                do throws(SquashFSError) {
                    let sink = try CompressingSink(options: options, write: write)
                    let writer = TarWriter(image: self, options: options, stopFlag: stopFlag, sink: sink)
                    return .success(try writer.run())
                } catch {
                    return .failure(error)
                }
            }
        } onCancel: {
            stopFlag.set()
        }
        return try outcome.get()
    }
}

/// Compresses the archive's bytes (or not) and hands them on.
final class CompressingSink {
    private let encoder: StreamEncoder?
    private let write: (UnsafeRawBufferPointer) throws(SquashFSError) -> Void
    private var output: [UInt8] = []

    init(options: TarOptions, write: @escaping (UnsafeRawBufferPointer) throws(SquashFSError) -> Void)
        throws(SquashFSError)
    {
        self.write = write
        let format: CompressedFormat?
        switch options.compression {
        case .none: format = nil
        case .gzip: format = .gzip
        case .xz: format = .xz
        case .zstd: format = .zstd
        }
        if let format {
            do {
                // At most 8 compressing threads: xz takes about 100 MiB per thread at its default preset.
                encoder = try StreamEncoder(
                    format, level: options.compressionLevel.map { Int32(clamping: $0) },
                    threads: min(options.jobs, 8))
            } catch {
                throw SquashFSError(.invalidArgument, "cannot start the compressor: \(error)")
            }
        } else {
            encoder = nil
        }
    }

    func consume(_ bytes: UnsafeRawBufferPointer) throws(SquashFSError) {
        guard let encoder else {
            try write(bytes)
            return
        }
        do {
            try encoder.encode(bytes, into: &output)
        } catch {
            throw SquashFSError(.output, "cannot compress the archive: \(error)")
        }
        try drain()
    }

    func finish() throws(SquashFSError) {
        guard let encoder else { return }
        do {
            try encoder.finish(into: &output)
        } catch {
            throw SquashFSError(.output, "cannot compress the archive: \(error)")
        }
        try drain()
    }

    private func drain() throws(SquashFSError) {
        guard !output.isEmpty else { return }
        let result = output.withUnsafeBytes { (bytes) -> Result<Void, SquashFSError> in
            do throws(SquashFSError) {
                try write(bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        output.removeAll(keepingCapacity: true)
        try result.get()
    }
}

/// Set once to stop a running tar writer (task cancellation).
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .relaxed) }

    var isSet: Bool { value.load(ordering: .relaxed) }
}
