import ArgumentParser
import Foundation

/// Runs `body`; any error is printed as `error: ...` on standard error and the command exits with status 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
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

/// Collects text and writes it in large chunks.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try? flush() }
    }

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
