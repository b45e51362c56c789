// snippet.hide
import ImageMirror
import ProgressReporting
import SignedStreams
import SimpleStreams

let source = try LocalStreamSource(CommandLine.arguments.dropFirst().first ?? "/srv/upstream")
let mirror = StreamMirror(source: source, destination: "/srv/maas-mirror", policy: .allowUnsigned)
// snippet.show
// Follow a run: byte and file counts, and an event per file. A slow reader gets coalesced counts, never fewer events.
let progress = ProgressChannel<MirrorEvent>()
async let outcome = mirror.run(progress: progress)
for await update in progress {
    print("\(update.completedBytes) of \(update.totalBytes ?? 0) bytes, \(update.completedItems) files")
    for event in update.events {
        if case .failed(let failure) = event { print("failed:", failure) }
    }
}
let summary = try await outcome
print(summary.succeeded ? "published" : "\(summary.failures.count) failed; nothing published")
