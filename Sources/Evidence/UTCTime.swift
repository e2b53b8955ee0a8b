import Foundation

/// The UTC time formats Exhibit writes into evidence, in one place so every file agrees.
public enum UTCTime {
    /// ISO 8601 with milliseconds and `Z`: `2026-11-25T14:35:12.345Z` (capture.json).
    public static func milliseconds(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `2026-11-25` (BagIt `Bagging-Date`).
    public static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }

    /// `20261125T143512Z` (capture folder names: sortable, no characters any file system refuses).
    public static func compact(_ date: Date) -> String { format(date, "yyyyMMdd'T'HHmmss'Z'") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
