import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A loopback WebSocket server that plays a fixed part, to test the client's transport and routing
/// against situations a healthy browser rarely produces on demand.
public final class ScriptedWebSocketServer: Sendable {
    public enum Behaviour: Sendable {
        /// Answer every command `{"id":N,...}` with `{"id":N,"result":{"echo":"<method>"}}`.
        case answer
        /// Answer every command with a CDP error.
        case cdpError
        /// Read commands, never answer.
        case silent
        /// Close the connection once this many commands have arrived, answering none.
        case closeAfter(Int)
        /// Answer the first command with one text message of this many bytes (a valid CDP event).
        case bigMessage(Int)
        /// On the first command, send events for two sessions and one browser-level event, then answer.
        case sessionEvents
        /// Play a browser: answer each method with its result from `results` (JSON; `{}` when not
        /// listed), or with a CDP error for the methods in `failing`; remember every method asked.
        case browser(results: [String: String], failing: Set<String>, log: MethodLog)
    }

    /// The methods a scripted browser was asked for, in order.
    public final class MethodLog: Sendable {
        private let methods = NIOLockedValueBox<[String]>([])
        public init() {}
        public var all: [String] { methods.withLockedValue { $0 } }
        func append(_ method: String) { methods.withLockedValue { $0.append(method) } }
    }

    private let channel: Channel
    public let port: Int

    private init(channel: Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    public var url: String { "ws://127.0.0.1:\(port)/devtools/browser/test" }

    public static func start(_ behaviour: Behaviour,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ScriptedWebSocketServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 24,
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ScriptHandler(behaviour: behaviour))
                        }
                    })
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedWebSocketServer(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    public func stop() async { try? await channel.close() }
}

private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let behaviour: ScriptedWebSocketServer.Behaviour
    var received = 0

    init(behaviour: ScriptedWebSocketServer.Behaviour) { self.behaviour = behaviour }

    private func sendBig(_ context: ChannelHandlerContext, size: Int) {
            let prefix = #"{"method":"Test.big","params":{"blob":""#
            let suffix = #""}}"#
            var buffer = context.channel.allocator.buffer(capacity: size)
            buffer.writeString(prefix)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size - prefix.utf8.count - suffix.utf8.count)
            buffer.writeString(suffix)
            send(context, buffer)
    }

    private func send(_ context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text else {
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        }
        received += 1
        struct Command: Decodable { let id: Int; let method: String }
        guard let command = try? JSONDecoder().decode(Command.self, from: Data(frame.unmaskedData.readableBytesView)) else { return }
        if case .sessionEvents = behaviour, received == 1 {
            for (session, n) in [("A", 1), ("B", 2), ("A", 3), ("B", 4)] {
                send(context, context.channel.allocator.buffer(string: #"{"method":"Test.event","sessionId":"\#(session)","params":{"n":\#(n)}}"#))
            }
            send(context, context.channel.allocator.buffer(string: #"{"method":"Test.browserEvent","params":{"n":5}}"#))
        }
        switch behaviour {
        case .bigMessage(let size):
            sendBig(context, size: size)
        case .answer, .sessionEvents:
            send(context, context.channel.allocator.buffer(string: #"{"id":\#(command.id),"result":{"echo":"\#(command.method)"}}"#))
        case .cdpError:
            send(context, context.channel.allocator.buffer(string: #"{"id":\#(command.id),"error":{"code":-32601,"message":"'\#(command.method)' wasn't found"}}"#))
        case .silent:
            break
        case .closeAfter(let count):
            if received >= count { context.close(promise: nil) }
        case .browser(let results, let failing, let log):
            log.append(command.method)
            let reply = failing.contains(command.method)
                ? #"{"id":\#(command.id),"error":{"code":-32000,"message":"scripted failure of \#(command.method)"}}"#
                : #"{"id":\#(command.id),"result":\#(results[command.method] ?? "{}")}"#
            send(context, context.channel.allocator.buffer(string: reply))
        }
    }
}
