import Crypto
import DevTools
import Evidence
import Foundation
import PDFTools
import PlatformProfiles
import PNGCodec

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
/// Steps: launch, navigate, settle, profile, prepare, screenshot, pdf, extract, pdf-check, dom, metadata, bag,
/// sign, timestamp, report. Everything is written into
/// `<out>/.<id>.partial/` and renamed to `<out>/<UTC time>-<host>-<short id>/` only after the bag
/// is complete, so a failed capture never leaves a folder that looks complete.
public struct CapturePipeline: Sendable {
    public let options: CaptureOptions
    public let browser: any BrowserProvider
    public let progress: ProgressHandler?

    public init(options: CaptureOptions, browser: any BrowserProvider, progress: ProgressHandler? = nil) {
        self.options = options
        self.browser = browser
        self.progress = progress
    }

    /// Validates the input, then captures. Throws ``CaptureError``.
    public func run() async throws -> CaptureResult {
        let url: URL
        do { url = try TargetURL.validate(options.url) } catch { throw CaptureError.usage("\(error)") }
        let output = try Self.prepareOutput(options.outputDirectory)
        let signingKey: Curve25519.Signing.PrivateKey?
        do { signingKey = try options.signingKey.map(BagSigner.loadPrivateKey) }
        catch { throw CaptureError.usage("\(error)") }
        let catalog = try Self.loadProfiles(options)
        let chosen: (ProfileCatalog.Entry, ProfileCatalog.Choice)
        if let name = options.profile {
            guard let entry = catalog.named(name) else {
                throw CaptureError.usage("no profile named '\(name)' (known: \(catalog.entries.map(\.profile.name).joined(separator: ", ")))")
            }
            chosen = (entry, .option)
        } else {
            chosen = catalog.choose(for: url.absoluteString)
        }
        let run = CaptureRun(options: options, url: url, output: output, progress: progress, signingKey: signingKey,
                             profile: chosen.0, profileChoice: chosen.1)
        return try await run.execute(browser: browser)
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

/// When a step began: the wall-clock time and the seconds since the capture started.
struct StepStart: Sendable {
    let date: Date
    let elapsed: Double
}

/// The state of one capture while it runs; used from a single task.
final class CaptureRun {
    let options: CaptureOptions
    let url: URL
    let output: URL
    let progress: ProgressHandler?
    let captureId = UUID().uuidString.lowercased()
    let started = Date()
    let clock = ContinuousClock.now
    var steps: [CaptureRecord.Step] = []
    var warnings: [CaptureRecord.Warning] = []
    var partial: URL?
    let signingKey: Curve25519.Signing.PrivateKey?
    let profile: ProfileCatalog.Entry
    let profileChoice: ProfileCatalog.Choice
    var actions: [CaptureRecord.Action] = []
    /// The report's page, opened while the captured page settles (see ``settle``).
    var reportPage: Task<PageSession?, Never>?
    /// Pages being closed in the background; awaited before the browser is let go, so that an
    /// attached browser keeps no context of Exhibit's.
    var closing: [Task<Void, Never>] = []

    init(options: CaptureOptions, url: URL, output: URL, progress: ProgressHandler?, signingKey: Curve25519.Signing.PrivateKey?,
         profile: ProfileCatalog.Entry, profileChoice: ProfileCatalog.Choice) {
        self.profile = profile
        self.profileChoice = profileChoice
        self.options = options
        self.url = url
        self.output = output
        self.progress = progress
        self.signingKey = signingKey
    }

    var elapsed: Double {
        (ContinuousClock.now - clock).seconds
    }

    func warn(_ step: String, _ message: String) {
        warnings.append(.init(step: step, message: message))
        progress?(CaptureProgress(step: step, elapsed: elapsed, detail: message, isWarning: true))
    }

    /// Runs one named step: times it, reports it, and turns any error into a ``CaptureError`` naming it.
    /// `since` is when the step's work began, if it began before this call (in another task).
    func step<T>(_ name: String, since: StepStart? = nil, _ body: () async throws -> (T, String)) async throws -> T {
        let startedAt = since?.date ?? Date()
        let start = since?.elapsed ?? elapsed
        do {
            let (value, detail) = try await body()
            steps.append(.init(name: name, startedAt: UTCTime.milliseconds(startedAt), seconds: ((elapsed - start) * 1000).rounded() / 1000))
            progress?(CaptureProgress(step: name, elapsed: elapsed, detail: detail, isWarning: false))
            return value
        } catch let error as CaptureError {
            throw error
        } catch {
            throw CaptureError.stepFailed(step: name, url: url.absoluteString, message: "\(error)",
                                          partialFolder: keptPartialPath())
        }
    }

    /// The partial folder's path if it holds anything worth keeping; an empty one is removed.
    func keptPartialPath() -> String? {
        guard let partial else { return nil }
        let data = partial.appendingPathComponent("data")
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []
        if contents.isEmpty {
            try? FileManager.default.removeItem(at: partial)
            return nil
        }
        return partial.path
    }

    /// Runs the capture; whatever fails, an empty partial folder is removed and a non-empty one is
    /// named in the error, so nothing is left looking complete and nothing captured is lost.
    func execute(browser provider: any BrowserProvider) async throws -> CaptureResult {
        do {
            return try await run(browser: provider)
        } catch let error as CaptureError {
            guard case .stepFailed(let step, let url, let message, let folder) = error else { throw error }
            throw CaptureError.stepFailed(step: step, url: url, message: message, partialFolder: folder ?? keptPartialPath())
        }
    }

    private func run(browser provider: any BrowserProvider) async throws -> CaptureResult {
        let partial = output.appendingPathComponent(".\(captureId).partial")
        let data = partial.appendingPathComponent("data")
        do { try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true) }
        catch { throw CaptureError.usage("cannot write in output folder \(output.path): \(CapturePipeline.reason(error))") }
        self.partial = partial

        let browser = try await step("launch") { () -> (BrowserHandle, String) in
            let handle = try await provider.open()
            return (handle, handle.launchCommand.map { "launched \($0[0])" } ?? "attached to \(handle.endpoint)")
        }
        let page: PageResult
        do {
            page = try await capturePage(browser: browser, data: data)
        } catch {
            await release(browser)
            throw error
        }
        // The browser stays open for the report, which it prints after the bag is stamped.
        do {
            let result = try await finish(page: page, browser: browser, partial: partial, data: data)
            await release(browser)
            return result
        } catch {
            await release(browser)
            throw error
        }
    }

    /// Closes the report's page if the capture ends before the report is printed (an attached
    /// browser would otherwise keep its context).
    func closeReportPage() async {
        if let page = await reportPage?.value { await page.close() }
        reportPage = nil
    }

    /// Lets go of the browser. An attached browser outlives the capture, so Exhibit's pages in it
    /// are closed first (and those being closed waited for); a launched one ends with all of them.
    func release(_ browser: BrowserHandle) async {
        if !browser.isLaunched {
            await closeReportPage()
            for task in closing { await task.value }
        }
        closing = []
        await browser.close()
    }

    /// Everything gathered from the browser.
    struct PageResult {
        var version: BrowserCommands.GetVersion.Result
        var response: NetworkCommands.Response?
        var redirects: [PageActivity.Redirect]
        var finalURL: String
        var title: String
        var preparation: CaptureRecord.Preparation
        var screenshot: CaptureRecord.Screenshot
        var pdf: CaptureRecord.PDF?
        var outcome: ProfileOutcome
        var post: PostData
        var completeness: CaptureRecord.Completeness
        /// The report's thumbnails, made in the background from the finished PNG and PDF.
        var thumbnails: Task<CaptureReport.Thumbnails, Error>
    }

    func capturePage(browser: BrowserHandle, data: URL) async throws -> PageResult {
        let target = url.absoluteString
        // The version and the new page do not depend on each other; Chromium is still busy
        // starting up, so asking both at once saves a round trip's wait.
        async let versionAnswer = browser.connection.send(BrowserCommands.GetVersion())
        let session = try await PageSession.open(on: browser.connection)
        defer { closing.append(Task { await session.close() }) }
        let version = try await versionAnswer
        let activity = PageActivity()
        activity.start(await session.events())
        defer { activity.stop() }

        // Navigate: domains first, so the main document's response and lifecycle events are seen.
        var (loaderId, frameId) = try await step("navigate") { () -> ((String, String), String) in
            _ = try await session.send(PageCommands.Enable())
            _ = try await session.send(PageCommands.SetLifecycleEventsEnabled())
            _ = try await session.send(RuntimeCommands.Enable())
            _ = try await session.send(NetworkCommands.Enable())
            _ = try await session.send(EmulationCommands.SetDeviceMetricsOverride(
                width: options.viewportWidth, height: options.viewportHeight, deviceScaleFactor: options.deviceScaleFactor))
            _ = try await session.send(EmulationCommands.SetTimezoneOverride(timezoneId: options.timeZone))
            _ = try await session.send(EmulationCommands.SetLocaleOverride(locale: options.locale.replacingOccurrences(of: "-", with: "_")))
            _ = try await session.send(EmulationCommands.SetUserAgentOverride(
                userAgent: options.userAgent ?? version.userAgent, acceptLanguage: options.locale))
            let frame = try await session.send(PageCommands.GetFrameTree()).frameTree.frame
            activity.watchMainFrame(frame.id)
            let navigation = try await session.send(PageCommands.Navigate(url: target), timeout: .seconds(options.limits.loadSeconds + 10))
            if let errorText = navigation.errorText, !errorText.isEmpty {
                throw CaptureError.stepFailed(step: "navigate", url: target, message: Self.explain(errorText), partialFolder: keptPartialPath())
            }
            guard let loaderId = navigation.loaderId else {
                throw CaptureError.stepFailed(step: "navigate", url: target, message: "the browser started no new document",
                                              partialFolder: keptPartialPath())
            }
            return ((loaderId, frame.id), "loader \(loaderId.prefix(8))")
        }

        let settleSweep = try await step("settle") { () -> (SweepOutcome, String) in
            let sweep = try await settle(session: session, activity: activity, loaderId: loaderId)
            return (sweep, (warnings.contains { $0.step == "settle" } ? "settled with warnings" : "settled")
                    + "; swept \(sweep.sweep.steps) step(s) to y=\(sweep.sweep.reachedY) meanwhile")
        }
        let (context, outcome, documentLoader) = try await step("profile") { () -> ((Int, ProfileOutcome, String), String) in
            var context = try await openIsolatedWorld(session: session, frameId: frameId)
            var document = loaderId
            let outcome = try await applyProfile(session: session, context: &context, loaderId: &document, frameId: frameId,
                                                 activity: activity)
            try failIfNavigatedAway(activity, loaderId: document, step: "profile")
            let e = outcome.expansion
            return ((context, outcome, document), "\(profile.profile.name) (\(profileChoice.rawValue)); consent \(outcome.consentChoice ?? "none"); "
                    + "\(e.rounds) round(s), \(e.clicks) click(s), \(e.scrolls) scroll(s): \(e.stoppedBecause)")
        }
        // Answering a consent page may have loaded the post as a new document: it is the one captured.
        loaderId = documentLoader
        let state = activity.snapshot
        let response = state.documentResponses[loaderId]
        if let response, response.status >= 400 {
            warn("navigate", "the page answered HTTP \(response.status) \(response.statusText); captured as it is")
        } else if response == nil {
            warn("navigate", "no HTTP response was seen for the main document")
        }

        let preparation = try await step("prepare") { () -> (CaptureRecord.Preparation, String) in
            let prepared = try await prepare(session: session, activity: activity, settleSweep: outcome.resettled ?? settleSweep)
            let again = prepared.sweepAfterProfile.map { "swept again: \($0.steps) step(s) to y=\($0.reachedY) in \(String(format: "%.1f", $0.seconds)) s" }
                ?? "no second sweep needed"
            return (prepared, "\(again); \(prepared.lazyImagesMadeEager) lazy image(s) made eager; animations frozen")
        }
        let finalURLSoFar = response?.url ?? target
        // The PDF is printed as soon as the screenshot no longer needs the page, while its last
        // tile is still being decoded and written.
        let pdfFile = data.appendingPathComponent("page.pdf")
        let pageFree = Gate()
        // Its outcome is a value, so that a failure is reported by the "pdf" step like any other.
        let printing: Task<(StepStart, Result<CaptureRecord.PDF, Error>), Never>? = options.pdfLayout == .none ? nil : Task { [options, clock] in
            let now = { StepStart(date: Date(), elapsed: (ContinuousClock.now - clock).seconds) }
            do { try await pageFree.wait() } catch { return (now(), .failure(error)) }
            let start = now()
            do { return (start, .success(try await CaptureRun.printPDF(session: session, options: options, file: pdfFile))) }
            catch { return (start, .failure(error)) }
        }
        defer { printing?.cancel() }
        var (screenshot, runs, geometry) = try await step("screenshot") { () -> ((CaptureRecord.Screenshot, [TiledScreenshot.FlatRun], TiledScreenshot.Geometry), String) in
            let shot = try await takeScreenshot(session: session, activity: activity, loaderId: loaderId,
                                                file: data.appendingPathComponent("screenshot.png"),
                                                finalURL: finalURLSoFar, browserProduct: version.product, pageReleased: { pageFree.open() })
            let record = shot.0
            return (shot, "\(record.pixelWidth)x\(record.pixelHeight) px in \(record.tiles.count) tile\(record.tiles.count == 1 ? "" : "s")"
                    + (record.attempts > 1 ? " (attempt \(record.attempts))" : ""))
        }
        var pdf: CaptureRecord.PDF?
        if let printing {
            let (start, outcome) = await printing.value
            pdf = try await step("pdf", since: start) { () -> (CaptureRecord.PDF, String) in
                let printed = try outcome.get()
                do { try failIfNavigatedAway(activity, loaderId: loaderId, step: "pdf") } catch {
                    // Printed while the page was leaving: it may show either document, so it is not kept.
                    try? FileManager.default.removeItem(at: pdfFile)
                    throw error
                }
                return (printed, "\(printed.pageCount) \(printed.layout) page\(printed.pageCount == 1 ? "" : "s"), \(printed.media) media")
            }
        }
        // poppler reads the PDF's text while the browser gives the post's.
        let pdfText = pdf.map { _ in Task { try PDFDocument(path: pdfFile.path).text } }
        // Only now, with the print media emulation undone, is the page asked where its content is.
        try await checkBlankBands(&screenshot, runs: runs, geometry: geometry, session: session)
        var (post, completeness) = try await step("extract") { () -> ((PostData, CaptureRecord.Completeness), String) in
            try failIfNavigatedAway(activity, loaderId: loaderId, step: "extract")
            let result = try await extract(session: session, context: context, outcome: outcome, screenshot: screenshot, pdf: pdf,
                                           pageURL: finalURLSoFar, file: data.appendingPathComponent("post.json"))
            return (result, result.1.summary)
        }
        // The report's thumbnails are made in the background, each as soon as its source is final:
        // the post's area now, the PDF's first page once the PDF is stamped.
        let bag = data.deletingLastPathComponent()
        let postPicture = Task { [screenshot, post, viewportHeight = options.viewportHeight] in
            try CaptureReport.postThumbnail(bag: bag, screenshot: screenshot, viewportHeight: viewportHeight, post: post)
        }
        if var printed = pdf, let pdfText {
            pdf = try await step("pdf-check") { () -> (CaptureRecord.PDF, String) in
                let title: String = try await session.evaluate("document.title", contextId: context) ?? ""
                try checkAndStampPDF(&printed, file: pdfFile, pdfText: try await pdfText.value, post: post, pageTitle: title,
                                     browserProduct: version.product)
                let check = printed.textCheck
                return (printed, "text of \(check.found) of \(check.itemsChecked) items found; metadata stamped with poppler \(PDFDocument.popplerVersion)")
            }
            if let check = pdf?.textCheck {
                completeness.form.append(.init(name: "PDF text", captured: check.missing.isEmpty,
                    detail: check.missing.isEmpty ? "the text of the post and all \(check.itemsChecked - 1) replies is in the PDF"
                        : "\(check.missing.count) of \(check.itemsChecked) items not found in the PDF's text: " + check.missing.joined(separator: "; ")))
            }
        }
        if options.strict && !completeness.essentialsMissing.isEmpty {
            throw CaptureError.stepFailed(step: "extract", url: url.absoluteString,
                message: "the post's \(completeness.essentialsMissing.joined(separator: ", ")) could not be read (--strict)",
                partialFolder: keptPartialPath())
        }
        let pdfPicture = Task { [pdf] in try CaptureReport.pdfThumbnail(bag: bag, pdf: pdf) }
        let thumbnails = Task { CaptureReport.Thumbnails(post: try await postPicture.value, pdf: try await pdfPicture.value) }
        let (title, finalURL) = try await step("dom") { () -> ((String, String), String) in
            try failIfNavigatedAway(activity, loaderId: loaderId, step: "dom")
            try await removeInjectedStyle(session: session)
            let html: String = try await session.evaluate(
                "(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\\n' : '') + document.documentElement.outerHTML") ?? ""
            try Data(html.utf8).write(to: data.appendingPathComponent("dom.html"))
            let title: String = try await session.evaluate("document.title") ?? ""
            let location: String = try await session.evaluate("location.href") ?? target
            return ((title, response?.url ?? location), "\(html.utf8.count) bytes")
        }
        return PageResult(version: version, response: response, redirects: state.redirects[loaderId] ?? [],
                          finalURL: finalURL, title: title, preparation: preparation, screenshot: screenshot, pdf: pdf,
                          outcome: outcome, post: post, completeness: completeness, thumbnails: thumbnails)
    }

    /// Chromium's net error names, said plainly.
    static func explain(_ errorText: String) -> String {
        let plain: [String: String] = [
            "net::ERR_CONNECTION_REFUSED": "connection refused (nothing listens on that port)",
            "net::ERR_NAME_NOT_RESOLVED": "the host name does not resolve",
            "net::ERR_NAME_RESOLUTION_FAILED": "the host name could not be resolved",
            "net::ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
            "net::ERR_CONNECTION_TIMED_OUT": "the connection timed out",
            "net::ERR_INTERNET_DISCONNECTED": "no network connection",
            "net::ERR_CERT_AUTHORITY_INVALID": "the site's TLS certificate is not trusted",
        ]
        return plain[errorText].map { "\($0) [\(errorText)]" } ?? errorText
    }

    /// load + networkIdle of this navigation, then 500 ms with nothing in flight, then fonts and
    /// images. Returns the sweep that ran meanwhile.
    ///
    /// From `load` on, while the network goes quiet, two things that need no settled page run: the
    /// sweep-scroll, so that whatever it loads is part of what the settle waits for, and the opening
    /// of the report's page (a renderer start). Chromium checks for `networkIdle` only when the
    /// page's main thread finishes a task; an idle page may run none for a while, and the event was
    /// measured 0.8 s instead of 0.5 s after the last response. A side-effect-free
    /// `Runtime.evaluate("0")` every 20 ms gives it that task.
    func settle(session: PageSession, activity: PageActivity, loaderId: String) async throws -> SweepOutcome {
        let limits = options.limits
        if await !activity.wait(upTo: limits.loadSeconds, until: { $0.lifecycle[loaderId]?.contains("load") == true }) {
            warn("settle", "no load event within \(limits.loadSeconds) s")
        }
        if reportPage == nil { reportPage = Task { try? await CaptureReport.openPage(on: session.connection) } }
        let sweeping = Task { await CaptureRun.sweep(session: session, limits: limits) }
        let nudging = Task {
            while !Task.isCancelled {
                let _: Int? = try? await session.evaluate("0")
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { nudging.cancel() }
        if await !activity.wait(upTo: limits.networkIdleSeconds, until: { $0.lifecycle[loaderId]?.contains("networkIdle") == true }) {
            let almost = activity.snapshot.lifecycle[loaderId]?.contains("networkAlmostIdle") == true
            warn("settle", "no networkIdle event within \(limits.networkIdleSeconds) s" + (almost ? " (networkAlmostIdle was reached)" : ""))
        }
        nudging.cancel()
        let sweep = await sweeping.value
        let quiet = await activity.wait(upTo: limits.quietSeconds) { state in
            state.inFlight.isEmpty && ContinuousClock.now - state.lastNetworkChange >= .milliseconds(500)
        }
        if !quiet {
            let open = activity.snapshot.inFlight.values.prefix(3).joined(separator: ", ")
            warn("settle", "requests still in flight after \(limits.quietSeconds) s: \(open)")
        }
        try await waitForFontsAndImages(session: session, step: "settle")
        return sweep
    }

    /// `document.fonts.ready` and every image loaded and decoded, each capped; caps become warnings.
    func waitForFontsAndImages(session: PageSession, step: String) async throws {
        let limits = options.limits
        let waitMillis = Int(limits.fontsAndImagesSeconds * 1000)
        let fonts: String? = try await session.evaluate("""
            Promise.race([document.fonts.ready.then(f => f.status),
                          new Promise(r => setTimeout(() => r('timeout'), \(waitMillis)))])
            """, awaitPromise: true, timeout: .seconds(limits.fontsAndImagesSeconds + 5))
        if fonts != "loaded" { warn(step, "web fonts not loaded within \(limits.fontsAndImagesSeconds) s (\(fonts ?? "unknown"))") }
        let incomplete: Int? = try await session.evaluate("""
            (async () => {
              const images = [...document.images];
              const waiting = images.filter(i => !i.complete).map(i => new Promise(r => {
                i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); }));
              await Promise.race([Promise.all(waiting), new Promise(r => setTimeout(r, \(waitMillis)))]);
              await Promise.all(images.filter(i => i.complete && i.naturalWidth > 0).map(i => i.decode().catch(() => null)));
              return images.filter(i => !i.complete).length;
            })()
            """, awaitPromise: true, timeout: .seconds(limits.fontsAndImagesSeconds * 2 + 5))
        if let incomplete, incomplete > 0 {
            warn(step, "\(incomplete) image(s) still loading after \(limits.fontsAndImagesSeconds) s")
        }
        let broken: Int? = try await session.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0 && i.currentSrc).length")
        if let broken, broken > 0, !warnings.contains(where: { $0.message == "\(broken) image(s) failed to load" }) {
            warn(step, "\(broken) image(s) failed to load")
        }
    }

    /// Hashes the files, writes capture.json, bags the folder, signs and stamps it, and renames it into place.
    func finish(page: PageResult, browser: BrowserHandle, partial: URL, data: URL) async throws -> CaptureResult {
        let (record, payload) = try metadata(page: page, browser: browser, partial: partial)
        // Done before the bag lists its tag files, so none is hashed while it is still being written.
        _ = await page.thumbnails.result
        try bag(record: record, payload: payload, partial: partial)
        var fingerprint: String?
        if let signingKey {
            fingerprint = try await step("sign") { () -> (String, String) in
                let fingerprint = try BagSigner.sign(bag: partial, with: signingKey)
                return (fingerprint, "Ed25519 over manifest-sha256.txt, key \(fingerprint)")
            }
        }
        var outcome = StampOutcome(stamped: [], failures: [])
        if !options.timestampAuthorities.isEmpty {
            outcome = try await step("timestamp") { () -> (StampOutcome, String) in
                let outcome = try await BagStamper(root: partial).stamp(tsas: options.timestampAuthorities, timeout: options.timestampTimeout)
                for failure in outcome.failures { warn("timestamp", failure.reason) }
                let detail = outcome.stamped.isEmpty ? "pending: no TSA answered; add one later with exhibit timestamp"
                    : outcome.stamped.map { "\($0.genTime) from \($0.tsa)" }.joined(separator: ", ")
                return (outcome, detail)
            }
        }
        try await step("report") { () -> ((), String) in
            let printer = await reportPage?.value
            reportPage = nil
            defer { if let printer { closing.append(Task { await printer.close() }) } }
            try await CaptureReport.write(bag: partial, connection: browser.connection, page: printer,
                                          thumbnails: try await page.thumbnails.value)
            return ((), "\(CaptureReport.htmlFile) and \(CaptureReport.pdfFile) (tag files, in tagmanifest-sha256.txt)")
        }
        let folder = try moveIntoPlace(partial)
        if options.requireTimestamp && outcome.stamped.isEmpty {
            throw CaptureError.stepFailed(step: "timestamp", url: url.absoluteString,
                message: "no TSA granted a timestamp (--require-timestamp); the capture is kept, timestamp pending, in \(folder.path)",
                partialFolder: nil)
        }
        return CaptureResult(folder: folder, record: record, payload: payload, timestamps: outcome, signerFingerprint: fingerprint)
    }

    func metadata(page: PageResult, browser: BrowserHandle, partial: URL) throws -> (CaptureRecord, [PayloadFile]) {
        let startedAt = Date()
        let start = elapsed
        do {
            var files: [PayloadFile] = []
            var names = [("screenshot.png", "image/png"), ("dom.html", "text/html"), ("post.json", "application/json")]
            if page.pdf != nil { names.insert(("page.pdf", "application/pdf"), at: 1) }
            for (name, type) in names {
                files.append(try PayloadFile.hash(name, in: partial, mediaType: type))
            }
            let response = page.response
            let http = CaptureRecord.HTTP(
                status: response?.status ?? 0, statusText: response?.statusText ?? "",
                protocolName: response?.protocol, mimeType: response?.mimeType ?? "",
                headers: response?.headers ?? [:],
                remoteAddress: response?.remoteIPAddress.map { .init(ip: $0, port: response?.remotePort ?? 0) },
                tls: response?.securityDetails.map {
                    .init(protocolName: $0.protocol, cipher: $0.cipher, subjectName: $0.subjectName, issuer: $0.issuer,
                          validFrom: UTCTime.milliseconds(Date(timeIntervalSince1970: $0.validFrom)),
                          validTo: UTCTime.milliseconds(Date(timeIntervalSince1970: $0.validTo)))
                })
            let product = page.version.product
            steps.append(.init(name: "metadata", startedAt: UTCTime.milliseconds(startedAt), seconds: 0))
            var record = CaptureRecord(
                captureId: captureId,
                state: page.screenshot.truncated || !page.screenshot.blankBands.isEmpty || page.completeness.availability != "available"
                    || page.outcome.expansion.limitReached ? "partial" : "complete",
                requestedURL: url.absoluteString, finalURL: page.finalURL,
                redirects: page.redirects.map { .init(url: $0.url, status: $0.status, location: $0.location) },
                http: http, pageTitle: page.title,
                startedAt: UTCTime.milliseconds(started), endedAt: UTCTime.milliseconds(Date()),
                browser: .init(product: product, revision: page.version.revision,
                               protocolVersion: page.version.protocolVersion,
                               userAgent: options.userAgent ?? page.version.userAgent,
                               mode: browser.launchCommand == nil ? "attached" : "launched",
                               commandLine: browser.launchCommand, endpoint: browser.endpoint),
                viewport: .init(width: options.viewportWidth, height: options.viewportHeight,
                                deviceScaleFactor: options.deviceScaleFactor),
                locale: options.locale, timeZone: options.timeZone,
                exhibit: .init(name: ExhibitVersion.name, version: ExhibitVersion.current),
                host: HostInfo.current(), options: options,
                preparation: page.preparation, screenshot: page.screenshot, pdf: page.pdf, steps: steps, warnings: warnings,
                timestamp: .init(requestedFrom: options.timestampAuthorities, stamps: "manifest-sha256.txt",
                                 stateWhenBagged: options.timestampAuthorities.isEmpty ? "not requested" : "pending",
                                 resultsIn: ["bag-info.txt", "timestamps/timestamps.json"]),
                signature: signingKey.map {
                    .init(algorithm: "Ed25519", publicKeyFingerprint: BagSigner.fingerprint($0.publicKey),
                          signs: "manifest-sha256.txt", files: [BagSigner.signatureFile, BagSigner.publicKeyFile])
                },
                profile: .init(name: profile.profile.name, platform: profile.profile.platform,
                               file: "Profiles/" + profile.file.lastPathComponent, sha256: profile.sha256,
                               chosenBy: profileChoice.rawValue, scriptSHA256: FileDigest.sha256Hex(Array(PageScripts.install.utf8)),
                               world: "isolated world 'exhibit' (Page.createIsolatedWorld)"),
                actions: actions, expansion: page.outcome.expansion, completeness: page.completeness,
                files: files.map { .init(name: $0.name, mediaType: $0.mediaType, size: $0.digest.size, sha256: $0.digest.sha256) })
            record.steps[record.steps.count - 1].seconds = ((elapsed - start) * 1000).rounded() / 1000
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(record).write(to: partial.appendingPathComponent("data/capture.json"))
            files.append(try PayloadFile.hash("capture.json", in: partial, mediaType: "application/json"))
            progress?(CaptureProgress(step: "metadata", elapsed: elapsed, detail: "capture.json", isWarning: false))
            return (record, files)
        } catch {
            throw CaptureError.stepFailed(step: "metadata", url: url.absoluteString, message: "\(error)", partialFolder: partial.path)
        }
    }

    func bag(record: CaptureRecord, payload: [PayloadFile], partial: URL) throws {
        do {
            var info: [(String, String)] = []
            if let organization = options.sourceOrganization { info.append(("Source-Organization", organization)) }
            info.append(("External-Identifier", captureId))
            info.append(("External-Description", "Evidential capture of \(record.requestedURL) by Exhibit \(ExhibitVersion.current)"))
            info.append(("Bag-Software-Agent", "Exhibit \(ExhibitVersion.current)"))
            if options.timestampAuthorities.isEmpty { info.append(("Timestamp-Status", "not requested")) }
            try BagWriter(root: partial).write(payload: payload, info: info, baggingDate: started)
            progress?(CaptureProgress(step: "bag", elapsed: elapsed, detail: "\(payload.count) payload files, BagIt 1.0", isWarning: false))
        } catch {
            throw CaptureError.stepFailed(step: "bag", url: url.absoluteString, message: "\(error)", partialFolder: partial.path)
        }
    }

    /// Renames the finished bag from its hidden partial name to `<UTC time>-<host>-<short id>`.
    func moveIntoPlace(_ partial: URL) throws -> URL {
        let host = (url.host ?? "page").map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let stem = "\(UTCTime.compact(started))-\(String(host))-\(captureId.prefix(8))"
        var folder = output.appendingPathComponent(stem)
        var suffix = 2
        while FileManager.default.fileExists(atPath: folder.path) {
            folder = output.appendingPathComponent("\(stem)-\(suffix)")
            suffix += 1
        }
        do { try FileManager.default.moveItem(at: partial, to: folder) }
        catch { throw CaptureError.stepFailed(step: "bag", url: url.absoluteString, message: "\(error)", partialFolder: partial.path) }
        return folder
    }
}

extension Duration {
    /// The duration as seconds, for progress lines and limits given in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
