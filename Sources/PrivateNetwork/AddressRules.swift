/// One rule of the private-address blocklist: a named range (or, for names, a named list).
public struct AddressRule: Hashable, Sendable, CustomStringConvertible {
    /// What the range is, e.g. `loopback`.
    public let name: String
    /// The range as written, e.g. `127.0.0.0/8`, or the names it covers.
    public let range: String
    /// For an IPv4 address found inside an IPv6 one: the IPv6 range that embeds it, e.g.
    /// `IPv4-mapped ::ffff:0:0/96`.
    public let embeddedIn: String?

    public init(name: String, range: String, embeddedIn: String? = nil) {
        self.name = name
        self.range = range
        self.embeddedIn = embeddedIn
    }

    /// E.g. `loopback 127.0.0.0/8`, or `loopback 127.0.0.0/8 inside NAT64 64:ff9b::/96`.
    public var description: String {
        "\(name) \(range)" + (embeddedIn.map { " inside \($0)" } ?? "")
    }
}

/// The addresses a capture browser must not reach unless told to: loopback, private, link-local,
/// cloud metadata and every other special-purpose range, and the names that always mean this
/// machine or a cloud metadata service.
///
/// Anchored on Scoop's default blocklist (harvard-lil/scoop `options.js`, `defaults.blocklist`:
/// `0.0.0.0/8`, `10.0.0.0/8`, `100.64.0.0/10`, `127.0.0.0/8`, `169.254.0.0/16`, `172.16.0.0/12`,
/// `192.0.0.0/29`, `192.0.2.0/24`, `192.88.99.0/24`, `192.168.0.0/16`, `198.18.0.0/15`,
/// `198.51.100.0/24`, `203.0.113.0/24`, `224.0.0.0/4`, `240.0.0.0/4`, `255.255.255.255/32`, `::/128`,
/// `::1/128`, `::ffff:0:0/96`, `100::/64`, `64:ff9b::/96`, `2001::/32`, `2001:10::/28`,
/// `2001:db8::/32`, `2002::/16`, `fc00::/7`, `fe80::/10`, `ff00::/8`, and `localhost` URLs), which
/// follows the IANA special-purpose registries. Every one of those ranges is here, with these
/// differences:
/// - wider or added, from the same registries: all of `192.0.0.0/24` (Scoop: the `/29`),
///   `64:ff9b:1::/48` (local-use NAT64), `2001:20::/28` (ORCHIDv2), `3fff::/20` (documentation),
///   `fec0::/10` (deprecated site-local), `::/96` (deprecated IPv4-compatible), and the cloud
///   metadata addresses named on their own (`169.254.169.254`, `100.100.100.200`, `fd00:ec2::254`);
/// - narrower where an IPv6 range only carries an IPv4 address: `::ffff:0:0/96` (IPv4-mapped),
///   `64:ff9b::/96` (NAT64) and `2002::/16` (6to4) are judged by the IPv4 address inside them, as
///   that is the host reached (a NAT64 network gives every public IPv4 site such an address, so
///   refusing the whole range would refuse the whole IPv4 internet there);
/// - names: `localhost` and `*.localhost` (RFC 6761), and the metadata services' names.
public enum AddressRules {
    /// The name and version of this rule set, as `capture.json` records it. A change to the
    /// ranges below is a new version.
    public static let version = "exhibit-private-addresses/1"

    private struct Range: Sendable {
        let rule: AddressRule
        let prefix: IPAddress
        let bits: Int
        /// Where the IPv4 address sits inside the IPv6 one, counted in bits from the right, for
        /// ranges judged by what they embed.
        let embedsIPv4At: Int?
    }

    private static func range(_ name: String, _ cidr: String, embedsIPv4At: Int? = nil) -> Range {
        let parts = cidr.split(separator: "/")
        // The table below is Exhibit's own text: a typo in it is a programming error, caught by the tests.
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let bits = Int(parts[1]) else {
            preconditionFailure("bad range in AddressRules: \(cidr)")
        }
        return Range(rule: AddressRule(name: name, range: cidr), prefix: address, bits: bits, embedsIPv4At: embedsIPv4At)
    }

    /// Most specific first: the first range that holds an address names it.
    private static let ranges: [Range] = [
        range("cloud metadata", "169.254.169.254/32"),
        range("cloud metadata", "100.100.100.200/32"),
        range("this network", "0.0.0.0/8"),
        range("private", "10.0.0.0/8"),
        range("shared address space (carrier-grade NAT)", "100.64.0.0/10"),
        range("loopback", "127.0.0.0/8"),
        range("link-local", "169.254.0.0/16"),
        range("private", "172.16.0.0/12"),
        range("IETF protocol assignments", "192.0.0.0/24"),
        range("documentation (TEST-NET-1)", "192.0.2.0/24"),
        range("6to4 relay anycast", "192.88.99.0/24"),
        range("private", "192.168.0.0/16"),
        range("benchmarking", "198.18.0.0/15"),
        range("documentation (TEST-NET-2)", "198.51.100.0/24"),
        range("documentation (TEST-NET-3)", "203.0.113.0/24"),
        range("multicast", "224.0.0.0/4"),
        range("limited broadcast", "255.255.255.255/32"),
        range("reserved", "240.0.0.0/4"),

        range("unspecified", "::/128"),
        range("loopback", "::1/128"),
        range("IPv4-compatible (deprecated)", "::/96"),
        range("IPv4-mapped", "::ffff:0:0/96", embedsIPv4At: 0),
        range("local-use NAT64", "64:ff9b:1::/48"),
        range("NAT64", "64:ff9b::/96", embedsIPv4At: 0),
        range("discard-only", "100::/64"),
        range("Teredo", "2001::/32"),
        range("ORCHID (deprecated)", "2001:10::/28"),
        range("ORCHIDv2", "2001:20::/28"),
        range("documentation", "2001:db8::/32"),
        range("6to4", "2002::/16", embedsIPv4At: 80),
        range("documentation", "3fff::/20"),
        range("cloud metadata", "fd00:ec2::254/128"),
        range("unique local", "fc00::/7"),
        range("site-local (deprecated)", "fec0::/10"),
        range("link-local", "fe80::/10"),
        range("multicast", "ff00::/8"),
    ]

    /// The rule for names that always mean this machine.
    public static let localhostName = AddressRule(name: "loopback name", range: "localhost, *.localhost")
    /// The rule for the names cloud metadata services answer on.
    public static let metadataName = AddressRule(name: "cloud metadata name", range: metadataNames.sorted().joined(separator: ", "))
    static let metadataNames: Set<String> = ["metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                                             "instance-data.ec2.internal"]

    /// Every rule, as `capture.json` lists them.
    public static var all: [AddressRule] { ranges.map(\.rule) + [localhostName, metadataName] }

    /// The rule that refuses `address`, or nil for an address of the public internet.
    public static func rule(for address: IPAddress) -> AddressRule? {
        guard let range = ranges.first(where: { address.isIn($0.prefix, bits: $0.bits) }) else { return nil }
        guard let offset = range.embedsIPv4At, case .v6(let value) = address else { return range.rule }
        let embedded = IPAddress.v4(UInt32(truncatingIfNeeded: value >> offset))
        guard let inner = rule(for: embedded) else { return nil }
        return AddressRule(name: inner.name, range: inner.range, embeddedIn: range.rule.description)
    }

    /// The rule that refuses a host name by itself (lower case, without a trailing dot), or nil.
    public static func rule(forName name: String) -> AddressRule? {
        if name == "localhost" || name.hasSuffix(".localhost") { return localhostName }
        if metadataNames.contains(name) { return metadataName }
        return nil
    }
}
