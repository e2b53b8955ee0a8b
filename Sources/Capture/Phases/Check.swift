import DevTools
import Evidence
import Foundation
import PDFTools
import PlatformProfiles

/// Check: what the capture holds is compared with the page. The blank-band guard looks for flat
/// bands of the screenshot over visible content; the PDF check looks for the post's and every
/// reply's text in the PDF, then stamps the PDF's document information. Findings are warnings,
/// and under `--strict` failures. Nothing here rewrites what an earlier step recorded: the
/// findings are this phase's own output.
struct Check {
    struct Output: Sendable {
        /// Flat bands over visible content (recorded as the screenshot's `blankBands`).
        let blankBands: [CaptureRecord.BlankBand]
        /// The PDF with its text check and stamped metadata; nil with --no-pdf.
        let pdf: CaptureRecord.PDF?
    }

    let page: CapturePage
    let world: IsolatedWorld
    let rendering: Render.Output
    let post: PostData
    /// poppler's text of the PDF, extracted while the post was read from the page.
    let pdfText: Task<String, Error>?
    let pdfFile: URL

    func run() async throws -> Output {
        // Only now, with the print media emulation undone, is the page asked where its content is.
        let bands = try await blankBands()
        for band in bands {
            page.context.warn(.screenshot, "blank band at y=\(band.fromY)-\(band.toY) CSS px (flat \(band.colour)) where the page has visible text or images")
        }
        if page.options.strict && !bands.isEmpty {
            throw CaptureError.failed(.screenshot, url: page.url, "\(bands.count) blank band(s) over visible content (--strict)")
        }
        guard let printed = rendering.pdf, let pdfText else { return Output(blankBands: bands, pdf: nil) }
        let pdf = try await page.runner.run(.pdfCheck) { () -> (CaptureRecord.PDF, String) in
            let title: String = try await page.session.evaluate("document.title", contextId: world.contextId) ?? ""
            let checked = try checkAndStamp(printed, pdfText: try await pdfText.value, pageTitle: title)
            let check = checked.textCheck
            return (checked, "text of \(check.found) of \(check.itemsChecked) items found; metadata stamped with poppler \(PDFDocument.popplerVersion)")
        }
        return Output(blankBands: bands, pdf: pdf)
    }

    /// The embed frame the post was read in, when its whole area is one flat run of the screenshot:
    /// Chromium did not paint it (an out-of-process frame outside the first screen), so the PNG
    /// does not show the post that post.json describes. A band of its own, so the capture is partial.
    static func blankFrame(_ box: RawItem.Rect?, rendering: Render.Output) -> CaptureRecord.BlankBand? {
        guard let box, box.height >= 1 else { return nil }
        let geometry = rendering.geometry, scale = geometry.scale
        let top = Int(((box.y - Double(geometry.y)) * scale).rounded(.up)), bottom = Int(((box.y + box.height - Double(geometry.y)) * scale).rounded(.down))
        guard bottom > top, let run = rendering.runs.first(where: { $0.start <= top + 1 && $0.end >= bottom - 1 }) else { return nil }
        return CaptureRecord.BlankBand(fromY: Int(box.y), toY: Int((box.y + box.height).rounded(.up)), colour: String(format: "#%06x", run.colour))
    }

    /// Flat runs taller than two viewports that overlap visible text or images in the DOM.
    func blankBands() async throws -> [CaptureRecord.BlankBand] {
        let geometry = rendering.geometry, scale = geometry.scale
        let threshold = Int(2 * Double(page.options.viewportHeight) * scale)
        let tall = rendering.runs.filter { $0.end - $0.start > threshold }
        guard !tall.isEmpty else { return [] }
        let content: [[Double]] = try await page.session.run(.contentBoxes, timeout: .seconds(60)) ?? []
        return tall.compactMap { run in
            let from = Double(geometry.y) + Double(run.start) / scale, to = Double(geometry.y) + Double(run.end) / scale
            guard content.contains(where: { $0.count == 2 && $0[0] < to && $0[1] > from }) else { return nil }
            return CaptureRecord.BlankBand(fromY: Int(from), toY: Int(to.rounded(.up)), colour: String(format: "#%06x", run.colour))
        }
    }

    /// A link target that runs code, reaches the reader's own machine or network, or embeds data.
    static func isUnsafe(_ target: String) -> Bool {
        let scheme = target.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        return ["javascript", "vbscript", "file", "smb", "data", "launch"].contains(scheme)
    }

    /// Looks for the post's and every reply's text in the PDF's text, then stamps the document
    /// information and swaps the stamped file in. Each missing text is a warning naming the item;
    /// `--strict` fails on any.
    func checkAndStamp(_ printed: CaptureRecord.PDF, pdfText: String, pageTitle: String) throws -> CaptureRecord.PDF {
        var pdf = printed
        let context = page.context, url = page.url
        let document = try PDFDocument(path: pdfFile.path)
        let text = PDFTextMatch(pdfText: pdfText)
        var items: [(String, String)] = []
        if let item = post.post, let body = item.text { items.append(("the post", body)) }
        for (index, reply) in post.allReplies.enumerated() {
            guard let body = reply.text else { continue }
            let who = reply.author.handle.map { "@\($0)" } ?? reply.author.displayName ?? "unknown author"
            items.append(("reply \(index + 1) by \(who)", body))
        }
        for (index, entry) in (post.timeline?.entries ?? []).enumerated() {
            guard let body = entry.text else { continue }
            items.append(("timeline post \(index + 1)" + (entry.url.map { " (\($0))" } ?? ""), body))
        }
        var missing: [String] = []
        for (name, body) in items where !text.contains(body) {
            let folded = PDFTextMatch.folded(body)
            missing.append("\(name): '\(folded.prefix(60))\(folded.count > 60 ? "…" : "")'")
        }
        pdf.textCheck = .init(itemsChecked: items.count, found: items.count - missing.count, missing: missing)
        for item in missing { context.warn(.pdfCheck, "text not found in page.pdf: \(item)") }
        if page.options.strict && !missing.isEmpty {
            throw StepProblem("\(missing.count) item(s) of post.json are not in the PDF's text (--strict)")
        }

        let author = post.post?.author.displayName ?? post.post?.author.handle ?? post.account?.displayName ?? post.account?.handle
        let opening = (post.post?.text ?? post.account.map { _ in "account page" }).map { PDFTextMatch.folded($0) }.map { $0.count > 80 ? String($0.prefix(80)) + "…" : $0 }
        let title = [author, opening].compactMap { $0 }.joined(separator: ": ")
        let metadata = PDFDocument.Metadata(
            title: title.isEmpty ? (pageTitle.isEmpty ? url : pageTitle) : title,
            subject: url, keywords: context.captureId,
            creator: "\(ExhibitVersion.name) \(ExhibitVersion.current) with \(rendering.browserProduct)", creationDate: context.started)
        // Links a reader should not follow blindly are recorded, and removed on request; either way
        // before the PDF is saved and hashed.
        let unsafe = document.links().filter { Self.isUnsafe($0.target) }
        if !unsafe.isEmpty {
            pdf.unsafeLinks = unsafe.map { "page \($0.page + 1): \($0.target)" }
            if page.options.pdfStripUnsafeLinks {
                let removed = document.removeLinks(where: Self.isUnsafe)
                pdf.unsafeLinksRemoved = removed.count == unsafe.count
                context.warn(.pdfCheck, "page.pdf linked to \(unsafe.count) unsafe target(s); \(removed.count) removed before hashing "
                             + "(--pdf-strip-unsafe-links): " + (pdf.unsafeLinks ?? []).joined(separator: ", "))
            } else {
                pdf.unsafeLinksRemoved = false
                context.warn(.pdfCheck, "page.pdf links to \(unsafe.count) unsafe target(s), kept as printed: "
                             + (pdf.unsafeLinks ?? []).joined(separator: ", "))
            }
        }
        let stamped = pdfFile.deletingLastPathComponent().appendingPathComponent(".page.pdf.stamping")
        try document.stamp(metadata, savingTo: stamped.path)
        // rename(2) replaces page.pdf in one step: there is never a moment without a whole PDF.
        guard FileManager.default.fileExists(atPath: stamped.path), rename(stamped.path, pdfFile.path) == 0 else {
            try? FileManager.default.removeItem(at: stamped)
            throw PDFError(path: pdfFile.path, message: "the stamped PDF could not replace the printed one")
        }
        pdf.metadata = .init(stampedBy: "poppler-glib \(PDFDocument.popplerVersion)", title: metadata.title, subject: metadata.subject,
                             keywords: metadata.keywords, creator: metadata.creator, creationDate: UTCTime.milliseconds(context.started))
        return pdf
    }
}
