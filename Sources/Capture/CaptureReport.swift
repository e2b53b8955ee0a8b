import DevTools
import Evidence
import Foundation
import PDFTools
import PlatformProfiles
import PNGCodec

/// The capture report: `report.html` (self-contained: inline CSS, no scripts, images as relative
/// links) and `report.pdf` (the same page printed by the same browser), for a reader without any
/// tools: what was captured, when, how, how complete it is, the files with their hashes, and the
/// timestamps. They describe the payload and its timestamps, so they are tag files at the bag's
/// root, made after stamping and made again when `exhibit timestamp` adds a token.
///
/// Every value that comes from the page is HTML-escaped, and no field is ever left blank: what is
/// not known says so.
public enum CaptureReport {
    public static let htmlFile = "report.html"
    public static let pdfFile = "report.pdf"
    public static let imagesFolder = "report-files"

    /// Writes report.html, its thumbnails (unless `thumbnails` says they are made) and report.pdf
    /// for the bag at `root`, printing with `page` (one from ``openPage(on:)``, which the caller
    /// closes) or else with a page of its own on `connection`. The tag manifests are the caller's
    /// to write, once, after this (``Seal``).
    public static func write(bag root: URL, connection: DevToolsConnection, page: PageSession? = nil,
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
        let html = try render(bag: root, thumbnails: thumbnails)
        // Whole files only: each is written under a temporary name and renamed into place.
        let htmlTemp = root.appendingPathComponent(".report.html.tmp")
        try Data(html.utf8).write(to: htmlTemp)
        try replace(root.appendingPathComponent(htmlFile), with: htmlTemp)
        let pdfTemp = root.appendingPathComponent(".report.pdf.tmp")
        try await printPDF(root.appendingPathComponent(htmlFile), to: pdfTemp, session: session)
        try replace(root.appendingPathComponent(pdfFile), with: pdfTemp)
    }

    /// A blank page in a fresh browser context, ready to load and print a report. Opening one
    /// starts a renderer, which takes a tenth of a second or so: a capture opens it early, while the
    /// captured page settles, and hands it to ``write(bag:connection:page:)``.
    public static func openPage(on connection: DevToolsConnection) async throws -> PageSession {
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

    /// Prints a local HTML file to PDF (A4, backgrounds) on `session`.
    static func printPDF(_ html: URL, to destination: URL, session: PageSession) async throws {
        _ = try await session.send(PageCommands.Navigate(url: html.absoluteString), timeout: .seconds(30))
        // A local page without scripts: ready once its images are decoded.
        let _: Bool? = try await session.run(.imagesDecoded, awaitPromise: true, timeout: .seconds(30))
        let paper = CaptureOptions.Paper.a4.inches
        try await PDFPrinter.stream(.init(paperWidth: paper.width, paperHeight: paper.height), on: session, to: destination)
        _ = try PDFDocument(path: destination.path)
    }

    /// Escapes text for HTML element content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A value, or what to say when there is none: never an empty cell.
    static func value(_ text: String?, or missing: String) -> String {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return "<em>\(escape(missing))</em>" }
        return escape(text)
    }

    static func row(_ label: String, _ html: String) -> String { "<tr><th>\(escape(label))</th><td>\(html)</td></tr>\n" }

    /// The report's two pictures, as HTML to show them (or to say why one is missing).
    public struct Thumbnails: Sendable {
        public var postHTML: String
        public var pdfHTML: String
    }

    /// Makes the thumbnails in `report-files/` from the payload files themselves: the post's area cut
    /// from the screenshot (the top of the page when no post was found) and the PDF's first page
    /// rendered with poppler. A capture makes each one in the background as soon as its source is
    /// final (``postThumbnail`` after extraction, ``pdfThumbnail`` after stamping).
    public static func makeThumbnails(bag root: URL, screenshot: CaptureRecord.Screenshot, viewportHeight: Int,
                                      post: PostData?, pdf: CaptureRecord.PDF?) throws -> Thumbnails {
        Thumbnails(postHTML: try postThumbnail(bag: root, screenshot: screenshot, viewportHeight: viewportHeight, post: post),
                   pdfHTML: try pdfThumbnail(bag: root, pdf: pdf))
    }

    /// `report-files/post.png`, and the HTML showing it (or saying why there is none).
    public static func postThumbnail(bag root: URL, screenshot: CaptureRecord.Screenshot, viewportHeight: Int,
                                     post: PostData?) throws -> String {
        let images = try imagesFolder(in: root)
        let rect = post?.post?.rectangle
        let area = rect.map { (x: $0.x, y: $0.y, width: $0.width, height: min($0.height, 4 * viewportHeight)) }
            ?? (x: 0, y: 0, width: screenshot.pixelWidth, height: min(screenshot.pixelHeight, viewportHeight))
        guard (try? PNGThumbnail.write(from: root.appendingPathComponent("data").appendingPathComponent(screenshot.file).path,
                                        x: area.x, y: area.y, width: area.width, height: area.height,
                                        maxWidth: 560, maxHeight: 700, to: images.appendingPathComponent("post.png").path)) != nil else {
            return "<em>no thumbnail: the screenshot could not be read</em>"
        }
        return "<img src=\"\(imagesFolder)/post.png\" alt=\"\(escape(rect == nil ? "top of the page" : "the post"))\">"
            + "<p class=\"caption\">\(rect == nil ? "Top of the page (no post element was found)" : "The post")"
            + ", from data/screenshot.png at x \(area.x), y \(area.y), \(area.width)×\(area.height) px</p>"
    }

    /// `report-files/pdf-page-1.png`, and the HTML showing it (or saying there is no PDF).
    public static func pdfThumbnail(bag root: URL, pdf: CaptureRecord.PDF?) throws -> String {
        guard let pdf else { return "<em>no PDF was made (--no-pdf)</em>" }
        let images = try imagesFolder(in: root)
        let document = try PDFDocument(path: root.appendingPathComponent("data").appendingPathComponent(pdf.file).path)
        try document.renderPage(0, toPNG: images.appendingPathComponent("pdf-page-1.png").path, width: 400)
        return "<img src=\"\(imagesFolder)/pdf-page-1.png\" alt=\"first page of page.pdf\">"
            + "<p class=\"caption\">First of \(pdf.pageCount) page(s) of data/page.pdf, rendered with poppler</p>"
    }

    private static func imagesFolder(in root: URL) throws -> URL {
        let images = root.appendingPathComponent(imagesFolder)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        return images
    }

    /// The report's HTML, from the bag's own files (capture.json, post.json, manifests, timestamps).
    public static func render(bag root: URL, thumbnails: Thumbnails? = nil) throws -> String {
        let decoder = JSONDecoder()
        let data = root.appendingPathComponent("data")
        let record = try decoder.decode(CaptureRecord.self, from: Data(contentsOf: data.appendingPathComponent("capture.json")))
        let post = try? decoder.decode(PostData.self, from: Data(contentsOf: data.appendingPathComponent("post.json")))
        let stamps = (try? BagStamper(root: root).existingRecords()) ?? []
        let manifest = (try? String(contentsOf: root.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)) ?? ""
        let bagInfo = (try? String(contentsOf: root.appendingPathComponent("bag-info.txt"), encoding: .utf8)) ?? ""

        let pictures = try thumbnails ?? makeThumbnails(bag: root, screenshot: record.screenshot, viewportHeight: record.viewport.height,
                                                        post: post, pdf: record.pdf)
        let postThumbnail = pictures.postHTML, pdfThumbnail = pictures.pdfHTML

        let item = post?.post
        let local = TimeZone(identifier: record.host.localTimeZone) ?? .current
        func localTime(_ iso: String) -> String {
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = parser.date(from: iso) else { return iso }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_GB")
            formatter.timeZone = local
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS ZZZZZ"
            return "\(formatter.string(from: date)) (\(local.identifier))"
        }
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'">
        <title>Capture report \(escape(record.captureId))</title>
        <style>
          body { font: 11pt/1.45 "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #111; margin: 2em auto; max-width: 60em; padding: 0 1em; }
          h1 { font-size: 18pt; margin-bottom: 0; } h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
          .sub { color: #444; margin-top: .2em; } table { border-collapse: collapse; width: 100%; margin: .5em 0; }
          th, td { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid #ddd; overflow-wrap: break-word; }
          th { width: 14em; font-weight: 600; } table.list th { width: auto; background: #f3f3f3; }
          td.hash, code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
          .thumbs { display: flex; gap: 2em; align-items: flex-start; } .thumbs div { flex: 1; }
          img { max-width: 100%; border: 1px solid #bbb; } .caption { font-size: 9pt; color: #444; }
          .yes { color: #075e07; } .no { color: #8a1010; } .notice { background: #fff4d6; padding: .5em; border-left: 4px solid #d4a20b; }
          @media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>Capture report</h1>
        <p class="sub">Exhibit capture \(escape(record.captureId)) · state: \(escape(record.state.rawValue))
          · \(escape(record.completeness.summary))</p>

        <h2>What was captured</h2>
        <table>

        """
        html += row("Requested URL", escape(record.requestedURL))
        html += row("Final URL", escape(record.finalURL) + (record.redirects.isEmpty ? "" : " (after \(record.redirects.count) redirect(s))"))
        html += row("HTTP status", "\(record.http.status) " + value(record.http.statusText, or: "no status text"))
        let address = record.http.remoteAddress.map { "\($0.ip) port \($0.port)" } ?? "not reported by the browser"
        let tls = record.http.tls.map { "\($0.protocolName), \($0.cipher); certificate for \($0.subjectName) issued by \($0.issuer), valid \($0.validFrom) to \($0.validTo)" }
        html += row("Server", escape(address) + " · " + escape(record.http.protocolName ?? "protocol not reported") + " · "
                    + escape(tls ?? (record.finalURL.hasPrefix("https:") ? "TLS details not reported" : "not encrypted (plain HTTP)")))
        html += row("Page title", value(record.pageTitle, or: "the page has no title"))
        html += row("Platform", escape(record.profile.platform) + " (profile \(escape(record.profile.name)), chosen by \(escape(record.profile.chosenBy)))")
        html += row("Availability", escape(record.completeness.availability.rawValue))
        html += row("Author", value([item?.author.displayName, item?.author.handle.map { "@\($0)" }].compactMap { $0 }.joined(separator: " "),
                                    or: "not found on the page"))
        let published = item?.published
        html += row("Published", value([published?.shown.map { "shown as “\($0)”" }, published?.iso.map { "\($0) (\(published?.precision.rawValue ?? ""))" },
                                        published?.note].compactMap { $0 }.joined(separator: "; "), or: "not found on the page"))
        html += row("Post text", value(item?.text, or: "not found on the page"))
        html += row("Replies", post.map { p in "\(p.replyCount.captured) captured" + (p.replyCount.shown.map { "; the page shows “\(escape($0))”" } ?? "; the page shows no count") }
                    ?? "<em>no post data</em>")
        html += "</table>\n\n<h2>When</h2>\n<table>\n"
        html += row("Capture started", "\(escape(record.startedAt)) UTC<br>\(escape(localTime(record.startedAt)))")
        html += row("Capture ended", "\(escape(record.endedAt)) UTC<br>\(escape(localTime(record.endedAt)))")
        html += row("Time zone shown to the page", escape(record.timeZone))
        html += "</table>\n\n<h2>How</h2>\n<table>\n"
        html += row("Software", "\(escape(record.exhibit.name)) \(escape(record.exhibit.version))")
        html += row("Browser", "\(escape(record.browser.product)) (revision \(escape(record.browser.revision)), \(escape(record.browser.mode.rawValue)))")
        html += row("User agent", escape(record.browser.userAgent))
        html += row("Operating system", "\(escape(record.host.operatingSystem)), \(escape(record.host.kernel)), \(escape(record.host.architecture)), host \(escape(record.host.hostName))")
        html += row("Viewport", "\(record.viewport.width) × \(record.viewport.height) CSS px, device scale factor \(record.viewport.deviceScaleFactor)")
        html += row("Locale", escape(record.locale))
        let o = record.options
        let optionText = [
            "PDF: \(o.pdfLayout.rawValue)" + (o.pdfLayout == .paginated ? " on \(o.paper.rawValue)" : "") + ", \(o.pdfMedia.rawValue) media",
            "max height \(o.limits.maxHeight) CSS px", o.clipSelector.map { "clip to \($0)" } ?? "whole page",
            o.strict ? "strict" : "not strict", o.proxy.map { "proxy \($0)" } ?? "no proxy",
            o.timestampAuthorities.isEmpty ? "no TSA requested" : "TSAs: " + o.timestampAuthorities.joined(separator: ", "),
        ]
        html += row("Options", escape(optionText.joined(separator: "; ")))
        let prep = record.preparation
        var sweeps = "scroll sweep of \(prep.sweepSteps) step(s) to y=\(prep.sweepReachedY) (\(prep.sweepStoppedBecause))"
            + (prep.sweepPhase.map { ", \($0)" } ?? "")
        if let again = prep.sweepAfterProfile {
            sweeps += "; swept again after the profile, \(again.steps) step(s) to y=\(again.reachedY) (\(again.stoppedBecause))"
        } else if let reason = prep.sweepAfterProfileReason {
            sweeps += "; second sweep \(reason)"
        }
        html += row("Page preparation", escape("\(prep.lazyImagesMadeEager) lazy image(s) made eager; \(sweeps); animations frozen with injected CSS (SHA-256 \(prep.injectedCSSSHA256)), removed before dom.html"))
        if let pdf = record.pdf, let stamp = pdf.metadata {
            html += row("PDF metadata", escape("Stamped by Exhibit with \(stamp.stampedBy): Title, Subject, Keywords, Creator, creation date. SHA-256 as printed by the browser: \(pdf.sha256AsPrinted)"))
        }
        html += "</table>\n<p>Every action Exhibit took on the page, in order:</p>\n"
        if record.actions.isEmpty {
            html += "<p><em>none: the page was captured as it loaded</em></p>\n"
        } else {
            html += "<table class=\"list\"><tr><th>Time (UTC)</th><th>Action</th><th>Control</th><th>Selector</th></tr>\n"
            for action in record.actions {
                html += "<tr><td>\(escape(action.at))</td><td>\(escape(action.kind.rawValue))</td><td>\(value(action.label, or: "(no label)"))"
                    + (action.detail.map { "<br><span class=\"caption\">\(escape($0))</span>" } ?? "")
                    + "</td><td><code>\(value(action.selector, or: "(none)"))</code></td></tr>\n"
            }
            html += "</table>\n"
        }

        html += "\n<h2>Completeness</h2>\n<p><strong>\(escape(record.completeness.summary))</strong></p>\n<table class=\"list\">\n"
        html += "<tr><th>Category</th><th>Characteristic</th><th>Captured</th><th>Detail</th></tr>\n"
        let c = record.completeness
        for (category, items) in [("Content", c.content), ("Context", c.context), ("Form", c.form), ("Behaviour", c.behaviour), ("Structure", c.structure)] {
            for entry in items {
                html += "<tr><td>\(category)</td><td>\(escape(entry.name))</td><td class=\"\(entry.captured ? "yes" : "no")\">\(entry.captured ? "yes" : "no")</td><td>\(value(entry.detail, or: "no detail"))</td></tr>\n"
            }
        }
        html += "</table>\n"
        if !record.warnings.isEmpty {
            html += "<p>Warnings recorded during the capture:</p>\n<ul>\n"
            for warning in record.warnings { html += "<li>\(escape(warning.step.rawValue)): \(escape(warning.message))</li>\n" }
            html += "</ul>\n"
        }

        html += "\n<h2>Pictures</h2>\n<div class=\"thumbs\"><div>\(postThumbnail)</div><div>\(pdfThumbnail)</div></div>\n"

        html += "\n<h2>Files</h2>\n<p>The payload as listed in <code>manifest-sha256.txt</code>; a change to any byte changes its SHA-256.</p>\n"
        html += "<table class=\"list\"><tr><th>File</th><th>Size (bytes)</th><th>Media type</th><th>SHA-256</th></tr>\n"
        let types = Dictionary(record.files.map { ($0.name, $0.mediaType) }, uniquingKeysWith: { a, _ in a })
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let path = parts[1].trimmingCharacters(in: .whitespaces)
            let name = path.hasPrefix("data/") ? String(path.dropFirst(5)) : path
            let size = (try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)[.size] as? NSNumber)?.stringValue
            let type = types[name] ?? (name == "capture.json" ? "application/json" : "application/octet-stream")
            html += "<tr><td>\(escape(path))</td><td>\(value(size, or: "missing"))</td><td>\(escape(type))</td><td class=\"hash\">\(escape(parts[0]))</td></tr>\n"
        }
        html += "</table>\n"

        html += "\n<h2>Trusted timestamps</h2>\n"
        if stamps.isEmpty {
            let status = bagInfo.split(separator: "\n").first { $0.hasPrefix("Timestamp-Status:") }
                .map { String($0.dropFirst("Timestamp-Status:".count)).trimmingCharacters(in: .whitespaces) }
            html += "<p class=\"notice\">No trusted timestamp: "
                + (record.options.timestampAuthorities.isEmpty ? "none was requested for this capture."
                   : "none was granted yet (\(escape(status ?? "pending"))).")
                + " The times above are the capture machine's own clock. A timestamp can be added later with "
                + "<code>exhibit timestamp FOLDER --tsa URL</code>; the payload does not change.</p>\n"
        } else {
            html += "<p>Each token is an RFC 3161 timestamp over the exact bytes of <code>manifest-sha256.txt</code> "
                + "(SHA-256 \(escape(stamps[0].stampedSHA256))), stored whole under <code>timestamps/</code>.</p>\n"
            html += "<table class=\"list\"><tr><th>Authority</th><th>Time (genTime, UTC)</th><th>Serial</th><th>Policy</th><th>Token</th></tr>\n"
            for stamp in stamps {
                html += "<tr><td>\(value(stamp.tsaName, or: "unnamed TSA"))<br><span class=\"caption\">\(escape(stamp.tsa))</span></td>"
                    + "<td>\(escape(stamp.genTime))</td><td class=\"hash\">\(escape(stamp.serialNumber))</td><td>\(escape(stamp.policy))</td>"
                    + "<td>\(escape(stamp.response))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if let signature = record.signature {
            html += "<p>The payload manifest is signed with Ed25519 key \(escape(signature.publicKeyFingerprint)) "
                + "(<code>signature/</code>).</p>\n"
        }
        html += """

        <h2>How to check this capture</h2>
        <p>Offline, years from now: <code>exhibit verify FOLDER</code>; or by hand:
        <code>cd FOLDER &amp;&amp; sha256sum -c manifest-sha256.txt</code>, <code>python3 -m bagit --validate FOLDER</code>,
        and for each token <code>openssl ts -verify -in timestamps/HOST.tsr -data manifest-sha256.txt -CAfile ROOTS.pem</code>.
        This report is a tag file: it describes the payload and is covered by <code>tagmanifest-sha256.txt</code>, not by the timestamps.</p>
        </body>
        </html>

        """
        return html
    }
}
