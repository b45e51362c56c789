import Dispatch
import Foundation
import Glibc
import Testing

/// Issue 16, defect 10: SIGINT or SIGTERM during a verification left its private GnuPG home (`maas-gnupg.XXXXXX`) in
/// TMPDIR, one per interrupted run. Signals now cancel the command, which removes its home and exits with 128 + the
/// signal number, and a run removes the homes that killed processes left behind.
///
/// Nothing here depends on timing: the interrupted command reads a stream from a socket that accepts connections but
/// never answers, so it runs until it is signalled; the test waits (with `poll`, no time limit) until the command has
/// connected, which it does only after its GnuPG home exists, and then signals it.
@Suite("signals and stale GnuPG homes")
struct VerifyInterruptTests {
    static let sampleMirror =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Examples/sample-mirror"

    /// The `maas-gnupg.*` names in `directory`.
    static func homes(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("maas-gnupg.") }.sorted()
    }

    /// A TCP socket listening on 127.0.0.1 that never accepts: the kernel completes connections, a client's request
    /// is never answered.
    final class SilentServer: Sendable {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(descriptor, raw, length) == 0 && listen(descriptor, 16) == 0
                        && getsockname(descriptor, raw, &length) == 0
                }
            }
            guard descriptor >= 0, bound else {
                close(descriptor)
                throw CommandFailure(description: "cannot listen: errno \(errno)")
            }
            self.descriptor = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    /// A started `maas-images` process, its exit awaited through a pipe that the termination handler writes to.
    final class RunningCommand: Sendable {
        let process: Process
        let exited: (read: Int32, write: Int32)
        let output: TemporaryDirectory

        init(_ arguments: [String], environment: [String: String]) throws {
            output = try TemporaryDirectory(prefix: "maas-images-interrupt-output")
            var pipeEnds: [Int32] = [0, 0]
            guard pipe(&pipeEnds) == 0 else { throw CommandFailure(description: "pipe: errno \(errno)") }
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            exited = (pipeEnds[0], pipeEnds[1])
            _ = FileManager.default.createFile(atPath: output.appending("stdout"), contents: nil)
            _ = FileManager.default.createFile(atPath: output.appending("stderr"), contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: try CommandRunner.maasImages())
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle(forWritingAtPath: output.appending("stdout"))
            process.standardError = FileHandle(forWritingAtPath: output.appending("stderr"))
            let writeEnd = exited.write
            process.terminationHandler = { _ in
                var byte: UInt8 = 1
                _ = write(writeEnd, &byte, 1)
            }
            try process.run()
        }

        /// Blocks (off the cooperative pool) until `descriptor` is readable or the process has exited; returns
        /// whether the descriptor became readable.
        func waitUntilReadable(_ descriptor: Int32) async -> Bool {
            let exitedRead = exited.read
            return await withCheckedContinuation { continuation in
                DispatchQueue(label: "maas-images.test.poll").async {
                    var descriptors = [
                        pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: exitedRead, events: Int16(POLLIN), revents: 0),
                    ]
                    while poll(&descriptors, 2, -1) < 0 && errno == EINTR {}
                    continuation.resume(returning: descriptors[0].revents & Int16(POLLIN) != 0)
                }
            }
        }

        /// Waits for the process to exit and returns its status, whether a signal ended it, and standard error.
        func finish() async -> (status: Int32, killedBySignal: Bool, standardError: String) {
            _ = await waitUntilReadable(exited.read)
            process.waitUntilExit()
            let errorText = (try? String(contentsOfFile: output.appending("stderr"), encoding: .utf8)) ?? ""
            return (process.terminationStatus, process.terminationReason == .uncaughtSignal, errorText)
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            close(exited.read)
            close(exited.write)
            output.remove()
        }
    }

    @Test(
        "SIGINT and SIGTERM during a signed read: the GnuPG home is removed, exit 130 or 143",
        arguments: [SIGINT, SIGTERM])
    func interrupted(signal number: Int32) async throws {
        let scratch = try TemporaryDirectory(prefix: "maas-images-interrupt")
        defer { scratch.remove() }
        let temporary = scratch.appending("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        let server = try SilentServer()
        let command = try RunningCommand(
            [
                "streams", "query", "http://127.0.0.1:\(server.port)/", "--keyring", Self.sampleMirror + "/keyring.gpg",
            ],
            environment: ["TMPDIR": temporary])
        // The command connects only after it has read the keyring into its GnuPG home.
        let connected = await command.waitUntilReadable(server.descriptor)
        #expect(connected, "the command exited before it connected")
        #expect(try Self.homes(in: temporary).count == 1)
        kill(command.process.processIdentifier, number)
        let (status, killedBySignal, errorText) = await command.finish()
        #expect(!killedBySignal)
        #expect(status == 128 + number)
        #expect(
            errorText.hasSuffix("error: interrupted by \(number == SIGINT ? "SIGINT" : "SIGTERM")\n"), "\(errorText)")
        #expect(try Self.homes(in: temporary).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty)
    }

    @Test("a run removes the GnuPG homes of dead processes, and only those")
    func staleHomesRemoved() async throws {
        let scratch = try TemporaryDirectory(prefix: "maas-images-stale")
        defer { scratch.remove() }
        let temporary = scratch.appending("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
        let namespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        for (name, owner) in [
            ("maas-gnupg.dead01", "\(dead)"), ("maas-gnupg.alive1", "\(getpid())"), ("maas-gnupg.norec1", nil),
        ] {
            let home = temporary + "/" + name
            try FileManager.default.createDirectory(
                atPath: home + "/private-keys-v1.d", withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: home + "/pubring.kbx"))
            if let owner {
                try Data("\(owner)\n\(namespace)\n".utf8).write(to: URL(fileURLWithPath: home + "/owner.pid"))
            }
        }
        let result = try await CommandRunner.run(
            try CommandRunner.maasImages(),
            [
                "verify", "signature", Self.sampleMirror + "/streams/v1/index.sjson", "--keyring",
                Self.sampleMirror + "/keyring.gpg",
            ],
            environment: ["TMPDIR": temporary])
        #expect(result.status == 0 && !result.crashed, "\(result.errorText)")
        #expect(try Self.homes(in: temporary) == ["maas-gnupg.alive1", "maas-gnupg.norec1"])
    }
}
