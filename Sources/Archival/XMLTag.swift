import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small XML tree written with two-space indentation: the sidecars and the PREMIS log are
/// built as values, so element order is the order of the code that builds them (the schemas'
/// sequences), and every text and attribute passes through one escaper.
public struct XMLTag: Sendable, Equatable {
    public var name: String
    public var attributes: [(String, String)]
    public var children: [XMLTag]
    /// Text content; a tag has text or children, never both.
    public var text: String?
    /// As read: the element's namespace URI and its name as written (with any prefix). Nil for
    /// tags built to be written, which take their namespace from the root's `xmlns`.
    public var namespace: String? = nil
    public var qualifiedName: String? = nil

    public init(_ name: String, attributes: [(String, String)] = [], text: String) {
        self.name = name
        self.attributes = attributes
        self.children = []
        self.text = text
    }

    public init(_ name: String, attributes: [(String, String)] = [], _ children: [XMLTag?]) {
        self.name = name
        self.attributes = attributes
        self.children = children.compactMap { $0 }
        self.text = nil
    }

    public static func == (a: XMLTag, b: XMLTag) -> Bool {
        a.name == b.name && a.text == b.text && a.children == b.children
            && a.attributes.map(\.0) == b.attributes.map(\.0) && a.attributes.map(\.1) == b.attributes.map(\.1)
    }

    /// An element with text, or nil when the text is absent or blank: optional elements are left
    /// out rather than written empty.
    public static func optional(_ name: String, _ text: String?) -> XMLTag? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return XMLTag(name, text: text)
    }

    /// True when this element and every element below it were read in `namespace`.
    public func isIn(_ namespace: String) -> Bool {
        self.namespace == namespace && children.allSatisfy { $0.isIn(namespace) }
    }

    /// The first child with this name.
    public func child(_ name: String) -> XMLTag? { children.first { $0.name == name } }

    /// Every child with this name.
    public func children(_ name: String) -> [XMLTag] { children.filter { $0.name == name } }

    /// The document: declaration, this element, newline.
    public var document: String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        write(into: &out, depth: 0)
        return out
    }

    /// This element alone, indented for `depth`, for inserting into a document's bytes.
    public func fragment(depth: Int) -> String {
        var out = ""
        write(into: &out, depth: depth)
        return out
    }

    private func write(into out: inout String, depth: Int) {
        let indent = String(repeating: "  ", count: depth)
        out += indent + "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(Self.escape(value, attribute: true))\"" }
        if let text {
            out += ">" + Self.escape(text, attribute: false) + "</" + name + ">\n"
        } else if children.isEmpty {
            out += "/>\n"
        } else {
            out += ">\n"
            for child in children { child.write(into: &out, depth: depth + 1) }
            out += indent + "</" + name + ">\n"
        }
    }

    /// Escapes markup characters, and replaces with U+FFFD each character XML 1.0 cannot carry at
    /// all (C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF): page text can hold them, and
    /// one would make the whole sidecar unreadable.
    public static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\t" where attribute: out += "&#9;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF || (0x7F...0x84).contains(scalar.value)
                    || (0x86...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// True when `escape` would replace a character of `text`.
    public static func hasUnwritableCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { s in
            (s.value < 0x20 && s != "\t" && s != "\n" && s != "\r") || s.value == 0xFFFE || s.value == 0xFFFF
                || (0x7F...0x84).contains(s.value) || (0x86...0x9F).contains(s.value)
        }
    }
}

/// Reads an XML document into ``XMLTag`` values with Foundation's parser (no DTDs, no external
/// entities: a bag handed to `verify` is hostile). Namespace prefixes are dropped from names.
public enum XMLTagReader {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The root element, or a failure naming the line where parsing stopped. A document type
    /// declaration anywhere is refused (no entity of a hostile file is ever expanded or dropped),
    /// CDATA sections are read as the text they are, and a tag holding both text and elements is
    /// refused: none of Exhibit's formats has mixed content, and a reader that skipped part of it
    /// would see other text than another parser does.
    public static func read(_ data: Data) throws -> XMLTag {
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil
            || data.range(of: Data("<!doctype".utf8)) != nil {
            throw Failure(description: "a document type declaration is not accepted")
        }
        let delegate = Builder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let parsed = parser.parse()
        if let problem = delegate.problem { throw Failure(description: problem) }
        guard parsed, let root = delegate.root else {
            throw Failure(description: "not well-formed XML (line \(parser.lineNumber)): \(parser.parserError.map { "\($0)" } ?? "no root element")")
        }
        if let problem = delegate.problem { throw Failure(description: problem) }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLTag] = []
        var texts: [String] = []
        /// Per open element: whether text other than white space was seen in it (kept as a flag,
        /// so a long run of siblings costs nothing per sibling).
        var hasText: [Bool] = []
        var root: XMLTag?
        var problem: String?
        /// Exhibit's formats nest a dozen levels; deeper is hostile (the tree is walked recursively).
        static let maxDepth = 64

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            var tag = XMLTag(local, attributes: attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, [])
            tag.namespace = namespaceURI ?? ""
            tag.qualifiedName = qualifiedName ?? elementName
            if hasText.last == true, problem == nil {
                problem = "element \(stack.last?.name ?? "") holds both text and elements"
            }
            if stack.count >= Self.maxDepth {
                problem = problem ?? "elements nested deeper than \(Self.maxDepth) levels"
                parser.abortParsing()
                return
            }
            // An element's own text is not kept once it has children (mixed content is refused).
            if !texts.isEmpty { texts[texts.count - 1] = "" }
            stack.append(tag)
            texts.append("")
            hasText.append(false)
        }

        func append(_ string: String) {
            guard !texts.isEmpty else { return }
            if stack.last?.children.isEmpty == true { texts[texts.count - 1] += string }
            if !hasText[hasText.count - 1], string.contains(where: { !$0.isWhitespace }) { hasText[hasText.count - 1] = true }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { append(string) }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) { append(String(decoding: CDATABlock, as: UTF8.self)) }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard var tag = stack.popLast(), let text = texts.popLast(), let sawText = hasText.popLast() else { return }
            if tag.children.isEmpty { tag.text = text }
            else if sawText, problem == nil {
                problem = "element \(tag.name) holds both text and elements"
            }
            if stack.isEmpty { root = tag } else { stack[stack.count - 1].children.append(tag) }
        }
    }
}
