import ImageMirror
import ProgressReporting

extension StreamMirror {
    /// Runs the mirror, showing its progress with the tool's ``ProgressBar`` on standard error when `showing`.
    func runShowingProgress(_ showing: Bool) async throws -> MirrorSummary {
        try await ProgressBar<MirrorEvent>.run(showing: showing, itemName: "files", eventLine: Self.line) { progress in
            try await run(progress: progress)
        }
    }

    /// The line an event gets above the bar: failures, removals, retries and the publication.
    static func line(_ event: MirrorEvent) -> String? {
        switch event {
        case .failed(let failure): "failed: \(failure)"
        case .pruned(let path, let size): "removed \(path) (\(ByteCount.format(size)))"
        case .retrying(let path, let attempt, let reason): "retrying \(path) (attempt \(attempt + 1)): \(reason)"
        case .published(let paths): "published \(paths.count) metadata files"
        case .started, .verified: nil
        }
    }
}
