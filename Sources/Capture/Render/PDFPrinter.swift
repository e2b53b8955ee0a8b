import DevTools
import Evidence
import Foundation
import PDFTools

/// Printing with Chromium: `Page.printToPDF` streamed to disk with `IO.read`, never held whole.
enum PDFPrinter {
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

    /// The captured page as page.pdf (paginated on the paper, or one viewport-wide page), in the
    /// media the options ask for, then opened with poppler for its page sizes.
    static func printPage(_ session: PageSession, options: CaptureOptions, to file: URL) async throws -> CaptureRecord.PDF {
        _ = try await session.send(EmulationCommands.SetEmulatedMedia(media: options.pdfMedia.rawValue))
        let command: PageCommands.PrintToPDF
        let paperName: String
        if options.pdfLayout == .single {
            // One page as wide as the viewport and as tall as the document, up to 200 inches; Chromium
            // continues a taller document on further pages of the same size.
            let height: Double = try await session.run(.documentHeight) ?? 0
            let width = Double(options.viewportWidth) / 96
            command = .init(paperWidth: width, paperHeight: min(max(height, 1) / 96, maxPageInches), margins: 0)
            paperName = "viewport width"
        } else {
            let paper = options.paper.inches
            command = .init(paperWidth: paper.width, paperHeight: paper.height)
            paperName = options.paper.rawValue
        }
        try await stream(command, on: session, to: file)
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
}
