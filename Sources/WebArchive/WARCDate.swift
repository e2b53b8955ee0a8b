import Foundation

/// The two time forms a web archive uses: WARC-Date (W3C-DTF in UTC; WARC 1.1 allows a
/// fraction, kept to milliseconds because replay tools parse that many) and the 14-digit
/// timestamp of CDXJ lines and replay URLs.
public enum WARCDate {
    /// `2025-01-02T03:04:05.678Z`.
    public static func warcDate(_ date: Date) -> String {
        let c = components(date)
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0, (millis + 1000) % 1000)
    }

    /// `20250102030405`.
    public static func timestamp14(_ date: Date) -> String {
        let c = components(date)
        return String(format: "%04d%02d%02d%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// Reads a WARC-Date with or without a fraction; nil when it is not one.
    public static func parse(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return withFraction.date(from: text) ?? plain.date(from: text)
    }

    private static func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}
