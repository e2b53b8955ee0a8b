/// An IPv4 or IPv6 address as a number, parsed from its text strictly: this type never resolves a
/// name and never guesses. Host names in URLs, with the odd IPv4 spellings browsers accept, are
/// read by ``URLHost``.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses a dotted-quad IPv4 address (`192.0.2.1`: four decimal parts of at most 255, no
    /// leading zeros) or an IPv6 address in RFC 4291 text (`::1`, `fe80::1%eth0`,
    /// `::ffff:192.0.2.1`), with or without brackets. Anything else is nil.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix("["), body.hasSuffix("]") { body = body.dropFirst().dropLast() }
        if let v4 = Self.parseDottedQuad(body) {
            self = .v4(v4)
        } else if let v6 = Self.parseIPv6(body) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The address with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) taken as the IPv4 address
    /// it stands for: a browser connects to that IPv4 host, so it is the same address.
    public var unmapped: IPAddress {
        if case .v6(let value) = self, value >> 32 == 0xffff { return .v4(UInt32(truncatingIfNeeded: value)) }
        return self
    }

    /// True when the first `bits` bits equal those of `prefix` (of the same family).
    func isIn(_ prefix: IPAddress, bits: Int) -> Bool {
        switch (self, prefix) {
        case (.v4(let a), .v4(let p)):
            return bits == 0 || (a >> (32 - bits)) == (p >> (32 - bits))
        case (.v6(let a), .v6(let p)):
            return bits == 0 || (a >> (128 - bits)) == (p >> (128 - bits))
        default:
            return false
        }
    }

    /// Dotted quad for IPv4; RFC 5952 text for IPv6 (lower case, the longest run of two or more
    /// zero groups shortened to `::`), with IPv4-mapped addresses as `::ffff:a.b.c.d`.
    public var description: String {
        switch self {
        case .v4(let value):
            return Self.dottedQuad(value)
        case .v6(let value):
            if value >> 32 == 0xffff { return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: value)) }
            let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)) }
            // The longest run of zero groups (the first of equal runs), if at least two long.
            var best = (start: -1, length: 0), run = (start: -1, length: 0)
            for (index, group) in groups.enumerated() {
                if group == 0 {
                    run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                    if run.length > best.length { best = run }
                } else {
                    run = (-1, 0)
                }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.length >= 2 else { return hex.joined(separator: ":") }
            let head = hex[..<best.start].joined(separator: ":")
            let tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    static func dottedQuad(_ value: UInt32) -> String {
        [24, 16, 8, 0].map { String((value >> $0) & 0xff) }.joined(separator: ".")
    }

    /// Four decimal parts, each 0...255 without a leading zero: the one IPv4 form resolvers print
    /// and the one accepted where an address (not a URL host) is expected.
    static func parseDottedQuad(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let byte = UInt32(part), byte <= 255 else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    /// RFC 4291 section 2.2: eight groups of one to four hex digits, at most one `::`, the last
    /// 32 bits optionally as a dotted quad, and an optional `%zone` (dropped: the zone says which
    /// interface, not which address).
    static func parseIPv6(_ input: Substring) -> UInt128? {
        var text = input
        if let percent = text.firstIndex(of: "%") {
            guard text.index(after: percent) < text.endIndex else { return nil }
            text = text[..<percent]
        }
        guard text.contains(":"), text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowsDottedTail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if piece.contains(".") {
                    guard allowsDottedTail, index == pieces.count - 1, let v4 = parseDottedQuad(piece) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
                } else {
                    guard (1...4).contains(piece.count), let group = UInt16(piece, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        let all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowsDottedTail: false), let tail = groups(halves[1], allowsDottedTail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let every = groups(halves[0], allowsDottedTail: true), every.count == 8 else { return nil }
            all = every
        }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}
