import SquashFS
import Testing

/// A structure that could not be located in an image.
struct CraftingError: Error, CustomStringConvertible {
    var description: String
}

/// A tiny image built with uncompressed metadata (`-noI -noD -noF -noX`), whose structures are located by searching
/// for known names in its bytes, and patched to produce the corrupt cases of the format checklist.
///
/// Layouts used by the patches (squashfs 4.0, little-endian):
/// - directory entry: `u16 offset, s16 inode_offset, u16 type, u16 name_size - 1, name`, preceded for the first
///   entry of a run by a 12-byte header `u32 count - 1, u32 start_block, u32 inode_number`;
/// - inode header: `u16 type, u16 mode, u16 uid_idx, u16 gid_idx, u32 mtime, u32 inode_number` then the body;
/// - an uncompressed metadata block: `u16 (0x8000 | size)` then `size` bytes.
struct CraftedImage {
    /// The image as mksquashfs wrote it; patches work on copies.
    let original: [UInt8]
    let directory: TemporaryDirectory
    let inodeTableStart: Int
    let directoryTableStart: Int

    /// Offsets of one directory entry's fields.
    struct Entry {
        /// Where the 8-byte entry header starts.
        var offset: Int
        var name: [UInt8]
        var inodeOffsetField: Int { offset }
        var inodeDeltaField: Int { offset + 2 }
        var typeField: Int { offset + 4 }
        var nameSizeField: Int { offset + 6 }
        var nameField: Int { offset + 8 }
    }

    /// Builds `tree` into an image in `directory` with `options` added to the uncompressed-metadata ones.
    static func build(
        _ tree: TreeSpecification, in directory: TemporaryDirectory, options: [String] = [],
        name: String = "crafted"
    ) async throws -> CraftedImage {
        let source = directory.appending("\(name)-source")
        try POSIX.makeDirectory(Array(source.utf8))
        try TreeBuilder.build(tree, at: Array(source.utf8))
        let output = directory.appending("\(name).sqfs")
        try await ImageBuilder.mksquashfs(source, output, ["-noI", "-noD", "-noF", "-noX", "-b", "4K"] + options)
        return try CraftedImage(original: POSIX.readFile(Array(output.utf8)), directory: directory)
    }

    init(original: [UInt8], directory: TemporaryDirectory) throws {
        self.original = original
        self.directory = directory
        inodeTableStart = Int(original.le64(SuperblockOffset.inodeTableStart))
        directoryTableStart = Int(original.le64(SuperblockOffset.directoryTableStart))
        let header = original.le16(inodeTableStart)
        guard header & 0x8000 != 0, Int(header & 0x7FFF) + 2 == directoryTableStart - inodeTableStart else {
            throw CraftingError(
                description: "the inode table is not one uncompressed block (header 0x\(String(header, radix: 16)))")
        }
    }

    /// The unique directory entry called `name`: the name's bytes inside the directory table, preceded by the
    /// matching `name_size - 1` field.
    func entry(_ name: String) throws -> Entry {
        let bytes = Array(name.utf8)
        let candidates = original.offsets(of: bytes).filter { offset in
            offset - 8 >= directoryTableStart && Int(original.le16(offset - 2)) == bytes.count - 1
        }
        guard candidates.count == 1, let nameOffset = candidates.first else {
            throw CraftingError(description: "\(candidates.count) directory entries named '\(name)'")
        }
        return Entry(offset: nameOffset - 8, name: bytes)
    }

    /// Where the inode a directory entry points to starts (the inode table is one block, so `start_block` is 0).
    func inodeOffset(of entry: Entry) -> Int {
        inodeTableStart + 2 + Int(original.le16(entry.inodeOffsetField))
    }

    /// Where the root directory's inode starts.
    var rootInodeOffset: Int {
        inodeTableStart + 2 + Int(original.le64(SuperblockOffset.rootInode) & 0xFFFF)
    }

    /// The inode number stored in the inode at `offset`.
    func inodeNumber(at offset: Int) -> UInt32 { original.le32(offset + 12) }

    /// A copy of the original with `patch` applied.
    func patched(_ patch: (inout [UInt8]) throws -> Void) rethrows -> [UInt8] {
        var bytes = original
        try patch(&bytes)
        return bytes
    }

    /// Writes `bytes` to a file and opens it.
    func open(_ bytes: [UInt8], options: SquashFSImage.Options = .init()) throws -> SquashFSImage {
        let path = directory.appending("patched.sqfs")
        try POSIX.writeFile(Array(path.utf8), size: bytes.count, extents: [(0, bytes)])
        return try SquashFSImage(path: path, options: options)
    }

    /// Opens `bytes` and runs `operation`; returns the first error, which must be a `SquashFSError`.
    func failure(
        of bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
        _ operation: (SquashFSImage) throws -> Void = { _ in }
    ) -> SquashFSError? {
        do {
            let image = try open(bytes)
            try operation(image)
            return nil
        } catch let error as SquashFSError {
            return error
        } catch {
            Issue.record("\(error) is not a SquashFSError", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Expects `operation` on the patched image (or opening it) to fail with `code`, and the whole image to survive
    /// the exerciser (every operation succeeds or throws `SquashFSError`).
    func expect(
        _ code: SquashFSError.Code, _ bytes: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ operation: (SquashFSImage) throws -> Void = { _ in }
    ) {
        let error = failure(of: bytes, sourceLocation: sourceLocation, operation)
        #expect(
            error?.code == code, "\(what): got \(error.map { "\($0.code): \($0)" } ?? "no error")",
            sourceLocation: sourceLocation)
        exerciseSurvives(bytes, what, sourceLocation: sourceLocation)
    }

    /// Runs the ``ImageExerciser`` over `bytes` and expects no error other than `SquashFSError`.
    func exerciseSurvives(_ bytes: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let outcome = try ScratchImageFile(path: directory.appending("exercise.sqfs")).exercise(bytes)
            #expect(outcome.foreignErrors.isEmpty, "\(what): \(outcome.foreignErrors)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): cannot write the image: \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// Walks a whole image, reading nothing else.
func walkAll(_ image: SquashFSImage) throws {
    var walker = try image.walk()
    while try walker.next() != nil {}
}

/// Walks a whole image and reads every regular file.
func readEverything(_ image: SquashFSImage) throws {
    var walker = try image.walk()
    while let entry = try walker.next() {
        if entry.inode.kind == .regularFile { _ = try image.fileReader(for: entry.inode).readAll() }
    }
}
