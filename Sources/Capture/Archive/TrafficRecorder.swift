import DevTools
import Foundation
import Synchronization
import WebArchive

/// A body being recorded: a `WARCBody` (memory, then a spool file) that only the recorder's lock
/// touches while recording, and only the archive writer after ``TrafficRecorder/finish()``.
final class RecordedBody: @unchecked Sendable {
    let body: WARCBody
    init(_ body: WARCBody) { self.body = body }
}

/// One hop of a request the page made, as the `Network` domain reported it: a redirect chain is
/// one hop per URL, all under the same CDP request id.
struct RecordedExchange: Sendable {
    /// The recorder's key for the request: CDP's request id, prefixed by the session of the frame or
    /// worker that made it (ids are only unique within one target).
    let requestId: String
    /// The session of the frame or worker that made the request; nil for the page's own.
    var sessionId: String? = nil
    /// CDP's request id within that session, for the body commands.
    var networkId: String
    var url: String
    var method: String
    /// The headers Blink put on the request (no cookies).
    var requestHeaders: [String: String]
    /// The request's body (a POST's form, a fetch's payload), when it had one.
    var requestBody: RecordedBody?
    /// Seconds since the epoch when the hop was sent.
    var wallTime: Double?
    var response: NetworkCommands.Response?
    /// The body as the browser handed it over (decoded), streamed or fetched whole.
    var body: RecordedBody?
    /// Why the response has no body in the archive although it had one, said in its record.
    var bodyOmitted: String?
    /// Why the body in the archive is not all of it (still arriving, broken off), said in its record.
    var bodyCut: String?
    /// Bytes the body had on the wire (`encodedDataLength`), when the load finished.
    var encodedLength: Double?
    /// The browser's error for a request that failed (`net::ERR_…`).
    var failure: String?
    /// True once the load finished or failed: a hop still open when the capture ended is recorded
    /// with what had arrived.
    var ended = false
}

/// A frame or worker whose traffic was recorded beside the page's.
struct RecordedTarget: Sendable {
    let targetId: String
    /// `iframe`, `worker`, `service_worker`, `shared_worker`.
    let type: String
    /// A frame is attached before its document commits, with no URL yet: it is filled in when
    /// Chromium says what the target became (`Target.targetInfoChanged`).
    var url: String

    var description: String { "\(type) \(url.isEmpty ? "(no URL)" : url)" }
}

/// Everything the recorder saw, in the order the requests were made.
struct RecordedTraffic: Sendable {
    var exchanges: [RecordedExchange]
    /// `requestWillBeSentExtraInfo` headers per request id, one per hop in order (cookies included).
    var rawRequestHeaders: [String: [[String: String]]]
    /// `responseReceivedExtraInfo` per request id, one per hop that reached the network, in order.
    var rawResponses: [String: [NetworkCommands.ResponseReceivedExtraInfo]]
    /// WebSockets the page opened: their frames are not in the archive, and the record says so.
    var webSockets: [String] = []
    /// The frames and workers (targets of their own) whose traffic was recorded beside the page's.
    var targets: [RecordedTarget] = []
    /// Requests (hops) not recorded because ``TrafficRecorder/maxExchanges`` were recorded already.
    var dropped = 0
    /// Why recording could not go on (the disk full under the spool, for one); the capture fails then,
    /// since an archive missing bodies for that reason would look complete.
    var failure: String?
}

/// Records the captured page's HTTP traffic from the `Network` domain for `data/archive.warc.gz`.
///
/// It listens only, and never holds a request back: the `Fetch` domain belongs to ``NetworkGuard``,
/// and taking a body through `Fetch.takeResponseBodyAsStream` would take it away from the page.
/// Bodies that may be large (no `Content-Length`, more than ``streamThreshold``, or compressed, as
/// a small compressed body can decode to a huge one) are streamed with
/// `Network.streamResourceContent`: every `Network.dataReceived` then carries its chunk, which goes
/// straight into the record's spool file, so a 200 MB video never sits in memory whole. Small
/// bodies, and those that finished before streaming could start, are asked for whole with
/// `Network.getResponseBody` once loaded.
///
/// Events are taken from the moment the page is opened (before `Network.enable` in ``Navigate``),
/// so the main document's first hop is never missed. The page's cross-site frames and its workers
/// run as targets of their own: their sessions, attached by ``TargetAttacher`` and held until
/// `Network` is on, are recorded too, each request keyed by its session.
final class TrafficRecorder: Sendable {
    /// Bodies declared larger than this on the wire are streamed rather than fetched whole.
    static let streamThreshold = 1 << 20
    /// Bodies fetched whole (never streamed) are refused above this: `Network.getResponseBody`
    /// answers in one message, in memory.
    static let wholeFetchLimit = 64 << 20
    /// Each body keeps this much in memory before it moves to its spool file…
    static let bodyMemory = 256 << 10
    /// …while all bodies together hold less than this; past it new bodies spool from the first byte.
    static let memoryBudget = 64 << 20

    private enum BodyState {
        /// Nothing asked yet: fetched whole when the load finishes.
        case whole
        /// `streamResourceContent` sent, no answer yet: chunks wait here, after the buffered bytes.
        case streamRequested(pending: [Data])
        /// Chunks go straight into the body.
        case streaming
    }

    private struct State {
        var traffic = RecordedTraffic(exchanges: [], rawRequestHeaders: [:], rawResponses: [:])
        /// The latest hop of each request id, by index into `traffic.exchanges`.
        var latest: [String: Int] = [:]
        var bodyStates: [Int: BodyState] = [:]
        var bytesInMemory = 0
        var tasks: [Task<Void, Never>] = []
        var stopped = false
        /// The listener answering paused responses, when the recorder enabled `Fetch` itself (no
        /// ``NetworkGuard`` runs).
        var pauseListener: Task<Void, Never>?
        /// Decoded bytes the browser said it received (`dataReceived.dataLength`), per exchange.
        var received: [Int: Int] = [:]
        /// Exchanges whose body was streamed: what they hold is checked against ``received``.
        var streamed: Set<Int> = []
        /// Sessions of the page's frames and workers whose events are recorded, each with the
        /// session it was attached from (nil: the page's, or browser-wide for a shared worker).
        var children: [String: String?] = [:]
        /// A child's key for a request that began in a parent session → the key the chain has
        /// there: the chain's latest hop is always found through it, whichever hop it is now.
        var aliases: [String: String] = [:]
    }

    private let session: PageSession
    /// The largest body kept; beyond it the record is cut (`WARC-Truncated: length`).
    let maxRecordSize: UInt64
    /// Where bodies spool: inside the capture's partial folder, so the disk that fills is the
    /// capture's own and nothing is left behind elsewhere.
    let spoolDirectory: String
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// The most hops recorded; the rest are counted in ``RecordedTraffic/dropped``.
    let maxExchanges: Int

    init(session: PageSession, maxRecordSize: UInt64, maxExchanges: Int = CaptureOptions.defaultMaxArchivedRequests, spoolDirectory: String) {
        self.session = session
        self.maxRecordSize = maxRecordSize
        self.maxExchanges = maxExchanges
        self.spoolDirectory = spoolDirectory
        try? FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true)
    }

    /// Starts recording; call right after the page is opened, before anything is enabled.
    func start() async {
        // Every session's events in one stream, in the order sent: a frame's attachment comes before
        // its first event, so no child's request is missed.
        let events = await session.connection.events(sessionId: nil, allSessions: true)
        let consumer = Task { [weak self] in
            for await event in events { self?.handle(event) }
        }
        task.withLock { $0 = consumer }
    }

    /// Stops listening (no-op once finished).
    func stop() {
        task.withLock { $0?.cancel() }
        state.withLock { $0.stopped = true }
    }

    /// Stops answering paused responses; once the page is done with (its session closes next).
    func stopIntercepting() {
        state.withLock { $0.pauseListener?.cancel() }
    }

    /// Stops recording, waits for the bodies still being fetched, and returns what was recorded.
    /// A body still arriving is kept as far as it came and marked as cut short by time.
    func finish() async -> RecordedTraffic {
        stop()
        while true {
            let tasks = state.withLock { state in
                let tasks = state.tasks
                state.tasks = []
                return tasks
            }
            if tasks.isEmpty { break }
            for task in tasks { await task.value }
        }
        return state.withLock { state in
            for index in state.traffic.exchanges.indices where !state.traffic.exchanges[index].ended {
                if case .streamRequested(let pending)? = state.bodyStates[index] {
                    for chunk in pending { append(chunk, at: index, in: &state) }
                }
                if let body = state.traffic.exchanges[index].body {
                    body.body.markTruncated(.time)
                    state.traffic.exchanges[index].bodyCut = "still arriving when the capture ended; recorded as far as it came"
                } else if let response = state.traffic.exchanges[index].response,
                          TrafficArchive.mayHaveBody(response.status, method: state.traffic.exchanges[index].method) {
                    state.traffic.exchanges[index].bodyOmitted = "not recorded: still loading when the capture ended"
                }
            }
            state.bodyStates = [:]
            // A body whose size is not what the browser said it received is not the server's bytes:
            // streamed, it lost its beginning (Chromium's inspector buffer had dropped it) or was
            // handed over twice; fetched whole, the browser gave it as text decoded from its charset
            // and it was stored re-encoded as UTF-8 (a windows-1252 page). Never a whole-looking record.
            for index in state.traffic.exchanges.indices {
                guard let received = state.received[index], let body = state.traffic.exchanges[index].body?.body,
                      !body.truncated, body.receivedLength != UInt64(received) else { continue }
                body.markTruncated(.unspecified)
                state.traffic.exchanges[index].bodyCut = state.streamed.contains(index)
                    ? "the browser handed over \(body.receivedLength) bytes while it received \(received) (bytes read before streaming began were lost, or some were handed over twice)"
                    : "the browser handed the body over as text, \(body.receivedLength) bytes as stored, while it received \(received): "
                        + "not the bytes the server sent (text in another charset, re-encoded as UTF-8)"
            }
            return state.traffic
        }
    }

    /// Pauses the page's responses at the `Response` stage, so that a large body's streaming
    /// starts before its first byte is read (see ``responsePaused(_:)``). Only when no
    /// ``NetworkGuard`` runs; the guard's `Fetch` session does it otherwise.
    func interceptResponses() async throws {
        // Pauses are answered by a listener of their own, subscribed before Fetch.enable: behind the
        // recorder's consumer, busy with every chunk of every streamed body, a paused response
        // (the favicon) waited long enough on a saturated machine to keep the page from settling.
        let pauses = await session.events()
        let listener = Task { [weak self] in
            for await event in pauses where event.method == "Fetch.requestPaused" {
                guard let self else { return }
                self.paused(event)
            }
        }
        state.withLock { $0.pauseListener = listener }
        _ = try await session.send(FetchCommands.Enable(patterns: Self.pausedResponses))
    }

    /// Lets a paused response go on, after starting its stream when it needs one.
    private func paused(_ event: DevToolsEvent) {
        let session = self.session
        guard let paused = try? event.decode(FetchCommands.RequestPaused.self) else {
            // A pause this recorder cannot read is still let go on: a request left paused stalls the page.
            struct Bare: Decodable { let requestId: String }
            if let bare = try? event.decode(Bare.self) {
                let answer = Task { _ = try? await session.send(FetchCommands.ContinueRequest(requestId: bare.requestId), timeout: .seconds(10)) }
                state.withLock { if !$0.stopped { $0.tasks.append(answer) } }
            }
            return
        }
        // Every paused response goes on, whatever the recorder makes of it. Once recording has
        // stopped, answers are no longer waited for by finish(): a page that keeps fetching would
        // keep it waiting.
        let answer = Task { [weak self] in
            await self?.responsePaused(paused)
            _ = try? await session.send(FetchCommands.ContinueRequest(requestId: paused.requestId), timeout: .seconds(10))
        }
        state.withLock { if !$0.stopped { $0.tasks.append(answer) } }
    }

    /// A response of the page paused with its head read and its body not: a body that may be large
    /// starts streaming now. Started later, at `responseReceived`, Chromium may already have read
    /// more than its inspector buffer keeps (10 MB by default), and the bytes before streaming
    /// began would be lost. The caller lets the response go on afterwards, whatever happens here.
    func responsePaused(_ paused: FetchCommands.RequestPaused) async {
        guard let networkId = paused.networkId, let status = paused.responseStatusCode,
              (200..<300).contains(status) || status >= 400 else { return }
        var headers: [String: String] = [:]
        for entry in paused.responseHeaders ?? [] { headers[entry.name] = entry.value }
        guard Self.shouldStream(headers) else { return }
        let index: Int? = state.withLock { state in
            // The latest hop must be this response's: with the guard's listener ahead of this
            // recorder's, a redirect's next hop may not be recorded yet, and its stream must not
            // land on the previous hop.
            guard !state.stopped, let index = state.latest[networkId], state.bodyStates[index] == nil,
                  !state.traffic.exchanges[index].ended, state.traffic.exchanges[index].url == paused.request.url else { return nil }
            state.bodyStates[index] = .streamRequested(pending: [])
            return index
        }
        guard let index else { return }
        let session = self.session
        let stream = Task { [weak self] in
            let answer = try? await session.send(NetworkCommands.StreamResourceContent(requestId: networkId), timeout: .seconds(60))
            self?.streamAnswered(answer, at: index)
        }
        state.withLock { $0.tasks.append(stream) }
        // The response waits for the answer, so that no byte is read before streaming began, but not
        // for long: the page's renderer answers the command and the browser the pause, and a renderer
        // busy with the page's scripts kept two responses paused for the whole settle (seen in a
        // full test run). Let go earlier, the stream still starts; chunks that come before its
        // answer are kept in order, and a beginning the browser dropped is found by the size check.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await stream.value }
            group.addTask { try? await Task.sleep(for: Self.pauseWait) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The responses paused at the `Response` stage: the types whose body can outgrow Chromium's
    /// inspector buffer (a video, a download the page fetches, a huge document). Images, fonts,
    /// stylesheets and the favicon are not held: in full test runs an image and the favicon stayed
    /// in flight for the whole settle while every response was paused (cause not pinned down; the
    /// pauses were answered). Theirs are streamed from `responseReceived` when large, the size
    /// check marking a beginning the browser dropped.
    static let pausedResponses = ["Document", "Media", "Fetch", "XHR"].map {
        FetchCommands.RequestPattern(resourceType: $0, requestStage: "Response")
    }

    /// The longest a paused response waits for its stream's answer.
    static let pauseWait = Duration.seconds(2)

    /// The key of `requestId` made in `child`'s session (nil: the page's).
    private static func key(_ requestId: String, _ child: String?) -> String {
        child.map { "\($0):\(requestId)" } ?? requestId
    }

    /// The exchange `requestId` of `child`'s session (nil: the page's) is the latest hop of.
    ///
    /// A request can begin in one session and end in another: a cross-site frame's document and a
    /// dedicated worker's script are asked for by the parent (their `requestWillBeSent` comes
    /// there) and answered in the new target's session, under the same id. An id the child does
    /// not know is looked up along its parents; found, the exchange moves to the child's session,
    /// which holds its body.
    private static func index(_ requestId: String, _ child: String?, in state: inout State) -> Int? {
        let chain = chainKey(requestId, child, in: &state)
        guard let index = state.latest[chain] else { return nil }
        if chain != key(requestId, child) { state.traffic.exchanges[index].sessionId = child }
        return index
    }

    /// The key of the chain `requestId` of `child`'s session belongs to: its own, or, for a request
    /// that began in a parent session, the parent's (an alias made on first sight and kept, so a
    /// later hop of the chain is found too, and a hop dropped at the limit is dropped for all).
    /// Raw heads that came in the child before the alias existed move to the chain.
    private static func chainKey(_ requestId: String, _ child: String?, in state: inout State) -> String {
        let own = key(requestId, child)
        if let alias = state.aliases[own] { return alias }
        if state.latest[own] != nil { return own }
        var parent = child.flatMap { state.children[$0] }
        while let session = parent {
            let theirs = key(requestId, session)
            let chain = state.aliases[theirs] ?? theirs
            if state.latest[chain] != nil {
                state.aliases[own] = chain
                if let early = state.traffic.rawRequestHeaders.removeValue(forKey: own) {
                    state.traffic.rawRequestHeaders[chain, default: []] += early
                }
                if let early = state.traffic.rawResponses.removeValue(forKey: own) {
                    state.traffic.rawResponses[chain, default: []] += early
                }
                return chain
            }
            guard let session else { break }
            parent = state.children[session]
        }
        return own
    }

    /// The most frames and workers listed in warcinfo's account of them (their traffic is recorded
    /// whatever their number, up to the request limit).
    static let maxTargets = 1000

    private func handle(_ event: DevToolsEvent) {
        // The page's own session, or a frame or worker attached from it; other sessions on the
        // connection (the report's page) are not the captured page's.
        let child: String?
        if event.sessionId == session.sessionId {
            child = nil
        } else if let from = event.sessionId, state.withLock({ $0.children[from] != nil }) {
            child = from
        } else {
            if event.method == "Target.attachedToTarget", event.sessionId == nil { attached(event, from: nil) }
            return
        }
        switch event.method {
        case "Target.attachedToTarget":
            attached(event, from: child ?? session.sessionId)
        case "Target.targetInfoChanged":
            struct Changed: Decodable { struct Info: Decodable { let targetId: String; let url: String }; let targetInfo: Info }
            guard let changed = try? event.decode(Changed.self), !changed.targetInfo.url.isEmpty else { return }
            state.withLock { state in
                guard !state.stopped, let index = state.traffic.targets.firstIndex(where: { $0.targetId == changed.targetInfo.targetId }) else { return }
                state.traffic.targets[index].url = changed.targetInfo.url
            }
        case "Network.requestWillBeSent":
            guard let params = try? event.decode(NetworkCommands.RequestWillBeSent.self) else { return }
            // data: and blob: URLs never travel over the network; there is no exchange to archive.
            guard Self.isNetworkURL(params.request.url) else { return }
            let index: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                // A redirect: the previous hop's response arrives with the next hop's request.
                if let redirect = params.redirectResponse, let index = Self.index(params.requestId, child, in: &state) {
                    state.traffic.exchanges[index].response = redirect
                    state.traffic.exchanges[index].ended = true
                }
                let chain = Self.chainKey(params.requestId, child, in: &state)
                guard state.traffic.exchanges.count < maxExchanges else {
                    state.traffic.dropped += 1
                    // Its events from now on, in any session, find no exchange: the previous hop
                    // must not catch them.
                    state.latest[chain] = nil
                    return nil
                }
                var exchange = RecordedExchange(requestId: chain, sessionId: child, networkId: params.requestId,
                                                url: params.request.url, method: params.request.method,
                                                requestHeaders: params.request.headers ?? [:], wallTime: params.wallTime)
                if let entries = params.request.postDataEntries {
                    let body = makeBody(in: &state)
                    for entry in entries {
                        guard let text = entry.bytes, let bytes = Data(base64Encoded: text) else { continue }
                        do { try body.body.append(bytes) } catch { fail(error, in: &state) }
                    }
                    exchange.requestBody = body
                }
                state.traffic.exchanges.append(exchange)
                state.latest[chain] = state.traffic.exchanges.count - 1
                return state.traffic.exchanges.count - 1
            }
            // A body too large to come with the event is asked for separately.
            if let index, params.request.hasPostData == true, params.request.postDataEntries == nil {
                fetchRequestBody(at: index)
            }
        case "Network.requestWillBeSentExtraInfo":
            guard let params = try? event.decode(NetworkCommands.RequestWillBeSentExtraInfo.self) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                // Past the limit, heads of requests not recorded are not kept either.
                let chain = Self.chainKey(params.requestId, child, in: &state)
                guard state.latest[chain] != nil || state.traffic.exchanges.count < maxExchanges else { return }
                state.traffic.rawRequestHeaders[chain, default: []].append(params.headers)
            }
        case "Network.responseReceived":
            guard let params = try? event.decode(NetworkCommands.ResponseReceived.self) else { return }
            let stream: Int? = state.withLock { state in
                guard !state.stopped, let index = Self.index(params.requestId, child, in: &state) else { return nil }
                state.traffic.exchanges[index].response = params.response
                let method = state.traffic.exchanges[index].method
                guard state.bodyStates[index] == nil, TrafficArchive.mayHaveBody(params.response.status, method: method),
                      Self.shouldStream(params.response.headers) else { return nil }
                state.bodyStates[index] = .streamRequested(pending: [])
                return index
            }
            if let stream { startStreaming(at: stream) }
        case "Network.dataReceived":
            guard let params = try? event.decode(NetworkCommands.DataReceived.self) else { return }
            state.withLock { state in
                guard !state.stopped, let index = Self.index(params.requestId, child, in: &state) else { return }
                state.received[index, default: 0] += params.dataLength
            }
            guard let text = params.data, let chunk = Data(base64Encoded: text) else { return }
            state.withLock { state in
                guard !state.stopped, let index = Self.index(params.requestId, child, in: &state), let bodyState = state.bodyStates[index] else { return }
                switch bodyState {
                case .whole: return
                case .streamRequested(var pending):
                    pending.append(chunk)
                    state.bodyStates[index] = .streamRequested(pending: pending)
                case .streaming:
                    append(chunk, at: index, in: &state)
                }
            }
        case "Network.responseReceivedExtraInfo":
            guard let params = try? event.decode(NetworkCommands.ResponseReceivedExtraInfo.self) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                let chain = Self.chainKey(params.requestId, child, in: &state)
                guard state.latest[chain] != nil || state.traffic.exchanges.count < maxExchanges else { return }
                state.traffic.rawResponses[chain, default: []].append(params)
            }
        case "Network.loadingFinished":
            guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
            finished(params, child: child)
        case "Network.loadingFailed":
            guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
            state.withLock { state in
                guard !state.stopped, let index = Self.index(params.requestId, child, in: &state) else { return }
                var reason = params.errorText ?? "failed"
                if params.canceled == true { reason += " (cancelled)" }
                if let blocked = params.blockedReason { reason += " (blocked: \(blocked))" }
                state.traffic.exchanges[index].failure = reason
                state.traffic.exchanges[index].ended = true
                // What had arrived of a body broken off stays, said to be cut.
                if let bodyState = state.bodyStates[index] {
                    if case .streamRequested(let pending) = bodyState { for chunk in pending { append(chunk, at: index, in: &state) } }
                    state.bodyStates[index] = nil
                    state.traffic.exchanges[index].body?.body.markTruncated(.disconnect)
                    state.traffic.exchanges[index].bodyCut = "the transfer broke off: \(reason)"
                }
            }
        case "Network.webSocketCreated":
            guard let params = try? event.decode(NetworkCommands.WebSocketCreated.self) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                state.traffic.webSockets.append(params.url)
            }
        default:
            break
        }
    }

    /// Whether a response's body is taken by streaming: any that may be large, and any compressed
    /// one (its decoded size is unknown until it is decoded).
    static func shouldStream(_ headers: [String: String]) -> Bool {
        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value.trimmingCharacters(in: .whitespaces)
        }
        if let encoding = header("content-encoding"), !encoding.isEmpty, encoding.lowercased() != "identity" { return true }
        guard let declared = header("content-length").flatMap({ Int($0) }) else { return true }
        return declared > streamThreshold
    }

    /// Sends `command` to the session of the target that made exchange `index`.
    private func send<C: DevToolsCommand>(_ command: (String) -> C, for index: Int) async throws -> C.Result {
        let (child, networkId) = state.withLock { ($0.traffic.exchanges[index].sessionId, $0.traffic.exchanges[index].networkId) }
        return try await session.connection.send(command(networkId), sessionId: child ?? session.sessionId)
    }

    private func startStreaming(at index: Int) {
        let stream = Task { [weak self] in
            guard let self else { return }
            let answer: NetworkCommands.StreamResourceContent.Result?
            do { answer = try await self.send({ NetworkCommands.StreamResourceContent(requestId: $0) }, for: index) }
            catch { answer = nil }
            self.streamAnswered(answer, at: index)
        }
        state.withLock { $0.tasks.append(stream) }
    }

    private func streamAnswered(_ answer: NetworkCommands.StreamResourceContent.Result?, at index: Int) {
        let fetchWhole: Bool = state.withLock { state in
            guard case .streamRequested(let pending)? = state.bodyStates[index] else { return false }
            guard let answer else {
                // Chromium refuses a request that already finished loading ("has already finished
                // loading"): its body is asked for whole, now or when it finishes.
                state.bodyStates[index] = .whole
                return state.traffic.exchanges[index].ended && state.traffic.exchanges[index].failure == nil
            }
            guard let buffered = Data(base64Encoded: answer.bufferedData) else {
                state.bodyStates[index] = nil
                state.traffic.exchanges[index].bodyOmitted = "not recorded: the browser's base64 body did not decode"
                return false
            }
            state.streamed.insert(index)
            append(buffered, at: index, in: &state)
            for chunk in pending { append(chunk, at: index, in: &state) }
            // Finished while the answer was on its way: the body is complete.
            state.bodyStates[index] = state.traffic.exchanges[index].ended ? nil : .streaming
            return false
        }
        if fetchWhole { fetchBody(at: index) }
    }

    private func finished(_ params: NetworkCommands.LoadingEnded, child: String?) {
        let fetch: Int? = state.withLock { state in
            guard !state.stopped, let index = Self.index(params.requestId, child, in: &state) else { return nil }
            state.traffic.exchanges[index].ended = true
            state.traffic.exchanges[index].encodedLength = params.encodedDataLength
            switch state.bodyStates[index] {
            case .streaming?:
                state.bodyStates[index] = nil
                return nil
            case .streamRequested?:
                return nil  // the answer decides
            case .whole?, nil:
                state.bodyStates[index] = nil
                guard let response = state.traffic.exchanges[index].response,
                      TrafficArchive.mayHaveBody(response.status, method: state.traffic.exchanges[index].method) else { return nil }
                if let length = params.encodedDataLength, length > Double(Self.wholeFetchLimit) {
                    state.traffic.exchanges[index].bodyOmitted =
                        "not recorded: \(Int(length)) bytes on the wire finished loading before streaming could start, more than Exhibit fetches into memory at once (\(Self.wholeFetchLimit >> 20) MiB)"
                    return nil
                }
                return index
            }
        }
        if let fetch { fetchBody(at: fetch) }
    }

    private func fetchBody(at index: Int) {
        let fetch = Task { [weak self] in
            guard let self else { return }
            let outcome: Result<NetworkCommands.GetResponseBody.Result, any Error>
            do { outcome = .success(try await self.send({ NetworkCommands.GetResponseBody(requestId: $0) }, for: index)) }
            catch { outcome = .failure(error) }
            self.store(outcome, at: index)
        }
        state.withLock { $0.tasks.append(fetch) }
    }

    private func fetchRequestBody(at index: Int) {
        let fetch = Task { [weak self] in
            guard let self, let answer = try? await self.send({ NetworkCommands.GetRequestPostData(requestId: $0) }, for: index),
                  let bytes = answer.base64Encoded == true ? Data(base64Encoded: answer.postData) : Data(answer.postData.utf8) else { return }
            self.state.withLock { state in
                let body = self.makeBody(in: &state)
                do { try body.body.append(bytes) } catch { self.fail(error, in: &state) }
                state.traffic.exchanges[index].requestBody = body
            }
        }
        state.withLock { $0.tasks.append(fetch) }
    }

    private func store(_ outcome: Result<NetworkCommands.GetResponseBody.Result, any Error>, at index: Int) {
        state.withLock { state in
            switch outcome {
            case .success(let answer):
                if answer.base64Encoded {
                    guard let data = Data(base64Encoded: answer.body) else {
                        state.traffic.exchanges[index].bodyOmitted = "not recorded: the browser's base64 body did not decode"
                        return
                    }
                    append(data, at: index, in: &state)
                } else {
                    append(Data(answer.body.utf8), at: index, in: &state)
                }
            case .failure(let error):
                // Chromium answers "No resource with given identifier found" for bodies it did not keep
                // (a navigation's document replaced, a 204, an evicted buffer).
                state.traffic.exchanges[index].bodyOmitted = "not recorded: the browser did not hand the body over (\(error))"
            }
        }
    }

    /// Adds `chunk` to the exchange's body, made on first use.
    private func append(_ chunk: Data, at index: Int, in state: inout State) {
        let body = state.traffic.exchanges[index].body ?? makeBody(in: &state)
        state.traffic.exchanges[index].body = body
        let before = body.body.bytesInMemory
        do { try body.body.append(chunk) } catch { fail(error, in: &state) }
        state.bytesInMemory += body.body.bytesInMemory - before
    }

    private func makeBody(in state: inout State) -> RecordedBody {
        let memory = state.bytesInMemory < Self.memoryBudget ? Self.bodyMemory : 0
        return RecordedBody(WARCBody(limit: maxRecordSize, memoryLimit: memory, spoolDirectory: spoolDirectory))
    }

    private func fail(_ error: any Error, in state: inout State) {
        if state.traffic.failure == nil { state.traffic.failure = "recording a body failed: \(error)" }
    }

    /// A target attached from the page or one of its recorded frames and workers (or, browser-wide,
    /// a shared worker of the page's browser context): its events are recorded from now on.
    private func attached(_ event: DevToolsEvent, from parent: String?) {
        guard let attached = try? event.decode(TargetCommands.AttachedToTarget.self) else { return }
        let info = attached.targetInfo
        if parent == nil, info.type != "shared_worker" || info.browserContextId != session.browserContextId { return }
        state.withLock { state in
            guard !state.stopped, state.children[attached.sessionId] == nil else { return }
            state.children[attached.sessionId] = .some(parent == session.sessionId ? nil : parent)
            if state.traffic.targets.count < Self.maxTargets {
                state.traffic.targets.append(RecordedTarget(targetId: info.targetId, type: info.type, url: info.url))
            }
        }
    }

    static func isNetworkURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}
