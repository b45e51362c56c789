/// Runs the image writers (mksquashfs, gensquashfs, tar2sqfs) on a source directory.
enum ImageBuilder {
    /// Builds the image `recipe` describes from `source` into `output` (which must not exist).
    static func build(_ recipe: ImageRecipe, source: String, output: String, scratch: TemporaryDirectory) async throws {
        switch recipe.builder {
        case .mksquashfs(let options):
            try await ProcessRunner.run(
                "mksquashfs", [source, output, "-noappend", "-quiet", "-no-progress"] + options)
        case .gensquashfs(let options):
            try await ProcessRunner.run("gensquashfs", ["-q", "-f", "-k", "-x", "-D", source] + options + [output])
        case .tar2sqfs(let options):
            let archive = scratch.appending("\(recipe.name).tar")
            try await makeTar(of: source, at: archive)
            try await ProcessRunner.run("tar2sqfs", ["-q", "-f"] + options + [output], standardInput: archive)
            removeTree(archive)
        }
    }

    /// Archives the contents of `source` (ownership by number, extended attributes, `./` as the root entry).
    static func makeTar(of source: String, at archive: String) async throws {
        let result = try await ProcessRunner.run(
            "tar",
            ["--xattrs", "--xattrs-include=*", "--numeric-owner", "-C", source, "-cf", archive, "."],
            check: false)
        // GNU tar exits 0 but warns that it skips sockets; anything else is a failure.
        guard result.status == 0 else {
            throw ToolError.failed(
                command: "tar -cf \(archive)", status: result.status, standardError: result.errorText)
        }
    }

    /// Builds an image with mksquashfs from `source` with `options`.
    static func mksquashfs(_ source: String, _ output: String, _ options: [String] = []) async throws {
        try await ProcessRunner.run("mksquashfs", [source, output, "-noappend", "-quiet", "-no-progress"] + options)
    }
}
