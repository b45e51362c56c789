import Testing

/// The tests that read images packed from the standard source tree (see ``StandardTree``).
///
/// The tree is built once for all nested suites (`DifferentialListingTests`, `DifferentialExtractionTests`,
/// `DifferentialSourceTests`, `DirectoryLookupTests`, `PathResolutionTests`, `ImageOpeningTests`, `PackFileTests`),
/// which live in extensions in their own files; each image is built once on first use, and everything is removed when
/// the suite ends.
@Suite(.standardSourceTree)
struct StandardTreeTests {}
