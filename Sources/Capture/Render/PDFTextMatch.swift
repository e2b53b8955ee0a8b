import Foundation

/// Whether a text from the page is in a PDF's text as poppler extracts it.
///
/// Beyond white space, a PDF's text differs from the page's in ways that say nothing about
/// completeness: emoji and symbols come out elsewhere or not at all, a run of text after an emoji
/// may be placed before it, bidirectional controls are added around Arabic and Hebrew, combining
/// marks are stored in glyph order, and runs set in another font (CJK, Arabic) may be split. So
/// both sides are reduced to words of letters and digits (NFKC, lower case, no marks). Words in
/// Latin, Greek and Cyrillic must all occur close together: within one stretch of the PDF's words
/// no longer than twice the item's plus 24. Letters of other scripts must all be present.
package struct PDFTextMatch: Sendable {
    private let words: [String]
    private let letters: [Character: Int]

    package init(pdfText: String) {
        let (ordered, other) = Self.tokens(pdfText)
        words = ordered
        letters = (ordered.joined() + other.joined()).reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// White space folded to single spaces, soft hyphens dropped.
    package static func folded(_ text: String) -> String {
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

    package func contains(_ text: String) -> Bool {
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
