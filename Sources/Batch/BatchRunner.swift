import Capture
import DevTools
import Foundation
import Synchronization

/// How a batch runs: which lines, how many at once, how politely, how often again.
public struct BatchPlan: Sendable {
    public var input: BatchInput
    /// Names the journal (`batch-<id>.jsonl`) and every record; default: the start of the file's SHA-256.
    public var id: String
    public var shard: Shard?
    public var output: URL
    /// Pages open at once. A capture whose page is done (its DOM saved) no longer counts: the next
    /// one's context and page are made while it writes its archive, bag and report.
    public var concurrency: Int = 1
    /// Further attempts after a failure, in each run.
    public var retries: Int = 2
    /// Seconds before the first retry; doubled for each further one.
    public var retryDelay: Double = 2
    /// At most this many pages of one host open at once; nil: no limit but ``concurrency``.
    public var perHost: Int?
    /// Seconds between the starts of two captures of one host.
    public var perHostDelay: Double = 0
    /// A line's collection (`exhibit collect`), recorded with its capture.
    public var collections: [Int: CaptureRecord.CollectionUse] = [:]

    public init(input: BatchInput, id: String? = nil, shard: Shard? = nil, output: URL) {
        self.input = input
        self.id = id ?? String(input.sha256.prefix(12))
        self.shard = shard
        self.output = output
    }

    /// The journal's file: one per batch, and one per shard of it.
    public var journalName: String {
        shard.map { "batch-\(id)-shard-\($0.index)-of-\($0.count).jsonl" } ?? "batch-\(id).jsonl"
    }

    /// Lines of the file that are this shard's: its pages, the repeats of them, and (for shard 0,
    /// or without shards) the lines that cannot be read.
    var linesInShard: Int {
        guard let shard else { return input.lineCount }
        return entries.count + input.duplicates.filter { Shard.index(of: BatchEntry.pageKey($0.url), count: shard.count) == shard.index }.count
            + (shard.index == 0 ? input.problems.count : 0)
    }

    /// The lines this process is to capture (its shard's share).
    public var entries: [BatchEntry] { input.entries.filter { shard?.contains($0) ?? true } }
}

/// What happened to one line, as `--json` prints it and the summary lists it.
public struct BatchOutcome: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case done, failed, skipped }
    public var line: Int
    public var url: String
    public var id: String?
    public var status: Status
    /// The bag, when done: absolute path.
    public var folder: String?
    public var captureId: String?
    public var state: String?
    public var availability: String?
    public var completeness: String?
    public var seconds: Double?
    /// Attempts in all runs.
    public var attempts: Int
    public var reason: String?
    /// What the process and its browser held right after this line finished.
    public var resources: ResourceCount?
}

/// What the runner tells its caller while it works.
public enum BatchEvent: Sendable {
    /// A line finished for good (done, failed after its last attempt, or skipped).
    case finished(BatchOutcome)
    /// An attempt failed and the line will be tried again after `after` seconds.
    case retrying(line: Int, url: String, attempt: Int, reason: String, after: Double)
    /// The browser died and was started again; its captures are retried.
    case relaunched(String)
}

/// Makes the pipeline for one line with the batch's browser and a progress handler; a line whose
/// own options cannot be used (an unknown profile, a session that does not load) throws.
public typealias PipelineMaker = @Sendable (BatchEntry, any BrowserProvider, ProgressHandler?) throws -> CapturePipeline

/// Runs a batch: the journal first, then every line not yet done, `concurrency` pages at a time in
/// warm browsers, each capture exactly as `exhibit capture` makes it.
public struct BatchRunner: Sendable {
    public let plan: BatchPlan
    public let browsers: [any BrowserProvider]
    public let makePipeline: PipelineMaker
    public let events: @Sendable (BatchEvent) -> Void

    public init(plan: BatchPlan, browsers: [any BrowserProvider], makePipeline: @escaping PipelineMaker,
                events: @escaping @Sendable (BatchEvent) -> Void) {
        self.plan = plan
        self.browsers = browsers
        self.makePipeline = makePipeline
        self.events = events
    }

    /// Opens the journal and checks it belongs to this batch file and shard; throws a usage error
    /// before anything is captured otherwise.
    public func openJournal() async throws -> BatchJournal {
        let journal = try BatchJournal(path: plan.output.appendingPathComponent(plan.journalName))
        if let header = await journal.entries.first(where: { $0.event == .batch }) {
            guard header.fileSHA256 == plan.input.sha256 else {
                throw BatchError.usage("the journal \(plan.journalName) belongs to a different batch file (\(header.file ?? "?"), sha256 "
                    + "\((header.fileSHA256 ?? "?").prefix(12))…), not \(plan.input.file) (sha256 \(plan.input.sha256.prefix(12))…); "
                    + "give another --batch-id or --out")
            }
            guard header.shard == plan.shard?.description else {
                throw BatchError.usage("the journal \(plan.journalName) is of shard \(header.shard ?? "none"), not \(plan.shard?.description ?? "none")")
            }
        } else {
            var header = JournalEntry(event: .batch)
            header.batchId = plan.id
            header.file = plan.input.file
            header.fileSHA256 = plan.input.sha256
            header.lines = plan.linesInShard
            header.shard = plan.shard?.description
            try await journal.append(header)
        }
        return journal
    }

    /// Captures every line not yet done; returns the journal's account of every line.
    public func run(journal: BatchJournal) async throws -> JournalReplay {
        var started = JournalEntry(event: .run)
        started.pid = getpid()
        started.reason = "started"
        try await journal.append(started)
        let replay = JournalReplay(await journal.entries)
        try await recordSkipped(journal: journal, replay: replay)
        let queue = try await recover(journal: journal, replay: replay)
        if !queue.isEmpty {
            let pool = BrowserPool(providers: browsers)
            do { try await pool.start() } catch {
                await pool.closeAll()
                throw BatchError.failed("the browser did not start: \(error)")
            }
            let scheduler = Scheduler(plan: plan, queue: queue)
            // A discarding group: a plain task group keeps every finished child (its task and its
            // frames, about 0.3 MB a capture) until its result is asked for, which a batch never does.
            await withDiscardingTaskGroup { group in
                while let job = await scheduler.next() {
                    group.addTask { await self.capture(job, pool: pool, scheduler: scheduler, journal: journal) }
                }
            }
            await pool.closeAll()
        }
        var ended = JournalEntry(event: .run)
        ended.pid = getpid()
        ended.reason = "ended"
        try await journal.append(ended)
        return JournalReplay(try await journal.allEntries())
    }

    /// Malformed and repeated lines are journaled once, in the first run (and by one shard only).
    private func recordSkipped(journal: BatchJournal, replay: JournalReplay) async throws {
        let input = plan.input
        var skipped: [(Int, String, String)] = []
        if (plan.shard?.index ?? 0) == 0 { skipped += input.problems.map { ($0.line, "", $0.message) } }
        skipped += input.duplicates.filter { duplicate in plan.shard.map { Shard.index(of: BatchEntry.pageKey(duplicate.url), count: $0.count) == $0.index } ?? true }
            .map { ($0.line, $0.url, "the same page as line \($0.sameAs): captured once, there") }
        for (line, url, reason) in skipped.sorted(by: { $0.0 < $1.0 }) where replay.lines[line] == nil {
            var entry = JournalEntry(event: .skipped)
            entry.line = line
            entry.url = url.isEmpty ? nil : url
            entry.reason = reason
            try await journal.append(entry)
            events(.finished(BatchOutcome(line: line, url: url, status: .skipped, attempts: 0, reason: reason)))
        }
    }

    /// Lines a killed run left in flight: a bag in place with the journaled id is the line done
    /// (the process died after the rename, before saying so); otherwise the attempt failed, and
    /// its partial folder, if any, is kept and named.
    private func recover(journal: BatchJournal, replay: JournalReplay) async throws -> [Scheduler.Job] {
        var queue: [Scheduler.Job] = []
        for entry in plan.entries {
            switch replay.lines[entry.line] {
            case .done?, .skipped?:
                continue
            case .interrupted(let captureId, let attempt)?:
                if let (folder, id) = bag(of: entry.line, startedWith: replay.started[entry.line] ?? [captureId]) {
                    try await adopt(folder, captureId: id, entry: entry, attempt: attempt, journal: journal,
                                    reason: "found in place after the process ended")
                    continue
                }
                let partial = plan.output.appendingPathComponent(".\(captureId).partial")
                var failed = JournalEntry(event: .failed)
                failed.line = entry.line; failed.url = entry.url; failed.attempt = attempt; failed.captureId = captureId
                failed.reason = "interrupted: the process ended during this capture"
                failed.partial = FileManager.default.fileExists(atPath: partial.path) ? partial.lastPathComponent : nil
                failed.final = false
                try await journal.append(failed)
                queue.append(Scheduler.Job(entry: entry, attempt: attempt + 1))
            case .failed(let attempts, _)?:
                // An attempt may have put its bag in place and failed after it (a required timestamp
                // no TSA gave): that bag is the line's, never a second one.
                if let (folder, id) = bag(of: entry.line, startedWith: replay.started[entry.line] ?? []) {
                    try await adopt(folder, captureId: id, entry: entry, attempt: attempts, journal: journal,
                                    reason: "its bag was in place although the attempt failed after it")
                    continue
                }
                queue.append(Scheduler.Job(entry: entry, attempt: attempts + 1))
            case nil:
                queue.append(Scheduler.Job(entry: entry, attempt: 1))
            }
        }
        return queue
    }

    /// The complete bag in `output` whose record has `captureId` and names this batch file's
    /// `line`: a real folder (not a link) named `<time>-<host>-<first 8 of the id>[-N]`, which only
    /// a whole bag is ever renamed to.
    func bag(withCaptureId captureId: String, line: Int) -> URL? {
        guard captureId.count >= 8, captureId.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        let short = String(captureId.prefix(8))
        struct Identity: Decodable {
            struct Batch: Decodable { let line: Int; let fileSHA256: String }
            let captureId: String
            let batch: Batch?
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: plan.output.path)) ?? []
        where !name.hasPrefix(".") && (name.hasSuffix("-" + short) || name.contains("-" + short + "-")) {
            let folder = plan.output.appendingPathComponent(name)
            var status = stat()
            guard lstat(folder.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else { continue }
            let record = folder.appendingPathComponent("data/capture.json")
            guard lstat(record.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
                  let data = FileManager.default.contents(atPath: record.path),
                  let identity = try? JSONDecoder().decode(Identity.self, from: data) else { continue }
            if identity.captureId == captureId, identity.batch?.line == line, identity.batch?.fileSHA256 == plan.input.sha256 {
                return folder
            }
        }
        return nil
    }

    /// The first bag in place of any capture the line was started with.
    func bag(of line: Int, startedWith ids: [String]) -> (URL, String)? {
        for id in ids.reversed() { if let folder = bag(withCaptureId: id, line: line) { return (folder, id) } }
        return nil
    }

    /// Journals a bag found in place as the line done (its state read from its record).
    private func adopt(_ folder: URL, captureId: String, entry: BatchEntry, attempt: Int, journal: BatchJournal, reason: String) async throws {
        struct State: Decodable {
            struct Completeness: Decodable { let availability: String?; let summary: String? }
            let state: String?
            let completeness: Completeness?
        }
        let state = FileManager.default.contents(atPath: folder.appendingPathComponent("data/capture.json").path)
            .flatMap { try? JSONDecoder().decode(State.self, from: $0) }
        var done = JournalEntry(event: .done)
        done.line = entry.line; done.url = entry.url; done.lineId = entry.id
        done.attempt = attempt; done.captureId = captureId; done.folder = folder.lastPathComponent
        done.state = state?.state; done.availability = state?.completeness?.availability; done.completeness = state?.completeness?.summary
        done.recovered = true
        done.reason = reason
        try await journal.append(done)
        events(.finished(BatchOutcome(line: entry.line, url: entry.url, id: entry.id, status: .done, folder: folder.path,
                                      captureId: captureId, state: done.state, availability: done.availability,
                                      completeness: done.completeness, attempts: attempt, reason: reason)))
    }

    /// One attempt at one line.
    private func capture(_ job: Scheduler.Job, pool: BrowserPool, scheduler: Scheduler, journal: BatchJournal) async {
        let entry = job.entry
        let captureId = UUID().uuidString.lowercased()
        let clock = ContinuousClock.now
        let pageDone = Mutex(false)
        @Sendable func releasePage() {
            let first = pageDone.withLock { done in defer { done = true }; return !done }
            if first { Task { await scheduler.pageClosed(job) } }
        }
        var requeue: Scheduler.Job?
        defer { releasePage() }
        let lease: BrowserPool.Lease
        do { lease = try await pool.lease() } catch {
            await fail(job, captureId: captureId, reason: "the browser could not be started again: \(error)", final: true, journal: journal)
            releasePage()
            await scheduler.finished(job, requeue: nil)
            return
        }
        do {
            var start = JournalEntry(event: .start)
            start.line = entry.line; start.url = entry.url; start.lineId = entry.id
            start.attempt = job.attempt; start.captureId = captureId
            try await journal.append(start)
            // The page is done with once its DOM is saved: what follows is files, hashes and the report.
            var pipeline = try makePipeline(entry, LentBrowser(handle: lease.handle)) { event in
                if event.step == .dom || event.step == .archive || event.step == .metadata { releasePage() }
            }
            pipeline.captureId = captureId
            pipeline.batch = CaptureRecord.BatchLine(id: plan.id, line: entry.line, lineId: entry.id, file: plan.input.file,
                                                     fileSHA256: plan.input.sha256, attempt: job.attempt, shard: plan.shard?.description)
            pipeline.collection = plan.collections[entry.line]
            let result = try await pipeline.run()
            releasePage()
            ResourceCount.returnFreedMemory()
            let resources = await ResourceCount.now(browser: lease.handle)
            let seconds = ((ContinuousClock.now - clock) / .milliseconds(1)).rounded() / 1000
            var done = JournalEntry(event: .done)
            done.line = entry.line; done.url = entry.url; done.lineId = entry.id
            done.attempt = job.attempt; done.captureId = captureId; done.folder = result.folder.lastPathComponent
            done.state = result.record.state.rawValue
            done.availability = result.record.completeness.availability.rawValue
            done.completeness = result.record.completeness.summary
            done.seconds = seconds
            done.resources = resources
            try await journal.append(done)
            events(.finished(BatchOutcome(line: entry.line, url: entry.url, id: entry.id, status: .done, folder: result.folder.path,
                                          captureId: captureId, state: done.state, availability: done.availability,
                                          completeness: done.completeness, seconds: seconds, attempts: job.attempt, resources: resources)))
        } catch {
            releasePage()
            // The bag may be in place although the capture failed after it (a required timestamp
            // no TSA gave, the journal's own write): then the line is done, never captured again.
            if let folder = bag(withCaptureId: captureId, line: entry.line) {
                do {
                    try await adopt(folder, captureId: captureId, entry: entry, attempt: job.attempt, journal: journal,
                                    reason: "captured, but: \((error as? CaptureError).map { "\($0)" } ?? "\(error)")")
                    await pool.giveBack(lease)
                    await scheduler.finished(job, requeue: nil)
                    return
                } catch {}
            }
            let capture = error as? CaptureError
            let reason = (error as? BatchError)?.message ?? capture.map { "\($0)" } ?? "\(error)"
            if await pool.diedDuring(lease), job.crashes < 3 {
                events(.relaunched(reason))
                var relaunched = JournalEntry(event: .relaunched)
                relaunched.reason = reason
                try? await journal.append(relaunched)
                await fail(job, captureId: captureId, reason: "the browser died: \(reason)", final: false, journal: journal, partial: capture?.partialFolder)
                requeue = Scheduler.Job(entry: entry, attempt: job.attempt + 1, failures: job.failures, crashes: job.crashes + 1)
            } else {
                // A line whose own options are wrong, or that the network policy refuses, fails the same way every time.
                let retriable = capture.map { $0.kind == .stepFailed } ?? !(error is BatchError)
                let final = !retriable || job.failures >= plan.retries
                await fail(job, captureId: captureId, reason: reason, final: final, journal: journal, partial: capture?.partialFolder)
                if !final {
                    let delay = plan.retryDelay * pow(2, Double(job.failures))
                    events(.retrying(line: entry.line, url: entry.url, attempt: job.attempt, reason: reason, after: delay))
                    requeue = Scheduler.Job(entry: entry, attempt: job.attempt + 1, failures: job.failures + 1, crashes: job.crashes,
                                            notBefore: .now + .milliseconds(Int(delay * 1000)))
                }
            }
        }
        await pool.giveBack(lease)
        await scheduler.finished(job, requeue: requeue)
    }

    private func fail(_ job: Scheduler.Job, captureId: String, reason: String, final: Bool, journal: BatchJournal, partial: String? = nil) async {
        var failed = JournalEntry(event: .failed)
        failed.line = job.entry.line; failed.url = job.entry.url; failed.lineId = job.entry.id
        failed.attempt = job.attempt; failed.captureId = captureId
        failed.reason = reason
        failed.final = final
        failed.partial = partial.map { URL(fileURLWithPath: $0).lastPathComponent }
        if final { failed.resources = await ResourceCount.now(browser: nil) }
        try? await journal.append(failed)
        if final {
            events(.finished(BatchOutcome(line: job.entry.line, url: job.entry.url, id: job.entry.id, status: .failed, captureId: captureId,
                                          attempts: job.attempt, reason: reason, resources: failed.resources)))
        }
    }
}

/// Which line goes next: at most `concurrency` pages open, at most `perHost` of one host, starts
/// of one host `perHostDelay` apart, and a retry not before its backoff has passed. Captures that
/// are only finishing their files are not pages; at most as many again may be finishing.
actor Scheduler {
    struct Job: Sendable {
        let entry: BatchEntry
        let attempt: Int
        var failures = 0
        var crashes = 0
        var notBefore: ContinuousClock.Instant = .now

        var host: String { URLComponents(string: entry.url)?.host?.lowercased() ?? "" }
    }

    private let plan: BatchPlan
    private var queue: [Job]
    private var pagesOpen = 0
    private var running = 0
    private var hostPages: [String: Int] = [:]
    private var hostStarted: [String: ContinuousClock.Instant] = [:]

    init(plan: BatchPlan, queue: [Job]) {
        self.plan = plan
        self.queue = queue
    }

    /// The next job to start, when it may start; nil once nothing is queued or running.
    func next() async -> Job? {
        while true {
            if queue.isEmpty && running == 0 { return nil }
            if pagesOpen < plan.concurrency && running < plan.concurrency * 2, let index = queue.firstIndex(where: eligible) {
                let job = queue.remove(at: index)
                pagesOpen += 1
                running += 1
                hostPages[job.host, default: 0] += 1
                hostStarted[job.host] = .now
                return job
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func eligible(_ job: Job) -> Bool {
        let now = ContinuousClock.now
        if job.notBefore > now { return false }
        if let perHost = plan.perHost, hostPages[job.host, default: 0] >= perHost { return false }
        if plan.perHostDelay > 0, let last = hostStarted[job.host], now - last < .milliseconds(Int(plan.perHostDelay * 1000)) { return false }
        return true
    }

    func pageClosed(_ job: Job) {
        pagesOpen -= 1
        hostPages[job.host, default: 1] -= 1
    }

    func finished(_ job: Job, requeue: Job?) {
        running -= 1
        if let requeue { queue.append(requeue) }
    }
}

