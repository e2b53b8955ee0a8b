import Batch
import Capture
import Foundation
import Testing

/// `exhibit batch` through the binary, with a real Chromium and the fixture server: each line a
/// bag exactly as `capture` makes it, a journal that survives SIGKILL, retries, a browser that
/// crashes, per-host politeness, shards, and what a long batch holds.
@Suite("exhibit batch: many captures in one warm browser", .serialized, .hangGuard)
struct BatchTests {
    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func write(_ text: String, _ name: String = "list.txt") throws -> URL {
        let file = TestSupport.temporaryFolder("batch-list").appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    static func journal(in out: URL) throws -> [JournalEntry] {
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("batch-") && $0.hasSuffix(".jsonl") }
        guard names.count == 1, let name = names.first else { throw Failure("journals in \(out.path): \(names)") }
        return try BatchJournal.entries(at: out.appendingPathComponent(name))
    }

    static func summary(in out: URL) throws -> BatchSummary {
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix("-summary.json") }
        guard let name = names.first else { throw Failure("no summary in \(out.path)") }
        return try JSONDecoder().decode(BatchSummary.self, from: Data(contentsOf: out.appendingPathComponent(name)))
    }

    /// The complete bags in `out`, by the batch line their record names.
    static func bagsByLine(_ out: URL) throws -> [Int: [URL]] {
        var bags: [Int: [URL]] = [:]
        for name in TestSupport.visibleFolders(in: out) where !name.hasPrefix("batch-") {
            let folder = out.appendingPathComponent(name)
            let record = try TestSupport.decodeRecord(folder)
            guard let line = record.batch?.line else { throw Failure("\(name) names no batch line") }
            bags[line, default: []].append(folder)
        }
        return bags
    }

    @Test("a CSV batch: each line a bag as capture makes it (same files, VALID), its record naming the batch and the line; bad and repeated lines reported by number; a rerun captures nothing again")
    func csvBatch() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write("""
            url,id,profile
            \(server)/sample-thread/,demo,
            \(server)/mastodon/,m1,mastodon
            "\(server)/bluesky/",b1,bluesky
            "unclosed,x,
            \(server)/sample-thread/#reply-3,again,
            ftp://example.org/post,f,
            """, "list.csv")
        let out = TestSupport.temporaryFolder("batch-csv")
        let run = try await TestSupport.exhibit(["batch", list.path, "--out", out.path, "--concurrency", "2", "--json"])
        // Two lines could not be captured: not everything succeeded.
        #expect(run.status == 1, "\(run.stderr)")
        let lines = try run.stdout.split(separator: "\n").map { try JSONDecoder().decode(BatchOutcome.self, from: Data($0.utf8)) }
        #expect(lines.filter { $0.status == .done }.map(\.line).sorted() == [2, 3, 4], "\(run.stdout)")
        #expect(lines.filter { $0.status == .skipped }.map(\.line).sorted() == [5, 6, 7])
        #expect(lines.first { $0.line == 6 }?.reason == "the same page as line 2: captured once, there")
        #expect(run.stderr.contains("line 5 not captured: a quoted field is not closed on its line"), "\(run.stderr)")
        #expect(run.stderr.contains("line 7 not captured: unsupported URL scheme 'ftp:'"), "\(run.stderr)")

        let bags = try Self.bagsByLine(out)
        #expect(bags.keys.sorted() == [2, 3, 4] && bags.values.allSatisfy { $0.count == 1 })
        let sha = try await TestSupport.run("/usr/bin/sha256sum", [list.path]).stdout.prefix(64)
        for (line, folders) in bags {
            let folder = try #require(folders.first)
            let record = try TestSupport.decodeRecord(folder)
            let batch = try #require(record.batch)
            #expect(batch.line == line && batch.fileSHA256 == String(sha) && batch.id == String(sha.prefix(12)) && batch.attempt == 1)
            #expect(batch.lineId == ["demo", "m1", "b1"][line - 2])
            #expect(record.profile.name == ["generic", "mastodon", "bluesky"][line - 2])
            let verify = try await TestSupport.exhibit(["verify", folder.path])
            #expect(verify.status == 0, "line \(line): \(verify.stdout)")
        }
        // The same files as a capture of the same page on its own.
        let single = TestSupport.temporaryFolder("batch-single")
        let alone = try await TestSupport.exhibit(["capture", server + "/sample-thread/", "--out", single.path, "--quiet"])
        #expect(alone.status == 0, "\(alone.stderr)")
        func files(_ bag: URL) throws -> [String] {
            try String(contentsOf: bag.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
                .split(separator: "\n").compactMap { $0.split(separator: " ", maxSplits: 1).last.map(String.init) }.sorted()
        }
        let batchBag = try #require(bags[2]?.first)
        #expect(try files(batchBag) == files(single.appendingPathComponent(try #require(TestSupport.visibleFolders(in: single).first))))

        let summary = try Self.summary(in: out)
        #expect(summary.done == 3 && summary.skipped == 3 && summary.failed == 0 && summary.left == 0 && summary.lines == 6)

        // Rerun: nothing is captured twice.
        let again = try await TestSupport.exhibit(["batch", list.path, "--out", out.path, "--json"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("resuming: 3 of 3 line(s) already done"), "\(again.stderr)")
        #expect(again.stdout.isEmpty, "\(again.stdout)")
        #expect(try Self.bagsByLine(out).values.allSatisfy { $0.count == 1 })
    }

    @Test("refused before any capture, exit 2: an output folder that cannot be made, a journal of another batch file, a bad shard, no file")
    func refusals() async throws {
        let server = try await TestSupport.baseURL()
        let blocker = try Self.write("a file")
        let list = try Self.write("\(server)/sample-thread/\n")
        let unwritable = try await TestSupport.exhibit(["batch", list.path, "--out", blocker.appendingPathComponent("sub").path])
        #expect(unwritable.status == 2 && unwritable.stderr.contains("cannot create output folder"), "\(unwritable.stderr)")

        // A journal made from one file (only unreadable lines: no browser starts) and a second file under the same id.
        let out = TestSupport.temporaryFolder("batch-refused")
        let first = try Self.write("ftp://example.org/a\n")
        let made = try await TestSupport.exhibit(["batch", first.path, "--out", out.path, "--batch-id", "campaign"])
        #expect(made.status == 1, "\(made.stderr)")
        let other = try await TestSupport.exhibit(["batch", list.path, "--out", out.path, "--batch-id", "campaign"])
        #expect(other.status == 2, "\(other.stderr)")
        #expect(other.stderr.contains("the journal batch-campaign.jsonl belongs to a different batch file (\(first.path)"), "\(other.stderr)")
        #expect(TestSupport.visibleFolders(in: out).filter { !$0.hasPrefix("batch-") }.isEmpty)

        for (arguments, message) in [(["--shard", "2/2"], "K from 0 to N-1"), (["--shard", "index/3"], "JOB_COMPLETION_INDEX"),
                                      (["--concurrency", "0"], "--concurrency"), (["--batch-id", "../x"], "--batch-id")] {
            let bad = try await TestSupport.exhibit(["batch", list.path, "--out", out.path] + arguments, environment: ProcessInfo.processInfo.environment.filter { $0.key != "JOB_COMPLETION_INDEX" })
            #expect(bad.status == 2 && bad.stderr.contains(message), "\(arguments): \(bad.stderr)")
        }
        let missing = try await TestSupport.exhibit(["batch", out.appendingPathComponent("none.txt").path, "--out", out.path])
        #expect(missing.status == 2 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
    }

    @Test("killed with SIGKILL three times at random moments of a run and rerun: every line captured exactly once, VALID, and no browser left running")
    func killedThreeTimes() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write((1...12).map { "\(server)/microdata-post/?line=\($0)" }.joined(separator: "\n"))
        let out = TestSupport.temporaryFolder("batch-killed"), tmp = TestSupport.temporaryFolder("tmpdir")
        let arguments = ["batch", list.path, "--out", out.path, "--concurrency", "2", "--retry-delay", "0.2"]
        var moments: [Double] = []
        // Each kill lands while the run is under way: counted from the run's first `start` entry
        // in the journal (on a loaded machine a process may take seconds to get there), then a
        // random moment of the captures, their files or their journal lines.
        func startedEntries() -> Int {
            ((try? Self.journal(in: out)) ?? []).filter { $0.event == .start }.count
        }
        for _ in 1...3 {
            let before = startedEntries()
            let running = try RunningExhibit(arguments, tmp: tmp)
            let deadline = ContinuousClock.now + .seconds(60)
            while startedEntries() == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let moment = Double.random(in: 0.0...5.0)
            moments.append(moment)
            try await Task.sleep(for: .milliseconds(Int(moment * 1000)))
            kill(running.pid, SIGKILL)
            _ = try await running.finish()
        }
        let last = try await TestSupport.exhibit(arguments, environment: ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 })
        #expect(last.status == 0, "killed \(moments) s after each run's first start: \(last.stderr) \(last.stdout)")
        let bags = try Self.bagsByLine(out)
        #expect(bags.keys.sorted() == Array(1...12), "killed \(moments) s after each run's first start: \(bags.keys.sorted())")
        #expect(bags.values.allSatisfy { $0.count == 1 }, "two bags for one line after kills at \(moments) s: \(bags)")
        for folder in bags.values.flatMap({ $0 }) {
            let verify = try await TestSupport.exhibit(["verify", folder.path])
            #expect(verify.status == 0, "\(folder.lastPathComponent): \(verify.stdout)")
        }
        let summary = try Self.summary(in: out)
        #expect(summary.done == 12 && summary.failed == 0 && summary.left == 0 && summary.runs == 4, "\(summary)")
        // The batch's browser is driven over a pipe, which closes when its process is killed: Chromium quits.
        var left = ""
        for _ in 0..<25 {
            left = try await TestSupport.run("/usr/bin/pgrep", ["-af", "--", tmp.path]).stdout
            if left.isEmpty { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(left.isEmpty, "browsers left running: \(left)")
    }

    @Test("a line that keeps failing is tried 1 + --retries times with doubling waits, then listed with its reason; exit 1; a rerun tries it again")
    func retries() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write("\(server)/microdata-post/\nhttp://127.0.0.1:9/unsafe-port\n")
        let out = TestSupport.temporaryFolder("batch-retries")
        let arguments = ["batch", list.path, "--out", out.path, "--retries", "2", "--retry-delay", "0.5"]
        let run = try await TestSupport.exhibit(arguments)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("failures:") && run.stderr.contains("  2  3  http://127.0.0.1:9/unsafe-port  navigate failed"), "\(run.stderr)")
        let entries = try Self.journal(in: out)
        let starts = entries.filter { $0.event == .start && $0.line == 2 }
        let failures = entries.filter { $0.event == .failed && $0.line == 2 }
        #expect(starts.count == 3 && failures.map(\.final) == [false, false, true])
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let times = starts.compactMap { formatter.date(from: $0.at) }
        let ends = failures.compactMap { formatter.date(from: $0.at) }
        if times.count == 3, ends.count == 3 {
            #expect(times[1].timeIntervalSince(ends[0]) >= 0.45 && times[2].timeIntervalSince(ends[1]) >= 0.95, "\(times) \(ends)")
        }
        let summary = try Self.summary(in: out)
        #expect(summary.done == 1 && summary.failed == 1 && summary.failures.first?.attempts == 3)

        let again = try await TestSupport.exhibit(arguments + ["--retries", "0"])
        #expect(again.status == 1)
        #expect(try Self.journal(in: out).filter { $0.event == .start && $0.line == 2 }.map(\.attempt) == [1, 2, 3, 4])
    }

    @Test("the browser killed mid-batch is started again and its captures retried: every line done, exit 0, the relaunch journaled")
    func browserCrash() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write((1...6).map { "\(server)/microdata-post/?crash=\($0)" }.joined(separator: "\n"))
        let out = TestSupport.temporaryFolder("batch-crash"), tmp = TestSupport.temporaryFolder("tmpdir")
        let running = try RunningExhibit(["batch", list.path, "--out", out.path, "--concurrency", "2"], tmp: tmp)
        try await running.waitFor(" done in ")
        // The browser's main process: the child of exhibit that is Chromium without a --type=.
        let children = try await TestSupport.run("/usr/bin/pgrep", ["-P", String(running.pid)]).stdout.split(separator: "\n").compactMap { Int32($0) }
        let browser = children.first { pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return command.contains("chromium") && !command.contains("--type=")
        }
        let pid = try #require(browser, "no browser process under \(running.pid): \(children); \(running.stderr)")
        kill(pid, SIGKILL)
        let (status, stderr) = try await running.finish()
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("the browser died"), "\(stderr)")
        #expect(try Self.bagsByLine(out).keys.sorted() == Array(1...6))
        #expect(try Self.journal(in: out).contains { $0.event == .relaunched })
        #expect(try Self.summary(in: out).browserRelaunches >= 1)
    }

    @Test("--per-host 1 --per-host-delay 1: pages of one host never open at once and start at least a second apart, whatever --concurrency")
    func perHost() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write((1...3).map { "\(server)/microdata-post/?polite=\($0)" }.joined(separator: "\n"))
        let out = TestSupport.temporaryFolder("batch-polite")
        let run = try await TestSupport.exhibit(["batch", list.path, "--out", out.path, "--concurrency", "3", "--per-host", "1", "--per-host-delay", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let starts = try Self.journal(in: out).filter { $0.event == .start }.compactMap { formatter.date(from: $0.at) }.sorted()
        #expect(starts.count == 3)
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b.timeIntervalSince(a) >= 0.99, "\(starts)") }
        // Each page's time in the browser, from its navigation to its DOM saved, from the records.
        var spans: [(Date, Date)] = []
        for folder in try Self.bagsByLine(out).values.flatMap({ $0 }) {
            let record = try TestSupport.decodeRecord(folder)
            let navigate = try #require(record.steps.first { $0.name == .navigate })
            let dom = try #require(record.steps.first { $0.name == .dom })
            let from = try #require(formatter.date(from: navigate.startedAt)), domStart = try #require(formatter.date(from: dom.startedAt))
            spans.append((from, domStart.addingTimeInterval(dom.seconds)))
        }
        spans.sort { $0.0 < $1.0 }
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(b.0 >= a.1, "pages of one host overlapped: \(spans)") }
    }

    @Test("--shard K/N on two 'machines' splits the lines with no overlap; --merge combines their journals into one summary")
    func shardsAndMerge() async throws {
        let server = try await TestSupport.baseURL()
        let list = try Self.write((1...5).map { "\(server)/microdata-post/?shard=\($0)" }.joined(separator: "\n"))
        let machineA = TestSupport.temporaryFolder("batch-shard-a"), machineB = TestSupport.temporaryFolder("batch-shard-b")
        let a = try await TestSupport.exhibit(["batch", list.path, "--out", machineA.path, "--shard", "0/2"])
        var environment = ProcessInfo.processInfo.environment
        environment["JOB_COMPLETION_INDEX"] = "1"
        let b = try await TestSupport.exhibit(["batch", list.path, "--out", machineB.path, "--shard", "index/2"], environment: environment)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        let linesA = Set(try Self.bagsByLine(machineA).keys), linesB = Set(try Self.bagsByLine(machineB).keys)
        #expect(linesA.isDisjoint(with: linesB) && linesA.union(linesB) == Set(1...5), "\(linesA) \(linesB)")
        for (folder, shard) in [(machineA, "0/2"), (machineB, "1/2")] {
            for bag in try Self.bagsByLine(folder).values.flatMap({ $0 }) { #expect(try TestSupport.decodeRecord(bag).batch?.shard == shard) }
        }
        let journals = [machineA, machineB].map { folder in
            folder.appendingPathComponent(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).first { $0.hasSuffix(".jsonl") } ?? "")
        }
        let merged = TestSupport.temporaryFolder("batch-merged")
        let merge = try await TestSupport.exhibit(["batch", "--merge"] + journals.map(\.path) + ["--out", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let summary = try Self.summary(in: merged)
        #expect(summary.done == 5 && summary.lines == 5 && summary.shards == ["0/2", "1/2"] && summary.captures.map(\.line) == [1, 2, 3, 4, 5])
        let twice = try await TestSupport.exhibit(["batch", "--merge", journals[0].path, journals[0].path, "--out", merged.path])
        #expect(twice.status == 2 && twice.stderr.contains("the same shard is given twice"), "\(twice.stderr)")
    }
}
