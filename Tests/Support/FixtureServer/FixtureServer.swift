import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Serves a folder (normally `Fixtures/`) over HTTP on 127.0.0.1, for tests and the demo.
///
/// Besides plain files it answers a few test routes:
/// - `/_status/<code>`: an HTML page with that HTTP status;
/// - `/_redirect?to=<path or URL>`: a 302 to a path of this server, or to any http(s) URL (a
///   redirect to a private address, for the network policy's tests);
/// - `/_delay/<ms>/<path>`: the file at `<path>`, answered after `ms` milliseconds (slow resources);
/// - `/_bytes/<n>`, `/_endless`, `/_websocket`: see ``StreamedRoute``;
/// - `/_html/<anything>`: a 200 HTML login page, and `/_ratelimit/<anything>`: a 429 with
///   `Retry-After` and a JSON error (an API in trouble, for `--api`);
/// - a path that names no file (or a folder), where `<path>.json` exists: that file as
///   `application/json` (the platform APIs' paths, `Fixtures/platform-api/`);
/// - `/_echo/headers`: an HTML page listing the request line and headers as received
///   (shows what a proxy or a user-agent override really sent);
/// - `/_login` (GET: a login form; POST `handle`, `password`, `next`: a session, as the
///   `fixture_session` cookie and the `fixture-session` localStorage item) and `/_whoami` (the
///   handle of the token in `X-Fixture-Session`, or 401), for the platform pages' `?login` mode:
///   there a guest gets the page's login wall in place of its `<!-- members-only -->` part, and a
///   logged-in viewer the page's viewer markup at `<!-- viewer -->` (see ``FixtureLogin``).
/// - `/_advance?folder=NAME`: the folder's next version: from then on a file `F.EXT` in it is
///   served as `F.<version>.EXT` where that exists (a thread that changed between two loads).
/// A file `NAME.headers` next to a served file `NAME` adds its `Name: value` lines to that file's
/// response headers (a page that sets a cookie from the server, for one); a `Content-Type` line
/// replaces the one the extension gives (a page in windows-1252).
/// Only loopback is ever bound. Every request is logged (``requests``), so a test can tell whether
/// anything reached a server it should not have.
public final class FixtureServer: Sendable {
    private let channel: Channel
    /// The address the server listens on (127.0.0.1 unless another loopback address was asked for).
    public let host: String
    /// The port the server listens on.
    public let port: Int
    private let log: RequestLog
    private let login: FixtureLogin
    /// `http://<host>:<port>`, without a trailing slash.
    public var baseURL: String { "http://\(host):\(port)" }
    /// Every request received so far, as `METHOD URI`, in order.
    public var requests: [String] { log.entries.withLock { $0 } }

    private init(channel: Channel, host: String, port: Int, log: RequestLog, login: FixtureLogin) {
        self.channel = channel
        self.host = host
        self.port = port
        self.log = log
        self.login = login
    }

    /// The fixture servers' own event loops. Not NIO's shared singleton: the tests' DevTools
    /// connections run there, and a page that pulls 50 MB or fires five hundred requests at its
    /// fixture server must not hold up the CDP answers of every other capture in the test process
    /// (it did: `Runtime.evaluate got no answer within 30 s`, requests in flight for 15 s).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Starts serving `root` on `host` (a loopback address: 127.0.0.1 by default, or another of
    /// 127.0.0.0/8 for a second site) and `port` (0 picks a free one).
    public static func start(root: URL, host: String = "127.0.0.1", port: Int = 0) async throws -> FixtureServer {
        guard host.hasPrefix("127."), host.split(separator: ".").count == 4 else {
            throw FixtureServerError(message: "the fixture server binds loopback only, not \(host)")
        }
        let rootPath = root.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FixtureServerError(message: "fixture folder \(rootPath) does not exist")
        }
        let log = RequestLog()
        // One set of sessions per server, shared by its connections: a browser logs in on one
        // connection and loads the page on another.
        let login = FixtureLogin()
        let channel = try await ServerBootstrap(group: Self.group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(
                    // An upgraded connection carries frames, not HTTP: the file handler leaves it.
                    withServerUpgrade: (upgraders: [StreamedRoute.webSocketUpgrader()], completionHandler: { context in
                        context.pipeline.syncOperations.removeHandler(name: "fixture-files", promise: nil)
                    })
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(FileHandler(root: rootPath, log: log, login: login), name: "fixture-files")
                }
            }
            .bind(host: host, port: port).get()
        guard let boundPort = channel.localAddress?.port else {
            throw FixtureServerError(message: "could not read the bound port")
        }
        return FixtureServer(channel: channel, host: host, port: boundPort, log: log, login: login)
    }

    /// Stops listening.
    public func stop() async {
        try? await channel.close()
    }

    /// Waits until the server is stopped.
    public func wait() async throws {
        try await channel.closeFuture.get()
    }
}

/// Why the fixture server could not start.
public struct FixtureServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The requests a server received, shared by its connections.
private final class RequestLog: Sendable {
    let entries = Mutex<[String]>([])
    /// Each folder's version (`/_advance`), 0 until advanced.
    let versions = Mutex<[String: Int]>([:])
}

private final class FileHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let root: String
    private let log: RequestLog
    private let login: FixtureLogin
    private var request: HTTPRequestHead?
    private var body: [UInt8] = []
    /// A login form is a few hundred bytes; a body past this is cut, never buffered without end.
    private static let maxBody = 65_536

    init(root: String, log: RequestLog, login: FixtureLogin) {
        self.root = root
        self.log = log
        self.login = login
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            body = []
            log.entries.withLock { $0.append("\(head.method.rawValue) \(head.uri)") }
        case .body(let part):
            body += part.readableBytesView.prefix(max(0, Self.maxBody - body.count))
        case .end:
            guard let head = request else { return }
            request = nil
            let body = self.body
            if let streamed = StreamedRoute.match(head.uri) {
                streamed.send(head: head, context: context)
                return
            }
            if let (delay, rest) = Self.delayed(head.uri) {
                let later = HTTPRequestHead(version: head.version, method: head.method, uri: rest, headers: head.headers)
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                    let (handler, context) = loopBound.value
                    handler.reply(to: later, body: body, context: context)
                }
                return
            }
            reply(to: head, body: body, context: context)
        }
    }

    /// `/_delay/<ms>/<rest>` → (ms, `/<rest>`).
    private static func delayed(_ uri: String) -> (Int64, String)? {
        guard uri.hasPrefix("/_delay/") else { return nil }
        let tail = uri.dropFirst("/_delay/".count)
        guard let slash = tail.firstIndex(of: "/"), let ms = Int64(tail[..<slash]), ms >= 0, ms <= 600_000 else { return nil }
        return (ms, String(tail[slash...]))
    }

    private func reply(to head: HTTPRequestHead, body requestBody: [UInt8], context: ChannelHandlerContext) {
            let (status, headers, body) = respond(to: head, body: requestBody)
            var responseHeaders = headers
            responseHeaders.add(name: "Content-Length", value: String(body.count))
            responseHeaders.add(name: "Cache-Control", value: "no-store")
            let keepAlive = head.isKeepAlive
            if !keepAlive { responseHeaders.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: responseHeaders))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8]) -> (HTTPResponseStatus, HTTPHeaders, [UInt8]) {
        guard let components = URLComponents(string: head.uri) else {
            return page(.badRequest, "bad request URI")
        }
        let path = components.path
        if let answer = login.respond(path: path, query: components.queryItems ?? [], head: head, body: body) { return answer }
        if path.hasPrefix("/_status/"), let code = Int(path.dropFirst("/_status/".count)), (200...599).contains(code) {
            let status = HTTPResponseStatus(statusCode: code)
            return page(status, "Status \(code) \(status.reasonPhrase)")
        }
        if path == "/_echo/headers" {
            var lines = ["\(head.method.rawValue) \(head.uri)"]
            lines += head.headers.map { "\($0.name): \($0.value)" }
            let escaped = lines.joined(separator: "\n").replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            let html = "<!doctype html><html><head><title>Request headers</title></head><body><pre id=\"headers\">\(escaped)</pre></body></html>"
            return (.ok, headers, Array(html.utf8))
        }
        if path == "/_redirect", let target = components.queryItems?.first(where: { $0.name == "to" })?.value,
           target.hasPrefix("/") || target.hasPrefix("http://") || target.hasPrefix("https://") {
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: target)
            return (.found, headers, Array("redirecting".utf8))
        }
        // An API that answers a web page (a login or consent page in its place) or asks to wait.
        if path == "/_advance", let folder = components.queryItems?.first(where: { $0.name == "folder" })?.value,
           !folder.contains("/"), !folder.contains("..") {
            let version = log.versions.withLock { versions -> Int in
                versions[folder, default: 0] += 1
                return versions[folder, default: 0]
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            return (.ok, headers, Array(#"{"folder":"\#(folder)","version":\#(version)}"#.utf8))
        }
        if path.hasPrefix("/_html/") {
            return page(.ok, "Log in to continue")
        }
        if path.hasPrefix("/_ratelimit/") {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            headers.add(name: "Retry-After", value: "3600")
            return (.tooManyRequests, headers, Array(#"{"error":"Too many requests"}"#.utf8))
        }
        // Resolve inside the root only: ".." segments never leave it.
        let segments = path.split(separator: "/").map(String.init)
        guard !segments.contains(".."), !segments.contains(where: { $0.hasPrefix(".") }) else {
            return page(.notFound, "Not found")
        }
        var filePath = root + "/" + segments.joined(separator: "/")
        // API paths have no extension (/api/v1/statuses/ID, /xrpc/app.bsky.feed.getPostThread):
        // their answers are NAME.json files, found before a folder of the same name (ID/context).
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: filePath, isDirectory: &isFolder)
        if !path.hasSuffix("/"), !segments.isEmpty, !exists || isFolder.boolValue,
           let json = FileManager.default.contents(atPath: filePath + ".json") {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            return (.ok, headers, Array(json))
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: filePath, isDirectory: &isDirectory), isDirectory.boolValue {
            if !path.hasSuffix("/") {
                var headers = HTTPHeaders()
                headers.add(name: "Location", value: path + "/")
                return (.movedPermanently, headers, [])
            }
            filePath += "/index.html"
        }
        if let folder = segments.first, let version = log.versions.withLock({ $0[folder] }), version > 0 {
            let name = filePath as NSString
            let versioned = name.deletingPathExtension + ".\(version)." + name.pathExtension
            if FileManager.default.fileExists(atPath: versioned) { filePath = versioned }
        }
        guard var data = FileManager.default.contents(atPath: filePath) else {
            return page(.notFound, "Not found")
        }
        if components.queryItems?.contains(where: { $0.name == "login" }) == true, Self.mediaType(for: filePath).hasPrefix("text/html") {
            data = Data(login.page(String(decoding: data, as: UTF8.self), viewer: login.viewer(head.headers)).utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: Self.mediaType(for: filePath))
        let extra = FileManager.default.contents(atPath: filePath + ".headers").map { String(decoding: $0, as: UTF8.self) } ?? ""
        for line in extra.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            // A page in another charset says so in its own Content-Type; other names add (two Set-Cookie).
            if name.lowercased() == "content-type" { headers.replaceOrAdd(name: name, value: value) } else { headers.add(name: name, value: value) }
        }
        return (.ok, headers, Array(data))
    }

    private func page(_ status: HTTPResponseStatus, _ title: String) -> (HTTPResponseStatus, HTTPHeaders, [UInt8]) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        let html = "<!doctype html><html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>"
        return (status, headers, Array(html.utf8))
    }

    static func mediaType(for path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "svg": return "image/svg+xml"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "ttf": return "font/ttf"
        case "otf": return "font/otf"
        case "txt", "md": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
