import Foundation

/// One line of a batch journal (`batch-<id>.jsonl`): a change of state, written and fsynced before
/// the work it announces goes on, so that whatever moment the process dies at, a rerun knows what
/// each line's state was.
public struct JournalEntry: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        /// The first line: which batch file, which shard.
        case batch
        /// A capture of a line starts, with the id its bag will carry.
        case start
        /// A line's bag is complete and in place.
        case done
        /// An attempt failed; `final` when no attempt is left in this run.
        case failed
        /// A line that is not captured: malformed, not http(s), or the same page as an earlier line.
        case skipped
        /// The browser died and was started again (its in-flight captures are retried).
        case relaunched
        /// A run of the command began (`pid`), or ended.
        case run
    }

    public var event: Event
    /// UTC, ISO 8601 with milliseconds.
    public var at: String
    public var line: Int?
    public var url: String?
    public var lineId: String?
    public var attempt: Int?
    public var captureId: String?
    /// The bag's folder name in the output folder.
    public var folder: String?
    /// The capture's state (`complete`, `partial`) and availability (`available`, `loginWall`, `removed`).
    public var state: String?
    public var availability: String?
    /// The capture's completeness line.
    public var completeness: String?
    public var seconds: Double?
    public var reason: String?
    public var final: Bool?
    /// A partial folder a failed attempt left, kept.
    public var partial: String?
    /// True for a `done` found at a rerun: the bag was in place, the process died before saying so.
    public var recovered: Bool?
    // The header (`batch`) and `run` entries.
    public var batchId: String?
    public var file: String?
    public var fileSHA256: String?
    public var lines: Int?
    public var shard: String?
    public var pid: Int32?
    /// What the process held after this capture (`done` and `failed`).
    public var resources: ResourceCount?

    public init(event: Event, at: Date = Date()) {
        self.event = event
        self.at = JournalEntry.time(at)
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// The journal of one batch in its output folder: append-only JSON Lines, each entry fsynced, held
/// under an exclusive lock so that two processes never run one batch at once.
public actor BatchJournal {
    public let path: URL
    private let descriptor: Int32
    /// The entries the journal held when it was opened: where this run starts from. Entries
    /// written since are on disk only (``allEntries()``): a batch of thousands of captures keeps
    /// no growing list in memory.
    public let entries: [JournalEntry]

    /// Opens (or creates) the journal and takes its lock. A torn last line (the process died while
    /// writing it) is cut off; any other line that is not an entry makes the journal unreadable.
    public init(path: URL) throws(BatchError) {
        self.path = path
        // Never through a link: a journal planted as a link to another file would be cut and written.
        let descriptor = open(path.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            throw .usage("cannot open the journal \(path.path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .usage("the journal \(path.path) is not a regular file")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .usage("another exhibit batch is running this batch (\(path.lastPathComponent) is locked); wait for it or give another --out")
        }
        self.descriptor = descriptor
        do { entries = try Self.read(descriptor: descriptor, path: path) } catch {
            close(descriptor)
            throw error
        }
    }

    /// Every entry, read back from the file.
    public func allEntries() throws(BatchError) -> [JournalEntry] {
        try Self.entries(at: path)
    }

    deinit { close(descriptor) }

    /// The entries of a journal read without taking it over (`--merge`); a torn last line is left out.
    public static func entries(at path: URL) throws(BatchError) -> [JournalEntry] {
        var status = stat()
        guard lstat(path.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
              let data = FileManager.default.contents(atPath: path.path) else {
            throw .usage("cannot read the journal \(path.path) (missing, or not a regular file)")
        }
        var bytes = [UInt8](data)
        if let end = bytes.lastIndex(of: UInt8(ascii: "\n")) { bytes.removeSubrange((end + 1)...) } else { bytes = [] }
        return try decode(bytes, path: path)
    }

    private static func read(descriptor: Int32, path: URL) throws(BatchError) -> [JournalEntry] {
        guard let handle = Optional(FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)),
              let data = try? handle.readToEnd() ?? Data() else {
            throw .usage("cannot read the journal \(path.path)")
        }
        var bytes = [UInt8](data)
        // The whole lines are read first: a file that is not a journal is refused, never cut.
        let keep = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        let entries = try decode(Array(bytes[..<keep]), path: path)
        if keep < bytes.count {
            guard !entries.isEmpty else { throw .usage("the journal \(path.path) is damaged: it holds no whole entry") }
            guard ftruncate(descriptor, off_t(keep)) == 0 else {
                throw .usage("cannot cut the torn last line of the journal \(path.path): \(String(cString: strerror(errno)))")
            }
            bytes.removeSubrange(keep...)
        }
        return entries
    }

    private static func decode(_ bytes: [UInt8], path: URL) throws(BatchError) -> [JournalEntry] {
        var entries: [JournalEntry] = []
        let decoder = JSONDecoder()
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) else {
                throw .usage("the journal \(path.path) is damaged: line \(index + 1) is not a journal entry")
            }
            // Numbers a rerun adds to: out of range, they could only be forged.
            guard (entry.attempt ?? 1) >= 1, (entry.attempt ?? 1) <= 10_000, (entry.line ?? 1) >= 1,
                  (entry.lines ?? 0) >= 0, (entry.lines ?? 0) <= 100_000_000 else {
                throw .usage("the journal \(path.path) is damaged: line \(index + 1) holds a number out of range")
            }
            if index == 0, entry.event != .batch {
                throw .usage("the journal \(path.path) is damaged: its first line is not the batch's")
            }
            entries.append(entry)
        }
        return entries
    }

    /// Appends an entry and waits until it is on disk.
    public func append(_ entry: JournalEntry) throws(BatchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(entry) else { throw .failed("cannot encode a journal entry") }
        line.append(UInt8(ascii: "\n"))
        // A write cut short (a full disk) is undone, so the next entry does not follow half a line.
        let size = lseek(descriptor, 0, SEEK_END)
        let written = line.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                guard let base = buffer.baseAddress else { return true }
                let count = write(descriptor, base + offset, buffer.count - offset)
                if count < 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return true
        }
        guard written, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if size >= 0 { _ = ftruncate(descriptor, size) }
            throw .failed("cannot write the journal \(path.path): \(reason)")
        }
    }
}

/// What a journal says of each line: the state a rerun starts from.
public struct JournalReplay: Sendable {
    public enum LineState: Sendable, Equatable {
        case done(folder: String, captureId: String)
        /// Failed, with the attempts made in all runs and the last reason.
        case failed(attempts: Int, reason: String)
        /// Started and never finished: the process died during the capture.
        case interrupted(captureId: String, attempt: Int)
        case skipped(String)
    }

    public let header: JournalEntry?
    public let lines: [Int: LineState]
    /// Attempts per line, over every run.
    public let attempts: [Int: Int]
    /// Every capture id a line was started with: a rerun looks for a bag of each before capturing
    /// the line again (an attempt may have put its bag in place and still failed after).
    public let started: [Int: [String]]

    /// A folder a `done` may name: one path component, in the output folder.
    static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    public init(_ entries: [JournalEntry]) {
        header = entries.first { $0.event == .batch }
        var lines: [Int: LineState] = [:], attempts: [Int: Int] = [:], started: [Int: [String]] = [:]
        for entry in entries {
            guard let line = entry.line else { continue }
            switch entry.event {
            case .start:
                attempts[line] = max(attempts[line] ?? 0, entry.attempt ?? 1)
                lines[line] = .interrupted(captureId: entry.captureId ?? "", attempt: entry.attempt ?? 1)
                if let id = entry.captureId { started[line, default: []].append(id) }
            case .done:
                // Only for a capture this line was started with, in a folder of the output folder.
                guard let id = entry.captureId, started[line]?.contains(id) == true,
                      let folder = entry.folder, Self.isFolderName(folder) else { continue }
                lines[line] = .done(folder: folder, captureId: id)
            case .failed:
                if case .done? = lines[line] { continue }
                lines[line] = .failed(attempts: attempts[line] ?? entry.attempt ?? 1, reason: entry.reason ?? "")
            case .skipped:
                lines[line] = .skipped(entry.reason ?? "")
            case .batch, .relaunched, .run:
                continue
            }
        }
        self.lines = lines
        self.attempts = attempts
        self.started = started
    }
}
