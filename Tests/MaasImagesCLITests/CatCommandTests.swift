import Foundation
import Testing

extension CLITests {
    /// `maas-images squashfs cat` writes a file's exact bytes, following symbolic links inside the image.
    @Suite("squashfs cat")
    struct CatCommandTests {
        @Test(
            "bytes equal the source file and unsquashfs -cat",
            arguments: [
                "/data/random.bin", "/usr/bin/tool", "/data/empty", "/data/sparse.bin", "/data/with space.txt",
                "/many/file-7", "/usr/lib/os-release",
            ])
        func cat(_ path: String) async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "cat", fixture.image, path])
            #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
            #expect(result.standardError.isEmpty)
            let source = try Data(contentsOf: URL(fileURLWithPath: fixture.source + path))
            #expect(result.standardOutput == Array(source))
            let reference = try await CommandRunner.run("unsquashfs", ["-cat", fixture.image, path], check: true)
            #expect(result.standardOutput == reference.standardOutput)
        }

        @Test("cat follows a symbolic link inside the image")
        func symlink() async throws {
            let fixture = try CLIFixture.require()
            let result = try await fixture.run(["squashfs", "cat", fixture.image, "/etc/os-release"])
            #expect(result.status == 0)
            #expect(result.outputText.hasPrefix("NAME=\"Ubuntu\""))
        }
    }
}
