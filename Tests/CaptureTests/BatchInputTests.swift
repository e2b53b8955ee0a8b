@testable import Batch
import Foundation
import Testing

/// Batch files, shards and journals without a browser: what is read from which line, how lines
/// split over machines, and what a journal says after the process died mid-write.
@Suite("Batch files, shards and journals")
struct BatchInputTests {
    static func parse(_ text: String) -> BatchInput {
        BatchInput.parse(text, file: "list", sha256: String(repeating: "0", count: 64)) { url in
            url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") ? nil : "not an http(s) URL: \(url)"
        }
    }

    @Test("one URL per line: comments and blank lines skipped, numbers as an editor shows them, CRLF read")
    func plainLines() {
        let input = Self.parse("# list\r\nhttps://a.example/1\r\n\r\n  https://b.example/2  \nftp://c.example/\nHTTPS://A.EXAMPLE/1#top\n")
        #expect(input.format == .lines)
        #expect(input.entries == [BatchEntry(line: 2, url: "https://a.example/1"), BatchEntry(line: 4, url: "https://b.example/2")])
        #expect(input.problems == [.init(line: 5, message: "not an http(s) URL: ftp://c.example/")])
        #expect(input.duplicates == [.init(line: 6, url: "HTTPS://A.EXAMPLE/1#top", sameAs: 2)])
        #expect(input.lineCount == 4)
        // An app's route is another page; a place in the page is not.
        #expect(BatchEntry(line: 1, url: "https://a.example/#!/post/1").pageKey != BatchEntry(line: 2, url: "https://a.example/#!/post/2").pageKey)
    }

    @Test("a spreadsheet's CSV with a byte order mark reads its header; NUL bytes are refused")
    func byteOrderMark() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bom-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("list.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("url,profile\r\nhttps://m.example/@g/1,mastodon\r\n".utf8)).write(to: file)
        let input = try BatchInput.read(file.path) { _ in nil }
        #expect(input.format == .csv && input.entries == [BatchEntry(line: 2, url: "https://m.example/@g/1", profile: "mastodon")])
        let nul = folder.appendingPathComponent("nul.txt")
        try Data(Array("https://a.example/\u{0}\n".utf8)).write(to: nul)
        #expect(throws: BatchError.self) { _ = try BatchInput.read(nul.path) { _ in nil } }
    }

    @Test("CSV: the header names the columns in any order; RFC 4180 quotes; a bad line is named and the others still read")
    func csv() {
        let input = Self.parse(#"""
            id,URL,profile,session
            a1,https://x.example/s/1,x,
            "a,2","https://m.example/@g/2",mastodon,""
            a3,"https://m.example/@g/3"x,mastodon,
            a4,https://m.example/@g/4,mastodon
            "a5 ""quoted""",https://m.example/@g/5,,work
            a6,,,
            """#)
        #expect(input.format == .csv)
        #expect(input.entries.map(\.line) == [2, 3, 6])
        #expect(input.entries[0] == BatchEntry(line: 2, url: "https://x.example/s/1", id: "a1", profile: "x"))
        #expect(input.entries[1].id == "a,2" && input.entries[1].profile == "mastodon" && input.entries[1].session == nil)
        #expect(input.entries[2].id == "a5 \"quoted\"" && input.entries[2].session == "work" && input.entries[2].profile == nil)
        #expect(input.problems == [.init(line: 4, message: "text after a closing quote"),
                                   .init(line: 5, message: "3 field(s), the header has 4"),
                                   .init(line: 7, message: "the url field is empty")])
    }

    @Test("JSON Lines: url required, the others optional; a line that is not an object, or lacks url, is named")
    func jsonLines() {
        let input = Self.parse("""
            {"url": "https://a.example/1", "id": "one", "profile": "generic"}
            {"id": "two"}
            not json
            {"url": 5}
            {"url": "https://a.example/5", "session": "s"}
            """)
        #expect(input.format == .jsonl)
        #expect(input.entries == [BatchEntry(line: 1, url: "https://a.example/1", id: "one", profile: "generic"),
                                  BatchEntry(line: 5, url: "https://a.example/5", session: "s")])
        #expect(input.problems.map(\.line) == [2, 3, 4])
        #expect(input.problems[0].message == "no \"url\" field")
        #expect(input.problems[2].message == "\"url\" is not a string")
    }

    @Test("shards: every line in exactly one of N, the same on every machine; index/N reads JOB_COMPLETION_INDEX; bad ones refused")
    func shards() throws {
        let entries = (1...400).map { BatchEntry(line: $0, url: "https://example.org/post/\($0)") }
        let shards = try (0..<4).map { try Shard(index: $0, count: 4) }
        var seen: [Int: Int] = [:]
        for shard in shards { for entry in entries where shard.contains(entry) { seen[entry.line, default: 0] += 1 } }
        #expect(seen.count == 400 && seen.values.allSatisfy { $0 == 1 })
        let sizes = shards.map { shard in entries.filter(shard.contains).count }
        #expect(sizes.allSatisfy { $0 > 60 }, "\(sizes)")
        // Fixed by SHA-256, not by the process: a change here would move lines between machines.
        #expect(Shard.index(of: "https://example.org/post/1", count: 4) == 3)
        #expect(BatchEntry(line: 1, url: "HTTPS://Example.ORG/post/1#reply").pageKey == "https://example.org/post/1")
        #expect(try Shard(parsing: "index/4", environment: ["JOB_COMPLETION_INDEX": "3"]) == Shard(index: 3, count: 4))
        #expect(throws: BatchError.self) { try Shard(parsing: "4/4") }
        #expect(throws: BatchError.self) { try Shard(parsing: "1-4") }
        #expect(throws: BatchError.self) { try Shard(parsing: "index/4", environment: [:]) }
    }

    @Test("a journal cut mid-line by a kill loses only that line; a second process is refused; a damaged line makes it unreadable")
    func journal() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("batch-x.jsonl")
        do {
            let journal = try BatchJournal(path: path)
            try await journal.append(JournalEntry(event: .batch))
            var start = JournalEntry(event: .start)
            start.line = 3; start.captureId = "0123456789"; start.attempt = 1
            try await journal.append(start)
            #expect(throws: BatchError.self) { _ = try BatchJournal(path: path) }
        }
        // What a kill during write(2) leaves: half an entry, no newline.
        let handle = try FileHandle(forWritingTo: path)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"event":"done","line":3,"fol"#.utf8))
        try handle.close()
        let reopened = try BatchJournal(path: path)
        #expect(await reopened.entries.count == 2)
        #expect(JournalReplay(await reopened.entries).lines[3] == .interrupted(captureId: "0123456789", attempt: 1))
        #expect(try String(contentsOf: path, encoding: .utf8).hasSuffix("}\n"))

        let damaged = folder.appendingPathComponent("batch-y.jsonl")
        try Data("{\"event\":\"batch\",\"at\":\"x\"}\nnot an entry\n{\"event\":\"run\",\"at\":\"y\"}\n".utf8).write(to: damaged)
        #expect(throws: BatchError.usage("the journal \(damaged.path) is damaged: line 2 is not a journal entry")) { _ = try BatchJournal(path: damaged) }
        // A journal whose header was removed, a forged attempt count, a link planted in its place, a
        // file that is no journal at all (never cut): each refused.
        let headless = folder.appendingPathComponent("batch-z.jsonl")
        try Data("{\"event\":\"run\",\"at\":\"x\"}\n".utf8).write(to: headless)
        #expect(throws: BatchError.self) { _ = try BatchJournal(path: headless) }
        let forged = folder.appendingPathComponent("batch-f.jsonl")
        try Data("{\"event\":\"batch\",\"at\":\"x\"}\n{\"event\":\"start\",\"at\":\"x\",\"line\":1,\"attempt\":9223372036854775807}\n".utf8).write(to: forged)
        #expect(throws: BatchError.self) { _ = try BatchJournal(path: forged) }
        let victim = folder.appendingPathComponent("victim.txt")
        try Data("someone else's file, no newline".utf8).write(to: victim)
        let link = folder.appendingPathComponent("batch-l.jsonl")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        #expect(throws: BatchError.self) { _ = try BatchJournal(path: link) }
        let notJournal = folder.appendingPathComponent("batch-n.jsonl")
        try Data("just text, no newline".utf8).write(to: notJournal)
        #expect(throws: BatchError.self) { _ = try BatchJournal(path: notJournal) }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "someone else's file, no newline")
        #expect(try String(contentsOf: notJournal, encoding: .utf8) == "just text, no newline")

        // A `done` no `start` of the line announced, or naming a folder outside the output folder, is not believed.
        var header = JournalEntry(event: .batch); header.batchId = "x"
        var start = JournalEntry(event: .start); start.line = 2; start.captureId = "aaaaaaaa-1"
        var forgedDone = JournalEntry(event: .done); forgedDone.line = 1; forgedDone.captureId = "aaaaaaaa-1"; forgedDone.folder = "bag"
        var outside = JournalEntry(event: .done); outside.line = 2; outside.captureId = "aaaaaaaa-1"; outside.folder = "../elsewhere"
        let replay = JournalReplay([header, start, forgedDone, outside])
        #expect(replay.lines[1] == nil && replay.lines[2] == .interrupted(captureId: "aaaaaaaa-1", attempt: 1))
    }

    @Test("merge: journals of another batch, or the same shard twice, are refused")
    func mergeRefusals() throws {
        func header(_ id: String, _ shard: String) -> JournalEntry {
            var entry = JournalEntry(event: .batch)
            entry.batchId = id; entry.fileSHA256 = String(repeating: "a", count: 64); entry.shard = shard; entry.lines = 2
            return entry
        }
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[header("one", "0/2")], [header("two", "1/2")]]) }
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[header("one", "0/2")], [header("one", "0/2")]]) }
        let merged = try BatchSummary.make(journals: [[header("one", "0/2")], [header("one", "1/2")]])
        #expect(merged.lines == 4 && merged.left == 4 && merged.shards == ["0/2", "1/2"] && merged.missingShards == nil)
        var whole = header("one", "0/2"); whole.shard = nil
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[whole], [whole]]) }
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[whole], [header("one", "1/2")]]) }
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[header("one", "0/2")], [header("one", "1/3")]]) }
        #expect(try BatchSummary.make(journals: [[header("one", "0/4")], [header("one", "2/4")]]).missingShards == ["1/4", "3/4"])
        // An id that would name a path is not one Exhibit makes.
        #expect(throws: BatchError.self) { _ = try BatchSummary.make(journals: [[header("/../../tmp/x", "0/2")]]) }
    }
}
