import NIOCore
import NIOWebSocket

/// One page's WebSocket, after the upgrade: sends it frames and status lines, and passes its
/// text messages to the hub. Lives on its channel's event loop.
final class ViewerSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let hub: ViewerHub
    private var context: ChannelHandlerContext?
    /// The newest frame this page has been sent.
    private var sentSequence = 0
    /// A frame came while the connection was backed up: send the newest once it drains. Without
    /// this a page would keep a stale picture, since a still page gives no further frames.
    private var owesFrame = false
    /// The message being put together from its fragments; nil while none is, or while the rest of
    /// an oversized or binary one is being skipped.
    private var message: ByteBuffer?
    private var inMessage = false
    private var closing = false

    init(hub: ViewerHub) {
        self.hub = hub
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let viewer = ViewerHub.Viewer(channel: context.channel, handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        guard let first = hub.add(viewer) else {
            end(code: .goingAway, reason: "too many viewers or stopped")
            return
        }
        if !first.status.isEmpty { send(text: PageMessage.status(first.status)) }
        if let frame = first.frame { offer(frame) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `frame` now, or the newest frame later if the connection is backed up: frames only
    /// replace each other, so a slow tunnel skips them rather than queueing them without end.
    func offer(_ frame: ViewerHub.Frame) {
        guard let context, !closing, frame.sequence > sentSequence else { return }
        guard context.channel.isWritable else {
            owesFrame = true
            return
        }
        sentSequence = frame.sequence
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text,
                                                     data: context.channel.allocator.buffer(string: frame.announcement))),
                      promise: nil)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: frame.jpeg)), promise: nil)
    }

    /// Sends one text message (a status line).
    func send(text: String) {
        guard let context, !closing else { return }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text,
                                                             data: context.channel.allocator.buffer(string: text))),
                              promise: nil)
    }

    /// Says goodbye with a close frame, then closes without waiting for the page's answer.
    func end(code: WebSocketErrorCode, reason: String) {
        guard let context, !closing else { return }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        let channel = context.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, owesFrame, let frame = hub.latestFrame {
            owesFrame = false
            offer(frame)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            // A new message before the last one ended breaks the protocol.
            guard !inMessage else { return end(code: .protocolError, reason: "") }
            inMessage = true
            // Pages send only text; a binary message is read past and dropped.
            message = frame.opcode == .text ? context.channel.allocator.buffer(capacity: min(frame.length, LiveInputLimits.messageBytes)) : nil
            collect(frame)
        case .continuation:
            guard inMessage else { return end(code: .protocolError, reason: "") }
            collect(frame)
        case .ping:
            guard !closing else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            // Answer the page's close (an empty close frame is a fine answer) and hang up.
            end(code: .normalClosure, reason: "")
        default:
            break
        }
    }

    /// Adds a fragment to the message; past the size bound the message is dropped, not the page.
    private func collect(_ frame: WebSocketFrame) {
        if message != nil {
            var data = frame.unmaskedData
            if (message?.readableBytes ?? 0) + data.readableBytes > LiveInputLimits.messageBytes {
                message = nil
            } else {
                message?.writeBuffer(&data)
            }
        }
        guard frame.fin else { return }
        inMessage = false
        if let complete = message { hub.received(complete) }
        message = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
