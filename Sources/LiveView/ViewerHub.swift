import NIOConcurrencyHelpers
import NIOCore

/// What the server and its connections share: the open connections, the viewers among them, the
/// newest frame and status (so a viewer that connects late, or reconnects, sees them at once),
/// and the stream of inputs. Connections run on NIO's event loops and the server is an actor,
/// so the state sits behind a lock, held only to read or swap it.
final class ViewerHub: Sendable {
    /// A frame as the viewers are sent it.
    struct Frame: Sendable {
        /// Counts up from 1: a viewer never goes back to an older frame.
        let sequence: Int
        let device: DeviceSize
        /// The ``PageMessage/frame(device:bytes:)`` text that goes before the JPEG.
        let announcement: String
        let jpeg: ByteBuffer
    }

    /// A WebSocket connection of a page. Its handler may only be touched on its event loop.
    struct Viewer: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ViewerSocketHandler>

        /// Runs `body` with the handler, on the handler's event loop.
        func run(_ body: @escaping @Sendable (ViewerSocketHandler) -> Void) {
            let handler = handler
            handler.eventLoop.execute { body(handler.value) }
        }
    }

    /// Several people (or tabs) may watch; past this many, one more is refused.
    static let maxViewers = 16
    /// Connections of any kind, viewers included: a bound on what a local program can hold open.
    static let maxConnections = 64

    private struct State {
        var connections: [ObjectIdentifier: any Channel] = [:]
        var viewers: [ObjectIdentifier: Viewer] = [:]
        var frame: Frame?
        var status = ""
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())
    private let inputs: AsyncStream<LiveInput>.Continuation

    init(inputs: AsyncStream<LiveInput>.Continuation) {
        self.inputs = inputs
    }

    /// Counts a newly accepted connection in, unless the server is stopping or holds too many.
    func accept(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let accepted = state.withLockedValue { state in
            guard !state.stopped, state.connections.count < Self.maxConnections else { return false }
            state.connections[key] = channel
            return true
        }
        if accepted {
            channel.closeFuture.whenComplete { [self] _ in
                state.withLockedValue { state in
                    state.connections[key] = nil
                    state.viewers[key] = nil
                }
            }
        }
        return accepted
    }

    /// Whether one more viewer may connect.
    var hasRoomForViewer: Bool {
        state.withLockedValue { !$0.stopped && $0.viewers.count < Self.maxViewers }
    }

    /// Adds a viewer; returns what it should be shown first, or nil when it may not stay.
    func add(_ viewer: Viewer) -> (frame: Frame?, status: String)? {
        state.withLockedValue { state in
            guard !state.stopped, state.viewers.count < Self.maxViewers else { return nil }
            state.viewers[ObjectIdentifier(viewer.channel)] = viewer
            return (state.frame, state.status)
        }
    }

    /// The newest frame, for a viewer that had to skip some while its connection was backed up.
    var latestFrame: Frame? { state.withLockedValue { $0.frame } }

    /// Keeps `jpeg` as the newest frame and hands it to every viewer.
    func show(jpeg: ByteBuffer, device: DeviceSize) {
        let (frame, viewers) = state.withLockedValue { state in
            let frame = Frame(sequence: (state.frame?.sequence ?? 0) + 1, device: device,
                              announcement: PageMessage.frame(device: device, bytes: jpeg.readableBytes), jpeg: jpeg)
            state.frame = frame
            return (frame, Array(state.viewers.values))
        }
        for viewer in viewers { viewer.run { $0.offer(frame) } }
    }

    /// Keeps `status` as the status line and sends it to every viewer.
    func say(_ status: String) {
        let viewers = state.withLockedValue { state in
            state.status = status
            return Array(state.viewers.values)
        }
        let message = PageMessage.status(status)
        for viewer in viewers { viewer.run { $0.send(text: message) } }
    }

    /// A text message from a page: checked against the newest frame's size, then passed on.
    func received(_ message: ByteBuffer) {
        let device = state.withLockedValue { $0.frame?.device }
        guard let input = InputMessage.decode(message.readableBytesView, device: device) else { return }
        inputs.yield(input)
    }

    /// Refuses everything from now on and ends the input stream; returns what is still open,
    /// for the caller to close.
    func stop() -> (viewers: [Viewer], others: [any Channel]) {
        let (viewers, connections) = state.withLockedValue { state in
            state.stopped = true
            return (state.viewers, state.connections)
        }
        inputs.finish()
        let others = connections.filter { viewers[$0.key] == nil }.map(\.value)
        return (Array(viewers.values), others)
    }
}
