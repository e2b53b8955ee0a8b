import Foundation

/// The time format of session files: ISO 8601 UTC to the second, as people read and write it.
enum ISOTime {
    /// `2026-12-01T23:15:00Z`; fractions of a second are dropped.
    static func string(_ date: Date) -> String {
        Date.ISO8601FormatStyle(timeZone: .gmt).format(date)
    }

    /// A time written with or without fractional seconds (other tools write milliseconds).
    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
    }
}
