import CPoppler
import Foundation

/// Why a PDF could not be read.
public struct PDFError: Error, CustomStringConvertible, Sendable {
    /// The file that was being read.
    public var path: String
    /// poppler's message.
    public var message: String
    public var description: String { "PDF \(path): \(message)" }
    public init(path: String, message: String) { self.path = path; self.message = message }
}

/// A PDF opened with poppler-glib, for checking what the browser printed.
///
/// Not `Sendable`: poppler documents are GObjects used from one thread at a time.
public final class PDFDocument {
    let document: OpaquePointer
    /// The file this document was read from.
    public let path: String

    /// Opens the file; throws if poppler cannot parse it.
    public init(path: String) throws {
        self.path = path
        let uri = URL(fileURLWithPath: path).absoluteString
        var error: UnsafeMutablePointer<GError>? = nil
        guard let document = poppler_document_new_from_file(uri, nil, &error) else {
            var message = "poppler could not open it"
            if let error {
                if let text = error.pointee.message { message = String(cString: text) }
                g_error_free(error)
            }
            throw PDFError(path: path, message: message)
        }
        self.document = document
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(document)) }

    /// Number of pages.
    public var pageCount: Int { Int(poppler_document_get_n_pages(document)) }

    /// Size of every page in PostScript points (1/72 inch).
    public var pageSizes: [(width: Double, height: Double)] {
        (0..<pageCount).compactMap { index in
            guard let page = poppler_document_get_page(document, Int32(index)) else { return nil }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            return (width, height)
        }
    }

    /// The text poppler extracts from one page (0-based).
    public func text(ofPage index: Int) -> String {
        guard index >= 0, index < pageCount,
              let page = poppler_document_get_page(document, Int32(index)) else { return "" }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        guard let text = poppler_page_get_text(page) else { return "" }
        defer { g_free(text) }
        return String(cString: text)
    }

    /// The version of poppler doing the reading and stamping, for the record.
    public static var popplerVersion: String { String(cString: poppler_get_version()) }

    /// The document information to stamp (each value replaces what the file had).
    public struct Metadata: Sendable {
        public var title: String
        public var subject: String
        public var keywords: String
        public var creator: String
        public var creationDate: Date
        public init(title: String, subject: String, keywords: String, creator: String, creationDate: Date) {
            self.title = title; self.subject = subject; self.keywords = keywords; self.creator = creator; self.creationDate = creationDate
        }
    }

    /// Sets the document information and saves the document to `destination` (a new file: the
    /// caller swaps it in, so a failed save never leaves a half-written PDF).
    public func stamp(_ metadata: Metadata, savingTo destination: String) throws {
        poppler_document_set_title(document, metadata.title)
        poppler_document_set_subject(document, metadata.subject)
        poppler_document_set_keywords(document, metadata.keywords)
        poppler_document_set_creator(document, metadata.creator)
        let seconds = Int(metadata.creationDate.timeIntervalSince1970.rounded(.down))
        if let date = g_date_time_new_from_unix_utc(seconds) {
            poppler_document_set_creation_date_time(document, date)
            g_date_time_unref(date)
        }
        var error: UnsafeMutablePointer<GError>? = nil
        let uri = URL(fileURLWithPath: destination).absoluteString
        if poppler_document_save(document, uri, &error) == 0 {
            var message = "poppler could not save it"
            if let error {
                if let text = error.pointee.message { message = String(cString: text) }
                g_error_free(error)
            }
            throw PDFError(path: destination, message: message)
        }
    }

    /// The document information as poppler reads it back: title, subject, keywords, creator,
    /// producer, and the creation date as Unix seconds.
    public var info: [String: String] {
        func string(_ value: UnsafeMutablePointer<gchar>?) -> String? {
            guard let value else { return nil }
            defer { g_free(value) }
            return String(cString: value)
        }
        var result: [String: String] = [:]
        result["Title"] = string(poppler_document_get_title(document))
        result["Subject"] = string(poppler_document_get_subject(document))
        result["Keywords"] = string(poppler_document_get_keywords(document))
        result["Creator"] = string(poppler_document_get_creator(document))
        result["Producer"] = string(poppler_document_get_producer(document))
        if let date = poppler_document_get_creation_date_time(document) {
            result["CreationDate"] = String(g_date_time_to_unix(date))
            g_date_time_unref(date)
        }
        return result
    }

    /// Renders one page (0-based) to a PNG `width` pixels wide, with cairo (white background).
    public func renderPage(_ index: Int, toPNG destination: String, width: Int) throws {
        guard index >= 0, index < pageCount, let page = poppler_document_get_page(document, Int32(index)) else {
            throw PDFError(path: path, message: "there is no page \(index + 1)")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        var pageWidth = 0.0, pageHeight = 0.0
        poppler_page_get_size(page, &pageWidth, &pageHeight)
        let scale = Double(width) / max(pageWidth, 1)
        let height = max(1, Int((pageHeight * scale).rounded()))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw PDFError(path: path, message: "cairo could not make a \(width)x\(height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        guard let context = cairo_create(surface) else { throw PDFError(path: path, message: "cairo could not draw") }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_scale(context, scale, scale)
        poppler_page_render_for_printing(page, context)
        cairo_destroy(context)
        cairo_surface_flush(surface)
        guard cairo_surface_write_to_png(surface, destination) == CAIRO_STATUS_SUCCESS else {
            throw PDFError(path: destination, message: "cairo could not write the PNG")
        }
    }

    /// The text of all pages, joined by newlines.
    public var text: String { (0..<pageCount).map(text(ofPage:)).joined(separator: "\n") }
}

/// A page rendered to PNG by poppler's `pdftoppm` in a child process. Rendering fonts in this
/// process fills cairo's and FreeType's process-wide caches, which a long batch then carries
/// for ever (measured: resident memory grew 14 % from the 50th to the 200th capture with PDFs,
/// 2 % without); a child takes its caches with it when it exits.
public enum PDFChildRenderer {
    public static let executable = "/usr/bin/pdftoppm"

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Renders page `index` (0-based) of `path` to a PNG `width` pixels wide at `destination`.
    public static func renderPage(_ index: Int, of path: String, toPNG destination: String, width: Int, timeout: Double = 60) throws {
        let prefix = destination + ".render-\(UUID().uuidString.prefix(8))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-f", String(index + 1), "-l", String(index + 1), "-png", "-singlefile",
                             "-scale-to-x", String(width), "-scale-to-y", "-1", path, prefix]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw PDFError(path: path, message: "pdftoppm could not start: \(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: prefix + ".png")
            throw PDFError(path: path, message: "pdftoppm did not render page \(index + 1) within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile().prefix(300), as: UTF8.self)
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: prefix + ".png") else {
            try? FileManager.default.removeItem(atPath: prefix + ".png")
            throw PDFError(path: path, message: "pdftoppm failed (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try? FileManager.default.removeItem(atPath: destination)
        do { try FileManager.default.moveItem(atPath: prefix + ".png", toPath: destination) }
        catch { throw PDFError(path: path, message: "cannot place the rendered page: \(error)") }
    }
}
