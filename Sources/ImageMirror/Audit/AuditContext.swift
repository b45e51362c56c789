internal import ProgressReporting
internal import SimpleStreams
import Synchronization
internal import SystemLayer
internal import SystemPackage
internal import Verification

#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// Set when the audit's task is cancelled; read by the threads that walk and hash.
final class AuditCancellation: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// What the audit knows while it looks at the mirror's files: the mirror, and the names that are not extra.
struct AuditContext: Sendable {
    let store: MirrorDirectory
    /// The payload paths the published metadata names (held or not).
    let named: Set<BytewiseString>
    /// The orphans the mirror's record keeps.
    let orphans: Set<BytewiseString>
    /// Every path the mirror's record lists.
    let recorded: Set<BytewiseString>
    /// The metadata documents and their companions.
    let documents: Set<BytewiseString>
    /// Whether the top document could be read (else nothing under `streams/` is called extra).
    let knowsDocuments: Bool

    // MARK: - The walk

    /// A directory still to list: its name in its open parent, and its mirror-relative path followed by `/`.
    private struct Pending {
        var parent: DirectoryDescriptor
        var name: [UInt8]
        var prefix: [UInt8]
    }

    /// Lists every directory of the mirror (depth first, never following a symbolic link, with only the
    /// directories on the current path open) and returns the `partial` and `extra` problems of what it holds.
    func walk(isCancelled: () -> Bool) -> [MirrorProblem] {
        var problems: [MirrorProblem] = []
        var stack: [Pending] = []
        func list(_ directory: DirectoryDescriptor, prefix: [UInt8]) {
            let names: [[UInt8]]
            do {
                names = try directory.names()
            } catch {
                problems.append(Self.unlisted(prefix, error))
                return
            }
            for name in names {
                // Gone since it was listed: nothing to say about it.
                guard let status = try? directory.status(name) else { continue }
                let path = prefix + name
                if status.type == .directory {
                    stack.append(Pending(parent: directory, name: name, prefix: path + [UInt8(ascii: "/")]))
                } else if let problem = classify(path, name: name, type: status.type) {
                    problems.append(problem)
                }
            }
        }
        list(store.root, prefix: [])
        while let next = stack.popLast(), !isCancelled() {
            do {
                list(try next.parent.openDirectory(next.name), prefix: next.prefix)
            } catch {
                problems.append(Self.unlisted(next.prefix, error))
            }
        }
        return problems
    }

    /// A directory that could not be opened or listed: nothing under it was checked.
    private static func unlisted(_ prefix: [UInt8], _ error: FileSystemError) -> MirrorProblem {
        let path = String(decoding: prefix.dropLast(), as: UTF8.self)
        return MirrorProblem(
            path: path.isEmpty ? "." : path, kind: .corrupt,
            detail: "the directory cannot be listed, so nothing under it was checked: \(error)")
    }

    /// The problem of a file (not a directory) found at `path`, if it has one.
    func classify(_ path: [UInt8], name: [UInt8], type: FileType) -> MirrorProblem? {
        let display = String(decoding: path, as: UTF8.self)
        if name.count > 5 && name.suffix(5).elementsEqual(".part".utf8) {
            return MirrorProblem(
                path: display, kind: .partial, detail: "an unfinished download (a mirror run was interrupted)")
        }
        if DirectoryDescriptor.isTemporaryName(name) {
            return MirrorProblem(
                path: display, kind: .partial, detail: "a temporary file of an interrupted write")
        }
        if path.starts(with: ".mirror/".utf8) { return nil }
        let what = Self.describe(type)
        guard let text = String(validating: path, as: UTF8.self) else {
            return MirrorProblem(
                path: display, kind: .extra, detail: "\(what) whose name is not UTF-8: no published metadata names it")
        }
        let key = BytewiseString(text)
        if named.contains(key) || orphans.contains(key) || documents.contains(key) { return nil }
        if !knowsDocuments && text.hasPrefix("streams/") { return nil }
        let detail =
            recorded.contains(key)
            ? "\(what) the mirror records (.mirror/manifest.json) but no published metadata names"
            : "\(what) no published metadata names"
        return MirrorProblem(path: text, kind: .extra, detail: detail)
    }

    /// `a file`, `a symbolic link`, ...
    static func describe(_ type: FileType) -> String {
        switch type {
        case .regular: "a file"
        case .directory: "a directory"
        case .symbolicLink: "a symbolic link"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .characterSpecial, .blockSpecial: "a device"
        default: "a special file"
        }
    }

    // MARK: - Inspecting the payloads

    /// What is at a payload's path.
    private enum Found {
        case absent
        case regular(size: Int64)
        case other(String)
    }

    private func find(_ path: String) -> Found {
        let found: (directory: DirectoryDescriptor, name: [UInt8])?
        do {
            found = try store.directory(holding: path, create: false)
        } catch  where error.code == .unsafeDestination {
            return .other("not a regular file: a directory on its path is a symbolic link or not a directory")
        } catch {
            return .other("cannot be inspected: \(error)")
        }
        guard let (directory, name) = found else { return .absent }
        let status: Stat?
        do {
            status = try directory.status(name)
        } catch {
            return .other("cannot be inspected: \(error)")
        }
        guard let status else { return .absent }
        guard status.type == .regular else { return .other("not a regular file: \(Self.describe(status.type))") }
        return .regular(size: status.size)
    }

    /// Looks at each payload without reading it: the `missing` problems, the `corrupt` ones that need no hashing
    /// (not a regular file, the wrong size), and the payloads left to hash.
    func inspect(_ checks: [AuditCheck], isCancelled: () -> Bool) -> (problems: [MirrorProblem], toHash: [AuditCheck]) {
        var problems: [MirrorProblem] = []
        var toHash: [AuditCheck] = []
        for check in checks {
            if isCancelled() { break }
            let payload = check.payload
            switch find(payload.path) {
            case .absent:
                guard check.required else { continue }
                let detail =
                    payload.reference.map { "absent, but the published metadata names it (\($0))" }
                    ?? "absent, but the mirror records it (.mirror/manifest.json) and the metadata could not be read"
                problems.append(MirrorProblem(path: payload.path, kind: .missing, detail: detail))
            case .other(let why):
                problems.append(MirrorProblem(path: payload.path, kind: .corrupt, detail: Self.about(check, why)))
            case .regular(let size) where size != payload.size:
                problems.append(
                    MirrorProblem(
                        path: payload.path, kind: .corrupt,
                        detail: Self.about(check, "\(size) bytes, but \(Self.signer(check)) \(payload.size)")))
            case .regular:
                toHash.append(check)
            }
        }
        return (problems, toHash)
    }

    /// Who states the expected size and digest: the metadata, or (for an orphan, or when the metadata could not be
    /// read) the mirror's record.
    static func signer(_ check: AuditCheck) -> String {
        check.payload.reference == nil ? "the mirror recorded" : "the metadata signs"
    }

    /// `detail`, with what an orphan is.
    static func about(_ check: AuditCheck, _ detail: String) -> String {
        guard let since = check.orphanedSince else { return detail }
        return detail + " (an orphan no published metadata names since \(StreamDates.formatRFC3339(since)))"
    }
}

/// Hashes the payloads on several threads at once (``work()`` on each), each file whole on one thread, the largest
/// first, into one 256 KiB buffer per thread.
final class AuditHashing: Sendable {
    /// What hashing a file found: an orphan found sound (reported as such), or a problem.
    enum Outcome: Sendable {
        case sound(AuditCheck)
        case problem(MirrorProblem)
    }

    private let context: AuditContext
    private let checks: [AuditCheck]
    private let progress: ProgressChannel<MirrorAuditEvent>?
    private let cancellation: AuditCancellation
    private let next = Atomic<Int>(0)
    private let state = Mutex<(outcomes: [Outcome], files: Int, bytes: Int64)>(([], 0, 0))

    /// The read size: large enough that system calls cost nothing, small enough to stay in the L2 cache between
    /// the kernel's copy and the hash.
    static let chunkSize = 1 << 18
    /// How many bytes a thread hashes between two progress reports.
    static let reportInterval: Int64 = 4 << 20

    init(
        context: AuditContext, checks: [AuditCheck], progress: ProgressChannel<MirrorAuditEvent>?,
        cancellation: AuditCancellation
    ) {
        self.context = context
        self.checks = checks
        self.progress = progress
        self.cancellation = cancellation
    }

    /// The outcomes, and the files and bytes hashed.
    func results() -> (outcomes: [Outcome], files: Int, bytes: Int64) { state.withLock { $0 } }

    /// Takes the next payload and hashes it, until none is left or the audit is cancelled.
    func work() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while !cancellation.isSet {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < checks.count else { return }
            let check = checks[index]
            guard let (outcome, bytes) = hash(check, buffer) else { return }
            switch outcome {
            case .problem(let problem): progress?.report(.problem(problem))
            case .sound(let check) where check.orphanedSince == nil:
                progress?.report(.verified(path: check.payload.path, size: check.payload.size))
            case .sound: break
            }
            state.withLock { state in
                state.files += 1
                state.bytes = state.bytes.saturatingAdd(bytes)
                if case .sound(let check) = outcome, check.orphanedSince == nil { return }
                state.outcomes.append(outcome)
            }
        }
    }

    /// Hashes one payload and compares it with its signed size and digest; `nil` when cancelled.
    private func hash(_ check: AuditCheck, _ buffer: UnsafeMutableRawBufferPointer) -> (Outcome, Int64)? {
        let payload = check.payload
        func corrupt(_ why: String) -> Outcome {
            .problem(MirrorProblem(path: payload.path, kind: .corrupt, detail: AuditContext.about(check, why)))
        }
        let file: FileDescriptor
        let location: String
        do {
            guard let (directory, name) = try context.store.directory(holding: payload.path, create: false) else {
                return (corrupt("removed while it was being checked"), 0)
            }
            location = directory.child(name)
            file = try directory.openFile(name)
        } catch {
            return (corrupt("cannot be opened: \(error)"), 0)
        }
        defer { try? file.close() }
        var hasher = DigestHasher(payload.digest.algorithm)
        // One byte more than the signed size, so that a file that grew is noticed.
        let limit = payload.size < Int64.max ? payload.size + 1 : payload.size
        var total: Int64 = 0
        var unreported: Int64 = 0
        while total < limit {
            if cancellation.isSet { return nil }
            let wanted = Int(min(Int64(buffer.count), limit - total))
            let count: Int
            do {
                count = try FileIO.read(
                    file, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), location)
            } catch {
                progress?.advance(bytes: unreported, items: 1)
                return (corrupt("cannot be read: \(error)"), total)
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += Int64(count)
            unreported += Int64(count)
            if unreported >= Self.reportInterval {
                progress?.advance(bytes: unreported)
                unreported = 0
            }
        }
        progress?.advance(bytes: unreported, items: 1)
        guard total == payload.size else {
            return (
                corrupt("changed while it was read: \(total) bytes, but \(AuditContext.signer(check)) \(payload.size)"),
                total
            )
        }
        let actual = hasher.finalize()
        guard actual == payload.digest else {
            return (
                corrupt(
                    "\(actual.algorithm) \(actual.hex), but \(AuditContext.signer(check)) \(payload.digest.hex)"),
                total
            )
        }
        return (.sound(check), total)
    }
}
