/// Recognises package manifests: text whose every line is `name<TAB>version`, as `dpkg-query -W` writes them
/// (`squashfs.manifest`). Only the first ``maximumRead`` bytes are read. (ImageContents' `PackageManifest` is the
/// model of such a manifest; this only tells one from other content.)
enum DpkgQueryManifest {
    /// The most bytes read.
    static let maximumRead = 1 << 20

    /// The identification of a manifest whose first bytes are `head`, or `nil`.
    static func identify(head: [UInt8], probe: FileProbe) throws(BootAssetsError) -> ContentIdentification? {
        guard let first = head.first, first > 0x20, first < 0x7F, head.contains(0x09) else { return nil }
        let text =
            head.count >= maximumRead || UInt64(head.count) >= probe.size
            ? head : try probe.read(at: 0, count: maximumRead)
        let complete = UInt64(text.count) >= probe.size && !probe.isPrefix
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        // A line cut by the read bound is not counted; a final newline leaves an empty last line.
        if !lines.isEmpty && (!complete || lines.last?.isEmpty == true) { lines.removeLast() }
        var packages = 0
        var firstPackage: String?
        for line in lines {
            guard let tab = line.firstIndex(of: 0x09), tab > line.startIndex, line.index(after: tab) < line.endIndex,
                !line.contains(where: { $0 < 0x09 || $0 == 0x0B || $0 == 0x0C || $0 == 0x0D || $0 == 0x7F }),
                !line[..<tab].contains(0x20), !line[line.index(after: tab)...].contains(0x09),
                String(validating: line, as: UTF8.self) != nil
            else { return nil }
            if firstPackage == nil { firstPackage = String(decoding: line[..<tab], as: UTF8.self) }
            packages += 1
        }
        guard packages > 0 else { return nil }
        var result = ContentIdentification(kind: .packageManifest, summary: "")
        result.set("packages", complete ? String(packages) : "at least \(packages)")
        if !complete { result.set("read", "first \(text.count) of \(probe.size) bytes") }
        result.summary =
            complete
            ? "package manifest, \(packages) packages"
            : "package manifest, at least \(packages) packages (first \(text.count) of \(probe.size) bytes read)"
        return result
    }
}
