import DevTools
import Foundation

/// Exhibit's isolated world in the page's main frame (`Page.createIsolatedWorld`) with
/// `install.js` in it: the profile's reads and clicks run there, out of the page scripts' reach.
struct IsolatedWorld: Sendable {
    let session: PageSession
    let contextId: Int

    /// Creates the world for `frameId` and installs `globalThis.exhibit` in it.
    static func open(_ session: PageSession, frameId: String) async throws -> IsolatedWorld {
        let world = try await session.send(PageCommands.CreateIsolatedWorld(frameId: frameId, worldName: "exhibit"))
        let _: Bool? = try await session.run(.install, contextId: world.executionContextId)
        return IsolatedWorld(session: session, contextId: world.executionContextId)
    }

    /// Calls `exhibit.<function>` with its arguments encoded as JSON.
    func call<Value: Decodable & Sendable>(_ function: String, _ arguments: any Encodable..., awaitPromise: Bool = false,
                                           userGesture: Bool = false, timeout: Duration = .seconds(30)) async throws -> Value? {
        try await session.evaluate("exhibit.\(function)(\(PageScript.argumentList(arguments)))", awaitPromise: awaitPromise, userGesture: userGesture,
                                          contextId: contextId, timeout: timeout)
    }

    /// Runs a page script in this world.
    func run<Value: Decodable & Sendable>(_ script: PageScript, _ arguments: any Encodable...) async throws -> Value? {
        try await session.evaluate(script.call(arguments: arguments), contextId: contextId, timeout: .seconds(30))
    }
}
