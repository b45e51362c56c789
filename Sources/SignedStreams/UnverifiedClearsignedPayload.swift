package import SimpleStreams

/// The text of a clearsigned document taken out *without* verifying it, for ``SignaturePolicy/allowUnsigned`` only.
///
/// It follows RFC 4880 §7: the armor headers end at the first empty line, the body runs to the
/// `-----BEGIN PGP SIGNATURE-----` line, and lines starting with `- ` are dash-unescaped. The line break before the
/// signature belongs to the framing. Verified reading never uses this: there, the payload is gpg's output.
package enum UnverifiedClearsignedPayload {
    static let beginMessage = Array("-----BEGIN PGP SIGNED MESSAGE-----".utf8)
    static let beginSignature = Array("-----BEGIN PGP SIGNATURE-----".utf8)

    /// Whether `bytes` starts like a clearsigned document.
    package static func isClearsigned(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: beginMessage)
    }

    /// The body of the clearsigned document `bytes`.
    ///
    /// - Throws: ``SimpleStreamsError/Code/invalidDocument`` if the framing is incomplete.
    package static func extract(_ bytes: [UInt8]) throws(SimpleStreamsError) -> [UInt8] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }[...]
        guard let first = lines.popFirst(), first.elementsEqual(beginMessage) else {
            throw SimpleStreamsError(.invalidDocument, "not a clearsigned document")
        }
        while let header = lines.popFirst() {
            if header.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                var body: [ArraySlice<UInt8>] = []
                while let line = lines.popFirst() {
                    if line.elementsEqual(beginSignature) {
                        return Array(body.joined(separator: [0x0A]))
                    }
                    body.append(line.starts(with: [0x2D, 0x20]) ? line.dropFirst(2) : line)
                }
                break
            }
        }
        throw SimpleStreamsError(.invalidDocument, "the clearsigned document has no complete signed body")
    }
}
