import SquashFS
import Testing

extension StandardTreeTests {
    /// `contentsOfDirectory` and `entry(named:in:)` (which uses the directory index) agree with the walk, find every
    /// name and nothing else.
    @Suite("Directory listings and indexed lookups")
    struct DirectoryLookupTests {
        /// The images in which every name of the big directory is looked up.
        static let exhaustiveRecipes: Set = ["gzip", "uncompressed", "gensquashfs-xz", "tar2sqfs-xz"]

        @Test("contentsOfDirectory equals the walk's children", arguments: ImageRecipe.differential)
        func listingsMatchWalk(_ recipe: ImageRecipe) async throws {
            let (image, snapshot) = try await SourceTreeFixture.require().opened(recipe).parts
            var differences: [String] = []
            for (path, children) in snapshot.children {
                let byPath = try image.contentsOfDirectory(at: path)
                let byInode = try image.contentsOfDirectory(try image.inode(at: path))
                if byPath != byInode { differences.append("\(path): listing by path and by inode differ") }
                if byPath.map(\.name) != children.map(\.path.lastComponent) {
                    differences.append("\(path): names differ from the walk")
                }
                for (entry, child) in zip(byPath, children) {
                    if entry.inodeReference != child.inode.reference || entry.kind != child.inode.kind
                        || entry.inodeNumber != child.inode.number
                    {
                        differences.append("\(child.path): entry \(entry) does not describe the walked inode")
                    }
                }
                let sorted = byPath.map(\.name).sorted { $0.lexicographicallyPrecedes($1) }
                if sorted != byPath.map(\.name) { differences.append("\(path): not sorted byte-wise") }
            }
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test("entry(named:in:) finds every child of every directory", arguments: ImageRecipe.differential)
        func everyNameIsFound(_ recipe: ImageRecipe) async throws {
            let (image, snapshot) = try await SourceTreeFixture.require().opened(recipe).parts
            let directories = Dictionary(
                snapshot.walk.filter { $0.inode.kind == .directory }.map { ($0.path, $0.inode) },
                uniquingKeysWith: { first, _ in first })
            var differences: [String] = []
            // The big directory has its own test below.
            for (path, children) in snapshot.children where path != ImagePath("/\(StandardTree.bigDirectory)") {
                guard let directory = directories[path] else { continue }
                for child in children {
                    let found = try image.entry(named: child.path.lastComponent, in: directory)
                    if found?.inodeReference != child.inode.reference { differences.append("\(child.path): not found") }
                }
            }
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test(
            "the 3000-entry directory: every name found, absent names before, between and after are nil",
            arguments: ImageRecipe.differential)
        func bigDirectory(_ recipe: ImageRecipe) async throws {
            let image = try await SourceTreeFixture.require().opened(recipe).image
            let directory = try image.inode(at: ImagePath("/\(StandardTree.bigDirectory)"))
            let listing = try image.contentsOfDirectory(directory)
            let names = (0..<StandardTree.bigDirectoryCount).map(StandardTree.bigDirectoryName)
                .sorted { $0.lexicographicallyPrecedes($1) }
            #expect(listing.map(\.name) == names)
            #expect(directory.isExtended, "a directory this large needs an extended inode with an index")

            // A lookup scans up to one metadata block and costs ~1 ms in a debug build: every name in one image per
            // writer and metadata compression, a sample (every 5th name, the first and last 50) in the others.
            let exhaustive = Self.exhaustiveRecipes.contains(recipe.name)
            var missing: [String] = []
            for (index, entry) in listing.enumerated()
            where exhaustive || index % 5 == 0 || index < 50 || index >= listing.count - 50 {
                let found = try image.entry(named: entry.name, in: directory)
                if found != entry { missing.append(ImagePath(bytes: entry.name).description) }
            }
            #expect(missing.isEmpty, "\(summarize(missing))")

            let nameSet = Set(names)
            var absent: [[UInt8]] = [
                Array("0".utf8), Array("a".utf8), Array("entry".utf8), Array("entry-".utf8), Array("entry-/".utf8),
                Array("entry-9999".utf8), Array("entry-99999".utf8), Array("f".utf8), Array("zzzz".utf8), [0xFF],
                [0x01], [UInt8](repeating: UInt8(ascii: "z"), count: 256),
            ]
            for name in names.enumerated().filter({ $0.offset % (exhaustive ? 3 : 15) == 0 }).map(\.element) {
                absent.append(name + [UInt8(ascii: "!")])
                absent.append(name + [UInt8(ascii: "y")])
                absent.append(Array(name.dropLast()) + [UInt8(ascii: "~")])
            }
            var unexpected: [String] = []
            for name in absent where !nameSet.contains(name) {
                if let found = try image.entry(named: name, in: directory) {
                    unexpected.append("\(ImagePath(bytes: name)) found as \(ImagePath(bytes: found.name))")
                }
            }
            #expect(unexpected.isEmpty, "\(summarize(unexpected))")
        }
    }
}
