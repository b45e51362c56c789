internal import SystemLayer
internal import SystemPackage

/// The limits on what this module reads whole from the files a caller names.
enum FileReadingLimits {
    /// The largest keyring file read: 16 MiB. The Ubuntu cloud image keyring is a few KiB, and a keyring of many
    /// hundreds of keys stays under a MiB.
    static let keyring = 16 << 20
    /// The largest clearsigned document file read: 64 MiB, the default document limit of `SimpleStreams`.
    static let document = 64 << 20
    /// The largest detached signature file read: 1 MiB (a signature is a few hundred bytes; many of them a few KiB).
    static let signature = 1 << 20
}

/// Reads a whole (small) file the caller named: a keyring, a signature, a clearsigned document.
///
/// Only a regular file is read: a FIFO, a device (`/dev/zero`), a directory or a socket is refused before a byte is
/// read, without blocking, and so is a file larger than `maximumSize`.
///
/// - Throws: ``VerificationError/Code/io`` naming `what` and `path`, with the ``FileSystemError`` as the underlying
///   error.
func readWholeFile(_ path: FilePath, what: String, maximumSize: Int) throws(VerificationError) -> [UInt8] {
    do {
        return try FileIO.readRegularFile(atPath: path.string, maximumSize: maximumSize)
    } catch {
        throw VerificationError(error, reading: what, path.string)
    }
}

/// Opens a file the caller named for streaming (a file to checksum, the data a detached signature covers): a
/// regular file only, refused without blocking otherwise.
///
/// Returns the descriptor, which the caller owns and closes.
///
/// - Throws: ``VerificationError/Code/io`` naming `what` and `path`, with the ``FileSystemError`` as the underlying
///   error.
func openRegularFile(_ path: FilePath, what: String) throws(VerificationError) -> FileDescriptor {
    do {
        return try FileIO.openRegularFile(atPath: path.string)
    } catch {
        throw VerificationError(error, reading: what, path.string)
    }
}

extension VerificationError {
    /// An `io` error for a file that could not be opened or read: `cannot read keyring PATH`, with the
    /// ``FileSystemError`` (which says why: `it is a FIFO`, `it is larger than the limit of N bytes`, an `errno`) as
    /// the underlying error.
    init(_ error: FileSystemError, reading what: String, _ path: String) {
        let subject = what.isEmpty ? path : "\(what) \(path)"
        let operation = error.operation == "open" ? "open" : "read"
        self.init(.io, "cannot \(operation) \(subject)", underlyingError: error)
    }
}
