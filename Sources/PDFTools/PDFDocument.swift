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
    private let document: OpaquePointer
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

    /// The text of all pages, joined by newlines.
    public var text: String { (0..<pageCount).map(text(ofPage:)).joined(separator: "\n") }
}
