internal import Decompression

/// Which implementation decodes the blocks of xz and lzma images (``Compressor/xz``, ``Compressor/lzma``).
///
/// Both decode the same streams to the same bytes and refuse the same damaged ones: the native decoder is the
/// package's own, written in Swift from the `.xz` file format and LZMA specifications (BCJ filters and the integrity
/// checks included); liblzma is the system library, the reference. Set it with ``SquashFSImage/Options/xzDecoder``;
/// images of other compressors ignore it.
///
/// ```swift
/// var options = SquashFSImage.Options()
/// options.xzDecoder = .liblzma
/// let image = try SquashFSImage(path: "squashfs", options: options)
/// print(XZDecoder.automatic.resolved)   // what automatic picks here: native or liblzma
/// ```
public enum XZDecoder: String, Sendable, Hashable, CaseIterable {
    /// The native decoder, unless the liblzma this process runs with is 5.6.0 or newer (whose decoder is as fast);
    /// ``resolved`` says which one that is.
    case automatic
    /// The package's decoder, written in Swift.
    case native
    /// The system's liblzma (``liblzmaVersion``).
    case liblzma

    /// The decoder that is actually used: ``native`` or ``liblzma`` for ``automatic`` (decided by the liblzma
    /// version of this process), the decoder itself otherwise.
    public var resolved: XZDecoder {
        switch self {
        case .automatic: automaticXZEngine() == .native ? .native : .liblzma
        case .native, .liblzma: self
        }
    }

    /// The version of the liblzma this process runs with, as it reports it (`5.4.1`).
    public static var liblzmaVersion: String { Decompression.liblzmaVersion() }

    /// The engine of the block decompressors.
    var engine: XZEngine {
        switch self {
        case .automatic: automaticXZEngine()
        case .native: .native
        case .liblzma: .liblzma
        }
    }
}
