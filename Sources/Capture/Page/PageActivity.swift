import DevTools
import Foundation
import Synchronization

/// What the page has been doing, fed from its CDP events: lifecycle events of the main frame,
/// requests in flight, and the main document's response.
///
/// Waits subscribe to this state (the events flow in from before navigation starts, chromedp's
/// `WaitEvent` pattern) and are woken by each change, with deadlines, so no wait can hang and none
/// polls.
final class PageActivity: Sendable {
    struct State {
        var mainFrameId: String?
        /// Lifecycle event names of the main frame, by loader (one loader per navigation).
        var lifecycle: [String: Set<String>] = [:]
        var inFlight: [String: String] = [:]
        /// The frame of each request in flight that has one.
        var inFlightFrames: [String: String] = [:]
        /// Requests already finished or failed: a cancelled navigation can report its end before
        /// its start, and a start seen after the end must not count as in flight for ever.
        var ended: Set<String> = []
        var lastNetworkChange = ContinuousClock.now
        /// The main document's response, by loader.
        var documentResponses: [String: NetworkCommands.Response] = [:]
        /// Redirect hops of the main document, by loader.
        var redirects: [String: [Redirect]] = [:]
        /// Main-frame documents committed, in order: (loader, URL).
        var navigations: [(loaderId: String, url: String)] = []

        /// The URL of the first main-frame document committed after `loaderId`'s, if any.
        func navigatedAway(from loaderId: String) -> String? {
            guard let index = navigations.lastIndex(where: { $0.loaderId == loaderId }) else { return nil }
            return navigations[(index + 1)...].first?.url
        }

        /// The latest main-frame document committed after `loaderId`'s, if any.
        func navigation(after loaderId: String) -> (loaderId: String, url: String)? {
            guard let index = navigations.lastIndex(where: { $0.loaderId == loaderId }),
                  let last = navigations[(index + 1)...].last else { return nil }
            return (last.loaderId, last.url)
        }
    }
    private let state = Mutex(State())
    /// Wakes the waits at each change of ``state``.
    private let changes = ChangeSignal()
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// A hop of the main document's redirect chain.
    struct Redirect: Codable, Sendable {
        let url: String
        let status: Int
        let location: String?
    }

    /// Starts following `page`; call before navigating so nothing is missed.
    ///
    /// Every session's events are read: a dedicated worker's script is asked for in the page's
    /// session and finishes in the worker's (and a cross-site frame's document in the frame's), so
    /// the page's own events never end it. From other sessions only the end of a request the page
    /// began is taken (request ids are unique tokens across a browser's sessions).
    func start(_ page: PageSession) async {
        let events = await page.connection.events(sessionId: nil, allSessions: true)
        let pageSession = page.sessionId
        let consumer = Task { [weak self] in
            for await event in events {
                if event.sessionId == pageSession {
                    self?.handle(event)
                } else if event.method == "Network.loadingFinished" || event.method == "Network.loadingFailed" {
                    self?.endedElsewhere(event)
                }
            }
        }
        task.withLock { $0 = consumer }
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// Events are kept per loader, because those of the previous document arrive too and those of
    /// the new one can arrive before `Page.navigate` answers; readers pick their navigation's loader.
    func watchMainFrame(_ frameId: String) {
        change { $0.mainFrameId = frameId }
    }

    var snapshot: State { state.withLock { $0 } }

    /// The URL of a main-frame document committed after `loaderId`'s, if the page navigated away.
    func navigatedAway(from loaderId: String) -> String? {
        state.withLock { $0.navigatedAway(from: loaderId) }
    }

    /// The latest main-frame document committed after `loaderId`'s (its loader and URL), if any.
    func navigation(after loaderId: String) -> (loaderId: String, url: String)? {
        state.withLock { $0.navigation(after: loaderId) }
    }

    /// Request types a page keeps open forever; they never count as "in flight".
    private static let longLived: Set<String> = ["EventSource", "WebSocket", "Ping", "CSPViolationReport"]

    private func handle(_ event: DevToolsEvent) {
        switch event.method {
        case "Page.lifecycleEvent":
            guard let params = try? event.decode(PageCommands.LifecycleEvent.self) else { return }
            change { state in
                guard params.frameId == state.mainFrameId else { return }
                state.lifecycle[params.loaderId, default: []].insert(params.name)
            }
        case "Page.frameNavigated":
            struct Navigated: Decodable { struct Frame: Decodable { let id: String; let loaderId: String; let url: String; let parentId: String? }; let frame: Frame }
            guard let params = try? event.decode(Navigated.self), params.frame.parentId == nil else { return }
            change { state in
                guard params.frame.id == state.mainFrameId else { return }
                state.navigations.append((params.frame.loaderId, params.frame.url))
            }
        case "Network.requestWillBeSent":
            guard let params = try? event.decode(NetworkCommands.RequestWillBeSent.self) else { return }
            change { state in
                if let redirect = params.redirectResponse, params.type == "Document",
                   params.frameId == state.mainFrameId {
                    state.redirects[params.loaderId, default: []].append(Redirect(url: redirect.url, status: redirect.status,
                                                    location: redirect.headers.first { $0.key.lowercased() == "location" }?.value))
                }
                guard !Self.longLived.contains(params.type ?? ""), !params.request.url.hasPrefix("data:"),
                      params.redirectResponse != nil || !state.ended.contains(params.requestId) else { return }
                state.inFlight[params.requestId] = params.request.url
                if let frameId = params.frameId { state.inFlightFrames[params.requestId] = frameId }
                state.lastNetworkChange = .now
            }
        case "Network.responseReceived":
            guard let params = try? event.decode(NetworkCommands.ResponseReceived.self) else { return }
            change { state in
                if params.type == "Document", params.frameId == state.mainFrameId {
                    state.documentResponses[params.loaderId] = params.response
                }
            }
        case "Network.loadingFinished", "Network.loadingFailed":
            guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
            ended(params.requestId)
        case "Page.frameDetached":
            // A cross-site frame moves into a process of its own ("swap"): its document finishes
            // loading there, and this page never hears of it. A frame the page removes ("remove")
            // can no longer show anything, and Chromium does not always report its cancelled
            // requests as failed (seen on a loaded CI machine: a t.me/s/ page that removes its
            // discussion frame while it loads waited its full 15 s). Neither is waited for here.
            struct Detached: Decodable { let frameId: String; let reason: String? }
            guard let params = try? event.decode(Detached.self) else { return }
            change { state in
                let moved = state.inFlightFrames.filter { $0.value == params.frameId }.map(\.key)
                for requestId in moved {
                    state.inFlightFrames[requestId] = nil
                    state.inFlight[requestId] = nil
                }
                if !moved.isEmpty { state.lastNetworkChange = .now }
            }
        default:
            break
        }
    }

    /// A request the page began that ended in another target's session.
    private func endedElsewhere(_ event: DevToolsEvent) {
        guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
        if state.withLock({ $0.inFlight[params.requestId] != nil }) {
            ended(params.requestId)
        } else {
            // Its start may not have come yet (sessions' events race): kept, so that a start that
            // comes later is not counted as in flight forever. Bounded, as a page's children may
            // make requests without end.
            state.withLock { if $0.ended.count < Self.maxEnded { $0.ended.insert(params.requestId) } }
        }
    }

    /// The most request ids kept as ended.
    static let maxEnded = 100_000

    private func ended(_ requestId: String) {
        change { state in
            state.inFlightFrames[requestId] = nil
            state.ended.insert(requestId)
            if state.inFlight.removeValue(forKey: requestId) != nil { state.lastNetworkChange = .now }
        }
    }

    /// Applies `update` to the state and wakes every wait, so each looks again.
    private func change(_ update: (inout State) -> Void) {
        state.withLock { update(&$0) }
        changes.signal()
    }

    /// Waits until `condition` holds; false if `seconds` ran out first. The condition is looked at
    /// again on every change of the page's activity, never on a timer.
    func wait(upTo seconds: Double, until condition: (State) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let version = changes.version
            if state.withLock({ condition($0) }) { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            await changes.wait(after: version, until: deadline)
        }
    }

    /// Waits until no request has been in flight for `window`, counted from the last network change
    /// or from `since` if later (a click, a scroll); false if `seconds` ran out first. Between changes
    /// it sleeps until the window would close, then looks again.
    func waitQuiet(for window: Duration, since: ContinuousClock.Instant? = nil, upTo seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let version = changes.version
            let quietSince = state.withLock { state -> ContinuousClock.Instant? in
                guard state.inFlight.isEmpty else { return nil }
                return max(state.lastNetworkChange, since ?? state.lastNetworkChange)
            }
            if let quietSince, ContinuousClock.now - quietSince >= window { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            await changes.wait(after: version, until: quietSince.map { min($0 + window, deadline) } ?? deadline)
        }
    }
}
