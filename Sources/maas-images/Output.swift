import ArgumentParser
import SquashFS
import SystemLayer
import SystemPackage

/// Runs `body`; any error is printed as `error: ...` on standard error and the command exits with status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        writeStandardError("error: \(printableMessage(String(describing: error)))\n")
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
        writeStandardError("error: \(printableMessage(String(describing: error)))\n")
        throw ExitCode.failure
    }
}

/// One field of text output that comes from input (a product, version or item name, a path, a label): exactly as
/// it is when it is printable, otherwise with control characters (C0 including TAB and LF, DEL), backslashes and
/// invalid UTF-8 escaped as `\xNN`, so a name can neither add a line or a column to tab-separated output nor send
/// an escape sequence to a terminal. The escaping is the squashfs commands' (`ImagePath.description`): one
/// escaping for every text output of the tool. `--json` output is not escaped this way (JSON has its own escapes).
func printable(_ text: String) -> String {
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) { return text }
    // Non-ASCII text without control characters or backslashes is printable as it is.
    if !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) { return text }
    return ImagePath(bytes: Array(text.utf8)).description
}

/// A message for standard error (an error's description, which may quote names from a document): each line as
/// ``printable(_:)`` makes it, when the message holds a control character other than a line break; otherwise as it is.
func printableMessage(_ message: String) -> String {
    guard message.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }) else {
        return message
    }
    return message.split(separator: "\n", omittingEmptySubsequences: false).map { printable(String($0)) }
        .joined(separator: "\n")
}

/// Writes a message to standard error, ignoring failures (there is nowhere left to report them).
func writeStandardError(_ text: String) {
    _ = try? FileDescriptor.standardError.writeAll(Array(text.utf8))
}

/// Writes bytes to standard output, retrying short writes; a closed pipe ends the command quietly.
func writeStandardOutput(_ bytes: [UInt8]) throws {
    do {
        _ = try FileDescriptor.standardOutput.writeAll(bytes)
    } catch let error as Errno where error == .brokenPipe {
        throw ExitCode.success
    } catch {
        throw CLIError("cannot write to standard output: \(error)")
    }
}

/// Whether standard error is a terminal, where a progress bar is redrawn in place.
var standardErrorIsTerminal: Bool { FileDescriptor.standardError.isTerminal }

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
