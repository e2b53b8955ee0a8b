import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket client on swift-nio, sized for the DevTools protocol.
///
/// Chromium sends every message as one frame, so the frame limit is the message limit:
/// `maxMessageSize` defaults to 512 MiB, above Chromium's own 256 MiB send buffer.
/// No `Origin` header is sent, so no `--remote-allow-origins` flag is needed.
final class WebSocketTransport: Sendable {
    /// Incoming text messages in arrival order. The stream finishes when the connection ends,
    /// throwing if it ended because of an error.
    let messages: AsyncThrowingStream<ByteBuffer, Error>
    private let channel: Channel

    static let defaultMaxMessageSize = 512 << 20

    private init(channel: Channel, messages: AsyncThrowingStream<ByteBuffer, Error>) {
        self.channel = channel
        self.messages = messages
    }

    private enum Upgrade: Sendable { case upgraded(Channel), refused }

    /// Opens a WebSocket to `url` (`ws://host:port/path`).
    /// `group` is NIO's shared one unless a caller (a test moving half a gigabyte) needs its own.
    static func connect(to url: String, maxMessageSize: Int = defaultMaxMessageSize,
                        timeout: TimeAmount = .seconds(10),
                        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> WebSocketTransport {
        guard let parsed = URLComponents(string: url), parsed.scheme == "ws",
              let host = parsed.host, !host.isEmpty else {
            throw DevToolsError.badEndpoint("\(url) is not a ws:// URL")
        }
        let port = parsed.port ?? 80
        let path = parsed.percentEncodedPath.isEmpty ? "/" : parsed.percentEncodedPath
        let (messages, sink) = AsyncThrowingStream<ByteBuffer, Error>.makeStream()

        let upgradeFuture: EventLoopFuture<Upgrade>
        let connected = NIOLockedValueBox<Channel?>(nil)
        do {
            upgradeFuture = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(host: host, port: port) { channel in
                    connected.withLockedValue { $0 = channel }
                    return channel.eventLoop.makeCompletedFuture {
                        // automaticErrorHandling would close the channel before our handler sees the
                        // error, turning "message too large" into a silent end of stream.
                        let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                            maxFrameSize: maxMessageSize, enableAutomaticErrorHandling: false,
                            upgradePipelineHandler: { channel, _ in
                                channel.eventLoop.makeCompletedFuture {
                                    // Reassembles fragmented messages (Chromium does not fragment, other peers may).
                                    try channel.pipeline.syncOperations.addHandler(NIOWebSocketFrameAggregator(
                                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                                        maxAccumulatedFrameSize: maxMessageSize))
                                    try channel.pipeline.syncOperations.addHandler(FrameHandler(sink: sink))
                                    return .upgraded(channel)
                                }
                            })
                        var headers = HTTPHeaders()
                        // Chromium only accepts an IP address or "localhost" as Host.
                        headers.add(name: "Host", value: "\(host):\(port)")
                        headers.add(name: "Content-Length", value: "0")
                        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                        let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                            upgradeRequestHead: head, upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in
                                channel.eventLoop.makeCompletedFuture { .refused }
                            })
                        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                            configuration: .init(upgradeConfiguration: configuration))
                    }
                }
        } catch {
            throw DevToolsError.connectFailed(url: url, reason: "\(error)")
        }
        // A peer that accepts the connection and never answers the upgrade (a stuck or hostile
        // --browser-url) would otherwise hold the caller, and a browser launch slot, for ever:
        // closing the channel fails the upgrade.
        let gaveUp = NIOLockedValueBox(false)
        let giveUp = upgradeFuture.eventLoop.scheduleTask(in: timeout) {
            gaveUp.withLockedValue { $0 = true }
            connected.withLockedValue { $0 }?.close(promise: nil)
        }
        // On the channel's own loop, so an upgrade that completes is never closed by the timer.
        upgradeFuture.whenComplete { _ in giveUp.cancel() }
        let result: Upgrade
        do {
            result = try await upgradeFuture.get()
        } catch {
            if gaveUp.withLockedValue({ $0 }) {
                throw DevToolsError.connectFailed(url: url, reason: "no answer to the WebSocket upgrade within \(timeout.nanoseconds / 1_000_000_000) s")
            }
            throw DevToolsError.connectFailed(url: url, reason: "WebSocket upgrade failed: \(error)")
        }
        guard case .upgraded(let channel) = result else {
            throw DevToolsError.connectFailed(url: url, reason: "the server refused the WebSocket upgrade")
        }
        return WebSocketTransport(channel: channel, messages: messages)
    }

    /// Sends one text message as a single masked frame.
    func send(_ text: ByteBuffer) async throws {
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: text)
        try await channel.writeAndFlush(frame)
    }

    /// Sends a close frame and closes the socket; safe to call more than once.
    func close() async {
        var code = channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        try? await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: code))
        try? await channel.close()
    }
}

/// Turns frames into messages, answers pings and closes, and ends the message stream with the reason.
private final class FrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let sink: AsyncThrowingStream<ByteBuffer, Error>.Continuation
    private var closeReason: String?

    init(sink: AsyncThrowingStream<ByteBuffer, Error>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            sink.yield(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode()
            closeReason = "peer sent close" + (code.map { " (\($0))" } ?? "")
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard closeReason == nil else { return }
        if let error = error as? NIOWebSocketError, error == .invalidFrameLength {
            closeReason = "a message exceeded the WebSocket size limit (frame too large)"
            var code = context.channel.allocator.buffer(capacity: 2)
            code.write(webSocketErrorCode: .messageTooLarge)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: code)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            closeReason = "\(error)"
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let closeReason, !closeReason.hasPrefix("peer sent close (normal") {
            sink.finish(throwing: DevToolsError.connectionClosed(closeReason))
        } else {
            sink.finish()
        }
        context.fireChannelInactive()
    }
}
