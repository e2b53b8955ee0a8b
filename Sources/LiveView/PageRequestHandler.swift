import NIOCore
import NIOHTTP1

/// Answers the plain HTTP requests: the page at `/TOKEN/`, and a bare 404 for everything else.
/// WebSocket upgrades that pass ``RequestGuard/mayUpgrade(_:)`` never reach it; refused ones do.
final class PageRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The name it has in the pipeline, so the upgrade can take it out.
    static let name = "live-view-page"

    private let requestGuard: RequestGuard
    private let title: String
    private var request: HTTPRequestHead?

    init(requestGuard: RequestGuard, title: String) {
        self.requestGuard = requestGuard
        self.title = title
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break  // nothing here takes a body
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        // Every path without the token gets the same answer, whatever it resembles.
        guard let route = requestGuard.route(head.uri) else {
            return send(.notFound, body: "Not Found\n", head: head, context: context)
        }
        guard requestGuard.hostAllowed(head.headers) else {
            // Whoever gets here has the token: the person, with a tunnel that renames the port.
            let message = "This live view answers only at "
                + requestGuard.authorities.sorted().map { "http://\($0)/" }.joined(separator: " or ")
                + ": forward the same port number through the SSH tunnel"
                + " (ssh -L \(requestGuard.port):127.0.0.1:\(requestGuard.port) SERVER).\n"
            return send(.misdirectedRequest, body: message, head: head, context: context)
        }
        switch route {
        case .socket:
            // A WebSocket upgrade that was refused (foreign Origin, too many viewers), or none.
            send(.forbidden, body: "Forbidden\n", head: head, context: context)
        case .page:
            guard head.method == .GET || head.method == .HEAD else {
                return send(.methodNotAllowed, body: "Method Not Allowed\n", head: head, context: context,
                            extra: [("Allow", "GET, HEAD")])
            }
            let nonce = AccessToken.randomHex(byteCount: 16)
            let policy = LiveViewPage.contentSecurityPolicy(nonce: nonce, sockets: requestGuard.authorities.sorted())
            send(.ok, body: LiveViewPage.html(title: title, nonce: nonce), head: head, context: context,
                 contentType: "text/html; charset=utf-8",
                 extra: [("Content-Security-Policy", policy),
                         ("Cross-Origin-Opener-Policy", "same-origin"),
                         ("Cross-Origin-Resource-Policy", "same-origin")])
        }
    }

    private func send(_ status: HTTPResponseStatus, body: String, head: HTTPRequestHead, context: ChannelHandlerContext,
                      contentType: String = "text/plain; charset=utf-8", extra: [(String, String)] = []) {
        var headers = HTTPHeaders([
            ("Content-Type", contentType),
            ("Content-Length", String(body.utf8.count)),
            // The page and its URL are a key to a logged-in browser: keep them out of caches,
            // Referer headers, and other sites' frames.
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
        ] + extra)
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
