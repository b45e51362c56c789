// snippet.hide
import ProgressReporting
import SquashFS

let image = try SquashFSImage(path: CommandLine.arguments.dropFirst().first ?? "squashfs")
// snippet.show
// Extract the image as `unsquashfs -d` would, following the progress: byte and entry counts, and an event for each
// entry skipped or created without part of its metadata.
let progress = ProgressChannel<ExtractionEvent>()
async let extraction = image.extract(to: "/srv/root", progress: progress)
for await update in progress {
    print("\(update.completedBytes) of \(update.totalBytes ?? 0) bytes, \(update.completedItems) entries")
    for case .skipped(let path, let reason) in update.events { print("skipped \(path): \(reason)") }
}
let summary = try await extraction
print(summary.files, "files,", summary.directories, "directories")
