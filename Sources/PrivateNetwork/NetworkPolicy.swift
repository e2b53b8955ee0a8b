/// Which addresses the capture browser may reach: by default none of ``AddressRules``' ranges or
/// names; with `allowsPrivateAddresses` everything; and `allowedAddresses`, exact addresses let
/// through although they are private (an intranet host).
public struct NetworkPolicy: Sendable {
    /// True: nothing is refused (the demo, the tests, intranet captures).
    public let allowsPrivateAddresses: Bool
    /// Exact addresses allowed although a rule covers them.
    public let allowedAddresses: [IPAddress]

    public init(allowsPrivateAddresses: Bool = false, allowedAddresses: [IPAddress] = []) {
        self.allowsPrivateAddresses = allowsPrivateAddresses
        self.allowedAddresses = allowedAddresses
    }

    /// Why a host is refused: the rule, and the address (or name) it matched.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The host as the URL gave it.
        public let host: String
        /// The address that matched, as text; nil when the name itself, or an unreadable host, was refused.
        public let address: String?
        public let rule: AddressRule

        public init(host: String, address: String?, rule: AddressRule) {
            self.host = host
            self.address = address
            self.rule = rule
        }

        /// E.g. `loopback 127.0.0.1 (127.0.0.0/8)`, `cloud metadata name metadata (…)`.
        public var description: String {
            "\(rule.name) \(address ?? host) (\(rule.range)" + (rule.embeddedIn.map { " inside \($0)" } ?? "") + ")"
        }
    }

    /// What checking one host found.
    public enum Verdict: Equatable, Sendable {
        /// The host and every address it resolves to may be reached.
        case allowed
        case refused(Refusal)
        /// The name gave no address, so nothing could be checked (the browser's own lookup will
        /// most likely fail too).
        case unresolved(LookupFailure)
    }

    /// The rule `address` falls under, unless it is allowed; nil for a public address.
    public func refusal(of address: IPAddress) -> AddressRule? {
        guard !allowsPrivateAddresses else { return nil }
        let plain = address.unmapped
        if allowedAddresses.contains(where: { $0.unmapped == plain }) { return nil }
        return AddressRules.rule(for: address)
    }

    /// Checks a URL's host: an address by its rule, a name by its own rule and then by every
    /// address it resolves to (one refused address refuses the host, since the browser may pick
    /// any of them). Nil for URLs that reach no network (`data:`, `blob:`, `about:`, …).
    public func check(url: String, resolver: NameResolver) async -> Verdict? {
        guard let host = URLHost.of(url: url) else { return nil }
        return await check(host: host.text, resolver: resolver)
    }

    /// Checks one host as a URL spells it (see ``check(url:resolver:)``).
    public func check(host text: String, resolver: NameResolver) async -> Verdict {
        if allowsPrivateAddresses { return .allowed }
        switch URLHost(parsing: text) {
        case .invalid(let reason):
            return .refused(Refusal(host: text, address: nil, rule: AddressRule(name: "unreadable host", range: reason)))
        case .address(let address):
            return refusal(of: address).map { .refused(Refusal(host: text, address: address.description, rule: $0)) } ?? .allowed
        case .name(let name):
            if let rule = AddressRules.rule(forName: name) { return .refused(Refusal(host: text, address: nil, rule: rule)) }
            switch await resolver.resolve(name) {
            case .failure(let failure):
                return .unresolved(failure)
            case .success(let addresses):
                for address in addresses {
                    if let rule = refusal(of: address) { return .refused(Refusal(host: text, address: address.description, rule: rule)) }
                }
                return .allowed
            }
        }
    }
}

extension URLHost {
    /// The scheme and the host text of a URL that reaches the network (http, https, ws, wss), cut
    /// out as the WHATWG URL Standard does for these schemes: after `//`, before the first `/`, `\`,
    /// `?` or `#`, after the last `@`, and before the port. Nil for any other scheme.
    public static func of(url: String) -> (scheme: String, text: String)? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let scheme = url[..<colon].lowercased()
        guard ["http", "https", "ws", "wss"].contains(scheme) else { return nil }
        var rest = url[url.index(after: colon)...]
        while let first = rest.first, first == "/" || first == "\\" { rest = rest.dropFirst() }
        let authority = rest.prefix { !"/\\?#".contains($0) }
        let hostAndPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        if hostAndPort.hasPrefix("["), let close = hostAndPort.firstIndex(of: "]") {
            return (scheme, String(hostAndPort[...close]))
        }
        return (scheme, String(hostAndPort.lastIndex(of: ":").map { hostAndPort[..<$0] } ?? hostAndPort))
    }
}
