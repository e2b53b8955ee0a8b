import Foundation
import Sessions

/// The account of a batch (`batch-<id>-summary.json`), made from its journal, or from the
/// journals of all its shards (`exhibit batch --merge`): what is done, what failed and why.
public struct BatchSummary: Codable, Sendable {
    public var batchId: String
    public var file: String
    public var fileSHA256: String
    /// The shards merged, when the batch was split (`K/N` each).
    public var shards: [String]?
    /// Shards of the split whose journal was not given: their lines are not counted anywhere.
    public var missingShards: [String]? = nil
    /// Lines of the batch file (of the shards merged), in any state.
    public var lines: Int
    public var done: Int
    public var failed: Int
    public var skipped: Int
    /// Lines not finished: not reached yet, or in flight when the last run ended.
    public var left: Int
    /// Of the done lines, those whose capture is partial, or shows a login wall or a removed post.
    public var partial: Int
    public var notAvailable: Int
    /// Runs of the command (each rerun is one), with the seconds all of them took.
    public var runs: Int
    public var seconds: Double
    /// Captures done per minute of the runs' time.
    public var capturesPerMinute: Double?
    public var browserRelaunches: Int
    /// The exhibit process's largest resident memory after a capture, in bytes.
    public var peakRSSBytes: UInt64?
    public var failures: [Failure]
    public var skippedLines: [Skipped]
    public var captures: [Capture]

    public struct Failure: Codable, Sendable {
        public var line: Int
        public var url: String
        public var attempts: Int
        public var reason: String
        /// Partial folders the failed attempts left, kept.
        public var partials: [String]?
    }

    public struct Skipped: Codable, Sendable {
        public var line: Int
        public var url: String?
        public var reason: String
    }

    public struct Capture: Codable, Sendable {
        public var line: Int
        public var url: String
        public var id: String?
        public var folder: String
        public var captureId: String
        public var state: String?
        public var availability: String?
        public var attempts: Int
    }

    /// The summary of one journal, or of the journals of one batch's shards.
    public static func make(journals: [[JournalEntry]]) throws(BatchError) -> BatchSummary {
        let headers = journals.map { $0.first { $0.event == .batch } }
        guard let first = headers.first, let header = first else { throw .usage("a journal without its batch line is not a batch journal") }
        for (index, other) in headers.enumerated() {
            guard let other, other.batchId == header.batchId, other.fileSHA256 == header.fileSHA256 else {
                throw .usage("journal \(index + 1) is of another batch (\(other?.batchId ?? "none")), not \(header.batchId ?? "?"): only the shards of one batch merge")
            }
        }
        var missingShards: [String]?
        guard let id = header.batchId, BatchSummary.isBatchId(id) else { throw .usage("the journal's batch id is not one exhibit makes") }
        let shards = headers.compactMap { $0?.shard }
        guard Set(shards).count == shards.count else { throw .usage("the same shard is given twice: \(shards.sorted().joined(separator: ", "))") }
        // Either one journal of a whole batch, or shards of one split, each at most once.
        if journals.count > 1 {
            guard shards.count == journals.count else { throw .usage("a journal of the whole batch cannot be merged with others: only shards merge") }
            let parsed = shards.compactMap { text -> (Int, Int)? in
                let parts = text.split(separator: "/").compactMap { Int($0) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }
            guard parsed.count == shards.count, Set(parsed.map(\.1)).count == 1, let count = parsed.first?.1 else {
                throw .usage("the shards are of different splits: \(shards.sorted().joined(separator: ", "))")
            }
            let missing = Set(0..<count).subtracting(parsed.map(\.0)).sorted()
            if !missing.isEmpty { missingShards = missing.map { "\($0)/\(count)" } }
        }
        var summary = BatchSummary(batchId: header.batchId ?? "", file: header.file ?? "", fileSHA256: header.fileSHA256 ?? "",
                                   shards: shards.isEmpty ? nil : shards.sorted(), lines: headers.reduce(0) { $0 + ($1?.lines ?? 0) },
                                   done: 0, failed: 0, skipped: 0, left: 0, partial: 0, notAvailable: 0, runs: 0, seconds: 0,
                                   capturesPerMinute: nil, browserRelaunches: 0, peakRSSBytes: nil, failures: [], skippedLines: [], captures: [])
        for entries in journals {
            let replay = JournalReplay(entries)
            summary.add(entries: entries, replay: replay)
        }
        summary.missingShards = missingShards
        summary.left = max(0, summary.lines - summary.done - summary.failed - summary.skipped)
        if summary.seconds > 0 { summary.capturesPerMinute = (Double(summary.done) / summary.seconds * 60 * 10).rounded() / 10 }
        summary.failures.sort { $0.line < $1.line }
        summary.skippedLines.sort { $0.line < $1.line }
        summary.captures.sort { $0.line < $1.line }
        return summary
    }

    private mutating func add(entries: [JournalEntry], replay: JournalReplay) {
        var lastOf: [Int: JournalEntry] = [:]
        var partials: [Int: [String]] = [:]
        let parse = ISO8601DateFormatter()
        parse.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // A run's time is from its start to its end entry; a run that was killed counts to its last entry.
        var openRun: Date?, lastTime: Date?
        for entry in entries {
            let time = parse.date(from: entry.at)
            switch entry.event {
            case .run where entry.reason == "started":
                if let openRun, let lastTime { seconds += lastTime.timeIntervalSince(openRun) }
                runs += 1
                openRun = time
            case .run:
                if let openRun, let time { seconds += time.timeIntervalSince(openRun) }
                openRun = nil
            case .relaunched:
                browserRelaunches += 1
            case .failed:
                if let line = entry.line, let partial = entry.partial { partials[line, default: []].append(partial) }
            default:
                break
            }
            if let line = entry.line, entry.event != .start { lastOf[line] = entry }
            if let rss = entry.resources?.rssBytes { peakRSSBytes = max(peakRSSBytes ?? 0, rss) }
            lastTime = time
        }
        if let openRun, let lastTime { seconds += lastTime.timeIntervalSince(openRun) }
        seconds = (seconds * 1000).rounded() / 1000
        for (line, state) in replay.lines {
            let last = lastOf[line]
            switch state {
            case .done(let folder, let captureId):
                done += 1
                if let state = last?.state, state != "complete" { partial += 1 }
                if let availability = last?.availability, availability != "available" { notAvailable += 1 }
                captures.append(Capture(line: line, url: last?.url ?? "", id: last?.lineId, folder: folder, captureId: captureId,
                                        state: last?.state, availability: last?.availability, attempts: replay.attempts[line] ?? 1))
            case .failed(let attempts, let reason):
                failed += 1
                failures.append(Failure(line: line, url: last?.url ?? "", attempts: attempts, reason: reason, partials: partials[line]))
            case .skipped(let reason):
                skipped += 1
                skippedLines.append(Skipped(line: line, url: last?.url, reason: reason))
            case .interrupted:
                continue
            }
        }
    }

    /// A batch id as `--batch-id` allows it, or as Exhibit makes one (hex, `collect-` and hex):
    /// it names files, so it never holds a path.
    public static func isBatchId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 80 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Writes the summary as JSON next to the journal(s), through a new temporary file and a rename.
    public func write(to file: URL) throws(BatchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw .failed("cannot encode the summary") }
        try SafeFile.replace(file, with: data)
    }
}

/// Files Exhibit writes into folders others may share, whole or not at all (see `PrivateFileWriter`),
/// readable by others as the bags beside them are.
public enum SafeFile {
    public static func replace(_ file: URL, with data: Data) throws(BatchError) {
        do { try PrivateFileWriter.place(data, at: file, replace: true, mode: 0o644) }
        catch { throw .failed("\(error)") }
    }
}
