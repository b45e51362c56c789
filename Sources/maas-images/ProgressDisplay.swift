import Glibc
import ImageMirror
import SimpleStreams

/// Shows a mirror run's progress on standard error: a progress bar with bytes, rate and ETA redrawn in place on a
/// terminal, plain lines every few seconds otherwise. Failures and removals get a line of their own.
struct ProgressDisplay {
    let isTerminal: Bool
    /// The bytes to download: the plan's, once known, plus the sizes of files started again.
    private var total: Int64 = 0
    private var planned = false
    private var done: Int64 = 0
    /// The bytes each started file has so far (a file can start again: a retry, a server that ignored `Range`).
    private var doneByFile: [BytewiseString: Int64] = [:]
    private var filesDone = 0
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var drewBar = false

    init(isTerminal: Bool) { self.isTerminal = isTerminal }

    /// Runs `mirror`, showing its progress on standard error when `showing` (a bar when it is a terminal).
    static func run(_ mirror: StreamMirror, showing: Bool) async throws -> MirrorSummary {
        let progress = MirrorProgress()
        var display = ProgressDisplay(isTerminal: isatty(2) == 1)
        async let outcome = mirror.run(progress: progress)
        for await event in progress.events where showing { display.handle(event) }
        let summary = try await outcome
        if showing { display.finish() }
        return summary
    }

    mutating func handle(_ event: MirrorEvent) {
        switch event {
        case .planned(_, let bytes):
            total = bytes
            planned = true
        case .started(let path, let size, let resumedAt):
            if let previous = doneByFile[BytewiseString(path)] {
                done -= previous
            } else if !planned {
                total += size
            }
            doneByFile[BytewiseString(path)] = resumedAt
            done += resumedAt
        case .bytes(let path, let count):
            doneByFile[BytewiseString(path), default: 0] += Int64(count)
            done += Int64(count)
        case .verified(_, let size, let linked):
            filesDone += 1
            // A linked file is counted in the plan's bytes but never downloaded.
            if linked && planned { done += size }
        case .failed(let failure):
            line("failed: \(failure)")
        case .pruned(let path, let size):
            line("removed \(path) (\(ByteCount.format(size)))")
        case .retrying(let path, let attempt, let reason):
            line("retrying \(path) (attempt \(attempt + 1)): \(reason)")
        case .published(let paths):
            line("published \(paths.count) metadata files")
        }
        let now = ContinuousClock.now
        if now - lastDraw >= (isTerminal ? .milliseconds(200) : .seconds(5)) {
            lastDraw = now
            draw()
        }
    }

    mutating func finish() {
        draw()
        if isTerminal && drewBar { writeStandardError("\n") }
        drewBar = false
    }

    private mutating func line(_ text: String) {
        if isTerminal && drewBar { writeStandardError("\r\u{1B}[K") }
        writeStandardError(text + "\n")
        drewBar = false
    }

    /// `value` as an integer, 0 for NaN and clamped to 0...Int32.max, never trapping.
    private static func clamped(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(Int32.max) ? Int(Int32.max) : Int(value)
    }

    private mutating func draw() {
        guard total > 0 else { return }
        let elapsed =
            Double((ContinuousClock.now - start).components.seconds) + 1e-9
            + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Self.clamped(Double(Swift.max(0, total - done)) / rate) : 0
        let fraction = Swift.min(1, Double(done) / Double(total))
        let status =
            "\(ByteCount.format(done)) / \(ByteCount.format(total))  \(ByteCount.format(Int64(Self.clamped(rate))))/s  "
            + "ETA \(eta / 60):\(String(eta % 60).leftPadded(to: 2))  \(filesDone) files"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            writeStandardError("\r\u{1B}[K[\(bar)] \(status)")
            drewBar = true
        } else {
            writeStandardError("progress: \(Int(fraction * 100))%  \(status)\n")
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
