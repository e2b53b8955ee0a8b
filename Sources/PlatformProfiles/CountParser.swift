import Foundation

/// Turns counts as platforms show them into numbers: "1,2K" and "1.2K" alike, "1,234", "1.234",
/// "3,4 mln", "44 Replies. Reply". Nil when the text holds no count (e.g. "Reply").
package enum CountParser {
    private static let pattern = try? NSRegularExpression(
        pattern: #"(\d[\d.,\u00a0\u202f ]*\d|\d)\s*(k|m|b|mln|mio|mrd|thousand|million|billion|duizend|miljoen)?(?![a-z])"#,
        options: [.caseInsensitive])

    package static func parse(_ text: String) -> Int? {
        guard let pattern, let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let numberRange = Range(match.range(at: 1), in: text) else { return nil }
        let digits = text[numberRange].filter { !$0.isWhitespace && $0 != "\u{00a0}" && $0 != "\u{202f}" }
        let suffix = Range(match.range(at: 2), in: text).map { text[$0].lowercased() }
        let multiplier: Double
        switch suffix {
        case "k", "thousand", "duizend": multiplier = 1_000
        case "m", "mln", "mio", "million", "miljoen": multiplier = 1_000_000
        case "b", "mrd", "billion": multiplier = 1_000_000_000
        default: multiplier = 1
        }
        guard let value = number(String(digits), hasSuffix: suffix != nil) else { return nil }
        return Int((value * multiplier).rounded())
    }

    /// Reads "1,234.5", "1.234,5", "1,2" (with a suffix: a decimal comma) or "1.234" (grouping).
    static func number(_ digits: String, hasSuffix: Bool) -> Double? {
        let separators = digits.filter { $0 == "." || $0 == "," }
        if separators.isEmpty { return Double(digits) }
        if Set(separators).count == 2, let last = digits.lastIndex(where: { $0 == "." || $0 == "," }) {
            let whole = digits[..<last].filter(\.isNumber), fraction = digits[digits.index(after: last)...]
            return Double("\(whole).\(fraction)")
        }
        let groups = digits.split(whereSeparator: { $0 == "." || $0 == "," })
        let grouping = groups.count > 1 && groups.dropFirst().allSatisfy { $0.count == 3 } && !(hasSuffix && groups.count == 2)
        if grouping { return Double(groups.joined()) }
        guard groups.count == 2 else { return Double(groups.joined()) }
        return Double("\(groups[0]).\(groups[1])")
    }
}
