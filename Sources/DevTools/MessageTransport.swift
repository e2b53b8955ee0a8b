import NIOCore

/// Carries whole DevTools messages (JSON text) to and from a browser. ``DevToolsConnection``
/// routes them and knows nothing of how they travel: a WebSocket (``WebSocketTransport``, the
/// default, and the only way to reach a browser Exhibit did not start) or the pipes of
/// `--remote-debugging-pipe` (``PipeTransport``, no port any local user could connect to).
protocol MessageTransport: Sendable {
    /// Incoming messages in arrival order. The stream finishes when the transport ends, throwing
    /// if it ended because of an error.
    var messages: AsyncThrowingStream<ByteBuffer, Error> { get }
    /// Sends one message, whole.
    func send(_ text: ByteBuffer) async throws
    /// Ends the transport; safe to call more than once.
    func close() async
}

extension WebSocketTransport: MessageTransport {}
