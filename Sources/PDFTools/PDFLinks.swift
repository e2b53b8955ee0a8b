import CPoppler
import Foundation

extension PDFDocument {
    /// A link of the PDF: where it points (a URI, or the file a launch action opens) and where it is.
    public struct Link: Sendable, Equatable {
        /// Page index, from 0.
        public var page: Int
        public var target: String
        /// The link's rectangle in PDF points.
        public var area: [Double]
    }

    /// Every link whose action points outside the document (URI and launch actions).
    public func links() -> [Link] {
        var result: [Link] = []
        for index in 0..<pageCount {
            guard let page = poppler_document_get_page(document, Int32(index)) else { continue }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            guard let mapping = poppler_page_get_link_mapping(page) else { continue }
            defer { poppler_page_free_link_mapping(mapping) }
            Self.forEach(mapping, as: PopplerLinkMapping.self) { link in
                if let target = Self.target(of: link.action) {
                    result.append(Link(page: index, target: target, area: [link.area.x1, link.area.y1, link.area.x2, link.area.y2]))
                }
            }
        }
        return result
    }

    private static func target(of action: UnsafeMutablePointer<PopplerAction>?) -> String? {
        guard let action else { return nil }
        switch action.pointee.type {
        case POPPLER_ACTION_URI: return action.pointee.uri.uri.map { String(cString: $0) }
        case POPPLER_ACTION_LAUNCH: return action.pointee.launch.file_name.map { "launch:" + String(cString: $0) }
        default: return nil
        }
    }

    /// Removes the link annotations whose target `remove` picks (in memory; ``stamp(_:savingTo:)``
    /// saves the result). Returns the links removed.
    public func removeLinks(where remove: (String) -> Bool) -> [Link] {
        let doomed = links().filter { remove($0.target) }
        var removed: [Link] = []
        for index in Set(doomed.map(\.page)) {
            guard let page = poppler_document_get_page(document, Int32(index)) else { continue }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            guard let mapping = poppler_page_get_annot_mapping(page) else { continue }
            defer { poppler_page_free_annot_mapping(mapping) }
            Self.forEach(mapping, as: PopplerAnnotMapping.self) { annot in
                if let object = annot.annot, poppler_annot_get_annot_type(object) == POPPLER_ANNOT_LINK,
                   let match = doomed.first(where: { link in
                       link.page == index && zip(link.area, [annot.area.x1, annot.area.y1, annot.area.x2, annot.area.y2])
                           .allSatisfy { abs($0 - $1) < 0.5 } }) {
                    poppler_page_remove_annot(page, object)
                    removed.append(match)
                }
            }
        }
        return removed
    }

    /// Calls `body` with each element of a GList of `Element` structs (poppler's mappings).
    private static func forEach<Element>(_ list: UnsafeMutablePointer<GList>, as _: Element.Type, _ body: (Element) -> Void) {
        var node: UnsafeMutablePointer<GList>? = list
        while let current = node {
            if let data = current.pointee.data { body(data.assumingMemoryBound(to: Element.self).pointee) }
            node = current.pointee.next
        }
    }
}
