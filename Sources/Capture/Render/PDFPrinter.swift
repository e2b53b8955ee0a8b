import DevTools
import Evidence
import Foundation
import PDFTools

/// Printing with Chromium: `Page.printToPDF` streamed to disk with `IO.read`, never held whole.
package enum PDFPrinter {
    /// The tallest page a PDF may have: 200 inches (14,400 pt), the limit PDF readers honour.
    static let maxPageInches = 200.0

    /// Prints with `command` and streams the PDF to `file`. A PDF cut short is removed, never left
    /// lying in the capture folder as if it were one.
    static func stream(_ command: PageCommands.PrintToPDF, on session: PageSession, to file: URL) async throws {
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
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }

    /// The paginated PDF's margins: Chromium's default (1 cm), given explicitly so that the
    /// printable width the scale is worked out from is the one Chromium prints on.
    static let marginInches = 1 / 2.54
    /// The print scales `Page.printToPDF` accepts.
    package static let scales = 0.1...2.0

    /// How the page's width is fitted to the paper's.
    package struct Fit: Equatable, Sendable {
        package var scale: Double
        package var contentWidth: Int
        package var printableWidth: Int
        /// CSS px beyond the paper's right edge at `scale`, at most (Chromium may shrink an
        /// overflowing page further by itself); nil when nothing is cut.
        package var cutWidth: Int?
        package var reason: String
    }

    /// The scale that fits `contentWidth` CSS px on `paper` between the margins. Only ever a scale
    /// down: a page that fits is printed as it is, and one too wide is shrunk, not relaid out to
    /// the paper, so the PDF keeps the layout the screenshot shows.
    package static func fit(contentWidth: Int, paper: CaptureOptions.Paper) -> Fit {
        // Rounded down, so the page laid out at 1 / scale times the printable width is never narrower than the document.
        let printable = Int(((paper.inches.width - 2 * marginInches) * 96).rounded(.down))
        let paperName = "\(paper.rawValue.uppercased()) less 1 cm margins"
        guard contentWidth > printable else {
            return Fit(scale: 1, contentWidth: contentWidth, printableWidth: printable, cutWidth: nil,
                       reason: "the page is \(contentWidth) CSS px wide and fits the \(printable) CSS px of the paper (\(paperName)) at scale 1")
        }
        // The nudge keeps an exact ratio (718 / 7,180 = 0.1) from falling a step short in floating point.
        let wanted = (Double(printable) / Double(contentWidth) * 10_000 + 1e-9).rounded(.down) / 10_000
        guard wanted >= scales.lowerBound else {
            let held = Int((Double(printable) / scales.lowerBound).rounded())
            return Fit(scale: scales.lowerBound, contentWidth: contentWidth, printableWidth: printable, cutWidth: contentWidth - held,
                       reason: "the page is \(contentWidth) CSS px wide; at the least scale Chromium prints (\(scales.lowerBound)) the paper "
                        + "(\(paperName)) holds \(held) CSS px, so up to \(contentWidth - held) CSS px on the right may be missing from the PDF "
                        + "(Chromium shrinks an overflowing page further by itself, by up to 1.5 times as measured on Chromium 156, "
                        + "so less may be cut)")
        }
        return Fit(scale: wanted, contentWidth: contentWidth, printableWidth: printable, cutWidth: nil,
                   reason: "the page is \(contentWidth) CSS px wide, wider than the \(printable) CSS px of the paper (\(paperName)); "
                    + "scaled to \(wanted) so that its whole width is on the pages")
    }

    /// The captured page as page.pdf (paginated on the paper, or one viewport-wide page), in the
    /// media the options ask for, then opened with poppler for its page sizes. The paginated PDF is
    /// scaled down to the paper's width when the page is wider (measured in `world`, where page
    /// scripts cannot fake the width, under the media printed).
    static func printPage(_ session: PageSession, world: IsolatedWorld, options: CaptureOptions, to file: URL) async throws -> CaptureRecord.PDF {
        _ = try await session.send(EmulationCommands.SetEmulatedMedia(media: options.pdfMedia.rawValue))
        let command: PageCommands.PrintToPDF
        let paperName: String
        var fit: Fit?
        var importantPageRules: [String] = []
        if options.pdfLayout == .single {
            // One page as wide as the viewport and as tall as the document, up to 200 inches; Chromium
            // continues a taller document on further pages of the same size.
            let height: Double = try await session.run(.documentHeight) ?? 0
            let width = Double(options.viewportWidth) / 96
            command = .init(paperWidth: width, paperHeight: min(max(height, 1) / 96, maxPageInches), margins: 0)
            paperName = "viewport width"
        } else {
            let paper = options.paper.inches
            let width: Double = try await world.run(.documentWidth) ?? 0
            let fitted = Self.fit(contentWidth: Int(width.rounded(.up)), paper: options.paper)
            fit = fitted
            struct PageRules: Decodable, Sendable { let important: [String]; let unreadable: Int }
            importantPageRules = (try await world.run(.pageRules) as PageRules?)?.important ?? []
            command = .init(paperWidth: paper.width, paperHeight: paper.height, margins: marginInches, scale: fitted.scale)
            paperName = options.paper.rawValue
        }
        try await stream(command, on: session, to: file)
        // Back to the page's own media, so nothing after this step sees the emulation.
        _ = try await session.send(EmulationCommands.SetEmulatedMedia(media: ""))
        let document = try PDFDocument(path: file.path)
        guard document.pageCount > 0 else { throw PDFError(path: file.path, message: "the PDF has no pages") }
        let sizes = document.pageSizes.map { [($0.width * 100).rounded() / 100, ($0.height * 100).rounded() / 100] }
        var record = CaptureRecord.PDF(file: "page.pdf", layout: options.pdfLayout.rawValue, paper: paperName, media: options.pdfMedia.rawValue,
                                       pageCount: document.pageCount, pageSizesPoints: sizes,
                                       sha256AsPrinted: try FileDigest(fileAt: file.path).sha256,
                                       textCheck: .init(itemsChecked: 0, found: 0, missing: []), metadata: nil)
        if let fit {
            record.scale = fit.scale
            record.contentWidth = fit.contentWidth
            record.printableWidth = fit.printableWidth
            record.scaleReason = fit.reason
            record.cutWidth = fit.cutWidth
            record.pageRulesKept = importantPageRules.isEmpty ? nil : importantPageRules
        }
        return record
    }
}
