/// A path resolved inside an image: its canonical location and its inode.
public struct ResolvedPath: Hashable, Sendable {
    /// The canonical path: absolute, without `.`, `..` or symbolic links.
    public var path: ImagePath
    /// The inode found there.
    public var inode: Inode

    /// Creates a resolved path.
    public init(path: ImagePath, inode: Inode) {
        self.path = path
        self.inode = inode
    }
}

extension SquashFSImage {
    /// The most symbolic links one path resolution follows, as Linux's `ELOOP` limit.
    public static let maximumSymlinkHops = 40

    /// Looks up the inode at `path`, resolving symbolic links inside the image.
    ///
    /// Paths are relative to the image root whether or not they start with `/`. Symbolic links met along the way
    /// are resolved inside the image's namespace: an absolute target restarts at the image root and `..` never
    /// climbs above it, so `/etc/os-release -> ../usr/lib/os-release` reads correctly and no target can leave the
    /// image. At most ``maximumSymlinkHops`` links are followed.
    ///
    /// - Parameters:
    ///   - path: the path inside the image.
    ///   - followSymlinks: whether a symbolic link in the last component is followed too (like `stat` versus
    ///     `lstat`); links in earlier components are always followed.
    /// - Throws: ``SquashFSError``: `notFound`, `notADirectory`, `tooManySymlinks`, `corrupt`.
    public func inode(at path: ImagePath, followSymlinks: Bool = true) throws(SquashFSError) -> Inode {
        try resolve(path, followSymlinks: followSymlinks).inode
    }

    /// Looks up the inode at `path`; see ``inode(at:followSymlinks:)-(ImagePath,_)``.
    public func inode(at path: String, followSymlinks: Bool = true) throws(SquashFSError) -> Inode {
        try inode(at: ImagePath(path), followSymlinks: followSymlinks)
    }

    /// Resolves `path` to its canonical location inside the image (no `.`, `..` or symbolic links left) and its
    /// inode.
    ///
    /// One resolution does bounded work: at most ``maximumSymlinkHops`` links, ``Options/maximumPathComponents``
    /// components (those of the link targets included), ``Options/maximumSymlinkTargetBytes`` bytes of link
    /// targets and ``Options/maximumLookupBytes`` bytes of directory listings scanned; a lookup repeated within the
    /// resolution (`/a/../a/../a`) is answered from a cache.
    ///
    /// - Throws: ``SquashFSError``: `notFound`, `notADirectory`, `tooManySymlinks`, `limitExceeded`, `corrupt`.
    public func resolve(_ path: ImagePath, followSymlinks: Bool = true) throws(SquashFSError) -> ResolvedPath {
        let root = try rootInode()
        var stack: [(name: [UInt8], inode: Inode)] = [([], root)]
        var pending = Array(path.components.reversed())
        var hops = 0
        var components = 0
        var targetBytes = 0
        var lookupBudget = options.maximumLookupBytes
        var lookups: [LookupKey: DirectoryEntry?] = [:]
        func limit(_ what: String) -> SquashFSError {
            SquashFSError(.limitExceeded, "\(name): \(path): \(what)")
        }
        while let component = pending.popLast() {
            components += 1
            guard components <= options.maximumPathComponents else {
                throw limit(
                    "more than \(options.maximumPathComponents) path components to walk, link targets included "
                        + "(SquashFSImage.Options.maximumPathComponents)")
            }
            if component == [0x2E] { continue }
            if component == [0x2E, 0x2E] {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            guard let current = stack.last else { break }
            guard current.inode.kind == .directory else {
                throw SquashFSError(.notADirectory, "\(name): \(path): \(displayPath(stack)) is not a directory")
            }
            let key = LookupKey(directory: current.inode.reference, name: component)
            let found: DirectoryEntry?
            if let cached = lookups[key] {
                found = cached
            } else {
                found = try entry(named: component, in: current.inode, budget: &lookupBudget)
                if lookups.count < Self.maximumCachedLookups { lookups[key] = found }
            }
            guard let entry = found else {
                throw SquashFSError(
                    .notFound, "\(name): \(path): no '\(printable(component))' in \(displayPath(stack))")
            }
            let child = try inode(for: entry)
            if child.kind == .symbolicLink, followSymlinks || !pending.isEmpty {
                hops += 1
                guard hops <= Self.maximumSymlinkHops else {
                    throw SquashFSError(.tooManySymlinks, "\(name): \(path): more than 40 symbolic links")
                }
                let target = child.symlinkTarget ?? []
                guard !target.isEmpty else {
                    throw SquashFSError(
                        .notFound, "\(name): \(path): symbolic link '\(printable(component))' has an empty target")
                }
                targetBytes += target.count
                guard targetBytes <= options.maximumSymlinkTargetBytes else {
                    throw limit(
                        "more than \(options.maximumSymlinkTargetBytes) bytes of symbolic link targets to follow "
                            + "(SquashFSImage.Options.maximumSymlinkTargetBytes)")
                }
                let targetComponents = ImagePath(bytes: target).components
                // Checked before queueing: a target cannot make the pending list outgrow the component budget.
                guard targetComponents.count <= options.maximumPathComponents - components else {
                    throw limit(
                        "more than \(options.maximumPathComponents) path components to walk, link targets "
                            + "included (SquashFSImage.Options.maximumPathComponents)")
                }
                if target.first == 0x2F { stack.removeSubrange(1...) }
                pending.append(contentsOf: targetComponents.reversed())
                continue
            }
            stack.append((component, child))
            guard stack.count <= options.maximumDepth else {
                throw SquashFSError(.limitExceeded, "\(name): \(path): deeper than \(options.maximumDepth) levels")
            }
        }
        guard let last = stack.last else { throw SquashFSError(.notFound, "\(name): \(path)") }
        return ResolvedPath(path: canonicalPath(stack), inode: last.inode)
    }

    /// The most lookups one resolution caches (each at most 256 bytes of name).
    private static let maximumCachedLookups = 4096

    private func canonicalPath(_ stack: [(name: [UInt8], inode: Inode)]) -> ImagePath {
        var path = ImagePath.root
        for element in stack.dropFirst() { path = path.appending(element.name) }
        return path
    }

    private func displayPath(_ stack: [(name: [UInt8], inode: Inode)]) -> String {
        "'\(canonicalPath(stack))'"
    }

    /// The target of the symbolic link at `path` (the last component is not followed).
    ///
    /// - Throws: ``SquashFSError`` (`notASymlink` if the entry is something else).
    public func symlinkTarget(at path: ImagePath) throws(SquashFSError) -> [UInt8] {
        let inode = try inode(at: path, followSymlinks: false)
        guard let target = inode.symlinkTarget else {
            throw SquashFSError(.notASymlink, "\(name): \(path) is a \(inode.kind), not a symbolic link")
        }
        return target
    }

    /// Lists the directory at `path` (symbolic links followed).
    public func contentsOfDirectory(at path: ImagePath) throws(SquashFSError) -> [DirectoryEntry] {
        try contentsOfDirectory(try inode(at: path))
    }
}

/// A lookup of one name in one directory, as a path resolution caches it.
private struct LookupKey: Hashable {
    var directory: InodeReference
    var name: [UInt8]
}
