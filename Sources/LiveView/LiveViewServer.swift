import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Serves, on loopback, one page that shows a browser live and passes back what a person does in
/// it: for logging in by hand to a headless browser, from a desktop browser through an SSH tunnel.
///
/// It knows nothing of browsers: whoever runs it feeds it pictures (``show(jpeg:deviceWidth:deviceHeight:)``)
/// and status lines (``say(_:)``), and carries out the ``inputs``.
///
/// Access: `http://HOST:PORT/TOKEN/` (``url``) is the page, `ws://HOST:PORT/TOKEN/ws` its WebSocket;
/// every other path is a bare 404. The token is 32 random bytes; Host must be `127.0.0.1:PORT`,
/// `localhost:PORT` (or the bound host), and a WebSocket's Origin, when sent, this server's own.
///
/// The WebSocket's messages:
/// - server → page, text: `{"type":"frame","deviceWidth":W,"deviceHeight":H,"bytes":N}`, always
///   followed at once by one binary message: the JPEG, N bytes. W×H is the browser viewport the
///   picture shows, in CSS pixels (the picture itself may be larger or smaller).
/// - server → page, text: `{"type":"status","text":"…"}`.
/// - server → page: close 1001 when the server stops (the page then stops reconnecting).
/// - page → server, text JSON, one ``LiveInput`` each, coordinates already in the browser's CSS pixels:
///   `{"type":"mouse","kind":"mousePressed|mouseReleased|mouseMoved","x":…,"y":…,"button":"none|left|middle|right","clickCount":n,"modifiers":m}`,
///   `{"type":"wheel","x":…,"y":…,"deltaX":…,"deltaY":…}`,
///   `{"type":"key","kind":"keyDown|rawKeyDown|keyUp","key":"a","code":"KeyA","text":"a","keyCode":65,"modifiers":m}`,
///   `{"type":"text","text":"…"}`, `{"type":"navigate","url":"https://…"}`, `{"type":"done"}`.
///   A viewer connecting is sent the newest status and frame at once.
public actor LiveViewServer {
    /// `http://127.0.0.1:PORT/TOKEN/`: the page. The token makes it a secret: print it only to
    /// the person who logs in.
    public nonisolated let url: String
    /// The port the server listens on, chosen by the system.
    public nonisolated let port: Int
    /// Everything the person does in the page, checked (see ``LiveInputLimits``) and in order per
    /// page. Ends when the server stops. Meant for one consumer; if none keeps up, the oldest of
    /// more than 4096 waiting inputs are dropped.
    public nonisolated let inputs: AsyncStream<LiveInput>

    private let channel: any Channel
    private let hub: ViewerHub
    private var stopped = false

    private init(channel: any Channel, url: String, port: Int, hub: ViewerHub, inputs: AsyncStream<LiveInput>) {
        self.channel = channel
        self.url = url
        self.port = port
        self.hub = hub
        self.inputs = inputs
    }

    /// Starts serving on `host` (loopback by default: anything else exposes the page to the
    /// network, token or not) at a port the system picks, with a new random token.
    /// - Parameter title: what the page is headed with, e.g. the site being logged into.
    /// `idleLimit`: how long a connection may stay open without becoming a viewer's WebSocket
    /// (10 s; the tests of a slow viewer, on a machine saturated by dozens of browsers, give more).
    public static func start(title: String, host: String = "127.0.0.1", idleLimit: Duration = .seconds(10)) async throws -> LiveViewServer {
        let token = AccessToken.random()
        let (inputs, continuation) = AsyncStream.makeStream(of: LiveInput.self, bufferingPolicy: .bufferingNewest(4096))
        let hub = ViewerHub(inputs: continuation)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 32)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // The port a connection came in on is the server's: the guard needs it, and it is
                // only known once bound.
                guard hub.accept(channel), let port = channel.localAddress?.port else { return channel.close() }
                // A connection that has not become a viewer's WebSocket within a few seconds is
                // closed: any local user can open connections without the token, and idle ones
                // held open would use up the slots and lock the person out of the view.
                let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(idleLimit)) { channel.close(promise: nil) }
                return channel.eventLoop.makeCompletedFuture {
                    try configure(channel, hub: hub, requestGuard: RequestGuard(token: token, host: host, port: port), title: title,
                                  upgraded: { deadline.cancel() })
                }
            }
            .bind(host: host, port: 0).get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            continuation.finish()
            throw LiveViewError.noPort
        }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return LiveViewServer(channel: channel, url: "http://\(authority)/\(token.text)/", port: port, hub: hub, inputs: inputs)
    }

    /// HTTP with a WebSocket upgrade that only ``RequestGuard/mayUpgrade(_:)`` lets through.
    private static func configure(_ channel: any Channel, hub: ViewerHub, requestGuard: RequestGuard, title: String,
                                  upgraded: @escaping @Sendable () -> Void) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            // A browser sends each message as one frame; this bounds what one frame can make the
            // server hold. Messages over LiveInputLimits.messageBytes are dropped, not the viewer.
            maxFrameSize: 1 << 20,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(
                    requestGuard.mayUpgrade(head) && hub.hasRoomForViewer ? HTTPHeaders([("Cache-Control", "no-store")]) : nil)
            },
            upgradePipelineHandler: { channel, _ in
                upgraded()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ViewerSocketHandler(hub: hub))
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.removeHandler(name: PageRequestHandler.name, promise: nil)
            }))
        try channel.pipeline.syncOperations.addHandler(PageRequestHandler(requestGuard: requestGuard, title: title),
                                                       name: PageRequestHandler.name)
    }

    /// Shows a new frame to every connected viewer, and to any that connects later until the next.
    /// - Parameters:
    ///   - jpeg: the picture (a screencast frame's data, decoded from base64).
    ///   - deviceWidth: the CSS-pixel width of the browser viewport the picture shows (the
    ///     screencast metadata's `deviceWidth`): pointer positions are scaled to it.
    ///   - deviceHeight: likewise, its height.
    public func show(jpeg: [UInt8], deviceWidth: Double, deviceHeight: Double) {
        // A size that is not a size cannot scale a pointer: such a frame is not shown.
        guard !stopped, deviceWidth.isFinite, deviceHeight.isFinite, deviceWidth > 0, deviceHeight > 0, !jpeg.isEmpty else { return }
        hub.show(jpeg: ByteBuffer(bytes: jpeg), device: DeviceSize(width: deviceWidth, height: deviceHeight))
    }

    /// A line for the page's status strip under the view ("Loading…", "Saved"); replaces the last.
    public func say(_ status: String) {
        guard !stopped else { return }
        hub.say(status)
    }

    /// Closes every page's connection (the pages say the live view has ended), stops listening
    /// and ends ``inputs``. Calling it again does nothing.
    public func stop() async {
        guard !stopped else { return }
        stopped = true
        let open = hub.stop()
        try? await channel.close()
        for viewer in open.viewers { viewer.run { $0.end(code: .goingAway, reason: "ended") } }
        for other in open.others { other.close(promise: nil) }
        for connection in open.viewers.map(\.channel) + open.others {
            try? await connection.closeFuture.get()
        }
    }

    deinit {
        // Dropped without stop(): at least stop listening and end the stream.
        if !stopped {
            _ = hub.stop()
            channel.close(promise: nil)
        }
    }
}

/// Why the live view could not start.
public enum LiveViewError: Error, CustomStringConvertible {
    /// The listening socket reported no port.
    case noPort

    public var description: String {
        switch self {
        case .noPort: "the live view's listening socket has no port"
        }
    }
}
