import DevTools
import Evidence
import Foundation
import Mustache
import PDFTools
import PlatformProfiles
import PNGCodec

/// The capture report: `report.html` (self-contained: inline CSS, no scripts, images as relative
/// links) and `report.pdf` (the same page printed by the same browser), for a reader without any
/// tools: what was captured, when, how, how complete it is, the files with their hashes, and the
/// timestamps. They describe the payload and its timestamps, so they are tag files at the bag's
/// root, made after stamping and made again when `exhibit timestamp` adds a token.
///
/// The HTML is rendered from `ReportModel` through a template that escapes every value, so page
/// text is never markup, and no field is ever left blank: what is not known says so.
package enum CaptureReport {
    package static let htmlFile = "report.html"
    package static let pdfFile = "report.pdf"
    package static let imagesFolder = "report-files"

    /// Writes report.html, its thumbnails (unless `thumbnails` says they are made) and report.pdf
    /// for the bag at `root`, printing with `page` (one from ``openPage(on:)``, which the caller
    /// closes) or else with a page of its own on `connection`. The tag manifests are the caller's
    /// to write, once, after this (``Seal``).
    package static func write(bag root: URL, connection: DevToolsConnection, page: PageSession? = nil,
                             thumbnails: Thumbnails? = nil) async throws {
        if let page {
            try await write(bag: root, printingWith: page, thumbnails: thumbnails)
        } else {
            let own = try await openPage(on: connection)
            do { try await write(bag: root, printingWith: own, thumbnails: thumbnails) } catch {
                await own.close()
                throw error
            }
            await own.close()
        }
    }

    private static func write(bag root: URL, printingWith session: PageSession, thumbnails: Thumbnails?) async throws {
        let model = try ReportModel(bag: root, thumbnails: thumbnails)
        let html = try render(model)
        // Whole files only: each is written under a temporary name and renamed into place.
        let htmlTemp = root.appendingPathComponent(".report.html.tmp")
        // Removed first: a link left in its place in a bag Exhibit did not make must not lead the write elsewhere.
        try? FileManager.default.removeItem(at: htmlTemp)
        try Data(html.utf8).write(to: htmlTemp, options: .withoutOverwriting)
        try replace(root.appendingPathComponent(htmlFile), with: htmlTemp)
        // The browser may run as another user, who cannot read the bag: it is handed the same
        // report with its pictures inline instead of a file:// URL.
        let pdfTemp = root.appendingPathComponent(".report.pdf.tmp")
        try? FileManager.default.removeItem(at: pdfTemp)
        try await printPDF(html: try render(model.inliningPictures(from: root)), to: pdfTemp, session: session)
        try replace(root.appendingPathComponent(pdfFile), with: pdfTemp)
    }

    /// A blank page in a fresh browser context, ready to load and print a report. Opening one
    /// starts a renderer, which takes a tenth of a second or so: a capture opens it early, while the
    /// captured page settles, and hands it to ``write(bag:connection:page:)``.
    package static func openPage(on connection: DevToolsConnection) async throws -> PageSession {
        let session = try await PageSession.open(on: connection)
        do {
            _ = try await session.send(PageCommands.Enable())
            return session
        } catch {
            await session.close()
            throw error
        }
    }

    static func replace(_ file: URL, with temporary: URL) throws {
        guard rename(temporary.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw EvidenceError.unwritable(path: file.path, reason: "could not move the new file into place")
        }
    }

    /// Prints an HTML document that needs nothing from the network or the disk to PDF (A4,
    /// backgrounds) on `session`.
    static func printPDF(html: String, to destination: URL, session: PageSession) async throws {
        let frame = try await session.send(PageCommands.GetFrameTree()).frameTree.frame
        _ = try await session.send(PageCommands.SetDocumentContent(frameId: frame.id, html: html), timeout: .seconds(30))
        // A local page without scripts: ready once its images are decoded.
        let _: Bool? = try await session.run(.imagesDecoded, awaitPromise: true, timeout: .seconds(30))
        let paper = CaptureOptions.Paper.a4.inches
        try await PDFPrinter.stream(.init(paperWidth: paper.width, paperHeight: paper.height), on: session, to: destination)
        _ = try PDFDocument(path: destination.path)
    }

    /// One of the report's two pictures: an image in `report-files/` with its alt text and caption,
    /// or the words saying why there is none. Plain text only: the template escapes it.
    package struct Picture: Sendable, Equatable {
        package struct Image: Sendable, Equatable {
            /// Relative to the bag's root, e.g. `report-files/post.png`.
            package var path: String
            /// What the image shows, for a reader who cannot see it.
            package var alt: String
            /// Where the image was taken from, printed under it.
            package var caption: String
        }
        /// Nil when there is no image; ``missing`` then says why.
        package var image: Image?
        /// Why there is no image; nil when there is one.
        package var missing: String?

        static func image(_ file: String, alt: String, caption: String) -> Picture {
            Picture(image: Image(path: "\(imagesFolder)/\(file)", alt: alt, caption: caption), missing: nil)
        }
        static func missing(_ reason: String) -> Picture { Picture(image: nil, missing: reason) }
    }

    /// The report's two pictures (or why one is missing).
    package struct Thumbnails: Sendable {
        /// The post's area of the screenshot (the top of the page when no post was found).
        package var post: Picture
        /// The PDF's first page.
        package var pdf: Picture
    }

    /// Makes the thumbnails in `report-files/` from the payload files themselves: the post's area cut
    /// from the screenshot (the top of the page when no post was found) and the PDF's first page
    /// rendered with poppler. A capture makes each one in the background as soon as its source is
    /// final (``postThumbnail`` after extraction, ``pdfThumbnail`` after stamping).
    package static func makeThumbnails(bag root: URL, screenshot: CaptureRecord.Screenshot, viewportHeight: Int,
                                      post: PostData?, pdf: CaptureRecord.PDF?) throws -> Thumbnails {
        Thumbnails(post: try postThumbnail(bag: root, screenshot: screenshot, viewportHeight: viewportHeight, post: post),
                   pdf: try pdfThumbnail(bag: root, pdf: pdf))
    }

    /// `report-files/post.png`, and the picture showing it (or saying why there is none).
    package static func postThumbnail(bag root: URL, screenshot: CaptureRecord.Screenshot, viewportHeight: Int,
                                     post: PostData?) throws -> Picture {
        let images = try imagesFolder(in: root)
        let rect = post?.post?.rectangle
        let area = rect.map { (x: $0.x, y: $0.y, width: $0.width, height: min($0.height, 4 * viewportHeight)) }
            ?? (x: 0, y: 0, width: screenshot.pixelWidth, height: min(screenshot.pixelHeight, viewportHeight))
        // The record names the file; `exhibit timestamp` remakes reports of bags it did not make, so
        // the name must resolve to a regular file inside the bag.
        guard let source = try? BagFiles.resolve("data/" + screenshot.file, in: root).get(),
              (try? PNGThumbnail.write(from: source.path,
                                        x: area.x, y: area.y, width: area.width, height: area.height,
                                        maxWidth: 560, maxHeight: 700, to: images.appendingPathComponent("post.png").path)) != nil else {
            return .missing("no thumbnail: the screenshot could not be read")
        }
        return .image("post.png", alt: rect == nil ? "top of the page" : "the post",
                      caption: (rect == nil ? "Top of the page (no post element was found)" : "The post")
                        + ", from data/screenshot.png at x \(area.x), y \(area.y), \(area.width)×\(area.height) px")
    }

    /// `report-files/pdf-page-1.png`, and the picture showing it (or saying there is no PDF).
    package static func pdfThumbnail(bag root: URL, pdf: CaptureRecord.PDF?) throws -> Picture {
        guard let pdf else { return .missing("no PDF was made (--no-pdf)") }
        let images = try imagesFolder(in: root)
        let source: URL
        switch BagFiles.resolve("data/" + pdf.file, in: root) {
        case .success(let url): source = url
        case .failure(let problem): return .missing("no thumbnail: capture.json names data/\(pdf.file), which is \(problem)")
        }
        let destination = images.appendingPathComponent("pdf-page-1.png").path
        // In a child process where poppler's pdftoppm is installed (a long batch must not keep
        // every font it ever rendered), else here with poppler-glib and cairo.
        if PDFChildRenderer.isAvailable {
            try PDFChildRenderer.renderPage(0, of: source.path, toPNG: destination, width: 400)
        } else {
            try PDFDocument(path: source.path).renderPage(0, toPNG: destination, width: 400)
        }
        return .image("pdf-page-1.png", alt: "first page of page.pdf",
                      caption: "First of \(pdf.pageCount) page(s) of data/page.pdf, rendered with poppler")
    }

    private static func imagesFolder(in root: URL) throws -> URL {
        let images = root.appendingPathComponent(imagesFolder)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        return images
    }

    /// The report's HTML, from the bag's own files (capture.json, post.json, manifests, timestamps),
    /// rendered from `ReportModel` through `Resources/report.mustache`.
    package static func render(bag root: URL, thumbnails: Thumbnails? = nil) throws -> String {
        try render(ReportModel(bag: root, thumbnails: thumbnails))
    }

    static func render(_ model: ReportModel) throws -> String {
        let (report, partials) = try template.get()
        return report.render(model, library: partials)
    }

    /// The report's template and the partial it shows a maybe-missing value with, parsed once. A
    /// template missing from the bundle or failing to parse is kept as the error that every
    /// ``render(bag:thumbnails:)`` throws, so a broken build fails the report, not the program.
    static let template = Result<(report: MustacheTemplate, partials: MustacheLibrary), Error> {
        func load(_ name: String) throws -> MustacheTemplate {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Resources") else {
                throw EvidenceError.unreadable(path: "Resources/\(name).mustache", reason: "not in the Capture module's bundle")
            }
            return try MustacheTemplate(string: String(contentsOf: url, encoding: .utf8))
        }
        return (try load("report"), MustacheLibrary(templates: ["field": try load("report-field")]))
    }
}
