import DevTools
import Evidence
import Foundation
import PDFTools
import PlatformProfiles

/// The PDF: printed by Chromium (paginated or one long page, screen media by default), read back
/// with poppler, its text checked against post.json, and its document information stamped.
extension CaptureRun {
    /// The tallest page a PDF may have: 200 inches (14,400 pt), the limit PDF readers honour.
    static let maxPDFPageInches = 200.0

    /// Prints with `Page.printToPDF` and streams the PDF to `file` with `IO.read`, never holding it whole.
    static func streamPDF(_ command: PageCommands.PrintToPDF, on session: PageSession, to file: URL) async throws {
        let printed = try await session.send(command, timeout: .seconds(120))
        guard let stream = printed.stream else {
            throw DevToolsError.badResponse(method: PageCommands.PrintToPDF.method, reason: "no stream handle")
        }
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: file.path) else {
            throw EvidenceError.unwritable(path: file.path, reason: "cannot open for writing")
        }
        defer { try? handle.close() }
        do {
            try await session.readStream(stream) { try handle.write(contentsOf: $0) }
            try handle.synchronize()
        } catch {
            // A PDF cut short must not lie in the capture folder as if it were one.
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }

    /// `Page.printToPDF` streamed to disk with `IO.read`, then opened with poppler.
    static func printPDF(session: PageSession, options: CaptureOptions, file: URL) async throws -> CaptureRecord.PDF {
        _ = try await session.send(EmulationCommands.SetEmulatedMedia(media: options.pdfMedia.rawValue))
        let command: PageCommands.PrintToPDF
        let paperName: String
        if options.pdfLayout == .single {
            // One page as wide as the viewport and as tall as the document, up to 200 inches; Chromium
            // continues a taller document on further pages of the same size.
            let height: Double = try await session.evaluate(PageScripts.documentHeight) ?? 0
            let width = Double(options.viewportWidth) / 96
            command = .init(paperWidth: width, paperHeight: min(max(height, 1) / 96, Self.maxPDFPageInches), margins: 0)
            paperName = "viewport width"
        } else {
            let paper = options.paper.inches
            command = .init(paperWidth: paper.width, paperHeight: paper.height)
            paperName = options.paper.rawValue
        }
        try await Self.streamPDF(command, on: session, to: file)
        // Back to the page's own media, so nothing after this step sees the emulation.
        _ = try await session.send(EmulationCommands.SetEmulatedMedia(media: ""))
        let document = try PDFDocument(path: file.path)
        guard document.pageCount > 0 else { throw PDFError(path: file.path, message: "the PDF has no pages") }
        let sizes = document.pageSizes.map { [($0.width * 100).rounded() / 100, ($0.height * 100).rounded() / 100] }
        return .init(file: "page.pdf", layout: options.pdfLayout.rawValue, paper: paperName, media: options.pdfMedia.rawValue,
                     pageCount: document.pageCount, pageSizesPoints: sizes,
                     sha256AsPrinted: try FileDigest(fileAt: file.path).sha256,
                     textCheck: .init(itemsChecked: 0, found: 0, missing: []), metadata: nil)
    }

    /// Looks for the post's and every reply's text in the PDF (poppler's text extraction), then
    /// stamps the document information and swaps the stamped file in. Each missing text is a
    /// warning naming the item; `--strict` fails on any.
    /// `pdfText` is poppler's text of the PDF, extracted while the post was read from the page.
    func checkAndStampPDF(_ pdf: inout CaptureRecord.PDF, file: URL, pdfText: String, post: PostData, pageTitle: String,
                          browserProduct: String) throws {
        let document = try PDFDocument(path: file.path)
        let text = PDFTextMatch(pdfText: pdfText)
        var items: [(String, String)] = []
        if let item = post.post, let body = item.text { items.append(("the post", body)) }
        for (index, reply) in post.allReplies.enumerated() {
            guard let body = reply.text else { continue }
            let who = reply.author.handle.map { "@\($0)" } ?? reply.author.displayName ?? "unknown author"
            items.append(("reply \(index + 1) by \(who)", body))
        }
        var missing: [String] = []
        for (name, body) in items where !text.contains(body) {
            let folded = PDFTextMatch.folded(body)
            missing.append("\(name): '\(folded.prefix(60))\(folded.count > 60 ? "…" : "")'")
        }
        pdf.textCheck = .init(itemsChecked: items.count, found: items.count - missing.count, missing: missing)
        for item in missing { warn("pdf-check", "text not found in page.pdf: \(item)") }
        if options.strict && !missing.isEmpty {
            throw CaptureError.stepFailed(step: "pdf-check", url: url.absoluteString,
                message: "\(missing.count) item(s) of post.json are not in the PDF's text (--strict)", partialFolder: keptPartialPath())
        }

        let author = post.post?.author.displayName ?? post.post?.author.handle
        let opening = post.post?.text.map { PDFTextMatch.folded($0) }.map { $0.count > 80 ? String($0.prefix(80)) + "…" : $0 }
        let title = [author, opening].compactMap { $0 }.joined(separator: ": ")
        let metadata = PDFDocument.Metadata(
            title: title.isEmpty ? (pageTitle.isEmpty ? url.absoluteString : pageTitle) : title,
            subject: url.absoluteString, keywords: captureId,
            creator: "\(ExhibitVersion.name) \(ExhibitVersion.current) with \(browserProduct)", creationDate: started)
        let stamped = file.deletingLastPathComponent().appendingPathComponent(".page.pdf.stamping")
        try document.stamp(metadata, savingTo: stamped.path)
        // rename(2) replaces page.pdf in one step: there is never a moment without a whole PDF.
        guard FileManager.default.fileExists(atPath: stamped.path), rename(stamped.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: stamped)
            throw PDFError(path: file.path, message: "the stamped PDF could not replace the printed one")
        }
        pdf.metadata = .init(stampedBy: "poppler-glib \(PDFDocument.popplerVersion)", title: metadata.title, subject: metadata.subject,
                             keywords: metadata.keywords, creator: metadata.creator, creationDate: UTCTime.milliseconds(started))
    }
}

/// Whether a text from the page is in a PDF's text as poppler extracts it.
///
/// Beyond white space, a PDF's text differs from the page's in ways that say nothing about
/// completeness: emoji and symbols come out elsewhere or not at all, a run of text after an emoji
/// may be placed before it, bidirectional controls are added around Arabic and Hebrew, combining
/// marks are stored in glyph order, and runs set in another font (CJK, Arabic) may be split. So
/// both sides are reduced to words of letters and digits (NFKC, lower case, no marks). Words in
/// Latin, Greek and Cyrillic must all occur close together: within one stretch of the PDF's words
/// no longer than twice the item's plus 24. Letters of other scripts must all be present.
public struct PDFTextMatch: Sendable {
    private let words: [String]
    private let letters: [Character: Int]

    public init(pdfText: String) {
        let (ordered, other) = Self.tokens(pdfText)
        words = ordered
        letters = (ordered.joined() + other.joined()).reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// White space folded to single spaces, soft hyphens dropped.
    public static func folded(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{00ad}", with: "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func keeps(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter, .decimalNumber: return true
        default: return false
        }
    }

    /// Latin, Greek and Cyrillic (and digits) keep their order in a PDF's text.
    static func ordered(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x24F, 0x370...0x52F, 0x1E00...0x1FFF: return true
        default: return false
        }
    }

    /// Words of ordered scripts, and runs of other scripts.
    static func tokens(_ text: String) -> (ordered: [String], other: [String]) {
        var ordered: [String] = [], other: [String] = []
        var current = String.UnicodeScalarView(), currentOrdered = true
        func flush() {
            guard !current.isEmpty else { return }
            if currentOrdered { ordered.append(String(current)) } else { other.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            guard keeps(scalar) else { flush(); continue }
            let isOrdered = Self.ordered(scalar)
            if isOrdered != currentOrdered { flush(); currentOrdered = isOrdered }
            current.append(scalar)
        }
        flush()
        return (ordered, other)
    }

    public func contains(_ text: String) -> Bool {
        let (itemWords, otherRuns) = Self.tokens(text)
        let needed = otherRuns.joined().reduce(into: [Character: Int]()) { $0[$1, default: 0] += 1 }
        guard needed.allSatisfy({ letters[$0.key, default: 0] >= $0.value }) else { return false }
        guard !itemWords.isEmpty else { return true }
        // A sliding window over the PDF's words that holds every word of the item (as a multiset).
        let want = itemWords.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        let size = 2 * itemWords.count + 24
        var have: [String: Int] = [:], satisfied = 0
        for (index, word) in words.enumerated() {
            if let target = want[word] {
                have[word, default: 0] += 1
                if have[word] == target { satisfied += 1 }
            }
            if index >= size {
                let leaving = words[index - size]
                if let target = want[leaving] {
                    if have[leaving] == target { satisfied -= 1 }
                    have[leaving, default: 0] -= 1
                }
            }
            if satisfied == want.count { return true }
        }
        return false
    }
}
