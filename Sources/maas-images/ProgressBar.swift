import ProgressReporting

/// The tool's one progress bar, for every long operation (`squashfs extract`, `streams mirror`, `demo`): renders
/// the ``ProgressUpdate``s of a ``ProgressChannel`` on standard error.
///
/// On a terminal the bar (bytes done and in all, rate, time left, items) is redrawn in place at most five times a
/// second, and the last one stays on screen. Otherwise a plain `progress:` line is written every five seconds, and
/// a last one at the end if any was written. Events that deserve a line of their own (a failure, a removal, a retry)
/// are written above the bar as they arrive; none is missed, however slowly the bar is drawn.
struct ProgressBar<Event: Sendable> {
    private let isTerminal: Bool
    /// What the items are called: `files`, `entries`.
    private let itemName: String
    /// The line an event gets, or `nil` for none.
    private let eventLine: (Event) -> String?
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    /// Whether the bar is on the terminal's current line (which an event line must clear first).
    private var barOnLine = false
    /// Whether a plain line was written (not a terminal).
    private var wroteLine = false

    /// A bar counting items called `itemName`, writing `eventLine(event)` above it for each event that has one.
    init(
        itemName: String, isTerminal: Bool = standardErrorIsTerminal,
        eventLine: @escaping (Event) -> String? = { _ in nil }
    ) {
        self.itemName = itemName
        self.isTerminal = isTerminal
        self.eventLine = eventLine
    }

    /// Runs `operation` with a progress channel whose updates a bar shows while it runs, when `showing`; otherwise
    /// with no channel.
    static func run<Result: Sendable>(
        showing: Bool, itemName: String, eventLine: @escaping (Event) -> String? = { _ in nil },
        _ operation: @escaping @Sendable (ProgressChannel<Event>?) async throws -> Result
    ) async throws -> Result {
        guard showing else { return try await operation(nil) }
        let channel = ProgressChannel<Event>()
        async let result = {
            // The library finishes the channel on every exit; so does this, should the operation fail before.
            defer { channel.finish() }
            return try await operation(channel)
        }()
        var bar = ProgressBar(itemName: itemName, eventLine: eventLine)
        for await update in channel { bar.show(update) }
        return try await result
    }

    /// Shows one update: its events' lines, then the bar, when it is time to redraw it or the update is final.
    mutating func show(_ update: ProgressUpdate<Event>) {
        for event in update.events {
            if let text = eventLine(event) { line(text) }
        }
        let now = ContinuousClock.now
        if update.isFinal {
            if isTerminal || wroteLine { draw(update) }
            if barOnLine { writeStandardError("\n") }
            barOnLine = false
        } else if now - lastDraw >= (isTerminal ? .milliseconds(200) : .seconds(5)) {
            lastDraw = now
            draw(update)
        }
    }

    private mutating func line(_ text: String) {
        if barOnLine { writeStandardError("\r\u{1B}[K") }
        writeStandardError(printableMessage(text) + "\n")
        barOnLine = false
    }

    private mutating func draw(_ update: ProgressUpdate<Event>) {
        guard let total = update.totalBytes, total > 0 else { return }
        let done = max(0, update.completedBytes)
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Self.clamped(Double(max(0, total - done)) / rate) : 0
        let fraction = update.fractionCompleted ?? 0
        let items = update.totalItems.map { "\(update.completedItems)/\($0)" } ?? "\(update.completedItems)"
        let status =
            "\(ByteCount.format(done)) / \(ByteCount.format(total))  \(ByteCount.format(Int64(Self.clamped(rate))))/s  "
            + "ETA \(eta / 60):\(Self.twoDigits(eta % 60))  \(items) \(itemName)"
        if isTerminal {
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            writeStandardError("\r\u{1B}[K[\(bar)] \(Int(fraction * 100))% \(status)")
            barOnLine = true
        } else {
            writeStandardError("progress: \(Int(fraction * 100))%  \(status)\n")
            wroteLine = true
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `value` as an integer, 0 for NaN and clamped to 0...Int32.max, never trapping.
    private static func clamped(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(Int32.max) ? Int(Int32.max) : Int(value)
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
