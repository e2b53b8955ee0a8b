import DevTools
import Foundation
import PrivateNetwork
import Synchronization

/// Keeps the capture browser off the addresses the network policy refuses, request by request,
/// and records what it refused.
///
/// Every request of the captured page is paused before it is sent (`Fetch.enable`, `*` at the
/// `Request` stage, which pauses each hop of a redirect again), its host is judged with
/// ``NetworkPolicy`` (IP literals by their rule, names by every address they resolve to), and it is
/// let through or failed with `BlockedByClient`. The page's cross-site frames, dedicated and service
/// workers, and the shared workers of its browser context, get the same treatment before they run
/// (``prepare(_:)``, which ``TargetAttacher`` runs while each waits at its start): their requests
/// do not pass the page's own interception.
///
/// What the browser then actually connected to is checked too: each response's `remoteIPAddress`
/// (a name may resolve to another address for the browser than it did a moment earlier for
/// Exhibit). That comes too late to stop the request, so a refused address there is recorded with
/// stage `response`, and for the main document fails the capture. Behind a proxy the address is the
/// proxy's, so this check is off. WebSockets cannot be paused by `Fetch`: one opened to a refused
/// address is recorded with stage `websocket`.
final class NetworkGuard: Sendable {
    let policy: NetworkPolicy
    let resolver: NameResolver
    let session: PageSession
    let context: CaptureContext
    /// False behind a proxy, where a response's remote address is the proxy's.
    let checksResponses: Bool
    /// Called for each of the page's responses paused at the `Response` stage (head received, body
    /// not yet read) before it is let go on; nil: responses are not paused.
    let responses: ResponseHook?
    typealias ResponseHook = @Sendable (FetchCommands.RequestPaused) async -> Void

    /// One refused request, with what is needed to tell whether it was the captured document.
    struct Refused: Sendable {
        let entry: CaptureRecord.BlockedRequest
        /// The refusal in words, e.g. `loopback 127.0.0.2 (127.0.0.0/8)`.
        let reason: String
        let isMainDocument: Bool
        let isRedirect: Bool
    }

    private struct State {
        var refused: [Refused] = []
        var mainFrameId: String?
        var listeners: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    private init(policy: NetworkPolicy, resolver: NameResolver, session: PageSession, context: CaptureContext, checksResponses: Bool,
                 responses: ResponseHook?) {
        self.responses = responses
        self.policy = policy
        self.resolver = resolver
        self.session = session
        self.context = context
        self.checksResponses = checksResponses
    }

    /// Starts guarding `session` before it has loaded anything; nil when the policy refuses
    /// nothing, so that `--allow-private` costs nothing at all.
    /// `responses`, when given, also pauses the page's responses (one `Fetch` session serves both:
    /// a second `Fetch.enable` would replace the first's patterns).
    static func start(session: PageSession, policy: NetworkPolicy, resolver: NameResolver, context: CaptureContext,
                      checksResponses: Bool, responses: ResponseHook? = nil) async throws -> NetworkGuard? {
        guard !policy.allowsPrivateAddresses else { return nil }
        let guarding = NetworkGuard(policy: policy, resolver: resolver, session: session, context: context, checksResponses: checksResponses,
                                    responses: responses)
        // Subscribed before anything is enabled: a request paused before its listener exists would
        // wait for an answer forever.
        guarding.listen(to: await session.events(), sessionId: session.sessionId, isPage: true)
        let frame = try await session.send(PageCommands.GetFrameTree()).frameTree.frame
        guarding.state.withLock { $0.mainFrameId = frame.id }
        _ = try await session.send(NetworkCommands.Enable())
        let stages = [FetchCommands.RequestPattern()] + (responses == nil ? [] : TrafficRecorder.pausedResponses)
        _ = try await session.send(FetchCommands.Enable(patterns: stages))
        return guarding
    }

    /// Guards a frame or worker the page started, while it waits at its start (``TargetAttacher``
    /// runs this before letting it go): its requests are paused and judged like the page's.
    func prepare(_ target: TargetAttacher.Attached) async {
        let connection = session.connection
        listen(to: await connection.events(sessionId: target.sessionId), sessionId: target.sessionId, isPage: false)
        // Fetch is answered by the browser while the target waits, so it is in force before it runs.
        do {
            _ = try await connection.send(FetchCommands.Enable(), sessionId: target.sessionId, timeout: .seconds(10))
        } catch DevToolsError.protocolError(_, let code, _) where target.type == "worker" && code == -32601 {
            // A dedicated worker has no Fetch domain of its own in Chromium 156 ('Fetch.enable'
            // wasn't found): its requests pause in the Fetch of the frame that started it, which
            // is guarded already (the private-addresses fixture's dedicated worker is refused).
        } catch {
            context.warnOnce(.navigate, "the requests of the page's \(target.type) \(target.url) could not be checked by the network policy: \(error)")
        }
    }

    /// Stops listening.
    func stop() {
        for listener in state.withLock({ $0.listeners }) { listener.cancel() }
    }

    /// The `network` section of `capture.json`: the policy, and what `guarding` refused up to now
    /// (nothing when no guard ran, the policy refusing nothing).
    static func record(policy: NetworkPolicy, guarding: NetworkGuard?) -> CaptureRecord.Network {
        CaptureRecord.Network(privateAddresses: policy.allowsPrivateAddresses ? .allowed : .refused,
                              allowedAddresses: policy.allowedAddresses.map(\.description),
                              rules: AddressRules.version, ranges: AddressRules.all.map(\.description),
                              responseAddressesChecked: guarding?.checksResponses ?? false, blocked: guarding?.blocked ?? [])
    }

    /// Every request refused so far, in the order refused, for `capture.json`.
    var blocked: [CaptureRecord.BlockedRequest] { state.withLock { $0.refused.map(\.entry) } }

    /// The capture's failure when the captured page's own document (the URL asked for, a redirect
    /// hop, or a later navigation of the main frame) was refused.
    func refusal(of url: String) -> CaptureError? {
        guard let refused = state.withLock({ $0.refused.first { $0.isMainDocument } }) else { return nil }
        let entry = refused.entry
        var message: String
        switch entry.stage {
        case .request:
            message = entry.url == url ? "" : (refused.isRedirect ? "→ redirect to \(entry.url) " : "→ navigation to \(entry.url) ")
        case .response, .websocket:
            message = "→ \(entry.url) was answered from \(entry.address ?? entry.host), which the browser's own name lookup gave "
                + "(Exhibit's lookup had given an allowed address); "
        }
        message += "refused: \(refused.reason)"
        return .refused(url: url, message: message, address: entry.address)
    }

    private func listen(to events: AsyncStream<DevToolsEvent>, sessionId: String?, isPage: Bool) {
        let listener = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                self.handle(event, sessionId: sessionId, isPage: isPage)
            }
        }
        state.withLock { $0.listeners.append(listener) }
    }

    private func handle(_ event: DevToolsEvent, sessionId: String?, isPage: Bool) {
        switch event.method {
        case "Fetch.requestPaused":
            guard let sessionId else { return }
            guard let paused = try? event.decode(FetchCommands.RequestPaused.self) else {
                // A pause the guard cannot read is failed, not left: a request left paused stalls the
                // page, and one not judged must not go out.
                struct Bare: Decodable { let requestId: String }
                if let bare = try? event.decode(Bare.self) {
                    Task { _ = try? await self.session.connection.send(FetchCommands.FailRequest(requestId: bare.requestId, errorReason: "BlockedByClient"),
                                                                       sessionId: sessionId, timeout: .seconds(10)) }
                }
                return
            }
            if paused.isResponseStage {
                // Judged at its request stage already; the hook only prepares, the request always goes on.
                Task {
                    if isPage { await self.responses?(paused) }
                    _ = try? await self.session.connection.send(FetchCommands.ContinueRequest(requestId: paused.requestId),
                                                                sessionId: sessionId, timeout: .seconds(10))
                }
                return
            }
            Task { await self.answer(paused, sessionId: sessionId, isPage: isPage) }
        case "Network.responseReceived":
            struct Received: Decodable {
                struct Response: Decodable { let url: String; let remoteIPAddress: String? }
                let type: String?
                let frameId: String?
                let response: Response
            }
            guard checksResponses, let received = try? event.decode(Received.self),
                  let text = received.response.remoteIPAddress, let address = IPAddress(text),
                  let rule = policy.refusal(of: address),
                  let host = URLHost.of(url: received.response.url)?.text else { return }
            note(.init(url: received.response.url, host: host, address: address.description, rule: rule.description,
                       resourceType: received.type ?? "Other", stage: .response),
                 reason: NetworkPolicy.Refusal(host: host, address: address.description, rule: rule).description,
                 frameId: received.frameId, isPage: isPage, isRedirect: false)
        case "Network.webSocketCreated":
            guard let socket = try? event.decode(NetworkCommands.WebSocketCreated.self) else { return }
            Task {
                guard case .refused(let refusal)? = await self.policy.check(url: socket.url, resolver: self.resolver) else { return }
                self.note(.init(url: socket.url, host: refusal.host, address: refusal.address, rule: refusal.rule.description,
                                resourceType: "WebSocket", stage: .websocket),
                          reason: refusal.description, frameId: nil, isPage: false, isRedirect: false)
            }
        default:
            break
        }
    }

    /// Judges one paused request and answers it, exactly once, whatever happens.
    private func answer(_ paused: FetchCommands.RequestPaused, sessionId: String, isPage: Bool) async {
        let url = paused.request.url
        var failure: String?
        switch await policy.check(url: url, resolver: resolver) {
        case nil, .allowed?:
            break
        case .refused(let refusal)?:
            // Recorded before the browser hears of it, so the failed navigation finds its reason.
            note(.init(url: url, host: refusal.host, address: refusal.address, rule: refusal.rule.description,
                       resourceType: paused.resourceType, stage: .request),
                 reason: refusal.description, frameId: paused.frameId, isPage: isPage, isRedirect: paused.redirectedRequestId != nil)
            failure = "BlockedByClient"
        case .unresolved(let lookup)?:
            // Behind a proxy the proxy resolves names, and this machine may not resolve any.
            guard checksResponses else { break }
            if case .timedOut = lookup {
                // Not known, so not let through: the request is refused as unchecked.
                note(.init(url: url, host: URLHost.of(url: url)?.text ?? url, address: nil,
                           rule: "unchecked: \(lookup)", resourceType: paused.resourceType, stage: .request),
                     reason: "unchecked: \(lookup)", frameId: paused.frameId, isPage: isPage,
                     isRedirect: paused.redirectedRequestId != nil)
                failure = "BlockedByClient"
            } else {
                // A name that does not resolve fails as the browser's own lookup would fail: no
                // policy decision, so nothing is recorded, but the browser never resolves a name
                // Exhibit could not judge.
                failure = "NameNotResolved"
            }
        }
        // The page may be gone by now (closed, navigated): then there is nobody left to answer.
        if let failure {
            _ = try? await session.connection.send(FetchCommands.FailRequest(requestId: paused.requestId, errorReason: failure),
                                                   sessionId: sessionId, timeout: .seconds(10))
        } else {
            _ = try? await session.connection.send(FetchCommands.ContinueRequest(requestId: paused.requestId),
                                                   sessionId: sessionId, timeout: .seconds(10))
        }
    }

    /// Records a refused request and warns once per host and rule: the page's content from there
    /// did not load (or, at the response and WebSocket stages, loaded although it should not have).
    private func note(_ entry: CaptureRecord.BlockedRequest, reason: String, frameId: String?, isPage: Bool, isRedirect: Bool) {
        let isMainDocument = state.withLock { state in
            let main = isPage && entry.resourceType == "Document" && frameId != nil && frameId == state.mainFrameId
            state.refused.append(Refused(entry: entry, reason: reason, isMainDocument: main, isRedirect: isRedirect))
            return main
        }
        guard !isMainDocument else { return }
        let target = entry.address ?? entry.host
        switch entry.stage {
        case .request:
            context.warnOnce(.navigate, "requests to \(target) refused by the network policy (\(entry.rule)): page content from there did not load")
        case .response:
            context.warnOnce(.navigate, "content from \(target) loaded although the network policy refuses it (\(entry.rule)): "
                             + "the name resolved to another address for the browser than for Exhibit")
        case .websocket:
            context.warnOnce(.navigate, "the page opened a WebSocket to \(target) (\(entry.rule)), which the network policy cannot stop")
        }
    }
}
