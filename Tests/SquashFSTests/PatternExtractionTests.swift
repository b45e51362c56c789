import Foundation
import SquashFS
import Testing

extension StandardTreeTests {
    /// `ExtractionOptions.include` and `exclude`: the same trees as `unsquashfs -d DEST -ef INCLUDES -excf EXCLUDES`
    /// (squashfs-tools 4.5.1, which matches each component with `fnmatch`), every kind of entry and all metadata
    /// compared, parents of matches included.
    @Suite("Pattern extraction vs unsquashfs")
    struct PatternExtractionTests {
        /// (include patterns, exclude patterns); none selects a name with a leading dot through a wildcard, where
        /// unsquashfs (`FNM_PERIOD`) and these patterns differ on purpose.
        static let cases: [([String], [String])] = [
            (["etc/*"], []), (["usr/bin/set*", "sizes/size-4???"], []), (["links/s*"], []),
            (["devices/[!s]*", "xattrs/shared-[12]"], []), (["deep/level-1/level-?/level-3"], []),
            (["srv/n*", "data/small-?", "symlinks/chain-[0-9]"], []), ([], ["bigdir", "deep/*", "odd", "data/*-2m*"]),
            (["usr/*", "links"], ["usr/bin/*-tool", "links/sub"]), (["sizes/*"], ["sizes/size-1*"]),
            (["/etc/hostname", "/usr/lib/*"], ["*/os-*"]),
        ]

        @Test("include and exclude patterns equal unsquashfs -ef -excf", arguments: cases)
        func againstUnsquashfs(_ include: [String], _ exclude: [String]) async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let name = (include + ["-"] + exclude).joined(separator: "+").replacing("/", with: "_")
                .replacing("*", with: "S").replacing("?", with: "Q")
            let reference = fixture.directory.appending("unsquashfs-patterns-\(name)")
            let ours = fixture.directory.appending("ours-patterns-\(name)")
            let lists = fixture.directory.appending("lists-\(name)")
            defer {
                removeTree(reference)
                removeTree(ours)
                removeTree(lists)
            }
            try FileManager.default.createDirectory(atPath: lists, withIntermediateDirectories: true)
            var arguments = ["-q", "-n", "-d", reference]
            if !include.isEmpty {
                // unsquashfs wants them relative; ours take either form.
                let relative = include.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
                try (relative.joined(separator: "\n") + "\n").write(
                    toFile: lists + "/include", atomically: false, encoding: .utf8)
                arguments += ["-ef", lists + "/include"]
            }
            if !exclude.isEmpty {
                try (exclude.joined(separator: "\n") + "\n").write(
                    toFile: lists + "/exclude", atomically: false, encoding: .utf8)
                arguments += ["-excf", lists + "/exclude"]
            }
            try await ProcessRunner.run("unsquashfs", arguments + [opened.path])

            var options = ExtractionOptions()
            options.include = include.map { PathPattern($0) }
            options.exclude = exclude.map { PathPattern($0) }
            let summary = try await opened.image.extract(to: ours, options: options)

            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: ours)
            #expect(differences.isEmpty, "\(include) - \(exclude):\n\(summarize(differences))")
            // The selection is exactly the walk filtered by the patterns (and the parents of what it keeps).
            let selected = Self.selection(opened.snapshot.walk.map(\.path), include: include, exclude: exclude)
            #expect(try ExtractionChecks.paths(under: ours) == selected)
            #expect(summary.entries == selected.count, "\(summary)")
        }

        /// The model: an entry is kept when neither it nor an ancestor is excluded, and it, an ancestor or a
        /// descendant is included (everything when there are no include patterns).
        static func selection(_ paths: [ImagePath], include: [String], exclude: [String]) -> Set<ImagePath> {
            let includes = include.map { PathPattern($0) }
            let excludes = exclude.map { PathPattern($0) }
            func ancestry(_ path: ImagePath) -> [ImagePath] {
                var result: [ImagePath] = [.root]
                var current = ImagePath.root
                for component in path.components {
                    current = current.appending(component)
                    result.append(current)
                }
                return result
            }
            var result: Set<ImagePath> = [.root]
            for path in paths where path != .root {
                let chain = ancestry(path)
                if chain.dropFirst().contains(where: { step in excludes.contains { $0.matches(step) } }) { continue }
                if includes.isEmpty || chain.contains(where: { step in includes.contains { $0.matches(step) } }) {
                    result.formUnion(chain)
                }
            }
            return result
        }

        @Test("** matches across components, as bash globstar does in unsquashfs's tree")
        func globstar() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let patterns = ["**/size-4*", "deep/**/level-3?/**/leaf.txt", "**/xattrs/**/shared-*", "links/**"]
            let ours = fixture.directory.appending("ours-globstar")
            let whole = fixture.directory.appending("unsquashfs-globstar-whole")
            let reference = fixture.directory.appending("unsquashfs-globstar")
            defer {
                removeTree(ours)
                removeTree(whole)
                removeTree(reference)
            }
            // bash expands the patterns in the whole tree (globstar, dotglob); unsquashfs extracts those paths.
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", whole, opened.path])
            let script =
                "shopt -s globstar dotglob nullglob; cd \"$1\"; shift; for p in \"$@\"; do "
                + "for m in $p; do printf '%s\\n' \"$m\"; done; done"
            let expanded = try await ProcessRunner.run("bash", ["-c", script, "bash", whole] + patterns)
            let matches = Set(expanded.outputText.split(separator: "\n").map(String.init))
            #expect(matches.contains("links/") && matches.contains("xattrs/shared-1"), "** matches zero components")
            #expect(matches.allSatisfy { !$0.contains("*") && !$0.contains("?") && !$0.contains("[") })
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, opened.path] + matches.sorted())

            var options = ExtractionOptions()
            options.include = patterns.map { PathPattern($0) }
            _ = try await opened.image.extract(to: ours, options: options)
            let differences = try ExtractionChecks.treeDifferences(expected: reference, actual: ours)
            #expect(differences.isEmpty, "\(summarize(differences))")
        }

        @Test("a leading dot is matched by * (unsquashfs needs it explicitly)")
        func leadingDot() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let ours = fixture.directory.appending("ours-dot")
            defer { removeTree(ours) }
            var options = ExtractionOptions()
            options.include = [PathPattern("odd/*")]
            options.exclude = [PathPattern("odd/[!.]*")]
            _ = try await opened.image.extract(to: ours, options: options)
            #expect(try ExtractionChecks.paths(under: ours) == ["/", "/odd", "/odd/.hidden", "/odd/..."])
        }

        @Test("directories searched without a match are not created (unsquashfs creates them empty)")
        func noEmptySearchedDirectories() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let ours = fixture.directory.appending("ours-searched")
            let reference = fixture.directory.appending("unsquashfs-searched")
            defer {
                removeTree(ours)
                removeTree(reference)
            }
            var options = ExtractionOptions()
            options.include = [PathPattern("*/hostname")]
            _ = try await opened.image.extract(to: ours, options: options)
            #expect(try ExtractionChecks.paths(under: ours) == ["/", "/etc", "/etc/hostname"])
            try await ProcessRunner.run("unsquashfs", ["-q", "-n", "-d", reference, opened.path, "*/hostname"])
            let theirs = try ExtractionChecks.paths(under: reference)
            #expect(theirs.isSuperset(of: ["/", "/etc", "/etc/hostname", "/usr", "/sizes"]))
            #expect(!theirs.contains("/usr/lib/os-release"))
        }

        @Test("names that are not UTF-8 are matched as bytes; patterns combine with paths")
        func bytesAndPaths() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let ours = fixture.directory.appending("ours-bytes")
            defer { removeTree(ours) }
            var options = ExtractionOptions()
            options.include = [PathPattern(bytes: Array("odd/".utf8) + [0xFF, 0x2A])]
            // A path (symbolic links followed) is extracted too, at its canonical place.
            let summary = try await opened.image.extract(
                to: ours, paths: ["symlinks/to-directory/os-release"], options: options)
            let expected: Set<ImagePath> = [
                "/", "/odd", ImagePath(bytes: Array("/odd/".utf8) + [0xFF, 0xFE, 0x41]), "/usr", "/usr/lib",
                "/usr/lib/os-release",
            ]
            #expect(try ExtractionChecks.paths(under: ours) == expected)
            #expect(summary.files == 2)
        }

        @Test("a pattern that selects nothing fails before anything is written")
        func nothingSelected() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let ours = fixture.directory.appending("ours-nothing")
            defer { removeTree(ours) }
            for (include, exclude) in [
                (["etc/*", "no/such/*"], [String]()), (["etc/hostname"], ["etc"]), (["zz*"], []),
            ] {
                var options = ExtractionOptions()
                options.include = include.map { PathPattern($0) }
                options.exclude = exclude.map { PathPattern($0) }
                let error = await #expect(throws: SquashFSError.self) {
                    try await opened.image.extract(to: ours, options: options)
                }
                #expect(error?.code == .notFound, "\(include) - \(exclude): \(String(describing: error))")
                #expect(try ExtractionChecks.paths(under: ours).isEmpty, "nothing written")
            }
            // An exclude that matches nothing is fine; excluding the root's contents leaves the root.
            var options = ExtractionOptions()
            options.exclude = [PathPattern("/")]
            let summary = try await opened.image.extract(to: ours, options: options)
            #expect(summary.entries == 1)
        }

        @Test("the limits still apply to what the patterns select")
        func limits() async throws {
            let fixture = try SourceTreeFixture.require()
            let opened = try await fixture.opened(try ImageRecipe.named("xz"))
            let ours = fixture.directory.appending("ours-limits")
            defer { removeTree(ours) }
            var options = ExtractionOptions()
            options.include = [PathPattern("\(StandardTree.bigDirectory)/entry-1*")]
            options.maximumEntries = 100
            let error = await #expect(throws: SquashFSError.self) {
                try await opened.image.extract(to: ours, options: options)
            }
            #expect(error?.code == .limitExceeded)
            #expect(try ExtractionChecks.paths(under: ours).isEmpty)
        }
    }
}
