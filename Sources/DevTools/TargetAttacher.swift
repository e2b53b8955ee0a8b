import Foundation
import Synchronization

/// Attaches the targets a page starts (its cross-site frames, dedicated and service workers, at
/// any depth) and the shared workers of its browser context, each held at its start until every
/// preparation has run, then let go.
///
/// Chromium runs these as targets of their own: the page's session neither sees their requests nor
/// can set them up. Whoever needs them before they run (a request guard enabling `Fetch`, a traffic
/// recorder that needs `Network` on from their first request) adds a preparation; one attacher owns
/// `Target.setAutoAttach`, since a second call on the same session replaces the first's settings.
public final class TargetAttacher: Sendable {
    /// One target attached and waiting, given to each preparation.
    public struct Attached: Sendable {
        /// Its flattened session on the page's connection.
        public let sessionId: String
        /// `iframe`, `worker`, `service_worker`, `shared_worker`, …
        public let type: String
        public let url: String
    }

    /// Runs while the target waits; it must not wait for the target itself to answer (a worker
    /// answers its own domains only once running).
    public typealias Preparation = @Sendable (Attached) async -> Void

    private struct State {
        var listener: Task<Void, Never>?
        /// Sessions attached through this attacher, whose own children are attached in turn.
        var adopted: Set<String> = []
    }
    private let state = Mutex(State())
    private let page: PageSession
    private let preparations: [Preparation]

    private init(page: PageSession, preparations: [Preparation]) {
        self.page = page
        self.preparations = preparations
    }

    /// Starts attaching before the page loads anything.
    public static func start(page: PageSession, preparations: [Preparation]) async throws -> TargetAttacher {
        let attacher = TargetAttacher(page: page, preparations: preparations)
        // One stream of every session's events: a frame's own frames are announced on the frame's
        // session, after the frame itself, and are never missed.
        let events = await page.connection.events(sessionId: nil, allSessions: true)
        let listener = Task { [weak attacher] in
            for await event in events where event.method == "Target.attachedToTarget" {
                guard let attacher, let attached = try? event.decode(TargetCommands.AttachedToTarget.self) else { continue }
                attacher.announced(attached, from: event.sessionId)
            }
        }
        attacher.state.withLock { $0.listener = listener }
        _ = try await page.send(TargetCommands.SetAutoAttach())
        // Shared workers belong to no page: only a browser-wide attachment sees them start.
        _ = try await page.connection.send(TargetCommands.SetAutoAttach(filter: [.init(type: "shared_worker")]))
        return attacher
    }

    /// Stops attaching; once the page is done with. The browser-wide attachment is turned off too:
    /// the connection stays open for a while (sealing, the report), and a shared worker started
    /// meanwhile, in a browser Exhibit attached to the user's own tabs among them, would wait at its
    /// start with nobody left to let it go.
    public func stop() {
        state.withLock { $0.listener?.cancel() }
        let connection = page.connection
        Task {
            _ = try? await connection.send(TargetCommands.SetAutoAttach(autoAttach: false, waitForDebuggerOnStart: false,
                                                                        filter: [.init(type: "shared_worker")]), timeout: .seconds(5))
        }
    }

    private func announced(_ attached: TargetCommands.AttachedToTarget, from parent: String?) {
        let info = attached.targetInfo, child = attached.sessionId, connection = page.connection
        let browserWide = parent == nil
        if browserWide {
            // The browser announces every attachment on its own session, Exhibit's own pages (the
            // report's) included: only the shared workers it was asked for concern this page, and
            // only those of its browser context.
            guard info.type == "shared_worker", attached.waitingForDebugger else { return }
            guard info.browserContextId == page.browserContextId else {
                Task {
                    _ = try? await connection.send(RuntimeCommands.RunIfWaitingForDebugger(), sessionId: child, timeout: .seconds(5))
                    _ = try? await connection.send(TargetCommands.DetachFromTarget(sessionId: child), timeout: .seconds(5))
                }
                return
            }
        } else {
            let ours = state.withLock { parent == page.sessionId || $0.adopted.contains(parent ?? "") }
            guard ours else { return }
        }
        state.withLock { _ = $0.adopted.insert(child) }
        let target = Attached(sessionId: child, type: info.type, url: info.url)
        let preparations = self.preparations
        Task {
            for prepare in preparations { await prepare(target) }
            // Its own frames and workers, attached the same way.
            _ = try? await connection.send(TargetCommands.SetAutoAttach(), sessionId: child, timeout: .seconds(10))
            // Network is answered by the target itself, so a worker would only answer it once
            // running, and a frame waiting for its document may not answer before it runs either
            // (awaited, a nested cross-site frame missed the screenshot): it is asked for alongside
            // the start, sent first.
            async let network = try? connection.send(NetworkCommands.Enable(), sessionId: child, timeout: .seconds(10))
            await Task.yield()
            if attached.waitingForDebugger {
                _ = try? await connection.send(RuntimeCommands.RunIfWaitingForDebugger(), sessionId: child, timeout: .seconds(10))
            }
            _ = await network
        }
    }
}
