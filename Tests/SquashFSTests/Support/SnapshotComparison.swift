import SquashFS

/// Compares two ``TreeSnapshot``s and describes every difference in one line.
enum SnapshotComparison {
    /// The differences between what a tree should hold (`expected`, e.g. the source directory or an `unsquashfs`
    /// extraction) and what the reader reports (`actual`), limited to what `fidelity` says the builder preserves.
    static func differences(expected: TreeSnapshot, actual: TreeSnapshot, fidelity: Fidelity = .full) -> [String] {
        var expected = expected
        var actual = actual
        if !fidelity.sockets {
            expected = expected.filter { $1.kind != .socket }
        }
        if !fidelity.emptyXattrValues {
            for (path, record) in expected.entries {
                expected.entries[path]?.xattrs = record.xattrs.filter { !$0.value.isEmpty }
            }
        }
        if !fidelity.extraSubtrees.isEmpty {
            actual = actual.filter { path, _ in !fidelity.extraSubtrees.contains { path.isInside($0) } }
            // The extra directories count in their parents' link counts.
            for subtree in fidelity.extraSubtrees {
                let parent = ImagePath(bytes: Array(subtree.bytes.dropLast(subtree.lastComponent.count)))
                let parentPath = parent.bytes.count > 1 ? ImagePath(bytes: parent.bytes.dropLast()) : .root
                if let record = actual.entries[parentPath], record.linkCount > 0 {
                    actual.entries[parentPath]?.linkCount = record.linkCount - 1
                }
            }
        }
        var result: [String] = []
        let expectedPaths = Set(expected.entries.keys)
        let actualPaths = Set(actual.entries.keys)
        for path in expectedPaths.subtracting(actualPaths).sorted() { result.append("\(path): missing from the image") }
        for path in actualPaths.subtracting(expectedPaths).sorted() { result.append("\(path): not expected") }
        for path in expectedPaths.intersection(actualPaths).sorted() {
            guard let want = expected.entries[path], let got = actual.entries[path] else { continue }
            let isRoot = path == .root
            result += compare(want, got, fidelity: fidelity, checkAttributes: !isRoot || fidelity.rootAttributes)
                .map { "\(path): \($0)" }
        }
        if fidelity.hardLinks {
            let kinds: Set<FileKind> =
                fidelity.specialFileHardLinks
                ? [.regularFile, .symbolicLink, .blockDevice, .characterDevice, .fifo, .socket]
                : [.regularFile, .symbolicLink]
            let want = expected.hardLinkGroups(kinds: kinds)
            let got = actual.hardLinkGroups(kinds: kinds)
            for group in want.subtracting(got) { result.append("hard-link group \(group.sorted()) not in the image") }
            for group in got.subtracting(want) { result.append("hard-link group \(group.sorted()) not expected") }
        }
        return result
    }

    private static func compare(_ want: EntryRecord, _ got: EntryRecord, fidelity: Fidelity, checkAttributes: Bool)
        -> [String]
    {
        var result: [String] = []
        func check<Value: Equatable>(_ name: String, _ expected: Value, _ actual: Value) {
            if expected != actual { result.append("\(name) \(actual), expected \(expected)") }
        }
        check("kind", want.kind, got.kind)
        guard want.kind == got.kind else { return result }
        if checkAttributes {
            check("permissions", String(want.permissions, radix: 8), String(got.permissions, radix: 8))
            check("uid", want.uid, got.uid)
            check("gid", want.gid, got.gid)
            check("mtime", want.modificationTime, got.modificationTime)
        }
        check("size", want.size, got.size)
        check(
            "symlink target", want.symlinkTarget.map { ImagePath(bytes: $0) },
            got.symlinkTarget.map { ImagePath(bytes: $0) })
        check("device", want.device, got.device)
        switch want.kind {
        case .directory where fidelity.directoryLinkCounts,
            .regularFile where fidelity.hardLinks, .symbolicLink where fidelity.hardLinks:
            check("link count", want.linkCount, got.linkCount)
        case .blockDevice, .characterDevice, .fifo, .socket:
            if fidelity.hardLinks && fidelity.specialFileHardLinks {
                check("link count", want.linkCount, got.linkCount)
            }
        default:
            break
        }
        if fidelity.xattrs && checkAttributes {
            check("xattrs", want.xattrs, got.xattrs)
        } else if !fidelity.xattrs && !got.xattrs.isEmpty {
            result.append("xattrs \(got.xattrs) in an image built without them")
        }
        return result
    }
}

/// Formats a list of differences for an expectation's message: the first `limit` lines and a count.
func summarize(_ differences: [String], limit: Int = 25) -> String {
    let shown = differences.prefix(limit).joined(separator: "\n")
    return differences.count > limit ? shown + "\n... and \(differences.count - limit) more" : shown
}
