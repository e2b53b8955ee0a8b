import Foundation
import Synchronization

/// The out-of-process frames (OOPIFs) of a page: frames from another site, which Chromium renders
/// in a process of their own, so that the page's session cannot reach into them. Each is attached
/// by `Target.setAutoAttach` as a flattened child session on the page's connection, and so are the
/// out-of-process frames inside those, at any depth.
///
/// The tracker listens from before the page loads anything, on one stream of every session's
/// events, so a frame's own frames are announced after the frame itself and never missed.
public final class FrameTargets: Sendable {
    /// One attached frame target.
    public struct Frame: Sendable {
        /// Its flattened session.
        public let session: PageSession
        /// The target id, which is also the frame's id in the frame tree.
        public let targetId: String
        /// Its URL when it was attached (the frame tree has the current one).
        public let url: String
    }

    private struct State {
        var frames: [Frame] = []
        var listener: Task<Void, Never>?
    }
    private let state = Mutex(State())
    private let page: PageSession

    private init(page: PageSession) { self.page = page }

    /// Starts tracking `page`'s frame targets. Attaching them is ``TargetAttacher``'s part; this
    /// follows its announcements.
    public static func start(page: PageSession) async -> FrameTargets {
        let tracker = FrameTargets(page: page)
        let events = await page.connection.events(sessionId: nil, allSessions: true)
        let listener = Task { [weak tracker] in
            for await event in events {
                guard let tracker else { return }
                tracker.handle(event)
            }
        }
        tracker.state.withLock { $0.listener = listener }
        return tracker
    }

    /// The frame targets attached now, in the order they were attached.
    public var frames: [Frame] { state.withLock { $0.frames } }

    /// Stops following announcements.
    public func stop() { state.withLock { $0.listener?.cancel() } }

    private func handle(_ event: DevToolsEvent) {
        guard let from = event.sessionId else { return }
        switch event.method {
        case "Target.attachedToTarget":
            guard let attached = try? event.decode(TargetCommands.AttachedToTarget.self), attached.targetInfo.type == "iframe" else { return }
            state.withLock { state in
                guard from == page.sessionId || state.frames.contains(where: { $0.session.sessionId == from }) else { return }
                state.frames.append(Frame(session: page.attachedTarget(sessionId: attached.sessionId, targetId: attached.targetInfo.targetId),
                                          targetId: attached.targetInfo.targetId, url: attached.targetInfo.url))
            }
        case "Target.detachedFromTarget":
            guard let detached = try? event.decode(TargetCommands.DetachedFromTarget.self) else { return }
            state.withLock { $0.frames.removeAll { $0.session.sessionId == detached.sessionId } }
        default:
            break
        }
    }
}
