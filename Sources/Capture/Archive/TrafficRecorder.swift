import DevTools
import Foundation
import Synchronization

/// One hop of a request the page made, as the `Network` domain reported it: a redirect chain is
/// one hop per URL, all under the same CDP request id.
struct RecordedExchange: Sendable {
    let requestId: String
    var url: String
    var method: String
    /// The headers Blink put on the request (no cookies).
    var requestHeaders: [String: String]
    /// Seconds since the epoch when the hop was sent.
    var wallTime: Double?
    var response: NetworkCommands.Response?
    /// The body as the browser handed it over (decoded), when it was fetched.
    var body: [UInt8]?
    /// Why the response has no body in the archive although it had one, said in its record.
    var bodyOmitted: String?
    /// Bytes the body had on the wire (`encodedDataLength`), when the load finished.
    var encodedLength: Double?
    /// The browser's error for a request that failed (`net::ERR_…`).
    var failure: String?
    /// True once the load finished or failed: a hop still open when the capture ended is recorded
    /// with what had arrived.
    var ended = false
}

/// Everything the recorder saw, in the order the requests were made.
struct RecordedTraffic: Sendable {
    var exchanges: [RecordedExchange]
    /// `requestWillBeSentExtraInfo` headers per request id, one per hop in order (cookies included).
    var rawRequestHeaders: [String: [[String: String]]]
    /// `responseReceivedExtraInfo` per request id, one per hop that reached the network, in order.
    var rawResponses: [String: [NetworkCommands.ResponseReceivedExtraInfo]]
}

/// Records the captured page's HTTP traffic from the `Network` domain for `data/archive.warc.gz`
/// (`--warc`).
///
/// It listens only: the `Fetch` domain belongs to ``NetworkGuard``, and a second `Fetch.enable`
/// would pause every request twice. Events are taken from the moment the page is opened (before
/// `Network.enable` in ``Navigate``), so the main document's first hop is never missed.
final class TrafficRecorder: Sendable {
    /// Bodies larger than this on the wire are not fetched: `Network.getResponseBody` hands the
    /// whole body over in one message, in memory (base64, a third larger). Their response is
    /// recorded with an empty body and `WARC-Truncated: length`.
    // TODO(issue 15): stream large bodies (Fetch at the response stage with
    // `Fetch.takeResponseBodyAsStream` and IO.read into a spooled WARCBody) instead of leaving them out;
    // that needs NetworkGuard's Fetch session to take the response stage too.
    static let bodyLimit = 16 << 20
    /// The most body bytes held in memory at once across all responses; beyond it, further bodies
    /// are left out (and said so) rather than letting a media-heavy page exhaust memory.
    static let heldLimit = 512 << 20

    private struct State {
        var traffic = RecordedTraffic(exchanges: [], rawRequestHeaders: [:], rawResponses: [:])
        /// The latest hop of each request id, by index into `traffic.exchanges`.
        var latest: [String: Int] = [:]
        var bytesHeld = 0
        var fetches: [Task<Void, Never>] = []
        var stopped = false
    }

    private let session: PageSession
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(session: PageSession) { self.session = session }

    /// Starts consuming `events`; call right after the page is opened, before anything is enabled.
    func start(_ events: AsyncStream<DevToolsEvent>) {
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

    /// Stops recording, waits for the bodies still being fetched, and returns what was recorded.
    func finish() async -> RecordedTraffic {
        stop()
        let fetches = state.withLock { $0.fetches }
        for fetch in fetches { await fetch.value }
        return state.withLock { $0.traffic }
    }

    private func handle(_ event: DevToolsEvent) {
        switch event.method {
        case "Network.requestWillBeSent":
            guard let params = try? event.decode(NetworkCommands.RequestWillBeSent.self) else { return }
            // data: and blob: URLs never travel over the network; there is no exchange to archive.
            guard Self.isNetworkURL(params.request.url) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                // A redirect: the previous hop's response arrives with the next hop's request.
                if let redirect = params.redirectResponse, let index = state.latest[params.requestId] {
                    state.traffic.exchanges[index].response = redirect
                    state.traffic.exchanges[index].ended = true
                }
                state.traffic.exchanges.append(RecordedExchange(
                    requestId: params.requestId, url: params.request.url, method: params.request.method,
                    requestHeaders: params.request.headers ?? [:], wallTime: params.wallTime))
                state.latest[params.requestId] = state.traffic.exchanges.count - 1
            }
        case "Network.requestWillBeSentExtraInfo":
            guard let params = try? event.decode(NetworkCommands.RequestWillBeSentExtraInfo.self) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                state.traffic.rawRequestHeaders[params.requestId, default: []].append(params.headers)
            }
        case "Network.responseReceived":
            guard let params = try? event.decode(NetworkCommands.ResponseReceived.self) else { return }
            state.withLock { state in
                guard !state.stopped, let index = state.latest[params.requestId] else { return }
                state.traffic.exchanges[index].response = params.response
            }
        case "Network.responseReceivedExtraInfo":
            guard let params = try? event.decode(NetworkCommands.ResponseReceivedExtraInfo.self) else { return }
            state.withLock { state in
                guard !state.stopped else { return }
                state.traffic.rawResponses[params.requestId, default: []].append(params)
            }
        case "Network.loadingFinished":
            guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
            finished(params)
        case "Network.loadingFailed":
            guard let params = try? event.decode(NetworkCommands.LoadingEnded.self) else { return }
            state.withLock { state in
                guard !state.stopped, let index = state.latest[params.requestId] else { return }
                var reason = params.errorText ?? "failed"
                if params.canceled == true { reason += " (cancelled)" }
                if let blocked = params.blockedReason { reason += " (blocked: \(blocked))" }
                state.traffic.exchanges[index].failure = reason
                state.traffic.exchanges[index].ended = true
            }
        default:
            break
        }
    }

    private func finished(_ params: NetworkCommands.LoadingEnded) {
        let index: Int? = state.withLock { state in
            guard !state.stopped, let index = state.latest[params.requestId] else { return nil }
            state.traffic.exchanges[index].ended = true
            state.traffic.exchanges[index].encodedLength = params.encodedDataLength
            if let length = params.encodedDataLength, length > Double(Self.bodyLimit) {
                state.traffic.exchanges[index].bodyOmitted =
                    "not recorded: \(Int(length)) bytes on the wire, more than Exhibit fetches into memory (\(Self.bodyLimit >> 20) MiB)"
                return nil
            }
            return index
        }
        guard let index else { return }
        let session = self.session
        let fetch = Task { [weak self] in
            let outcome: Result<NetworkCommands.GetResponseBody.Result, any Error>
            do { outcome = .success(try await session.send(NetworkCommands.GetResponseBody(requestId: params.requestId))) }
            catch { outcome = .failure(error) }
            self?.store(outcome, at: index)
        }
        state.withLock { $0.fetches.append(fetch) }
    }

    private func store(_ outcome: Result<NetworkCommands.GetResponseBody.Result, any Error>, at index: Int) {
        var bytes: [UInt8]?
        var omitted: String?
        switch outcome {
        case .success(let answer):
            if answer.base64Encoded {
                if let data = Data(base64Encoded: answer.body) { bytes = [UInt8](data) }
                else { omitted = "not recorded: the browser's base64 body did not decode" }
            } else {
                bytes = Array(answer.body.utf8)
            }
        case .failure(let error):
            // Chromium answers "No resource with given identifier found" for bodies it did not keep
            // (a navigation's document replaced, a 204, an evicted buffer).
            omitted = "not recorded: the browser did not hand the body over (\(error))"
        }
        state.withLock { state in
            if let body = bytes {
                if body.count > Self.bodyLimit {
                    state.traffic.exchanges[index].bodyOmitted =
                        "not recorded: \(body.count) bytes decoded, more than Exhibit keeps in memory (\(Self.bodyLimit >> 20) MiB)"
                } else if state.bytesHeld + body.count > Self.heldLimit {
                    state.traffic.exchanges[index].bodyOmitted =
                        "not recorded: the capture's bodies already held \(state.bytesHeld) bytes (limit \(Self.heldLimit >> 20) MiB)"
                } else {
                    state.bytesHeld += body.count
                    state.traffic.exchanges[index].body = body
                }
            } else {
                state.traffic.exchanges[index].bodyOmitted = omitted
            }
        }
    }

    static func isNetworkURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}
