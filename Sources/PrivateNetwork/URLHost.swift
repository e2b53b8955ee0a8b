import Foundation

/// The host of an http(s) URL as a browser reads it: an IP address, whatever its spelling, or a
/// name to be resolved.
///
/// Chromium follows the WHATWG URL Standard's host parser: a host whose last label is a number is
/// an IPv4 address, and its parts may be decimal, octal (`0177`) or hexadecimal (`0x7f`), and fewer
/// than four (`127.1`, `2130706433`). So `http://0x7f.1/` is loopback, and a policy that took it for
/// a name would let it through. This type reads hosts the same way, and what it cannot read is
/// ``invalid``, never a name.
public enum URLHost: Equatable, Sendable {
    case address(IPAddress)
    /// A domain name: lower case, without a trailing dot.
    case name(String)
    /// Not a host a browser would accept (why, in words); a policy refuses it.
    case invalid(String)

    /// Reads `host` as it stands between `//` and the port: brackets around IPv6, percent-escapes
    /// and full-width characters allowed.
    public init(parsing host: String) {
        if host.hasPrefix("[") || host.hasSuffix("]") {
            // A zone (`%eth0`) is not allowed in a URL.
            guard host.hasPrefix("["), host.hasSuffix("]"), !host.contains("%"),
                  let value = IPAddress.parseIPv6(host.dropFirst().dropLast()) else {
                self = .invalid("'\(host)' is not an IPv6 address")
                return
            }
            self = .address(.v6(value))
            return
        }
        guard let decoded = host.removingPercentEncoding else {
            self = .invalid("'\(host)' has a broken percent-escape")
            return
        }
        // UTS 46 mapping, as far as it matters here: compatibility forms (full-width digits and
        // letters) fold to ASCII, ideographic full stops become dots, and case is folded, so
        // "１２７。０。０。１" is read as the 127.0.0.1 the browser will see.
        let mapped = decoded.precomposedStringWithCompatibilityMapping
            .replacingOccurrences(of: "\u{3002}", with: ".").replacingOccurrences(of: "\u{FF0E}", with: ".")
            .replacingOccurrences(of: "\u{FF61}", with: ".").lowercased()
        guard !mapped.isEmpty else {
            self = .invalid("the host is empty")
            return
        }
        var labels = mapped.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        if let last = labels.last, Self.isNumber(last) {
            guard let value = Self.parseIPv4(labels) else {
                self = .invalid("'\(host)' ends in a number but is not an IPv4 address")
                return
            }
            self = .address(.v4(value))
            return
        }
        self = .name(labels.joined(separator: "."))
    }

    /// WHATWG "ends in a number": all digits, or `0x` followed by hex digits (or nothing).
    static func isNumber(_ label: Substring) -> Bool {
        guard !label.isEmpty else { return false }
        if label.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        let lower = label.lowercased()
        return lower.hasPrefix("0x") && lower.dropFirst(2).allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// WHATWG IPv4 parser: one to four parts, each decimal, octal (leading 0) or hex (0x); every
    /// part but the last at most 255, the last filling the remaining bytes.
    static func parseIPv4(_ labels: [Substring]) -> UInt32? {
        guard (1...4).contains(labels.count) else { return nil }
        var numbers: [UInt64] = []
        for label in labels {
            guard !label.isEmpty else { return nil }
            let lower = label.lowercased()
            let number: UInt64?
            if lower.hasPrefix("0x") {
                let digits = lower.dropFirst(2)
                number = digits.isEmpty ? 0 : (digits.count <= 16 ? UInt64(digits, radix: 16) : nil)
            } else if lower.count > 1, lower.hasPrefix("0") {
                let digits = lower.dropFirst()
                number = digits.count <= 22 ? UInt64(digits, radix: 8) : nil
            } else {
                number = lower.count <= 19 ? UInt64(lower, radix: 10) : nil
            }
            guard let number else { return nil }
            numbers.append(number)
        }
        guard let last = numbers.last, numbers.dropLast().allSatisfy({ $0 <= 255 }),
              last < (UInt64(1) << (8 * (5 - numbers.count))) else { return nil }
        var value = last
        for (index, number) in numbers.dropLast().enumerated() { value += number << (8 * (3 - index)) }
        return UInt32(value)
    }
}
