import Crypto
import DevTools
import Evidence
import Foundation
import PDFTools
import PlatformAPI
import PlatformProfiles
import PrivateNetwork
import Sessions
import Synchronization
import WebArchive

/// What a finished capture produced.
public struct CaptureResult: Sendable {
    /// The capture folder (a BagIt bag), renamed into place only once it was complete.
    public let folder: URL
    /// The record written to `data/capture.json`.
    public let record: CaptureRecord
    /// Every payload file with its digests, `capture.json` included.
    public let payload: [PayloadFile]
    /// Timestamps obtained, and TSAs that failed (empty when none were asked).
    public let timestamps: StampOutcome
    /// The signing key's fingerprint, when the bag was signed.
    public let signerFingerprint: String?
}

/// One whole capture: page → files → bag.
///
/// The phases, in order (each a type in `Phases/` with typed input and output): launch,
/// ``Navigate``, ``Settle``, ``ApplyProfile`` (consent, expand), ``Prepare``, ``Render``
/// (screenshot and PDF), ``Extract``, ``Check`` (blank bands, PDF text), ``SaveDOM`` and ``Seal``
/// (metadata, bag, sign, timestamp, report). ``StepRunner`` times each step and owns the folder:
/// everything is written into `<out>/.<id>.partial/` and renamed to `<out>/<UTC time>-<host>-<short id>/`
/// only after the bag is complete, so a failed capture never leaves a folder that looks complete.
public struct CapturePipeline: Sendable {
    public let options: CaptureOptions
    public let browser: any BrowserProvider
    public let progress: ProgressHandler?
    /// The login session set on the capture's fresh browser context (`--session`, `--cookies`);
    /// nil captures logged out.
    public let session: SessionUse?
    /// The batch line this capture is (recorded in `capture.json`), nil for a single capture.
    public var batch: CaptureRecord.BatchLine?
    /// The id to give the capture instead of a new random one: a batch journals it before the
    /// capture starts, so that a bag renamed into place just before the process was killed is
    /// found again, and the line is not captured a second time.
    public var captureId: String?
    /// The account collection this capture is part of (recorded in `capture.json`).
    public var collection: CaptureRecord.CollectionUse?

    public init(options: CaptureOptions, browser: any BrowserProvider, session: SessionUse? = nil, progress: ProgressHandler? = nil) {
        self.options = options
        self.browser = browser
        self.progress = progress
        self.session = session
    }

    /// Validates the input, then captures. Throws ``CaptureError``.
    public func run() async throws -> CaptureResult {
        let url: URL
        do { url = try TargetURL.validate(options.url) } catch { throw CaptureError.usage("\(error)") }
        let output = try Self.prepareOutput(options.outputDirectory)
        let signingKey: Curve25519.Signing.PrivateKey?
        do { signingKey = try options.signingKey.map(BagSigner.loadPrivateKey) }
        catch { throw CaptureError.usage("\(error)") }
        let plan = try await plan(url)
        let context = CaptureContext(url: url, progress: progress, captureId: captureId ?? UUID().uuidString.lowercased())
        let runner = StepRunner(context: context, folder: try PartialFolder(in: output, captureId: context.captureId))
        var capture = plan.capture(options: options, runner: runner, signingKey: signingKey)
        capture.batch = batch
        capture.collection = collection
        return try await runner.owningFolder { try await capture.run(browser: browser) }
    }

    /// What is decided before a browser starts: the profile (by `--profile` or by the URL, with
    /// the others that match named in a warning) and the network policy, which judges the page's
    /// own host first, so a refused page leaves nothing behind. The browser checks it again, with
    /// every redirect.
    struct Plan {
        let profile: ProfileCatalog.Entry
        let choice: ProfileCatalog.Choice
        let alsoMatched: [String]
        let policy: NetworkPolicy
        let resolver: NameResolver
        /// Every profile: a page may embed another platform's post in a frame.
        let catalog: ProfileCatalog
        /// A post with its thread, or an account page with its timeline.
        let pageKind: Profile.PageKind
        let session: SessionUse?

        func capture(options: CaptureOptions, runner: StepRunner, signingKey: Curve25519.Signing.PrivateKey?) -> Capture {
            if !alsoMatched.isEmpty {
                runner.context.warn(.profile, "the URL also matches the profile(s) \(alsoMatched.joined(separator: ", ")); "
                    + "\(profile.profile.name) was used (\(choice == .option ? "--profile" : "its pattern matched the most of the URL"))")
            }
            return Capture(options: options, runner: runner, signingKey: signingKey, profile: profile, profileChoice: choice,
                           alsoMatched: alsoMatched, policy: policy, resolver: resolver, catalog: catalog, pageKind: pageKind,
                           session: session)
        }
    }

    func plan(_ url: URL) async throws -> Plan {
        let catalog = try Self.loadProfiles(options)
        let pageKind = try Self.pageKind(options, catalog: catalog, url: url.absoluteString)
        let chosen: (ProfileCatalog.Entry, ProfileCatalog.Choice)
        if let name = options.profile {
            guard let entry = catalog.named(name) else {
                throw CaptureError.usage("no profile named '\(name)' (known: \(catalog.entries.map(\.profile.name).joined(separator: ", ")))")
            }
            chosen = (entry, .option)
        } else {
            chosen = catalog.choose(for: url.absoluteString)
        }
        let policy = try options.networkPolicy()
        let resolver = NameResolver()
        if case .refused(let refusal)? = await policy.check(url: url.absoluteString, resolver: resolver) {
            throw CaptureError.refused(url: url.absoluteString, message: "refused: \(refusal)", address: refusal.address)
        }
        let others = catalog.candidates(for: url.absoluteString).map(\.profile.name).filter { $0 != chosen.0.profile.name }
        return Plan(profile: chosen.0, choice: chosen.1, alsoMatched: others, policy: policy, resolver: resolver, catalog: catalog,
                    pageKind: pageKind, session: session)
    }

    /// Post or account page: `--page-kind`, else the chosen profile's URL patterns. An account page
    /// needs a profile with an account section: without one there is nothing to read it by.
    static func pageKind(_ options: CaptureOptions, catalog: ProfileCatalog, url: String) throws -> Profile.PageKind {
        let profile = (options.profile.flatMap { catalog.named($0) } ?? catalog.choose(for: url).0).profile
        guard let asked = options.pageKind else { return profile.pageKind(for: url) }
        guard let kind = Profile.PageKind(rawValue: asked) else {
            throw CaptureError.usage("--page-kind must be post or account, not '\(asked)'")
        }
        if kind == .account && profile.account == nil {
            throw CaptureError.usage("the \(profile.name) profile has no rules for account pages (no account section); --page-kind account cannot be used with it")
        }
        return kind
    }

    /// The profile catalogue; a missing folder or a bad profile file is a usage error naming it.
    public static func loadProfiles(_ options: CaptureOptions) throws -> ProfileCatalog {
        guard let folder = options.profilesFolder.map({ URL(fileURLWithPath: $0) }) ?? ProfileCatalog.defaultFolder() else {
            throw CaptureError.usage("no Profiles folder found; give --profiles FOLDER or set EXHIBIT_PROFILES")
        }
        do { return try ProfileCatalog.load(folder: folder, digest: { FileDigest.sha256Hex(Array($0)) }) }
        catch { throw CaptureError.usage("\(error)") }
    }

    /// Creates the output folder if needed and checks it is writable (a usage error otherwise).
    public static func prepareOutput(_ path: String) throws -> URL {
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CaptureError.usage("output folder \(folder.path) is a file, not a folder") }
        } else {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            catch { throw CaptureError.usage("cannot create output folder \(folder.path): \(Self.reason(error))") }
        }
        guard access(folder.path, W_OK | X_OK) == 0 else {
            throw CaptureError.usage("output folder \(folder.path) is not writable")
        }
        return folder
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// One capture's run through the phases. It holds only what was decided before it started; what
/// the phases produce flows from one to the next as their typed outputs.
struct Capture: Sendable {
    let options: CaptureOptions
    let runner: StepRunner
    let signingKey: Curve25519.Signing.PrivateKey?
    let profile: ProfileCatalog.Entry
    let profileChoice: ProfileCatalog.Choice
    /// Other profiles whose patterns match the URL too.
    let alsoMatched: [String]
    let policy: NetworkPolicy
    let resolver: NameResolver
    /// For the embed frames of a page no platform profile matches.
    let catalog: ProfileCatalog
    /// A post with its thread, or an account page with its timeline.
    let pageKind: Profile.PageKind
    /// The login session set on the page's context, if any.
    let session: SessionUse?
    /// The batch line and the collection, recorded as they are.
    var batch: CaptureRecord.BatchLine?
    var collection: CaptureRecord.CollectionUse?

    var context: CaptureContext { runner.context }

    /// A page that matches no platform may embed a post of one in a frame: then frames are
    /// followed. A platform's own page is read as it always was.
    var readsFrames: Bool {
        profile.profile.name == "generic" && catalog.entries.contains { $0.profile.frames != nil }
    }

    func run(browser provider: any BrowserProvider) async throws -> CaptureResult {
        try await withBrowser(provider) { browser, pages, reportPage in
            try await capture(browser: browser, pages: pages, reportPage: reportPage)
        }
    }

    /// Launches or attaches to the browser, runs `body` with it, and lets it go whatever happens.
    func withBrowser<T>(_ provider: any BrowserProvider,
                        _ body: (BrowserHandle, PageCloser, ReportPage) async throws -> T) async throws -> T {
        let browser = try await runner.run(.launch) { () -> (BrowserHandle, String) in
            let handle = try await provider.open()
            return (handle, handle.launchCommand.map { "launched \($0[0])" } ?? "attached to \(handle.endpoint)")
        }
        // The report's page is opened while the captured page settles (a renderer start), and
        // printed with once the bag is stamped; pages are closed in the background, and an attached
        // browser, which outlives the capture, is let go only once Exhibit's pages in it are closed.
        let pages = PageCloser()
        let reportPage = ReportPage(connection: browser.connection)
        do {
            let result = try await body(browser, pages, reportPage)
            await release(browser, pages: pages, reportPage: reportPage)
            return result
        } catch {
            await release(browser, pages: pages, reportPage: reportPage)
            throw error
        }
    }

    private func release(_ browser: BrowserHandle, pages: PageCloser, reportPage: ReportPage) async {
        if browser.outlivesHandle {
            if let page = await reportPage.take() { await page.close() }
            await pages.wait()
        }
        await browser.close()
    }

    /// The page opened, navigated, settled and run through the profile (consent, walls, overlays,
    /// expansion): what a capture and `exhibit profiles explain` share. `body` runs while the page
    /// and its guards are still open; they are closed after it.
    func withProfiledPage<T>(browser: BrowserHandle, pages: PageCloser, onLoad: @escaping @Sendable () -> Void = {},
                             _ body: (ProfiledPage) async throws -> T) async throws -> T {
        // The version and the new page do not depend on each other; Chromium is still busy
        // starting up, so asking both at once saves a round trip's wait.
        async let versionAnswer = browser.connection.send(BrowserCommands.GetVersion())
        let session = try await PageSession.open(on: browser.connection)
        defer { pages.close(session) }
        let version = try await versionAnswer
        let activity = PageActivity()
        await activity.start(session)
        defer { activity.stop() }
        // Subscribed before Network.enable (in Navigate), so the document's first request is seen.
        let traffic = options.recordsTraffic
            ? TrafficRecorder(session: session, maxRecordSize: options.maxRecordSize, maxExchanges: options.maxArchivedRequests,
                              spoolDirectory: runner.folder.root.appendingPathComponent("spool").path)
            : nil
        if let traffic { await traffic.start() }
        defer { traffic?.stop() }
        // Paused responses are answered until the page is done with, also after recording stopped.
        defer { traffic?.stopIntercepting() }
        let dialogs = DialogGuard(session: session, context: context).start(await session.events())
        defer { dialogs.cancel() }
        var responseHook: NetworkGuard.ResponseHook?
        if let traffic { responseHook = { paused in await traffic.responsePaused(paused) } }
        let network = try await NetworkGuard.start(session: session, policy: policy, resolver: resolver, context: context,
                                                   checksResponses: !options.usesProxy, responses: responseHook)
        defer { network?.stop() }
        if let traffic, network == nil { try await traffic.interceptResponses() }
        // The page's frames and workers are attached from the start, each held until those who
        // need it before it runs have set it up (the guard, to judge its requests; the recorder and
        // the settle, to see its first and last): a worker's script finishes in the worker's session.
        let frameTargets: FrameTargets?
        if readsFrames { frameTargets = await FrameTargets.start(page: session) } else { frameTargets = nil }
        defer { frameTargets?.stop() }
        var preparations: [TargetAttacher.Preparation] = []
        if let network { preparations.append { target in await network.prepare(target) } }
        let attacher = try await TargetAttacher.start(page: session, preparations: preparations)
        defer { attacher.stop() }
        let page = CapturePage(session: session, activity: activity, options: options, runner: runner, network: network)

        let navigation = try await runner.run(.navigate) { () -> (Navigate.Output, String) in
            let output = try await Navigate(page: page, browserUserAgent: version.userAgent, session: self.session).run()
            let restored = output.restored.map { "; \(self.session?.label ?? "session"): \($0.cookiesSet) cookie(s) set, localStorage script for \($0.origins.count) origin(s)" } ?? ""
            return (output, "loader \(output.loaderId.prefix(8))" + restored)
        }
        let settled = try await runner.run(.settle) { () -> (Settle.Output, String) in
            let output = try await Settle(page: page, loaderId: navigation.loaderId, onLoad: onLoad).run()
            await RestoreSession.finish(navigation.restored, on: session)
            // Before anything is written: the document's response may have come from an address the
            // policy refuses (the browser's name lookup differing from Exhibit's).
            try page.failIfRefused()
            let sweep = output.sweep.sweep
            return (output, (output.unmet.isEmpty ? (context.hasWarnings(.settle) ? "settled with warnings" : "settled") : "did not settle")
                    + "; swept \(sweep.steps) step(s) to y=\(sweep.reachedY) meanwhile")
        }
        let profiled = try await runner.run(.profile) { () -> (ApplyProfile.Output, String) in
            let output = try await ApplyProfile(page: page, profile: profile.profile, file: profile.file.lastPathComponent,
                                                navigation: navigation, kind: pageKind).run()
            let e = output.outcome.expansion
            return (output, "\(profile.profile.name) (\(profileChoice.rawValue)); consent \(output.outcome.consentChoice?.rawValue ?? "none"); "
                    + "\(e.rounds) round(s), \(e.clicks) click(s), \(e.scrolls) scroll(s): \(e.stoppedBecause)")
        }
        return try await body(ProfiledPage(page: page, activity: activity, network: network, version: version,
                                           navigation: navigation, settled: settled, profiled: profiled, frameTargets: frameTargets,
                                           traffic: traffic))
    }

    private func capture(browser: BrowserHandle, pages: PageCloser, reportPage: ReportPage) async throws -> CaptureResult {
        try await withProfiledPage(browser: browser, pages: pages, onLoad: { reportPage.open() }) { loaded in
            try await capture(loaded, browser: browser, pages: pages, reportPage: reportPage)
        }
    }

    private func capture(_ loaded: ProfiledPage, browser: BrowserHandle, pages: PageCloser, reportPage: ReportPage) async throws -> CaptureResult {
        let page = loaded.page, activity = loaded.activity, network = loaded.network, version = loaded.version
        let settled = loaded.settled, profiled = loaded.profiled, navigation = loaded.navigation, frameTargets = loaded.frameTargets
        let data = runner.folder.data
        // Answering a consent page may have loaded the post as a new document: it is the one captured.
        let loaderId = profiled.loaderId
        let response = activity.snapshot.documentResponses[loaderId]
        if let response, response.status >= 400 {
            context.warn(.navigate, "the page answered HTTP \(response.status) \(response.statusText); captured as it is")
        } else if response == nil {
            context.warn(.navigate, "no HTTP response was seen for the main document")
        }
        let preparation = try await runner.run(.prepare) { () -> (CaptureRecord.Preparation, String) in
            let prepared = try await Prepare(page: page, settleSweep: (profiled.outcome.resettled ?? settled).sweep).run()
            let again = prepared.sweepAfterProfile.map { "swept again: \($0.steps) step(s) to y=\($0.reachedY) in \(String(format: "%.1f", $0.seconds)) s" }
                ?? "no second sweep needed"
            return (prepared, "\(again); \(prepared.lazyImagesMadeEager) lazy image(s) made eager; animations frozen")
        }
        let pageURL = response?.url ?? page.url
        let rendering = try await Render(page: page, world: profiled.world, loaderId: loaderId, finalURL: pageURL, browserProduct: version.product,
                                         folder: runner.folder).run()
        let pdfFile = data.appendingPathComponent("page.pdf")
        // poppler reads the PDF's text while the browser gives the post's.
        let pdfText = rendering.pdf.map { _ in Task { try PDFDocument(path: pdfFile.path).text } }
        let extraction = try await runner.run(.extract) { () -> (Extract.Output, String) in
            try page.failIfNavigatedAway(from: loaderId)
            // An account page is read by its account rules; a page no platform matches may hold a post in an embed frame.
            var framed: FramePost.Output?
            if let frameTargets, pageKind == .post {
                framed = try await FramePost(page: page, frames: frameTargets, catalog: catalog, topWorld: profiled.world,
                                             topFrameId: navigation.frameId, navigation: navigation).run()
            }
            let output = try await Extract(page: page, world: framed?.world ?? profiled.world, profile: framed?.profile ?? profile.profile,
                                           screenshot: rendering.screenshot, pageURL: pageURL,
                                           walled: profiled.outcome.loginWall != nil || profiled.outcome.removed != nil,
                                           file: data.appendingPathComponent("post.json"), frame: framed, kind: pageKind,
                                           timeline: profiled.outcome.timeline).run()
            return (output, (framed.map { "read in the frame \($0.url) (profile \($0.entry.profile.name)); " } ?? "")
                    + (output.post.timeline != nil ? AccountCompleteness.timelineLine(output.post) : CompletenessReport.replies(output.post)))
        }
        // The platform's API is asked now that the post names what to ask, beside the checks and files.
        let askAPI = options.api ? Task { [post = extraction.post, requested = context.url.absoluteString] in
            await AskAPI(options: options, policy: policy, resolver: resolver, data: data, profileName: extraction.frame?.profile.name ?? profile.profile.name,
                         pageKind: pageKind, requestedURL: requested, post: post).run()
        } : nil
        // A capture that fails before it is sealed stops the asking (the partial folder goes).
        defer { askAPI?.cancel() }
        // The report's thumbnails are made in the background, each as soon as its source is final:
        // the post's area now, the PDF's first page once the PDF is stamped.
        let root = runner.folder.root
        let postPicture = Task { [screenshot = rendering.screenshot, post = extraction.post, viewportHeight = options.viewportHeight] in
            try CaptureReport.postThumbnail(bag: root, screenshot: screenshot, viewportHeight: viewportHeight, post: post)
        }
        let checks = try await Check(page: page, world: profiled.world, rendering: rendering, post: extraction.post,
                                     pdfText: pdfText, pdfFile: pdfFile).run()
        var screenshot = rendering.screenshot
        screenshot.blankBands = checks.blankBands
        screenshot.postPDQ = ScreenshotHash.post(extraction.post, file: data.appendingPathComponent(screenshot.file),
                                                 pixelWidth: screenshot.pixelWidth, pixelHeight: screenshot.pixelHeight)
        if let frame = extraction.frame, let band = Check.blankFrame(frame.box, rendering: rendering) {
            screenshot.blankBands.append(band)
            context.warn(.screenshot, "the embed frame \(frame.url) is one flat colour (\(band.colour)) in the screenshot (y \(band.fromY)–\(band.toY) CSS px): "
                + "Chromium did not paint it, so the PNG does not show the post post.json describes")
        }
        // Completeness is worked out once, after every check that feeds it.
        var completeness = CompletenessReport.make(post: extraction.post, raw: extraction.raw, outcome: profiled.outcome,
                                                   screenshot: screenshot, pdf: checks.pdf,
                                                   profileName: extraction.frame?.profile.name ?? profile.profile.name,
                                                   language: extraction.language, unsettled: (profiled.outcome.resettled ?? settled).unmet,
                                                   domChanges: rendering.domChanges, blocked: network?.blocked ?? [])
        if options.strict && !completeness.essentialsMissing.isEmpty {
            throw CaptureError.failed(.extract, url: page.url,
                (pageKind == .account ? "the account page's " : "the post's ")
                    + "\(completeness.essentialsMissing.joined(separator: ", ")) could not be read (--strict)")
        }
        let pdfPicture = Task { [pdf = checks.pdf] in try CaptureReport.pdfThumbnail(bag: root, pdf: pdf) }
        let dom = try await runner.run(.dom) { () -> (SaveDOM.Output, String) in
            try page.failIfNavigatedAway(from: loaderId)
            let (output, bytes) = try await SaveDOM(page: page, file: data.appendingPathComponent("dom.html")).run()
            return (output, "\(bytes) bytes")
        }
        if let session {
            SessionLeakCheck(use: session, context: context).run(files: [data.appendingPathComponent("dom.html"), data.appendingPathComponent("post.json")])
        }
        // Last of the payload before capture.json: it holds the screenshot, PDF and post.json as they are final.
        var archive: CaptureRecord.Archive?
        var servers: ServerProvenance?
        if let traffic = loaded.traffic {
            (archive, servers) = try await runner.run(.archive) { () -> ((CaptureRecord.Archive, ServerProvenance), String) in
                let recorded = await traffic.finish()
                // The spool's files are unlinked as their bodies go; the folder goes once the archive is written.
                defer { try? FileManager.default.removeItem(atPath: traffic.spoolDirectory) }
                // The chains are asked of the page's own session, which is still open here (it closes after Seal).
                let servers = try await ServerProvenance.collect(traffic: recorded, session: page.session, pageURL: pageURL,
                                                                 at: context.started, data: data, context: context)
                var written = try TrafficArchive(traffic: recorded, captureId: context.captureId, browserProduct: version.product,
                                                 pageURL: pageURL, data: data, maxRecordSize: options.maxRecordSize, servers: servers).write()
                if let dropped = written.requestsDropped {
                    context.warn(.archive, "\(dropped) request(s) not recorded in the web archive: the page made more than "
                                 + "--max-archive-requests (\(options.maxArchivedRequests))")
                }
                if options.packageWACZ {
                    written.wacz = try TrafficArchive.package(data: data, page: WACZPage(url: pageURL, title: dom.title, date: context.started))
                }
                return ((written, servers), "\(written.file): \(written.records) records, \(written.responses) responses, "
                        + "\(written.bodiesTruncated) bodies left out, \(written.requestsFailed) requests without a response"
                        + (written.requestsDropped.map { ", \($0) not recorded (over the limit)" } ?? "") + "; "
                        + "\(servers.record.origins.count) origin(s), \(servers.chains.count) certificate chain(s)")
            }
        }
        var platformAPI: PlatformAPIRecord?
        if let askAPI {
            platformAPI = try await runner.run(.api) { () -> (PlatformAPIRecord, String) in
                let record = await askAPI.value.compared(with: extraction.post, pageTitle: dom.title)
                return (record, AskAPI.report(record, context: context))
            }
            completeness.platformAPI = platformAPI?.comparison.line
            if let line = platformAPI?.comparison.line { completeness.summary += "; " + line }
        }
        let input = Seal.Input(
            version: version, browserMode: browser.isLaunched ? .launched : .attached, commandLine: browser.launchCommand,
            endpoint: browser.endpoint, transport: browser.transport == .pipe ? .pipe : .websocket,
            account: browser.account.map { .init(user: $0.user, uid: $0.uid, sandbox: $0.sandbox, switchedFromRoot: $0.switchesUser) },
            response: response, redirects: activity.snapshot.redirects[loaderId] ?? [],
            finalURL: response?.url ?? dom.location, title: dom.title, preparation: preparation, screenshot: screenshot,
            pdf: checks.pdf, outcome: profiled.outcome, completeness: completeness,
            viewer: .make(session: session, restored: navigation.restored, outcome: profiled.outcome,
                          hasViewerRules: !(profile.profile.viewer ?? []).isEmpty, browserMayBeLoggedIn: !browser.isLaunched,
                          pageOrigin: SessionUse.origin(pageURL), context: context),
            settled: (profiled.outcome.resettled ?? settled).unmet.isEmpty && rendering.domChanges == 0,
            profile: profile, profileChoice: profileChoice, alsoMatched: alsoMatched,
            network: NetworkGuard.record(policy: policy, guarding: network), inlineFiles: extraction.inlineFiles,
            frame: extraction.frame.map { frame in
                CaptureRecord.FrameUse(url: frame.url, name: frame.entry.profile.name, platform: frame.entry.profile.platform,
                      file: "Profiles/" + frame.entry.file.lastPathComponent, sha256: frame.entry.sha256, pattern: frame.pattern,
                      reason: "the page's URL matches no platform profile (generic); this frame's URL matches the \(frame.entry.profile.name) "
                        + "profile's frame pattern and it shows a post element by that profile's embed rules, so the post was read there, "
                        + "in an isolated world of the frame, instead of from the page's own markup",
                      outOfProcess: frame.outOfProcess, otherFrames: frame.others.isEmpty ? nil : frame.others)
            }, archive: archive, servers: servers, api: platformAPI, batch: batch,
            collection: collection)
        return try await Seal(runner: runner, options: options, signingKey: signingKey).run(input) { bag in
            let thumbnails = CaptureReport.Thumbnails(post: try await postPicture.value, pdf: try await pdfPicture.value)
            let printer = await reportPage.take()
            defer { if let printer { pages.close(printer) } }
            try await CaptureReport.write(bag: bag, connection: browser.connection, page: printer, thumbnails: thumbnails)
        }
    }
}

/// The report's page, opened early in the background and handed over once.
final class ReportPage: Sendable {
    private let connection: DevToolsConnection
    private let opening = Mutex<Task<PageSession?, Never>?>(nil)

    init(connection: DevToolsConnection) { self.connection = connection }

    /// Starts opening the page (once).
    func open() {
        opening.withLock { task in
            guard task == nil else { return }
            let connection = self.connection
            task = Task { try? await CaptureReport.openPage(on: connection) }
        }
    }

    /// The page, if one was opened; nobody else gets it afterwards.
    func take() async -> PageSession? {
        let task = opening.withLock { task -> Task<PageSession?, Never>? in
            defer { task = Task { nil } }
            return task
        }
        return await task?.value
    }
}

/// Closes pages in the background, and waits for all of them when the browser is let go.
final class PageCloser: Sendable {
    private let closing = Mutex<[Task<Void, Never>]>([])

    func close(_ page: PageSession) {
        let task = Task { await page.close() }
        closing.withLock { $0.append(task) }
    }

    func wait() async {
        for task in closing.withLock({ $0 }) { await task.value }
    }
}

/// A page after navigate, settle and profile, as ``Capture/withProfiledPage(browser:pages:onLoad:_:)`` hands it on.
struct ProfiledPage: Sendable {
    let page: CapturePage
    let activity: PageActivity
    let network: NetworkGuard?
    let version: BrowserCommands.GetVersion.Result
    let navigation: Navigate.Output
    let settled: Settle.Output
    let profiled: ApplyProfile.Output
    /// The page's frames, followed when the page may embed a post (see ``Capture/readsFrames``).
    let frameTargets: FrameTargets?
    /// The page's traffic, recorded for the web archive with `--warc`; nil without it.
    let traffic: TrafficRecorder?
}
