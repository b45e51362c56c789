import ArgumentParser
import Glibc

/// Runs `body`; any error is printed as `error: ...` on standard error and the command exits with status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// Runs `body`, reporting errors as ``runReportingErrors(_:)`` does.
func runAsyncReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// Writes a message to standard error, ignoring failures (there is nowhere left to report them).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes.removeFirst(written)
    }
}

/// Writes bytes to standard output, retrying short writes; a closed pipe ends the command quietly.
func writeStandardOutput(_ bytes: [UInt8]) throws {
    var done = 0
    while done < bytes.count {
        let written = bytes[done...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written > 0 {
            done += written
        } else if written < 0 && errno == EINTR {
            continue
        } else if errno == EPIPE {
            throw ExitCode.success
        } else {
            throw CLIError("cannot write to standard output (errno \(errno))")
        }
    }
}

/// Collects output bytes and writes them in large chunks.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    /// Appends text.
    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        try? flushIfFull()
    }

    /// Appends raw bytes.
    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        try? flushIfFull()
    }

    private mutating func flushIfFull() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes everything collected so far.
    mutating func flush() throws {
        try writeStandardOutput(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// An error raised by the command itself.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Byte counts for people: `1.5 GiB`.
enum ByteCount {
    /// `bytes` with a binary unit and one decimal; below 1 KiB, the count and `smallUnit`.
    static func format(_ bytes: Int64, smallUnit: String = "B") -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) \(smallUnit)" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
