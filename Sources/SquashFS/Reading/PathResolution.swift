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
    public func inode(at path: ImagePath, followSymlinks: Bool = true) throws -> Inode {
        try resolve(path, followSymlinks: followSymlinks).inode
    }

    /// Looks up the inode at `path`; see ``inode(at:followSymlinks:)-(ImagePath,_)``.
    public func inode(at path: String, followSymlinks: Bool = true) throws -> Inode {
        try inode(at: ImagePath(path), followSymlinks: followSymlinks)
    }

    /// Resolves `path` to its canonical location inside the image (no `.`, `..` or symbolic links left) and its
    /// inode.
    public func resolve(_ path: ImagePath, followSymlinks: Bool = true) throws -> (path: ImagePath, inode: Inode) {
        let root = try rootInode()
        var stack: [(name: [UInt8], inode: Inode)] = [([], root)]
        var pending = Array(path.components.reversed())
        var hops = 0
        while let component = pending.popLast() {
            if component == [0x2E] { continue }
            if component == [0x2E, 0x2E] {
                if stack.count > 1 { stack.removeLast() }
                continue
            }
            guard let current = stack.last else { break }
            guard current.inode.kind == .directory else {
                throw SquashFSError(.notADirectory, "\(name): \(path): \(displayPath(stack)) is not a directory")
            }
            guard let entry = try entry(named: component, in: current.inode) else {
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
                if target.first == 0x2F { stack.removeSubrange(1...) }
                pending.append(contentsOf: ImagePath(bytes: target).components.reversed())
                continue
            }
            stack.append((component, child))
            guard stack.count <= options.maximumDepth else {
                throw SquashFSError(.limitExceeded, "\(name): \(path): deeper than \(options.maximumDepth) levels")
            }
        }
        guard let last = stack.last else { throw SquashFSError(.notFound, "\(name): \(path)") }
        return (canonicalPath(stack), last.inode)
    }

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
    public func symlinkTarget(at path: ImagePath) throws -> [UInt8] {
        let inode = try inode(at: path, followSymlinks: false)
        guard let target = inode.symlinkTarget else {
            throw SquashFSError(.notASymlink, "\(name): \(path) is a \(inode.kind), not a symbolic link")
        }
        return target
    }

    /// Lists the directory at `path` (symbolic links followed).
    public func contentsOfDirectory(at path: ImagePath) throws -> [DirectoryEntry] {
        try contentsOfDirectory(try inode(at: path))
    }
}
