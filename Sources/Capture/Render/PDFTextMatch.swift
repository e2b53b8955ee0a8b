import Foundation

/// Whether a text from the page is in a PDF's text as poppler extracts it.
///
/// Beyond white space, a PDF's text differs from the page's in ways that say nothing about
/// completeness: emoji and symbols come out elsewhere or not at all, bidirectional controls are
/// added around Arabic and Hebrew, combining marks are stored in glyph order, a line may end in a
/// hyphen the page did not have, and scripts written without spaces between words wrap anywhere.
/// So both sides are normalised (NFKC, lower case, no combining marks, no soft hyphens) and read
/// in three ways, by script:
/// - spaced scripts that keep their order (Latin, Greek, Cyrillic, Hangul, digits) as words: all
///   of an item's words must occur within one stretch of the PDF's words no longer than twice the
///   item's plus 24, with words hyphenated at a line end read both joined and apart;
/// - scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) as runs
///   with every white space dropped, so a line break inside a word joins up again: each run of the
///   item (between punctuation, emoji or other scripts) must occur in the PDF's runs as one
///   piece, or, when it is short (a run set in another font is sometimes split and reordered),
///   as two;
/// - the remaining scripts (Arabic, Hebrew, …), whose order bidirectional output may change, as
///   letters: all of the item's must be there.
package struct PDFTextMatch: Sendable {
    private let words: [String]
    /// ``words`` with each word hyphenated at a line end joined to the next.
    private let joinedWords: [String]
    /// The runs of unspaced scripts, each with its white space dropped, between separators.
    private let unspaced: [Unicode.Scalar]
    private let letters: [Character: Int]

    /// Runs of an unspaced script no longer than this may be found in two pieces.
    static let splittableRun = 12

    package init(pdfText: String) {
        let tokens = Self.tokens(pdfText)
        words = tokens.ordered
        // Most PDFs have no word hyphenated at a line end: then the joined reading is the same one.
        let joined = Self.joiningHyphenatedLineEnds(pdfText)
        joinedWords = joined == pdfText.replacingOccurrences(of: "\u{00ad}", with: "") ? words : Self.tokens(joined).ordered
        unspaced = Array(tokens.unspaced.joined(separator: "\u{1}").unicodeScalars)
        letters = tokens.other.joined().reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// White space folded to single spaces, soft hyphens dropped.
    package static func folded(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{00ad}", with: "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `werkzaam-⏎heden` → `werkzaamheden`: a hyphen between letters at the end of a line.
    static func joiningHyphenatedLineEnds(_ text: String) -> String {
        // Chromium keeps the soft hyphens it broke at in the PDF's text, before the hyphen it drew.
        text.replacingOccurrences(of: "\u{00ad}", with: "")
            .replacingOccurrences(of: #"(\p{L})[-\x{2010}][ \t]*\r?\n\s*(\p{L})"#, with: "$1$2", options: .regularExpression)
    }

    static func keeps(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter, .decimalNumber: return true
        default: return false
        }
    }

    enum Script { case ordered, unspaced, other }

    static func script(_ scalar: Unicode.Scalar) -> Script {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x24F, 0x370...0x52F, 0x1E00...0x1FFF,
             0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF:
            return .ordered
        case 0x0E00...0x0EFF,                   // Thai, Lao
             0x1000...0x109F,                   // Myanmar
             0x1780...0x17FF, 0x19E0...0x19FF,  // Khmer
             0x3040...0x30FF, 0x31F0...0x31FF,  // Hiragana, Katakana
             0x3005...0x3007, 0x3021...0x3029,  // ideographic iteration and number marks
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F:  // Han
            return .unspaced
        default:
            return .other
        }
    }

    /// Words of spaced ordered scripts, runs of unspaced scripts (white space inside them
    /// dropped), and runs of other scripts.
    static func tokens(_ text: String) -> (ordered: [String], unspaced: [String], other: [String]) {
        var ordered: [String] = [], unspaced: [String] = [], other: [String] = []
        var current = String.UnicodeScalarView(), currentScript = Script.ordered
        func flush() {
            guard !current.isEmpty else { return }
            switch currentScript {
            case .ordered: ordered.append(String(current))
            case .unspaced: unspaced.append(String(current))
            case .other: other.append(String(current))
            }
            current = String.UnicodeScalarView()
        }
        for scalar in text.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            let category = scalar.properties.generalCategory
            if category == .nonspacingMark || category == .enclosingMark || scalar == "\u{00ad}" { continue }
            // Inside a run of an unspaced script, white space is where a line wrapped, not a word break.
            if scalar.properties.isWhitespace && currentScript == .unspaced { continue }
            guard keeps(scalar) else { flush(); continue }
            let script = Self.script(scalar)
            if script != currentScript { flush(); currentScript = script }
            current.append(scalar)
        }
        flush()
        return (ordered, unspaced, other)
    }

    package func contains(_ text: String) -> Bool {
        let tokens = Self.tokens(text)
        let needed = tokens.other.joined().reduce(into: [Character: Int]()) { $0[$1, default: 0] += 1 }
        guard needed.allSatisfy({ letters[$0.key, default: 0] >= $0.value }) else { return false }
        for run in tokens.unspaced where !containsRun(Array(run.unicodeScalars)) { return false }
        guard !tokens.ordered.isEmpty else { return true }
        return Self.window(holding: tokens.ordered, in: words) || Self.window(holding: tokens.ordered, in: joinedWords)
    }

    private func containsRun(_ run: [Unicode.Scalar]) -> Bool {
        if Self.find(run[...], in: unspaced) { return true }
        guard run.count <= Self.splittableRun else { return false }
        return (1..<run.count).contains { cut in Self.find(run[..<cut], in: unspaced) && Self.find(run[cut...], in: unspaced) }
    }

    private static func find(_ needle: ArraySlice<Unicode.Scalar>, in haystack: [Unicode.Scalar]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// Whether some stretch of `words` no longer than twice the item's plus 24 holds every word of
    /// `item` (as a multiset).
    private static func window(holding item: [String], in words: [String]) -> Bool {
        let want = item.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        let size = 2 * item.count + 24
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
