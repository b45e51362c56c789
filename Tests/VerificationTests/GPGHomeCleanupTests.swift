import Foundation
import Glibc
import Testing

@testable import Verification

/// Issue 16, defect 10: a process killed while it had a private GnuPG home left `maas-gnupg.XXXXXX` behind for ever.
/// Each home now records its owner, and stale homes of dead processes are removed, safely.
@Suite("GnuPG homes: owner record and removal of stale homes")
struct GPGHomeCleanupTests {
    /// The pid of a process that has exited and been reaped (so `kill(pid, 0)` fails with `ESRCH`).
    static func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Makes `base/name` as a home whose `owner.pid` holds `record` (none when nil), with a file and a subdirectory.
    static func makeHome(_ base: String, _ name: String, record: String?) throws {
        let home = base + "/" + name
        try FileManager.default.createDirectory(atPath: home + "/private-keys-v1.d", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: home + "/pubring.kbx"))
        try Data("y".utf8).write(to: URL(fileURLWithPath: home + "/private-keys-v1.d/key"))
        if let record { try Data(record.utf8).write(to: URL(fileURLWithPath: home + "/owner.pid")) }
    }

    @Test("a home records its owner's pid and pid namespace, and is removed when released")
    func ownerRecord() throws {
        var path = ""
        do {
            let home = try GPGHome()
            path = home.path
            let record = try String(contentsOfFile: path + "/owner.pid", encoding: .utf8)
            #expect(record == "\(getpid())\n\(GPGHome.currentPIDNamespace)\n")
            #expect(GPGHome.currentPIDNamespace.hasPrefix("pid:["))
        }
        #expect(!path.isEmpty && access(path, F_OK) != 0)
    }

    @Test("homes of dead processes are removed; live, foreign, unrecorded and non-home entries are kept")
    func staleHomes() throws {
        let scratch = try ChecksumScratch()
        defer { scratch.remove() }
        let base = scratch.path + "/tmp"
        let outside = scratch.path + "/outside"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let precious = outside + "/precious"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: precious))
        let namespace = GPGHome.currentPIDNamespace
        let dead = try Self.deadPID()

        try Self.makeHome(base, "maas-gnupg.dead01", record: "\(dead)\n\(namespace)\n")
        // A stale home holding links out of it: the links go, never what they point at.
        try Self.makeHome(base, "maas-gnupg.dead02", record: "\(dead)\n\(namespace)\n")
        #expect(symlink(precious, base + "/maas-gnupg.dead02/link-to-file") == 0)
        #expect(symlink(outside, base + "/maas-gnupg.dead02/link-to-directory") == 0)
        try Self.makeHome(base, "maas-gnupg.alive1", record: "\(getpid())\n\(namespace)\n")
        try Self.makeHome(base, "maas-gnupg.other1", record: "\(dead)\npid:[1]\n")
        try Self.makeHome(base, "maas-gnupg.norec1", record: nil)
        try Self.makeHome(base, "maas-gnupg.junk01", record: "not a pid\n")
        try Self.makeHome(base, "other-prefix.dead", record: "\(dead)\n\(namespace)\n")
        // A symbolic link named like a home, to a directory that looks stale: neither is touched.
        try Self.makeHome(outside, "looks-stale", record: "\(dead)\n\(namespace)\n")
        #expect(symlink(outside + "/looks-stale", base + "/maas-gnupg.link01") == 0)

        let removed = GPGHome.removeStaleHomes(in: base)
        #expect(Set(removed) == ["maas-gnupg.dead01", "maas-gnupg.dead02"])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: base))
        #expect(
            left == [
                "maas-gnupg.alive1", "maas-gnupg.other1", "maas-gnupg.norec1", "maas-gnupg.junk01", "other-prefix.dead",
                "maas-gnupg.link01",
            ])
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "keep")
        #expect(access(outside + "/looks-stale/owner.pid", F_OK) == 0)
        #expect(access(outside + "/looks-stale/private-keys-v1.d/key", F_OK) == 0)
    }
}
