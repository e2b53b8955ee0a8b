import ArgumentParser
import Batch
import Capture
import DevTools
import Evidence
import Foundation

struct CollectCommand: AsyncParsableCommand, LogLevelChoosing {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Capture an account page scrolled back to --since, list its posts in the window, and capture each with batch.",
        discussion: """
            The account page is captured first (its header and timeline, by the profile's account rules), its \
            timeline scrolled back until it shows a post older than --since. The posts it lists in the window \
            (newest first, reposts left out unless --include-reposts, at most --max) are written to \
            <out>/collect-<id>.jsonl, a batch file, and each is captured as exhibit batch captures. The account's \
            capture lists them, with their captures, in its tag file collection/posts.json; each post's capture.json \
            names the account's capture under collection. Rerun the same command to resume. \
            Exit codes: 0 all captured; 1 a post failed; 2 usage error.
            """)

    @Argument(help: "The account page (http or https), e.g. https://mastodon.social/@user.")
    var accountURL: String

    @Option(help: "The oldest posts wanted: a date (2026-11-01, UTC) or an ISO 8601 time.")
    var since: String

    @Option(help: "The newest posts wanted (a date includes that whole day); default: up to now.")
    var until: String?

    @Option(help: "At most this many posts (the newest in the window).")
    var max: Int?

    @Flag(help: "Write the list of posts as a batch file, and capture nothing but the account page.")
    var listOnly = false

    @Flag(help: "List reposts (boosts, shares) of other accounts' posts too.")
    var includeReposts = false

    @Option(help: "Most times the account page is scrolled to reach --since.")
    var maxScrolls: Int = 100

    @Option(name: .long, help: "Folder for the captures, the list, the journal and the summary.")
    var out: String = "Output"

    @OptionGroup var settings: CaptureSettings

    @OptionGroup var login: SessionOptions

    @OptionGroup var batching: BatchOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        do { _ = try TargetURL.validate(accountURL) } catch { throw ValidationError("\(error)") }
        do { _ = try CollectionWindow(since: since, until: until) } catch { throw ValidationError(error.message) }
        if let max, max < 1 { throw ValidationError("--max must be at least 1") }
        guard (0...10_000).contains(maxScrolls) else { throw ValidationError("--max-scrolls must be from 0 to 10000") }
        try settings.validate(browserURLs: batching.browserURLs, carriesSession: login.session != nil || login.cookies != nil)
    }

    func run() async throws {
        let window: CollectionWindow
        do { window = try CollectionWindow(since: since, until: until) } catch { throw CommandFailure(code: Exhibit.Code.usage, message: error.message) }
        let output: URL
        do { output = try CapturePipeline.prepareOutput(out) } catch let error as CaptureError { throw CommandFailure(error) }
        let session = try login.load()
        let id = CollectionTag.id(accountURL: accountURL, window: window, includeReposts: includeReposts, max: max)
        let listFile = output.appendingPathComponent("\(id).jsonl")
        let accountFile = output.appendingPathComponent("\(id).account.json")

        // One collect of a collection at a time: a second would capture the account page again and
        // mix its list with the first one's.
        let lock = open(output.appendingPathComponent("\(id).lock").path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "another exhibit collect is running collection \(id) in \(output.path), or its lock cannot be taken")
        }
        defer { close(lock) }

        // The list is written last: once it is there, the account page is captured and listed. What
        // a rerun reads back is checked: the account's folder is one real folder of the output
        // folder holding that capture, and the list is the one its tag file recorded.
        var account: AccountCapture
        var tag: CollectionTag
        if let known = resumable(listFile: listFile, accountFile: accountFile, output: output) {
            (account, tag) = known
            if !batching.quiet { tell(TerminalText.safe("resuming collection \(id): the account page is in \(account.folder)") + "\n") }
        } else {
            let result = try await captureAccount(window: window, id: id, session: session)
            account = AccountCapture(captureId: result.record.captureId, folder: result.folder.lastPathComponent)
            let list: CollectionList
            do { list = try CollectionList.make(bag: result.folder, window: window, includeReposts: includeReposts, max: max) }
            catch { throw CommandFailure(code: Exhibit.Code.failed, message: "the account page was captured in \(result.folder.path), but \(error.message)") }
            let listData = list.batchFile()
            tag = CollectionTag(collectionId: id, accountURL: accountURL, since: window.sinceText, until: window.untilText,
                                listFile: listFile.lastPathComponent, listSHA256: FileDigest.sha256Hex(Array(listData)), leftOut: list.leftOut,
                                posts: list.posts.enumerated().map { .init(line: $0.offset + 1, url: $0.element.url, id: $0.element.id,
                                                                             published: $0.element.published, status: "listed") })
            do {
                try tag.write(into: result.folder)
                try SafeFile.replace(accountFile, with: JSONEncoder().encode(account))
                try SafeFile.replace(listFile, with: listData)
            } catch { throw CommandFailure(code: Exhibit.Code.failed, message: "the account page was captured in \(result.folder.path), but the list could not be written: \(error)") }
            if !batching.quiet {
                let left = list.leftOut.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                tell(TerminalText.safe("listed \(list.posts.count) post(s) from \(window.sinceText) to \(window.untilText ?? "now")"
                    + (left.isEmpty ? "" : "; left out: \(left)") + (list.timelineNote.map { "; \($0)" } ?? "")) + "\n")
            }
        }
        if listOnly {
            say(listFile.path)
            return
        }
        let input: BatchInput
        do {
            input = try BatchInput.read(listFile.path) { url in
                do { _ = try TargetURL.validate(url); return nil } catch { return "\(error)" }
            }
        } catch { throw CommandFailure(code: Exhibit.Code.failed, message: "\(error)") }
        var plan = BatchPlan(input: input, id: id, output: output)
        batching.apply(to: &plan)
        for entry in input.entries {
            plan.collections[entry.line] = CaptureRecord.CollectionUse(
                id: id, role: "post", accountURL: accountURL, accountCaptureId: account.captureId, accountFolder: account.folder,
                since: window.sinceText, until: window.untilText,
                listedPublished: tag.posts.first { $0.line == entry.line }?.published)
        }
        var failure: Error?
        do { try await BatchCommand.run(plan: plan, settings: settings, batching: batching, defaultSession: session) }
        catch let refused as CommandFailure where refused.code == Exhibit.Code.usage { throw refused }
        catch { failure = error }
        // The account's capture is told which capture each post got, whatever the batch's outcome.
        let replay = JournalReplay((try? BatchJournal.entries(at: output.appendingPathComponent(plan.journalName))) ?? [])
        let urls = Dictionary(input.entries.map { ($0.line, $0.url) }, uniquingKeysWith: { first, _ in first })
        for index in tag.posts.indices where urls[tag.posts[index].line] == tag.posts[index].url {
            switch replay.lines[tag.posts[index].line] {
            case .done(let folder, let captureId)?:
                tag.posts[index].status = "done"; tag.posts[index].folder = folder; tag.posts[index].captureId = captureId
            case .failed?: tag.posts[index].status = "failed"
            default: break
            }
        }
        do { try tag.write(into: output.appendingPathComponent(account.folder)) }
        catch { throw CommandFailure(code: Exhibit.Code.failed, message: "the posts were captured, but the account's capture could not list them: \(error.message)") }
        if let failure { throw failure }
    }

    struct AccountCapture: Codable { let captureId: String; let folder: String }

    /// The account's capture and tag file of an earlier run, when they check out; nil otherwise
    /// (the account page is then captured again).
    private func resumable(listFile: URL, accountFile: URL, output: URL) -> (AccountCapture, CollectionTag)? {
        var status = stat()
        guard lstat(listFile.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
              let list = FileManager.default.contents(atPath: listFile.path),
              let data = FileManager.default.contents(atPath: accountFile.path),
              let known = try? JSONDecoder().decode(AccountCapture.self, from: data),
              !known.folder.isEmpty, !known.folder.contains("/"), known.folder != ".", known.folder != ".." else { return nil }
        let bag = output.appendingPathComponent(known.folder)
        struct Identity: Decodable { let captureId: String }
        guard lstat(bag.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR,
              let record = FileManager.default.contents(atPath: bag.appendingPathComponent("data/capture.json").path),
              (try? JSONDecoder().decode(Identity.self, from: record))?.captureId == known.captureId,
              let tagData = FileManager.default.contents(atPath: bag.appendingPathComponent(CollectionTag.file).path),
              let tag = try? JSONDecoder().decode(CollectionTag.self, from: tagData),
              tag.listSHA256 == FileDigest.sha256Hex(Array(list)) else { return nil }
        return (known, tag)
    }

    /// The account page, captured with its timeline scrolled back to the window's start.
    private func captureAccount(window: CollectionWindow, id: String, session: SessionUse?) async throws -> CaptureResult {
        var options = try settings.options(url: accountURL, out: out)
        options.pageKind = "account"
        options.timelineWindow = .init(since: window.sinceText, until: window.untilText, maxScrolls: maxScrolls)
        let quiet = batching.quiet
        var pipeline = CapturePipeline(options: options,
                                       browser: settings.provider(browserURL: batching.browserURLs.first, carriesSession: session != nil, preferPipe: true, trace: nil),
                                       session: session) { event in
            if !quiet { tell(progressLine(event)) }
        }
        pipeline.collection = CaptureRecord.CollectionUse(id: id, role: "account", accountURL: accountURL, since: window.sinceText,
                                                          until: window.untilText, postsFile: CollectionTag.file)
        do { return try await pipeline.run() } catch let error as CaptureError { throw CommandFailure(error) }
    }
}
