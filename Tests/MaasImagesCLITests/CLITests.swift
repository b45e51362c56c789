import Testing

/// Tests that run the built `maas-images` binary on a generated image and compare its output with squashfs-tools.
/// The nested suites live in extensions in their own files.
@Suite(.cliFixture)
struct CLITests {}
