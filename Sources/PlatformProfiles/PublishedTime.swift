import Foundation

/// A publication time as the page shows it, and as ISO 8601 when it can be known.
public enum PublishedTime {
    /// How the ISO value was obtained.
    public enum Precision: String, Codable, Sendable {
        /// From a machine-readable attribute (e.g. `time[datetime]`).
        case exact
        /// Worked out from a relative time ("2d", "5 hours ago") and the capture time: an estimate.
        case estimated
        /// Not known: nothing on the page says it.
        case unknown
    }

    /// `machine` is an attribute value (ISO 8601 or Unix seconds), `shown` the visible text.
    public static func resolve(machine: String?, shown: String?, capturedAt: Date,
                               timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) -> (iso: String?, precision: Precision, note: String?) {
        if let machine, let date = parseMachine(machine) { return (iso(date), .exact, nil) }
        if let machine, let date = parseShown(machine, timeZone: timeZone) {
            return (iso(date), .exact, "read from '\(machine)' in the page's time zone \(timeZone.identifier)")
        }
        if let shown, let date = parseShown(shown, timeZone: timeZone) {
            return (iso(date), .exact, "read from the text shown in the page's time zone \(timeZone.identifier)")
        }
        if let shown, let (seconds, unit) = relative(shown) {
            return (iso(capturedAt.addingTimeInterval(-seconds)), .estimated, "from the relative time '\(shown)' shown, to within a \(unit)")
        }
        return (nil, .unknown, shown.map { "only '\($0)' is shown" })
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parseMachine(_ value: String) -> Date? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        if let seconds = Double(trimmed), seconds > 1_000_000_000, seconds < 10_000_000_000 { return Date(timeIntervalSince1970: seconds) }
        return nil
    }

    /// Absolute dates as platforms print them ("November 20, 2026 at 9:00 AM", "Nov 20, 2026, 09:00").
    static func parseShown(_ text: String, timeZone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        let cleaned = text.replacingOccurrences(of: "\u{202f}", with: " ").trimmingCharacters(in: .whitespaces)
        for format in ["MMMM d, yyyy 'at' h:mm a", "MMM d, yyyy 'at' h:mm a", "MMM d, yyyy, HH:mm", "MMM d, yyyy, h:mm a",
                       "h:mm a · MMM d, yyyy", "MMMM d, yyyy", "MMM d, yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: cleaned) { return date }
        }
        return nil
    }

    private static let relativePattern = try? NSRegularExpression(
        pattern: #"^(\d+|an?|one)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|u|uur|d|dagen|dag|days?|w|wks?|weeks?|weken|mo|mos|months?|mnd|maanden|maand|y|yrs?|years?|j|jr|jaar)\.?(\s+ago|\s+geleden)?$"#,
        options: [.caseInsensitive])

    /// "5h", "2d", "3w", "5 days ago", "an hour ago" → seconds and the unit's name.
    static func relative(_ shown: String) -> (Double, String)? {
        let text = shown.replacingOccurrences(of: "(edited)", with: "").replacingOccurrences(of: "•", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if ["just now", "now"].contains(text.lowercased()) { return (0, "minute") }
        guard let relativePattern, let match = relativePattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let countRange = Range(match.range(at: 1), in: text), let unitRange = Range(match.range(at: 2), in: text) else { return nil }
        let count = Double(text[countRange]) ?? 1
        let unit = text[unitRange].lowercased()
        // Order matters: month spellings before "m" (minutes); Dutch "u" (uur) and "j" (jaar) included.
        let table: [(String, Double, String)] = [
            ("mo", 30 * 86_400, "month"), ("mnd", 30 * 86_400, "month"), ("maand", 30 * 86_400, "month"),
            ("s", 1, "second"), ("m", 60, "minute"), ("h", 3_600, "hour"), ("u", 3_600, "hour"),
            ("d", 86_400, "day"), ("w", 7 * 86_400, "week"), ("y", 365 * 86_400, "year"), ("j", 365 * 86_400, "year"),
        ]
        return table.first { unit.hasPrefix($0.0) }.map { (count * $0.1, $0.2) }
    }
}
