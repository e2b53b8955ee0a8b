import Foundation

/// An HTTP request as the browser sent it, to be written as a `request` record's block.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The absolute URL requested; the request line carries its path and query.
    public var url: String
    /// The protocol the browser named (`http/1.1`, `h2`, `h3`); only HTTP/1.0 changes the line.
    public var protocolName: String
    /// Header fields as sent, HTTP/2 pseudo-headers (`:authority`, …) included or not.
    public var headers: [(name: String, value: String)]

    public init(method: String, url: String, protocolName: String = "http/1.1", headers: [(name: String, value: String)]) {
        self.method = method
        self.url = url
        self.protocolName = protocolName
        self.headers = headers
    }
}

/// An HTTP response as the browser received it, to be written as a `response` record's block.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    /// The reason phrase; HTTP/2 and HTTP/3 have none, so an empty one is filled in from the status.
    public var statusText: String
    public var protocolName: String
    public var headers: [(name: String, value: String)]

    public init(status: Int, statusText: String = "", protocolName: String = "http/1.1", headers: [(name: String, value: String)]) {
        self.status = status
        self.statusText = statusText
        self.protocolName = protocolName
        self.headers = headers
    }
}

/// Turns what the browser reported into an HTTP/1.x head that replay tools parse.
enum HTTPHeadWriter {
    /// The headers that describe how the bytes travelled, not what they are: the body a browser
    /// hands over is already decoded and de-chunked, so these are kept under `X-Original-` names
    /// (as Browsertrix and pywb do) and `Content-Length` is set to the length stored.
    static let transportHeaders = ["content-encoding", "content-length", "transfer-encoding"]

    static func requestHead(_ request: HTTPRequestHead) -> (line: String, fields: WARCFields) {
        let components = URLComponents(string: request.url)
        var target = components?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?" + query }
        var fields = WARCFields()
        var authority: String?
        for (name, value) in request.headers {
            if name.hasPrefix(":") {
                if name == ":authority" { authority = value }
                continue
            }
            fields.append(name, value)
        }
        // HTTP/1.1 requires Host; an HTTP/2 request carries it as :authority instead.
        if fields["host"] == nil, let host = authority ?? components.flatMap(hostField) {
            fields = WARCFields([("Host", host)] + fields.fields)
        }
        return ("\(request.method) \(target) \(version(request.protocolName))", fields)
    }

    static func responseHead(_ response: HTTPResponseHead, storedLength: UInt64) -> (line: String, fields: WARCFields) {
        var fields = WARCFields()
        for (name, value) in response.headers where !name.hasPrefix(":") {
            if transportHeaders.contains(name.lowercased()) {
                fields.append("X-Original-" + canonicalName(name), value)
            } else {
                fields.append(name, value)
            }
        }
        fields.append("Content-Length", String(storedLength))
        let reason = response.statusText.isEmpty ? reasonPhrase(response.status) : response.statusText
        return ("\(version(response.protocolName)) \(response.status) \(reason)", fields)
    }

    static func serialize(line: String, fields: WARCFields) throws(WebArchiveError) -> [UInt8] {
        guard !line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
            throw .invalidInput("the HTTP start line holds a line break")
        }
        return Array(line.utf8) + [0x0D, 0x0A] + (try fields.serialized()) + [0x0D, 0x0A]
    }

    private static func version(_ protocolName: String) -> String {
        protocolName.lowercased() == "http/1.0" ? "HTTP/1.0" : "HTTP/1.1"
    }

    private static func hostField(_ components: URLComponents) -> String? {
        guard let host = components.percentEncodedHost else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// `content-encoding` → `Content-Encoding`, so the renamed field reads as the others do.
    private static func canonicalName(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }

    static func reasonPhrase(_ status: Int) -> String {
        let phrases: [Int: String] = [
            100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
            206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
            307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout",
        ]
        return phrases[status] ?? "Status \(status)"
    }
}
