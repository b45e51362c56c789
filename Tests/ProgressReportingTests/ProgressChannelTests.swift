import ProgressReporting
import Testing

/// The channel's promise: a reader never loses an event or the final totals, whatever its speed, and the operation
/// never waits for the reader.
@Suite("ProgressChannel")
struct ProgressChannelTests {
    /// Reads every update of `channel`, taking a turn of the scheduler `pauses` times between updates.
    private static func readAll<E: Sendable>(_ channel: ProgressChannel<E>, pauses: Int = 0) async
        -> [ProgressUpdate<E>]
    {
        var updates: [ProgressUpdate<E>] = []
        for await update in channel {
            updates.append(update)
            for _ in 0..<pauses { await Task.yield() }
        }
        return updates
    }

    @Test("a reader that starts after the operation ended gets one final update with everything")
    func readerAfterTheEnd() async {
        let channel = ProgressChannel<Int>()
        channel.setTotals(bytes: 300, items: 3)
        for item in 0..<3 {
            channel.advance(bytes: 100, items: 1)
            channel.report(item)
        }
        channel.finish()
        let updates = await Self.readAll(channel)
        #expect(updates.count == 1)
        #expect(
            updates.first
                == ProgressUpdate(
                    completedBytes: 300, totalBytes: 300, completedItems: 3, totalItems: 3, events: [0, 1, 2],
                    isFinal: true))
    }

    @Test("a slow reader sees every event once, in order, and the final totals", arguments: [0, 1, 7])
    func slowReader(pauses: Int) async {
        let channel = ProgressChannel<Int>()
        async let updates = Self.readAll(channel, pauses: pauses)
        let producer = Task {
            channel.addToTotals(bytes: 0, items: 0)
            for item in 0..<5_000 {
                channel.addToTotals(bytes: 10, items: 1)
                channel.advance(bytes: 10, items: 1)
                channel.report(item)
                if item % 97 == 0 { await Task.yield() }
            }
            channel.finish()
        }
        await producer.value
        let received = await updates
        #expect(received.flatMap(\.events) == Array(0..<5_000))
        #expect(received.last?.isFinal == true)
        #expect(received.dropLast().allSatisfy { !$0.isFinal })
        #expect(received.last?.completedBytes == 50_000)
        #expect(received.last?.totalBytes == 50_000)
        #expect(received.last?.completedItems == 5_000)
        #expect(received.last?.totalItems == 5_000)
        // Counts never go backwards when nothing takes bytes back.
        let counts = received.map(\.completedBytes)
        #expect(counts == counts.sorted())
    }

    @Test("negative byte counts take bytes back; counts saturate instead of overflowing")
    func adjustments() async {
        let channel = ProgressChannel<Never>()
        channel.advance(bytes: 500)
        channel.advance(bytes: -200)
        channel.advance(bytes: Int64.max)
        channel.advance(bytes: 1)
        channel.finish()
        let updates = await Self.readAll(channel)
        #expect(updates.map(\.completedBytes) == [Int64.max])
        #expect(updates.first?.totalBytes == nil)
        #expect(updates.first?.fractionCompleted == nil)
    }

    @Test("reports after finish are ignored, finish twice is harmless, iteration ends after the final update")
    func afterFinish() async {
        let channel = ProgressChannel<String>()
        channel.report("a")
        channel.finish()
        channel.report("b")
        channel.advance(bytes: 9, items: 1)
        channel.finish()
        var iterator = channel.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.events == ["a"])
        #expect(first?.isFinal == true)
        #expect(first?.completedBytes == 0)
        #expect(await iterator.next() == nil)
        #expect(await iterator.next() == nil)
    }

    @Test("a cancelled reader stops waiting; the operation goes on")
    func cancelledReader() async {
        let channel = ProgressChannel<Int>()
        let reader = Task { await Self.readAll(channel) }
        reader.cancel()
        let updates = await reader.value
        #expect(updates.allSatisfy { !$0.isFinal })
        channel.report(1)
        channel.finish()
        // A new reader still gets what the cancelled one did not take.
        let rest = await Self.readAll(channel)
        #expect(rest.last?.isFinal == true)
        #expect((updates + rest).flatMap(\.events) == [1])
    }

    @Test("an update waits for the next change: a waiting reader is resumed by a report")
    func waitingReader() async {
        let channel = ProgressChannel<Int>()
        async let first: ProgressUpdate<Int>? = {
            var iterator = channel.makeAsyncIterator()
            return await iterator.next()
        }()
        channel.report(42)
        let update = await first
        #expect(update?.events == [42])
        #expect(update?.isFinal == false)
        channel.finish()
    }

    @Test("fractionCompleted is clamped to 0...1")
    func fraction() {
        #expect(ProgressUpdate<Never>(completedBytes: 50, totalBytes: 200).fractionCompleted == 0.25)
        #expect(ProgressUpdate<Never>(completedBytes: 300, totalBytes: 200).fractionCompleted == 1)
        #expect(ProgressUpdate<Never>(completedBytes: 1, totalBytes: 0).fractionCompleted == nil)
    }
}
