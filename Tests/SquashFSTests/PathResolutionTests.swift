import SquashFS
import Testing

extension StandardTreeTests {
    /// Symbolic links are resolved inside the image namespace: relative and absolute targets, chains, `..` clamped at
    /// the root, the 40-link limit, loops, dangling links and non-directories in the middle of a path.
    @Suite("Path resolution inside the image")
    struct PathResolutionTests {
        /// The images used: two writers, compressed and uncompressed metadata.
        static let recipes = ["gzip", "uncompressed", "tar2sqfs-xz"]

        private func image(_ name: String) async throws -> SquashFSImage {
            try await SourceTreeFixture.require().opened(try ImageRecipe.named(name)).image
        }

        private func expectCode(
            _ code: SquashFSError.Code, _ path: String, in image: SquashFSImage, followSymlinks: Bool = true,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            do {
                let inode = try image.inode(at: ImagePath(path), followSymlinks: followSymlinks)
                Issue.record(
                    "\(path) resolved to \(inode.kind) #\(inode.number), expected \(code)",
                    sourceLocation: sourceLocation)
            } catch {
                #expect(error.code == code, "\(path): \(error)", sourceLocation: sourceLocation)
            }
        }

        @Test("links resolve to their canonical target", arguments: recipes)
        func canonicalTargets(_ recipe: String) async throws {
            let image = try await image(recipe)
            let osRelease = try image.inode(at: "/usr/lib/os-release")
            let cases: [(String, String)] = [
                ("/etc/os-release", "/usr/lib/os-release"),
                ("etc/os-release", "/usr/lib/os-release"),
                ("/symlinks/absolute", "/usr/lib/os-release"),
                ("/symlinks/chain-1", "/usr/lib/os-release"),
                ("/symlinks/above-root", "/usr/lib/os-release"),
                ("/symlinks/to-directory/os-release", "/usr/lib/os-release"),
                ("/symlinks/to-root/usr/lib/os-release", "/usr/lib/os-release"),
                ("/symlinks/dot-dot/etc/os-release", "/usr/lib/os-release"),
                ("/../../../usr/./lib//os-release", "/usr/lib/os-release"),
                ("/usr/lib/../../usr/lib/os-release", "/usr/lib/os-release"),
                ("/symlinks/relative", "/etc/hostname"),
                ("/hops/link-2", "/etc/hostname"),
                ("/links/symlink", "/links/original"),
                // `..` after a link applies to where the link led (physical resolution, as Linux does).
                ("/symlinks/to-directory/..", "/usr"),
                ("/symlinks/to-directory/../bin/setuid-tool", "/usr/bin/setuid-tool"),
                ("/symlinks/dot-dot/..", "/"),
            ]
            for (path, canonical) in cases {
                let resolved = try image.resolve(ImagePath(path))
                #expect(resolved.path == ImagePath(canonical), "\(path)")
                if canonical == "/usr/lib/os-release" {
                    #expect(resolved.inode == osRelease, "\(path)")
                }
            }
            let source = try POSIX.readFile(SourceTreeFixture.require().sourcePath(Array("usr/lib/os-release".utf8)))
            #expect(try image.contentsOfFile(at: "/etc/os-release") == source)
            #expect(try image.contentsOfFile(at: "/symlinks/chain-1") == source)
            #expect(try image.resolve(ImagePath("/")).path == .root)
            #expect(try image.resolve(ImagePath("")).inode == (try image.rootInode()))
            #expect(try image.resolve(ImagePath("/..")).inode == (try image.rootInode()))
            #expect(try image.resolve(ImagePath("/symlinks/to-root")).path == .root)
            #expect(try image.inode(at: "/etc/").kind == .directory)
            #expect(
                try image.contentsOfDirectory(at: "/symlinks/to-directory") == image.contentsOfDirectory(at: "/usr/lib")
            )
        }

        @Test("the last component is not followed on request", arguments: recipes)
        func noFollow(_ recipe: String) async throws {
            let image = try await image(recipe)
            let link = try image.inode(at: "/etc/os-release", followSymlinks: false)
            #expect(link.kind == .symbolicLink)
            #expect(link.symlinkTarget == Array("../usr/lib/os-release".utf8))
            #expect(try image.symlinkTarget(at: "/etc/os-release") == Array("../usr/lib/os-release".utf8))
            #expect(try image.inode(at: "/symlinks/loop-a", followSymlinks: false).kind == .symbolicLink)
            #expect(try image.inode(at: "/symlinks/dangling", followSymlinks: false).kind == .symbolicLink)
            // Links before the last component are always followed.
            let resolved = try image.resolve(ImagePath("/symlinks/to-directory/os-release"), followSymlinks: false)
            #expect(resolved.path == "/usr/lib/os-release")
            #expect(try image.symlinkTarget(at: "/symlinks/long-target") == StandardTree.longTarget)
            #expect(
                try image.symlinkTarget(at: ImagePath(bytes: Array("/odd/dir with\nnewline/".utf8) + [0xFF]))
                    == [0xFE, 0x2F, 0x41])
        }

        @Test("every symbolic link's target equals readlink of the source", arguments: recipes)
        func targetsMatchSource(_ recipe: String) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named(recipe))
            for entry in opened.snapshot.walk where entry.inode.kind == .symbolicLink {
                let expected = try POSIX.readLink(fixture.sourcePath(ContentComparison.relative(entry.path)))
                #expect(try opened.image.symlinkTarget(at: entry.path) == expected, "\(entry.path)")
            }
        }

        @Test(
            "loops, the 40-link limit, dangling links and non-directories fail with the right code", arguments: recipes)
        func failures(_ recipe: String) async throws {
            let image = try await image(recipe)
            expectCode(.tooManySymlinks, "/symlinks/loop-a", in: image)
            expectCode(.tooManySymlinks, "/symlinks/loop-b/x", in: image)
            expectCode(.tooManySymlinks, "/symlinks/self", in: image)
            expectCode(.tooManySymlinks, "/hops/link-1", in: image)
            expectCode(.notFound, "/symlinks/dangling", in: image)
            expectCode(.notFound, "/symlinks/long-target", in: image)
            expectCode(.notFound, "/etc/missing", in: image)
            expectCode(.notFound, "/no/such/path", in: image)
            expectCode(.notADirectory, "/etc/hostname/child", in: image)
            expectCode(.notADirectory, "/symlinks/through-file", in: image)
            expectCode(.notADirectory, "/etc/os-release/x", in: image)
            expectCode(.notADirectory, "/devices/null/x", in: image)

            #expect(throws: SquashFSError.self) { try image.symlinkTarget(at: "/etc/hostname") }
            do {
                _ = try image.symlinkTarget(at: "/etc/hostname")
            } catch {
                #expect(error.code == .notASymlink)
            }
            for (path, code) in [("/etc", SquashFSError.Code.notAFile), ("/devices/null", .notAFile)] {
                do {
                    _ = try image.fileReader(at: ImagePath(path))
                    Issue.record("fileReader(at: \(path)) succeeded")
                } catch {
                    #expect(error.code == code, "\(path): \(error)")
                }
            }
            do {
                _ = try image.contentsOfDirectory(at: "/etc/hostname")
                Issue.record("contentsOfDirectory(at: /etc/hostname) succeeded")
            } catch {
                #expect(error.code == .notADirectory)
            }
            do {
                _ = try image.fileReader(at: "/etc/hostname").read(at: 0, count: -1)
                Issue.record("a negative count was accepted")
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }

        @Test("odd names resolve byte-exactly", arguments: recipes)
        func oddNames(_ recipe: String) async throws {
            let image = try await image(recipe)
            for (index, name) in StandardTree.oddNames.enumerated() {
                let path = ImagePath(bytes: Array("/odd/".utf8) + name)
                #expect(try image.contentsOfFile(at: path) == Array("odd \(index)\n".utf8), "\(path)")
                #expect(path.string == String(validating: path.bytes, as: UTF8.self))
            }
            let invalid = ImagePath(bytes: Array("/odd/".utf8) + [0xFF, 0xFE, 0x41])
            #expect(invalid.string == nil)
            #expect(invalid.description == "/odd/\\xff\\xfeA")
            #expect(ImagePath(bytes: Array("/odd/new\nline".utf8)).description == "/odd/new\\x0aline")
        }

        @Test("walk from a subdirectory, recursive and not", arguments: recipes)
        func partialWalks(_ recipe: String) async throws {
            let image = try await image(recipe)
            var walker = try image.walk(from: "/symlinks/to-directory", recursive: false)
            var entries: [WalkEntry] = []
            while let entry = try walker.next() { entries.append(entry) }
            #expect(entries.first?.path == "/usr/lib")
            #expect(entries.first?.depth == 0)
            #expect(entries.dropFirst().map(\.path) == ["/usr/lib/os-release"])
            #expect(entries.dropFirst().allSatisfy { $0.depth == 1 })

            var deep = try image.walk(from: "/deep")
            var count = 0
            var maximumDepth = 0
            while let entry = try deep.next() {
                count += 1
                maximumDepth = max(maximumDepth, entry.depth)
            }
            #expect(count == StandardTree.nestingDepth + 2)
            #expect(maximumDepth == StandardTree.nestingDepth + 1)
        }

        @Test("a depth limit below the nesting is reported as limitExceeded")
        func depthLimit() async throws {
            let path = try await SourceTreeFixture.require().image(try ImageRecipe.named("gzip"))
            var options = SquashFSImage.Options()
            options.maximumDepth = 10
            let image = try SquashFSImage(path: path, options: options)
            do {
                var walker = try image.walk()
                while try walker.next() != nil {}
                Issue.record("a 41-level walk passed a 10-level limit")
            } catch {
                #expect(error.code == .limitExceeded)
            }
            let deepPath = (1...12).map { "level-\($0)" }.joined(separator: "/")
            do {
                _ = try image.inode(at: ImagePath("/deep/" + deepPath))
                Issue.record("a 13-level path passed a 10-level limit")
            } catch {
                #expect(error.code == .limitExceeded)
            }
        }
    }
}
