import ProgressReporting
import SquashFS

/// One progress report as the tests read it: the counts of a `ProgressUpdate` of an extraction.
struct ExtractionProgress: Sendable, Hashable, CustomStringConvertible {
    var bytesWritten: UInt64
    var totalBytes: UInt64
    var entriesDone: Int
    var totalEntries: Int
    var isFinal: Bool

    init(_ update: ProgressUpdate<ExtractionEvent>) {
        bytesWritten = UInt64(clamping: update.completedBytes)
        totalBytes = UInt64(clamping: update.totalBytes ?? -1)
        entriesDone = update.completedItems
        totalEntries = update.totalItems ?? -1
        isFinal = update.isFinal
    }

    var description: String {
        "\(bytesWritten)/\(totalBytes) bytes, \(entriesDone)/\(totalEntries) entries\(isFinal ? " (final)" : "")"
    }
}

extension SquashFSImage {
    /// Extracts through a `ProgressChannel`, calling `onUpdate` with every update the channel delivers (the final
    /// one included) while the extraction runs.
    func extract(
        to destination: String, options: ExtractionOptions = ExtractionOptions(),
        onUpdate: @escaping @Sendable (ExtractionProgress) -> Void
    ) async throws -> ExtractionSummary {
        let channel = ProgressChannel<ExtractionEvent>()
        async let summary = extract(to: destination, options: options, progress: channel)
        for await update in channel { onUpdate(ExtractionProgress(update)) }
        return try await summary
    }
}
