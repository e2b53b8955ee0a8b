import Foundation

/// A page in its own browser context, attached with a flattened session.
///
/// ``open(on:)`` creates a fresh browser context (no cookies or storage shared with any other
/// capture), a page in it and a session; ``close()`` closes the page and disposes the context.
public struct PageSession: Sendable {
    /// The browser connection the session runs over.
    public let connection: DevToolsConnection
    /// The flattened session id that every page command carries.
    public let sessionId: String
    /// The page's target id.
    public let targetId: String
    /// The browser context created for this page alone.
    public let browserContextId: String
    /// False for a session of a target the page started (an out-of-process frame): closing such a
    /// session must not close the page or its context.
    var ownsTarget = true

    /// Creates a fresh browser context and a blank page in it, and attaches to the page.
    public static func open(on connection: DevToolsConnection) async throws -> PageSession {
        let context = try await connection.send(TargetCommands.CreateBrowserContext())
        do {
            let target = try await connection.send(TargetCommands.CreateTarget(browserContextId: context.browserContextId))
            let attached = try await connection.send(TargetCommands.AttachToTarget(targetId: target.targetId))
            return PageSession(connection: connection, sessionId: attached.sessionId,
                               targetId: target.targetId, browserContextId: context.browserContextId)
        } catch {
            _ = try? await connection.send(TargetCommands.DisposeBrowserContext(browserContextId: context.browserContextId))
            throw error
        }
    }

    /// Sends a command on this page's session.
    public func send<C: DevToolsCommand>(_ command: C, timeout: Duration? = nil) async throws -> C.Result {
        try await connection.send(command, sessionId: sessionId, timeout: timeout)
    }

    /// This page's events from now on.
    public func events() async -> AsyncStream<DevToolsEvent> {
        await connection.events(sessionId: sessionId)
    }

    /// Evaluates a JavaScript expression in the page and returns its JSON value.
    /// A thrown exception becomes an error naming the expression's purpose.
    public func evaluate<Value: Decodable & Sendable>(_ expression: String, as type: Value.Type = Value.self,
                                                      awaitPromise: Bool = false, userGesture: Bool = false,
                                                      contextId: Int? = nil,
                                                      timeout: Duration? = nil) async throws -> Value? {
        let result = try await send(RuntimeCommands.Evaluate<Value>(expression, awaitPromise: awaitPromise,
                                                                    userGesture: userGesture, contextId: contextId),
                                    timeout: timeout)
        if let exception = result.exceptionDetails {
            throw DevToolsError.protocolError(method: "Runtime.evaluate", code: 0,
                                              message: exception.exception?.description ?? exception.text)
        }
        return result.result.value
    }

    /// A trusted left click at viewport CSS coordinates: press and release, as a mouse gives them.
    public func click(x: Double, y: Double) async throws {
        _ = try await send(InputCommands.DispatchMouseEvent(type: .mouseMoved, x: x, y: y, clickCount: 0))
        _ = try await send(InputCommands.DispatchMouseEvent(type: .mousePressed, x: x, y: y))
        _ = try await send(InputCommands.DispatchMouseEvent(type: .mouseReleased, x: x, y: y))
    }

    /// Reads a CDP stream (from `IO`) to the end, handing each decoded chunk to `write`.
    public func readStream(_ handle: String, write: (Data) throws -> Void) async throws {
        defer { Task { [self] in _ = try? await send(IOCommands.Close(handle: handle)) } }
        while true {
            let chunk = try await send(IOCommands.Read(handle: handle))
            if chunk.base64Encoded == true {
                guard let data = Data(base64Encoded: chunk.data) else {
                    throw DevToolsError.badResponse(method: IOCommands.Read.method, reason: "invalid base64 chunk")
                }
                try write(data)
            } else {
                try write(Data(chunk.data.utf8))
            }
            if chunk.eof { break }
        }
    }

    /// A session of a target this page started and the browser attached (an out-of-process
    /// frame, see ``FrameTargets``): commands go to that target. ``close()`` on it does nothing;
    /// the target ends with its page.
    public func attachedTarget(sessionId: String, targetId: String) -> PageSession {
        PageSession(connection: connection, sessionId: sessionId, targetId: targetId, browserContextId: browserContextId,
                    ownsTarget: false)
    }

    /// Closes the page and disposes its browser context.
    public func close() async {
        guard ownsTarget else { return }
        _ = try? await connection.send(TargetCommands.CloseTarget(targetId: targetId), timeout: .seconds(5))
        _ = try? await connection.send(TargetCommands.DisposeBrowserContext(browserContextId: browserContextId),
                                       timeout: .seconds(5))
    }
}
