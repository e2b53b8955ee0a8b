import ArgumentParser
import Batch
import Capture
import DevTools
import Foundation
import Synchronization

struct BatchCommand: AsyncParsableCommand, LogLevelChoosing {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Capture every URL of a list, each into its own bag, in one warm browser; rerun to resume.",
        discussion: """
            FILE holds one URL per line, or CSV with a header naming url (and optionally id, profile, session), \
            or JSON Lines with those fields; - reads standard input. Blank lines and # comments are skipped. \
            A journal, <out>/batch-<id>.jsonl, records each line's state as it changes: rerunning the same \
            command skips the lines done, retries the failed ones, and never captures a line twice, also after \
            the process was killed. The end writes <out>/batch-<id>-summary.json. \
            Exit codes: 0 every line captured; 1 a line failed or could not be read; 2 usage error (nothing captured).
            """)

    @Argument(help: ArgumentHelp("The batch file (- for standard input); with --merge, the journals of the shards.", valueName: "file"))
    var inputs: [String] = []

    @Option(name: .long, help: "Folder in which the capture folders, the journal and the summary are written.")
    var out: String = "Output"

    @OptionGroup var settings: CaptureSettings

    @OptionGroup var login: SessionOptions

    @OptionGroup var batching: BatchOptions

    @Option(help: ArgumentHelp("Capture only shard K of N (K from 0 to N-1, chosen by a hash of each URL); index/N takes K from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).", valueName: "K/N"))
    var shard: String?

    @Option(help: "The batch's name (letters, digits, - and _): names the journal and the summary. Default: the start of the file's SHA-256.")
    var batchId: String?

    @Flag(help: "Combine the journals given (the shards of one batch) into one summary in --out; captures nothing.")
    var merge = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if merge {
            guard !inputs.isEmpty else { throw ValidationError("--merge needs the journals to merge") }
            return
        }
        guard inputs.count == 1 else { throw ValidationError("give one batch file (or - for standard input), not \(inputs.count)") }
        if let batchId, batchId.isEmpty || batchId.count > 64 || !batchId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw ValidationError("--batch-id may hold letters, digits, - and _ (at most 64), not '\(batchId)'")
        }
        try settings.validate(browserURLs: batching.browserURLs, carriesSession: login.session != nil || login.cookies != nil)
    }

    func run() async throws {
        if merge { return try mergeJournals() }
        let output: URL
        do { output = try CapturePipeline.prepareOutput(out) } catch let error as CaptureError { throw CommandFailure(error) }
        var chosenShard: Shard?
        if let shard {
            do { chosenShard = try Shard(parsing: shard) } catch { throw CommandFailure(code: Exhibit.Code.usage, message: error.message) }
        }
        let input: BatchInput
        do {
            input = try BatchInput.read(inputs[0]) { url in
                do { _ = try TargetURL.validate(url); return nil } catch { return "\(error)" }
            }
        } catch let error as BatchError { throw CommandFailure(code: Exhibit.Code.usage, message: error.message) }
        let sessionsInFile = input.entries.contains { $0.session != nil }
        if sessionsInFile, settings.transport?.lowercased() == "websocket" {
            throw CommandFailure(code: Exhibit.Code.usage, message: "the batch file names sessions; --transport websocket cannot carry them (any local user could read their cookies through the DevTools port)")
        }
        if sessionsInFile, !batching.browserURLs.isEmpty {
            throw CommandFailure(code: Exhibit.Code.usage, message: "the batch file names sessions; a browser attached with --browser-url cannot be trusted with them")
        }
        // Every line's options are checked once before anything starts: a bad default is a usage error.
        _ = try settings.options(url: "https://example.org/", out: out)
        let defaultSession = try login.load()
        var plan = BatchPlan(input: input, id: batchId, shard: chosenShard, output: output)
        batching.apply(to: &plan)
        try await Self.run(plan: plan, settings: settings, batching: batching, defaultSession: defaultSession)
    }

    /// Runs a batch plan to its end and reports it; shared with `collect`. Throws the exit code.
    static func run(plan: BatchPlan, settings: CaptureSettings, batching: BatchOptions, defaultSession: SessionUse?) async throws {
        let json = batching.json, quiet = batching.quiet, browserURLs = batching.browserURLs
        let progress = BatchProgress(total: plan.entries.count, quiet: quiet, json: json)
        let carriesSession = defaultSession != nil || plan.input.entries.contains { $0.session != nil }
        let browsers: [any BrowserProvider] = browserURLs.isEmpty
            ? [settings.provider(browserURL: nil, carriesSession: carriesSession, preferPipe: true, trace: nil)]
            : browserURLs.map { settings.provider(browserURL: $0, carriesSession: false, trace: nil) }
        let out = plan.output.path
        let runner = BatchRunner(plan: plan, browsers: browsers, makePipeline: { entry, browser, handler in
            var options = try settings.options(url: entry.url, out: out)
            if let profile = entry.profile { options.profile = profile }
            let session = try entry.session.map { try SessionOptions.load(session: $0, cookies: nil) } ?? defaultSession
            return CapturePipeline(options: options, browser: browser, session: session, progress: handler)
        }, events: { event in progress.handle(event) })
        let journal: BatchJournal
        do {
            journal = try await runner.openJournal()
            progress.alreadyDone(JournalReplay(await journal.entries), entries: plan.entries)
            _ = try await runner.run(journal: journal)
        } catch let error as BatchError {
            throw CommandFailure(code: error == .usage(error.message) ? Exhibit.Code.usage : Exhibit.Code.failed, message: error.message)
        }
        let summary: BatchSummary
        do { summary = try BatchSummary.make(journals: [try await journal.allEntries()]) }
        catch { throw CommandFailure(code: Exhibit.Code.failed, message: error.message) }
        let file = plan.output.appendingPathComponent(plan.journalName.replacingOccurrences(of: ".jsonl", with: "-summary.json"))
        try finish(summary, file: file, progress: progress, json: json, quiet: quiet)
        let unreadable = plan.input.problems.count
        if summary.failed > 0 || summary.left > 0 || (unreadable > 0 && (plan.shard?.index ?? 0) == 0) {
            throw ExitCode(Exhibit.Code.failed)
        }
    }

    private func mergeJournals() throws {
        let summary: BatchSummary
        do {
            summary = try BatchSummary.make(journals: try inputs.map { path throws(BatchError) in try BatchJournal.entries(at: URL(fileURLWithPath: path)) })
        } catch { throw CommandFailure(code: Exhibit.Code.usage, message: error.message) }
        let output: URL
        do { output = try CapturePipeline.prepareOutput(out) } catch let error as CaptureError { throw CommandFailure(error) }
        let file = output.appendingPathComponent("batch-\(summary.batchId)-summary.json")
        try Self.finish(summary, file: file, progress: nil, json: batching.json, quiet: batching.quiet)
        if summary.failed > 0 || summary.left > 0 || summary.missingShards != nil { throw ExitCode(Exhibit.Code.failed) }
    }

    /// Writes the summary and prints its table of failures.
    static func finish(_ summary: BatchSummary, file: URL, progress: BatchProgress?, json: Bool, quiet: Bool) throws {
        do { try summary.write(to: file) } catch { throw CommandFailure(code: Exhibit.Code.failed, message: error.message) }
        progress?.end()
        if !quiet { tell(BatchProgress.table(summary)) }
        if json { tell("summary: \(file.path)\n") } else { say(file.path) }
    }
}

/// How a batch runs, shared by `batch` and `collect`: how many pages at once, in which browsers,
/// how often again, how politely, and what is printed.
struct BatchOptions: ParsableArguments {
    @Option(help: "Pages captured at once, each in its own fresh browser context (spread over the browsers).")
    var concurrency: Int = 1

    @Option(name: .customLong("browser-url"), help: ArgumentHelp("Capture in this running browser instead of launching one, repeatable: pages are spread over all of them.", valueName: "url"))
    var browserURLs: [String] = []

    @Option(help: "Further attempts at a line that failed, in each run (a browser crash is retried without counting).")
    var retries: Int = 2

    @Option(help: "Seconds before the first retry of a line; doubled for each further one.")
    var retryDelay: Double = 2

    @Option(help: "At most this many pages of one host open at once.")
    var perHost: Int?

    @Option(help: "Seconds between the starts of two captures of one host.")
    var perHostDelay: Double = 0

    @Flag(help: "Print one JSON line per finished line on stdout (and the summary's path on stderr).")
    var json = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64") }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be from 0 to 20") }
        guard retryDelay >= 0, retryDelay <= 3600 else { throw ValidationError("--retry-delay must be from 0 to 3600 seconds") }
        guard perHostDelay >= 0, perHostDelay <= 3600 else { throw ValidationError("--per-host-delay must be from 0 to 3600 seconds") }
        if let perHost, perHost < 1 { throw ValidationError("--per-host must be at least 1") }
    }

    func apply(to plan: inout BatchPlan) {
        plan.concurrency = concurrency
        plan.retries = retries
        plan.retryDelay = retryDelay
        plan.perHost = perHost
        plan.perHostDelay = perHostDelay
    }
}

/// The batch's progress on stderr: on a terminal one live line (done, failed, left, captures per
/// minute, time left), otherwise a line per finished line; with `--json`, a JSON line per finished
/// line on stdout.
final class BatchProgress: Sendable {
    private struct State {
        var done = 0, failed = 0, skipped = 0
        var total: Int
        var finishedThisRun = 0
    }
    private let state: Mutex<State>
    private let quiet: Bool
    private let json: Bool
    private let live: Bool
    private let started = ContinuousClock.now

    init(total: Int, quiet: Bool, json: Bool) {
        state = Mutex(State(total: total))
        self.quiet = quiet
        self.json = json
        live = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Lines a previous run finished count as done from the start.
    func alreadyDone(_ replay: JournalReplay, entries: [BatchEntry]) {
        let done = entries.filter { if case .done? = replay.lines[$0.line] { return true } else { return false } }.count
        state.withLock { $0.done = done }
        if done > 0 && !quiet { tell("resuming: \(done) of \(entries.count) line(s) already done\n") }
    }

    func handle(_ event: BatchEvent) {
        switch event {
        case .finished(let outcome):
            let counts = state.withLock { state -> State in
                switch outcome.status {
                case .done: state.done += 1; state.finishedThisRun += 1
                case .failed: state.failed += 1; state.finishedThisRun += 1
                case .skipped: state.skipped += 1
                }
                return state
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if let line = try? encoder.encode(outcome) { say(String(decoding: line, as: UTF8.self)) }
            }
            if live {
                tell("\r\u{1B}[K" + line(counts))
            } else if !quiet {
                let what = switch outcome.status {
                case .done: "done in \(outcome.seconds.map { String(format: "%.1f s", $0) } ?? "?"): \(outcome.folder ?? "")"
                case .failed: "FAILED after \(outcome.attempts) attempt(s): \(outcome.reason ?? "")"
                case .skipped: "skipped: \(outcome.reason ?? "")"
                }
                tell(TerminalText.safe("line \(outcome.line) \(what)") + "\n")
            }
        case .retrying(let line, _, let attempt, let reason, let after):
            if !quiet { tell((live ? "\r\u{1B}[K" : "") + TerminalText.safe("line \(line): attempt \(attempt) failed (\(reason)); again in \(String(format: "%.0f", after)) s") + "\n") }
        case .relaunched(let reason):
            if !quiet { tell((live ? "\r\u{1B}[K" : "") + TerminalText.safe("the browser died (\(reason)); started again, its captures are retried") + "\n") }
        }
    }

    private func line(_ counts: State) -> String {
        let minutes = (ContinuousClock.now - started) / .seconds(60)
        let rate = minutes > 0 ? Double(counts.finishedThisRun) / minutes : 0
        let left = max(0, counts.total - counts.done - counts.failed)
        let eta = rate > 0 ? Self.duration(Double(left) / rate * 60) : "?"
        return "\(counts.done) done, \(counts.failed) failed, \(left) left · \(String(format: "%.1f", rate)) captures/min · about \(eta) to go"
    }

    func end() { if live { tell("\n") } }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60) min \(whole % 60) s" : "\(whole) s"
    }

    /// The end's account: the counts, then each failure with its reason.
    static func table(_ summary: BatchSummary) -> String {
        var text = "batch \(summary.batchId)\(summary.shards.map { " (shards \($0.joined(separator: ", ")))" } ?? ""): "
            + "\(summary.done) done, \(summary.failed) failed, \(summary.skipped) skipped, \(summary.left) left of \(summary.lines) line(s)"
            + " in \(duration(summary.seconds))" + (summary.capturesPerMinute.map { String(format: " (%.1f captures/min)", $0) } ?? "") + "\n"
        if let missing = summary.missingShards {
            text += "  not merged: no journal of shard(s) \(missing.joined(separator: ", ")); their lines are not counted\n"
        }
        if summary.partial > 0 || summary.notAvailable > 0 {
            text += "  of those done: \(summary.partial) partial, \(summary.notAvailable) showing a login wall or a removed post\n"
        }
        if !summary.failures.isEmpty {
            text += "failures:\n  line  attempts  url  reason\n"
            for failure in summary.failures {
                text += TerminalText.safe("  \(failure.line)  \(failure.attempts)  \(failure.url)  \(failure.reason)") + "\n"
            }
        }
        let unreadable = summary.skippedLines.filter { $0.url == nil }
        for line in unreadable { text += TerminalText.safe("  line \(line.line) not captured: \(line.reason)") + "\n" }
        let repeated = summary.skippedLines.filter { $0.url != nil }
        if !repeated.isEmpty {
            text += "  \(repeated.count) line(s) name a page an earlier line names, captured once: lines \(repeated.map { String($0.line) }.joined(separator: ", "))\n"
        }
        return text
    }
}
