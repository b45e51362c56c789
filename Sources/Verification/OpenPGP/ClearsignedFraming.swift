/// The framing check made before a clearsigned document is handed to gpg.
///
/// gpg on its own ignores text before `-----BEGIN PGP SIGNED MESSAGE-----` and after `-----END PGP SIGNATURE-----`,
/// and verifies several signed blocks in one input, one after the other. None of that may reach a caller as "signed",
/// so the document must be exactly one signed block:
///
/// - It starts with the line `-----BEGIN PGP SIGNED MESSAGE-----` at its first byte: no byte-order mark, no blank line,
///   no text before it.
/// - It has exactly one `-----BEGIN PGP SIGNED MESSAGE-----`, one `-----BEGIN PGP SIGNATURE-----` and one
///   `-----END PGP SIGNATURE-----` line, in that order.
/// - After `-----END PGP SIGNATURE-----` only whitespace (spaces, tabs, carriage returns, line feeds) may follow:
///   editors and transfers add final newlines, and no payload can hide in whitespace.
///
/// A marker line may end in spaces, tabs or a carriage return, as gpg allows. The body itself (headers, the blank line,
/// dash-escaping) is never parsed here: that is gpg's job, and the payload returned is gpg's output.
enum ClearsignedFraming {
    static let beginMessage = Array("-----BEGIN PGP SIGNED MESSAGE-----".utf8)
    static let beginSignature = Array("-----BEGIN PGP SIGNATURE-----".utf8)
    static let endSignature = Array("-----END PGP SIGNATURE-----".utf8)

    /// Throws ``VerificationError/Code/noSignature`` if `bytes` holds no clearsigned block and
    /// ``VerificationError/Code/malformedInput`` if it is not exactly one block with nothing but whitespace outside.
    static func check(_ bytes: [UInt8]) throws(VerificationError) {
        enum Marker { case beginMessage, beginSignature, endSignature }
        var markers: [(marker: Marker, line: Int)] = []
        var lastNonWhitespaceLine = -1
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var trimmedEnd = end
            while trimmedEnd > start && isWhitespace(bytes[trimmedEnd - 1]) { trimmedEnd -= 1 }
            let line = bytes[start..<trimmedEnd]
            if !line.isEmpty { lastNonWhitespaceLine = lineNumber }
            if line.first == 0x2D {
                if line.elementsEqual(beginMessage) {
                    markers.append((.beginMessage, lineNumber))
                } else if line.elementsEqual(beginSignature) {
                    markers.append((.beginSignature, lineNumber))
                } else if line.elementsEqual(endSignature) {
                    markers.append((.endSignature, lineNumber))
                }
            }
            lineNumber += 1
            start = end + 1
        }
        guard markers.contains(where: { $0.marker == .beginMessage }) else {
            throw VerificationError(.noSignature, "the document is not clearsigned (no BEGIN PGP SIGNED MESSAGE line)")
        }
        guard bytes.starts(with: beginMessage), markers.first?.line == 0 else {
            throw VerificationError(
                .malformedInput, "the document has text before its -----BEGIN PGP SIGNED MESSAGE----- line")
        }
        guard markers.count == 3, markers[1].marker == .beginSignature, markers[2].marker == .endSignature else {
            let blocks = markers.filter { $0.marker == .beginMessage }.count
            if blocks > 1 {
                throw VerificationError(.malformedInput, "the document holds \(blocks) clearsigned blocks, not one")
            }
            throw VerificationError(
                .malformedInput,
                "the document is not one clearsigned block (its armor lines are missing or out of order)"
            )
        }
        guard lastNonWhitespaceLine == markers[2].line else {
            throw VerificationError(
                .malformedInput, "the document has text after its -----END PGP SIGNATURE----- line")
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D
    }
}
