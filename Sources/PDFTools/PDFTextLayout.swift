import CPoppler
import Foundation

/// A rectangle in PostScript points: `x1`,`y1` one corner, `x2`,`y2` the opposite one.
public struct PDFRectangle: Sendable, Equatable, CustomStringConvertible {
    public var x1: Double, y1: Double, x2: Double, y2: Double
    public init(x1: Double, y1: Double, x2: Double, y2: Double) { self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2 }
    public var width: Double { abs(x2 - x1) }
    public var height: Double { abs(y2 - y1) }
    public var description: String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        return "[\(f(x1)), \(f(y1)), \(f(x2)), \(f(y2))]"
    }
}

/// One character of a page's text with the rectangle poppler gives it.
public struct PDFGlyph: Sendable {
    /// The character as poppler extracts it (a line break or space between words has a box too).
    public var character: String
    /// In points from the top-left corner of the page's crop box, y growing downwards: poppler
    /// lays text out on the cropped page, so inside the page means 0...width, 0...height.
    public var box: PDFRectangle
}

extension PDFDocument {
    /// The crop box of one page (0-based) in the PDF's own user space (origin bottom-left), or nil
    /// when there is no such page.
    public func cropBox(ofPage index: Int) -> PDFRectangle? {
        guard index >= 0, index < pageCount, let page = poppler_document_get_page(document, Int32(index)) else { return nil }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        var rect = PopplerRectangle()
        poppler_page_get_crop_box(page, &rect)
        return PDFRectangle(x1: rect.x1, y1: rect.y1, x2: rect.x2, y2: rect.y2)
    }

    /// Every character of one page's text (0-based) with its rectangle, in the order of
    /// ``text(ofPage:)``. poppler drops characters that lie wholly off the page while it reads the
    /// text, so a character whose box reaches past the page was cut by the page's edge.
    public func glyphs(ofPage index: Int) -> [PDFGlyph] {
        guard index >= 0, index < pageCount, let page = poppler_document_get_page(document, Int32(index)) else { return [] }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        guard let text = poppler_page_get_text(page) else { return [] }
        defer { g_free(text) }
        var rectangles: UnsafeMutablePointer<PopplerRectangle>? = nil
        var count: guint = 0
        guard poppler_page_get_text_layout(page, &rectangles, &count) != 0, let rectangles else { return [] }
        defer { g_free(rectangles) }
        // One rectangle per Unicode character of the page's text (poppler counts UTF-8 characters).
        let characters = Array(String(cString: text).unicodeScalars)
        return (0..<min(Int(count), characters.count)).map { i in
            let r = rectangles[i]
            return PDFGlyph(character: String(characters[i]), box: PDFRectangle(x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2))
        }
    }

    /// The glyphs of one page whose boxes reach more than `tolerance` points past the page's crop
    /// box (blanks are ignored: poppler gives a line break a box of its own).
    public func glyphsOutsideCropBox(ofPage index: Int, tolerance: Double = 0.5) -> [PDFGlyph] {
        guard let crop = cropBox(ofPage: index) else { return [] }
        return glyphs(ofPage: index).filter { glyph in
            guard !glyph.character.allSatisfy(\.isWhitespace) else { return false }
            let b = glyph.box
            return min(b.x1, b.x2) < -tolerance || min(b.y1, b.y2) < -tolerance
                || max(b.x1, b.x2) > crop.width + tolerance || max(b.y1, b.y2) > crop.height + tolerance
        }
    }
}
