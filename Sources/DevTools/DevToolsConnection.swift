import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// A CDP command as a value: its parameters, the method it calls and the result it expects.
///
/// Commands are small structs grouped by domain under `Commands/`; they are sent with
/// ``DevToolsConnection/send(_:sessionId:timeout:)`` or ``PageSession/send(_:timeout:)``.
public protocol DevToolsCommand: Encodable, Sendable {
    /// What the browser answers with.
    associatedtype Result: Decodable & Sendable
    /// The CDP method name, e.g. `Page.navigate`.
    static var method: String { get }
}

/// The answer of commands whose result carries nothing Exhibit uses.
public struct NoResult: Decodable, Sendable { public init() {} }

/// An event from the browser. Its parameters are decoded on demand with ``decode(_:)``.
public struct DevToolsEvent: Sendable {
    /// CDP method name, e.g. `Page.lifecycleEvent`.
    public let method: String
    /// The flattened session the event belongs to; nil for browser-level events.
    public let sessionId: String?
    let raw: Data

    /// Decodes the event's `params`.
    public func decode<P: Decodable>(_ type: P.Type = P.self) throws -> P {
        do { return try JSONDecoder().decode(EventEnvelope<P>.self, from: raw).params }
        catch { throw DevToolsError.badResponse(method: method, reason: "\(error)") }
    }
}

private struct EventEnvelope<P: Decodable>: Decodable { let params: P }
private struct ResultEnvelope<R: Decodable>: Decodable { let result: R }
private struct Envelope: Decodable {
    struct ErrorBody: Decodable { let code: Int; let message: String; let data: String? }
    let id: Int?
    let method: String?
    let sessionId: String?
    let error: ErrorBody?
}
private struct Request<P: Encodable>: Encodable {
    let id: Int
    let method: String
    let params: P
    let sessionId: String?
}

/// One DevTools WebSocket connection: a single reader routes responses by id to their callers
/// and events to subscribers, in arrival order.
///
/// Guarantees: every command either gets its answer, fails with the browser's CDP error,
/// times out, or fails at once when the connection ends; nothing waits forever.
public actor DevToolsConnection {
    private struct Pending {
        let method: String
        let continuation: CheckedContinuation<Data, Error>
        let timer: Task<Void, Never>
    }
    private struct Subscriber {
        let sessionId: String?
        let continuation: AsyncStream<DevToolsEvent>.Continuation
    }

    private let transport: any MessageTransport
    private var nextId = 1
    private var pending: [Int: Pending] = [:]
    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    private var closedError: DevToolsError?
    private var closeExplainer: (@Sendable () async -> DevToolsError?)?
    private let trace: ProtocolTrace?
    /// The endpoint this connection was opened to.
    public nonisolated let url: String
    /// Default time limit for commands sent without one.
    public let defaultTimeout: Duration

    /// Opens the WebSocket and starts the reader. With a `trace`, every message sent and
    /// received on this connection is written to it.
    public static func connect(to url: String, defaultTimeout: Duration = .seconds(30),
                               trace: ProtocolTrace? = nil) async throws -> DevToolsConnection {
        let transport = try await WebSocketTransport.connect(to: url)
        return await connect(over: transport, label: url, defaultTimeout: defaultTimeout, trace: trace)
    }

    /// Starts a connection over a transport that is already open (the pipes of a launched
    /// browser); `label` stands for its endpoint in messages and ``url``.
    static func connect(over transport: any MessageTransport, label: String, defaultTimeout: Duration = .seconds(30),
                        trace: ProtocolTrace? = nil) async -> DevToolsConnection {
        let connection = DevToolsConnection(transport: transport, url: label, defaultTimeout: defaultTimeout, trace: trace)
        await connection.startReader()
        devToolsLog.debug("DevTools connection open", metadata: ["endpoint": "\(label)"])
        return connection
    }

    private init(transport: any MessageTransport, url: String, defaultTimeout: Duration, trace: ProtocolTrace?) {
        self.transport = transport
        self.url = url
        self.defaultTimeout = defaultTimeout
        self.trace = trace
    }

    private func startReader() {
        let messages = transport.messages
        Task { [weak self] in
            do {
                for try await message in messages {
                    guard let self else { return }
                    await self.dispatch(Data(buffer: message, byteTransferStrategy: .noCopy))
                }
                await self?.transportEnded(.connectionClosed("the browser closed the WebSocket"))
            } catch let error as DevToolsError {
                await self?.transportEnded(error)
            } catch {
                await self?.transportEnded(.connectionClosed("\(error)"))
            }
        }
    }

    /// Gives the owner of the browser a chance to say why the socket closed (a crashed or killed
    /// process, for one) before pending calls are failed with a generic reason.
    func setCloseExplainer(_ explainer: @escaping @Sendable () async -> DevToolsError?) {
        closeExplainer = explainer
    }

    private func transportEnded(_ error: DevToolsError) async {
        guard closedError == nil else { return }
        let explained = await closeExplainer?()
        await terminate(explained ?? error)
    }

    /// Sends a command, on a page session when `sessionId` is given, and waits for its result.
    public func send<C: DevToolsCommand>(_ command: C, sessionId: String? = nil,
                                         timeout: Duration? = nil) async throws -> C.Result {
        let data = try await sendRaw(method: C.method, params: command, sessionId: sessionId, timeout: timeout)
        do { return try JSONDecoder().decode(ResultEnvelope<C.Result>.self, from: data).result }
        catch { throw DevToolsError.badResponse(method: C.method, reason: "\(error)") }
    }

    /// The one generic send under every typed command: returns the whole response message.
    public func sendRaw(method: String, params: some Encodable & Sendable, sessionId: String?,
                        timeout: Duration?) async throws -> Data {
        if let closedError { throw closedError }
        let id = nextId
        nextId += 1
        let body: Data
        do { body = try JSONEncoder().encode(Request(id: id, method: method, params: params, sessionId: sessionId)) }
        catch { throw DevToolsError.badResponse(method: method, reason: "could not encode parameters: \(error)") }
        let limit = timeout ?? defaultTimeout
        devToolsLog.trace("command", metadata: ["id": "\(id)", "method": "\(method)", "session": "\(sessionId ?? "browser")"])
        // A cancelled caller fails its pending call at once instead of waiting for the timeout
        // (a browser that navigated away never answers a screenshot, for one).
        return try await withTaskCancellationHandler {
            try await waitForAnswer(id: id, method: method, body: body, limit: limit)
        } onCancel: {
            Task { await self.fail(id: id, with: .cancelled(method: method)) }
        }
    }

    private func waitForAnswer(id: Int, method: String, body: Data, limit: Duration) async throws -> Data {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { continuation in
            let timer = Task { [weak self] in
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                devToolsLog.warning("command timed out", metadata: ["id": "\(id)", "method": "\(method)",
                                                                  "seconds": "\(formatSeconds(limit.seconds))"])
                await self?.fail(id: id, with: .timeout(method: method, seconds: limit.seconds))
            }
            pending[id] = Pending(method: method, continuation: continuation, timer: timer)
            // Traced here, in the order the commands were issued and before any answer can arrive.
            trace?.record(.send, body)
            let transport = self.transport
            Task {
                do { try await transport.send(ByteBuffer(bytes: body)) }
                catch {
                    // A write that fails means the connection is gone, and its owner may know why
                    // (a killed browser's pipe breaks before its exit is reaped): asked first.
                    let failure = DevToolsError.connectionClosed("sending \(method) failed: \(error)")
                    await self.transportEnded(failure)
                    self.fail(id: id, with: self.closedReason ?? failure)
                }
            }
        }
    }

    /// Events for one session (or browser-level events when `sessionId` is nil, or all events
    /// when `allSessions` is true), from now on. Subscribe before sending the command whose
    /// events you need: some arrive before its response.
    public func events(sessionId: String?, allSessions: Bool = false) -> AsyncStream<DevToolsEvent> {
        let (stream, continuation) = AsyncStream<DevToolsEvent>.makeStream()
        if closedError != nil { continuation.finish(); return stream }
        let key = nextSubscriber
        nextSubscriber += 1
        subscribers[key] = Subscriber(sessionId: allSessions ? "*" : sessionId, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(key) }
        }
        return stream
    }

    private func unsubscribe(_ key: Int) { subscribers[key] = nil }

    /// Event streams still subscribed, and commands still waiting for their answer: a long batch
    /// on one connection must not grow in either.
    public var openStreams: (subscribers: Int, pending: Int) { (subscribers.count, pending.count) }

    /// Whether the connection has ended, and why.
    public var closedReason: DevToolsError? { closedError }

    /// Ends the connection: every pending command and event stream finishes with `error`.
    public func terminate(_ error: DevToolsError) async {
        guard closedError == nil else { return }
        closedError = error
        devToolsLog.debug("DevTools connection closed", metadata: ["endpoint": "\(url)", "reason": "\(error)"])
        let waiting = pending
        pending.removeAll()
        for (_, entry) in waiting { entry.timer.cancel(); entry.continuation.resume(throwing: error) }
        for (_, subscriber) in subscribers { subscriber.continuation.finish() }
        subscribers.removeAll()
        await transport.close()
    }

    /// Closes the WebSocket normally.
    public func close() async {
        await terminate(.connectionClosed("closed by Exhibit"))
    }

    private func fail(id: Int, with error: DevToolsError) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.timer.cancel()
        entry.continuation.resume(throwing: error)
    }

    private func dispatch(_ message: Data) {
        trace?.record(.recv, message)
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: message) else { return }
        if let id = envelope.id {
            guard let entry = pending.removeValue(forKey: id) else { return }
            entry.timer.cancel()
            if let error = envelope.error {
                let detail = error.data.map { "\(error.message): \($0)" } ?? error.message
                entry.continuation.resume(throwing: DevToolsError.protocolError(
                    method: entry.method, code: error.code, message: detail))
            } else {
                entry.continuation.resume(returning: message)
            }
        } else if let method = envelope.method {
            let event = DevToolsEvent(method: method, sessionId: envelope.sessionId, raw: message)
            for (_, subscriber) in subscribers where subscriber.sessionId == "*" || subscriber.sessionId == envelope.sessionId {
                subscriber.continuation.yield(event)
            }
        }
    }
}
