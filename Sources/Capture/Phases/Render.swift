import Synchronization
import DevTools
import Evidence
import Foundation

/// Render: the tiled screenshot, and the PDF printed as soon as the screenshot no longer needs the
/// page, while its last tile is still being decoded and written (the two steps overlap, and the
/// record says so).
struct Render {
    struct Output: Sendable {
        /// The screenshot as taken (the blank-band check comes later and is recorded apart).
        let screenshot: CaptureRecord.Screenshot
        /// Flat runs and the geometry, for the blank-band check.
        let runs: [TiledScreenshot.FlatRun]
        let geometry: TiledScreenshot.Geometry
        /// The PDF as printed; nil with --no-pdf.
        let pdf: CaptureRecord.PDF?
        /// The browser that rendered them, as the PDF's metadata names it.
        let browserProduct: String
        /// How often the DOM changed from the first tile to the end of printing: 0 when the PNG and
        /// the PDF show one state of the page.
        let domChanges: Int
    }

    let page: CapturePage
    /// Exhibit's isolated world, where the DOM is watched while it is rendered.
    let world: IsolatedWorld
    let loaderId: String
    /// The URL the page answered from, for the PNG's provenance.
    let finalURL: String
    let browserProduct: String
    let folder: PartialFolder

    func run() async throws -> Output {
        let session = page.session, options = page.options, context = page.context, runner = page.runner, world = self.world
        let pdfFile = folder.data.appendingPathComponent("page.pdf")
        let pageFree = Gate()
        // Its outcome is a value, so that a failure is reported by the pdf step like any other. Its
        // start is kept beside it rather than returned with it: a Task returning a (Duration, Result)
        // tuple read back garbage for the Duration in release builds (Swift 6.3.1, about one capture
        // in ten), which trapped in Duration.components when the record was written.
        let printStart = PrintStart()
        let printing: Task<Result<CaptureRecord.PDF, Error>, Never>? = options.pdfLayout == .none ? nil : Task {
            do { try await pageFree.wait() } catch {
                printStart.set(context.elapsed)
                return .failure(error)
            }
            printStart.set(context.elapsed)
            do { return .success(try await PDFPrinter.printPage(session, world: world, options: options, to: pdfFile)) }
            catch { return .failure(error) }
        }
        defer { printing?.cancel() }
        let _: Bool? = try await world.run(.watchMutations)
        let shot = try await runner.run(.screenshot) { () -> ((CaptureRecord.Screenshot, [TiledScreenshot.FlatRun], TiledScreenshot.Geometry), String) in
            let shot = try await screenshot(pageReleased: { pageFree.open() })
            let record = shot.0
            return (shot, "\(record.pixelWidth)x\(record.pixelHeight) px in \(record.tiles.count) tile\(record.tiles.count == 1 ? "" : "s")"
                    + (record.attempts > 1 ? " (attempt \(record.attempts))" : ""))
        }
        var pdf: CaptureRecord.PDF?
        if let printing {
            let outcome = await printing.value
            pdf = try await runner.run(.pdf, since: printStart.value ?? context.elapsed) { () -> (CaptureRecord.PDF, String) in
                let printed = try outcome.get()
                do { try page.failIfNavigatedAway(from: loaderId) } catch {
                    // Printed while the page was leaving: it may show either document, so it is not kept.
                    try? FileManager.default.removeItem(at: pdfFile)
                    throw error
                }
                if let cut = printed.cutWidth, let width = printed.contentWidth {
                    context.warn(.pdf, "the page is \(width) CSS px wide, too wide for \(printed.paper) paper even at the least print scale "
                                 + "(\(printed.scale ?? PDFPrinter.scales.lowerBound)): up to \(cut) CSS px on the right may be missing from page.pdf "
                                 + "(the screenshot has them, up to --max-width)")
                }
                for rule in printed.pageRulesKept ?? [] {
                    context.warn(.pdf, "the page's own @page rule '\(rule)' sets the paper or margins !important, which Exhibit cannot "
                                 + "override: the PDF's margins may not be the 1 cm its scale was worked out for, so check page.pdf's right edge")
                }
                let scaled = printed.scale.flatMap { $0 < 1 ? ", scaled to \($0) to fit the paper's width" : nil } ?? ""
                return (printed, "\(printed.pageCount) \(printed.layout) page\(printed.pageCount == 1 ? "" : "s"), \(printed.media) media" + scaled)
            }
        }
        return Output(screenshot: shot.0, runs: shot.1, geometry: shot.2, pdf: pdf, browserProduct: browserProduct,
                      domChanges: try await domChanges(printed: pdf != nil))
    }

    /// Reads the DOM watch: any change is a warning of the last rendering step (and a failure under
    /// --strict), since the screenshot, the PDF and dom.html may then show different pages.
    private func domChanges(printed: Bool) async throws -> Int {
        struct Count: Decodable, Sendable { let count: Int; let examples: [String] }
        let step: CaptureStep = printed ? .pdf : .screenshot
        guard let changes: Count = try await world.run(.mutationCount) else {
            page.context.warn(step, "the document was replaced while it was captured; the renderings may show different pages")
            return 1
        }
        guard changes.count > 0 else { return 0 }
        let message = "the page's DOM changed \(changes.count) time(s) while the screenshot\(printed ? " and the PDF were" : " was") taken ("
            + changes.examples.joined(separator: ", ") + (printed ? ", e.g. by a beforeprint handler" : "")
            + "): the renderings and dom.html may not show the same content"
        page.context.warn(step, message)
        if page.options.strict { throw CaptureError.failed(step, url: page.url, message + " (--strict)") }
        return changes.count
    }

    /// The tiled screenshot with its provenance chunk (an iTXt `exhibit:provenance` whose SHA-256 is recorded).
    private func screenshot(pageReleased: @Sendable () -> Void) async throws
        -> (CaptureRecord.Screenshot, [TiledScreenshot.FlatRun], TiledScreenshot.Geometry) {
        let context = page.context, options = page.options
        let requested = context.url.absoluteString, started = UTCTime.milliseconds(context.started)
        let finalURL = self.finalURL, browserProduct = self.browserProduct
        let tiler = TiledScreenshot(session: page.session, options: options, activity: page.activity, loaderId: loaderId,
                                    file: folder.data.appendingPathComponent("screenshot.png"), provenance: { geometry in
            let provenance: [String: Any] = [
                "schema": "exhibit-png-provenance", "schemaVersion": 1, "captureId": context.captureId,
                "requestedURL": requested, "finalURL": finalURL, "captureTime": started,
                "exhibit": "\(ExhibitVersion.name) \(ExhibitVersion.current)", "browser": browserProduct,
                "viewport": ["width": options.viewportWidth, "height": options.viewportHeight],
                "deviceScaleFactor": options.deviceScaleFactor,
                "region": ["x": geometry.x, "y": geometry.y, "width": geometry.width, "height": geometry.height],
                "documentHeight": geometry.documentHeight, "truncated": geometry.truncated,
                "tileHeight": geometry.tileHeight, "tiles": geometry.tiles,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: provenance, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }, warn: { context.warn(.screenshot, $0) })
        let (geometry, runs, provenanceJSON, attempts, pdq) = try await tiler.capture(pageReleased: pageReleased)
        if geometry.truncated && geometry.documentHeight > geometry.height {
            context.warn(.screenshot, "the page is \(geometry.documentHeight) CSS px tall, over --max-height \(options.limits.maxHeight); "
                         + "captured the top \(geometry.height) px only (truncated)")
        }
        if let width = geometry.cutWidth {
            context.warn(.screenshot, "the page is \(width) CSS px wide, over --max-width \(options.limits.maxWidth); "
                         + "captured the left \(geometry.width) px only (truncated)")
        }
        let scale = options.deviceScaleFactor
        let record = CaptureRecord.Screenshot(
            file: "screenshot.png", x: geometry.x, y: geometry.y, cssWidth: geometry.width, cssHeight: geometry.height,
            documentHeight: geometry.documentHeight,
            pixelWidth: Int((Double(geometry.width) * scale).rounded()), pixelHeight: Int((Double(geometry.height) * scale).rounded()),
            truncated: geometry.truncated, documentWidth: geometry.cutWidth, clipSelector: options.clipSelector,
            tileHeight: geometry.tileHeight, tiles: geometry.tiles,
            attempts: attempts,
            provenance: .init(chunk: "iTXt", keyword: TiledScreenshot.keyword, sha256: FileDigest.sha256Hex(Array(provenanceJSON.utf8))),
            blankBands: [], pdq: pdq.map { .init(hash: $0.description, quality: $0.quality) })
        return (record, runs, geometry)
    }
}

/// When printing began, as an offset of the capture's clock, set once by the printing task.
private final class PrintStart: Sendable {
    private let start = Mutex<Duration?>(nil)
    func set(_ value: Duration) { start.withLock { $0 = value } }
    var value: Duration? { start.withLock { $0 } }
}
