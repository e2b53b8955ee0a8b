import NIOHTTP1

/// Decides what a request may reach. The token in the path is the only secret; the Host and
/// Origin checks stop a web page the person has open elsewhere from reaching the server through
/// DNS rebinding or a cross-site WebSocket, even if it learnt the port.
struct RequestGuard: Sendable {
    /// What a request with the right token asks for.
    enum Route: Sendable, Equatable {
        /// `/TOKEN/`: the page.
        case page
        /// `/TOKEN/ws`: the page's WebSocket.
        case socket
    }

    let token: AccessToken
    let port: Int
    /// `host:port` forms a browser sends in Host for this server, lowercased.
    let authorities: Set<String>
    /// The origins a page of this server has, lowercased.
    let origins: Set<String>

    init(token: AccessToken, host: String, port: Int) {
        self.token = token
        self.port = port
        // An IPv6 literal goes in brackets in Host and Origin.
        let bound = host.contains(":") ? "[\(host.lowercased())]" : host.lowercased()
        let names: Set<String> = ["127.0.0.1", "localhost", bound]
        authorities = Set(names.map { "\($0):\(port)" })
        origins = Set(authorities.map { "http://\($0)" })
    }

    /// The route of `uri`, or nil for anything else, a wrong token included: the caller answers
    /// 404 alike for all of those, so nothing tells a guess that is nearly right from one that is not.
    func route(_ uri: String) -> Route? {
        let path = uri.utf8.prefix { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        guard path.first == UInt8(ascii: "/") else { return nil }
        let rest = path.dropFirst()
        let segment = rest.prefix { $0 != UInt8(ascii: "/") }
        guard token.matches(segment) else { return nil }
        switch String(decoding: rest.dropFirst(segment.count), as: UTF8.self) {
        case "/": return .page
        case "/ws": return .socket
        default: return nil
        }
    }

    /// One Host header, naming this server by a loopback name and its port.
    func hostAllowed(_ headers: HTTPHeaders) -> Bool {
        let hosts = headers[canonicalForm: "host"]
        return hosts.count == 1 && authorities.contains(hosts[0].lowercased())
    }

    /// No Origin header (a non-browser client), or exactly one that is this server's own.
    func originAllowed(_ headers: HTTPHeaders) -> Bool {
        let values = headers[canonicalForm: "origin"]
        if values.isEmpty { return true }
        return values.count == 1 && origins.contains(values[0].lowercased())
    }

    /// Whether a WebSocket upgrade request may become a viewer.
    func mayUpgrade(_ head: HTTPRequestHead) -> Bool {
        route(head.uri) == .socket && hostAllowed(head.headers) && originAllowed(head.headers)
    }
}
