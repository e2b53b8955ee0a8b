import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Routes whose body is produced while it is sent, for the web archive's stress tests: a body too
/// large to build in memory, one that never ends, and a WebSocket.
///
/// - `/_bytes/<n>`: `n` bytes (at most 1 GiB), byte `i` being `i % 251`, so a test can compute
///   the SHA-256 of what it should have received; with `Content-Length` unless `?chunked` is given.
/// - `/_endless`: a `text/plain` body that sends a line every 200 ms for as long as the connection lasts.
/// - `/_websocket`: a WebSocket that says `hello` and echoes every text message.
enum StreamedRoute {
    case bytes(count: Int, chunked: Bool)
    case endless

    static let maxBytes = 1 << 30

    static let chunkSize = 256 << 10
    /// A chunk's worth of the pattern from any starting phase (it repeats every 251 bytes), built
    /// once: filling each chunk byte by byte is far too slow in a debug build.
    static let pattern: [UInt8] = (0..<(chunkSize + 251)).map { byte(at: $0) }

    /// The byte at `offset` of a `/_bytes/` body.
    static func byte(at offset: Int) -> UInt8 { UInt8(offset % 251) }

    static func match(_ uri: String) -> StreamedRoute? {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let query = uri.contains("?") ? String(uri.split(separator: "?", maxSplits: 1)[1]) : ""
        if path == "/_endless" { return .endless }
        guard path.hasPrefix("/_bytes/"), let count = Int(path.dropFirst("/_bytes/".count)), (0...maxBytes).contains(count) else { return nil }
        return .bytes(count: count, chunked: query.split(separator: "&").contains("chunked"))
    }

    /// Sends the response on `context`, a chunk at a time, each after the previous one was written,
    /// so neither side holds more than one chunk.
    func send(head: HTTPRequestHead, context: ChannelHandlerContext, wrap: @escaping (HTTPServerResponsePart) -> NIOAny) {
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Connection", value: "close")
        let loop = NIOLoopBound(context, eventLoop: context.eventLoop)
        switch self {
        case .bytes(let count, let chunked):
            headers.add(name: "Content-Type", value: "application/octet-stream")
            if !chunked { headers.add(name: "Content-Length", value: String(count)) }
            context.write(wrap(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            Self.sendBytes(from: 0, count: count, loop: loop, wrap: wrap)
        case .endless:
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            context.writeAndFlush(wrap(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            Self.tick(0, loop: loop, wrap: wrap)
        }
    }

    private static func sendBytes(from offset: Int, count: Int, loop: NIOLoopBound<ChannelHandlerContext>,
                                  wrap: @escaping (HTTPServerResponsePart) -> NIOAny) {
        let context = loop.value
        guard offset < count else {
            context.writeAndFlush(wrap(.end(nil))).whenComplete { _ in loop.value.close(promise: nil) }
            return
        }
        let size = min(chunkSize, count - offset)
        let start = offset % 251
        var buffer = context.channel.allocator.buffer(capacity: size)
        buffer.writeBytes(pattern[start..<(start + size)])
        context.writeAndFlush(wrap(.body(.byteBuffer(buffer)))).whenComplete { result in
            guard case .success = result else { return }
            // A write that completes at once calls back at once: the next chunk goes on a fresh
            // turn of the loop, never deeper into this stack.
            loop.value.eventLoop.execute { sendBytes(from: offset + size, count: count, loop: loop, wrap: wrap) }
        }
    }

    private static func tick(_ n: Int, loop: NIOLoopBound<ChannelHandlerContext>, wrap: @escaping (HTTPServerResponsePart) -> NIOAny) {
        let context = loop.value
        guard context.channel.isActive else { return }
        context.writeAndFlush(wrap(.body(.byteBuffer(context.channel.allocator.buffer(string: "tick \(n)\n"))))).whenComplete { result in
            guard case .success = result else { return }
            loop.value.eventLoop.scheduleTask(in: .milliseconds(200)) { tick(n + 1, loop: loop, wrap: wrap) }
        }
    }

    /// The upgrader for `/_websocket`; every other request stays plain HTTP.
    static func webSocketUpgrader() -> NIOWebSocketServerUpgrader {
        NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 16,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/_websocket") ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            })
    }
}

/// Says hello, then echoes text frames; answers a close with a close.
private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelActive(context: ChannelHandlerContext) {
        send("hello", context: context)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { send("hello", context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            send(String(decoding: frame.unmaskedData.readableBytesView, as: UTF8.self), context: context)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer())))
                .whenComplete { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] _ in context.value.close(promise: nil) }
        default:
            break
        }
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))),
                              promise: nil)
    }
}
