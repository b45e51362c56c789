import Testing

/// Tests that feed the reader damaged images made from ``SmallTree``: every open and every operation must either
/// succeed or throw a `SquashFSError`, never crash or hang. The nested suites (truncation, mutation) live in their own
/// files.
@Suite(.smallImages)
struct HostileImageTests {}
