import Crypto
import Foundation
import HTTPTransfer
import PrivateNetwork

/// Asks a platform's public API about one post with libcurl (`--api`), keeps every answer as it
/// came under `data/api/`, and reads them into an ``APIPost``.
///
/// Nothing an API answers can fail the capture: a timeout, a 429, an HTML page or a body that is
/// not the expected shape is recorded as such and the capture goes on. Every URL, and every
/// redirect's, is judged by the capture's network policy first and then reached at the address
/// judged (pinned), as the page's own requests are.
public struct PlatformAPIClient: Sendable {
    public let policy: NetworkPolicy
    public let resolver: NameResolver
    /// Seconds for each request.
    public let timeout: Double
    /// The capture's `data/` folder; `api/` is made in it when the first answer is kept.
    public let data: URL
    /// Each answer is cut off here and not kept: API answers are kilobytes, a thread's some megabytes.
    public static let maxBytes = 32 << 20
    static let maxRedirects = 3

    public init(policy: NetworkPolicy, resolver: NameResolver, timeout: Double, data: URL) {
        self.policy = policy
        self.resolver = resolver
        self.timeout = timeout
        self.data = data
    }

    /// The answers the post's platform gives, read; never throws.
    public func fetch(_ target: APITarget) async -> (requests: [APIExchange], post: APIPost?, unreadable: String?) {
        var exchanges: [APIExchange] = []
        var bodies: [String: [UInt8]] = [:]
        // Asked at once (a status and its context), recorded in the plan's order.
        let requests = target.firstRequests
        let answers = await withTaskGroup(of: (Int, APIExchange, [UInt8]).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask { let (exchange, body) = await get(request); return (index, exchange, body) }
            }
            var answers: [(Int, APIExchange, [UInt8])] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }
        }
        for (index, exchange, body) in answers {
            exchanges.append(exchange)
            if exchange.outcome == .ok { bodies[requests[index].name] = body }
        }
        if target.platform == .bluesky, !target.key.hasPrefix("did:") {
            guard let answer = bodies["resolveHandle"] else {
                return (exchanges, nil, "the handle \(target.key) was not resolved, so the thread was not asked for")
            }
            do {
                let did = try APIReaders.blueskyDID(answer)
                let (exchange, body) = await get(target.threadRequest(did: did))
                exchanges.append(exchange)
                if exchange.outcome == .ok { bodies["getPostThread"] = body }
            } catch { return (exchanges, nil, "\(error)") }
        }
        do {
            let post: APIPost?
            switch target.platform {
            case .mastodon: post = try bodies["status"].map { try APIReaders.mastodon(status: $0, context: bodies["context"]) }
            case .bluesky: post = try bodies["getPostThread"].map { try APIReaders.bluesky(thread: $0, rkeyURL: target.postURL) }
            case .reddit: post = try bodies["thread"].map(APIReaders.reddit)
            case .youtube: post = try bodies["oembed"].map { try APIReaders.youtube($0, videoURL: target.postURL) }
            }
            guard let post else {
                return (exchanges, nil, "no usable answer: " + exchanges.filter { $0.outcome != .ok }.map { "\($0.name) \($0.outcome.rawValue)" }.joined(separator: ", "))
            }
            return (exchanges, post, nil)
        } catch {
            return (exchanges, nil, "\(error)")
        }
    }

    /// One GET, its redirects followed under the policy, its body kept under `data/api/`.
    func get(_ request: APIRequest) async -> (APIExchange, [UInt8]) {
        let started = Date()
        var exchange = APIExchange(name: request.name, url: request.url, startedAt: Self.utc(started), seconds: 0, outcome: .failed)
        var url = request.url
        var redirects: [String] = []
        var response: HTTPResponse?
        do {
            while true {
                guard let scheme = URLComponents(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                    throw Stop(outcome: .refused, detail: "not an http(s) URL: \(url.prefix(200))")
                }
                let pin = try await judge(url)
                let answer = try await HTTPTransfer.get(url, headers: ["Accept: application/json"], timeout: timeout,
                                                        maxBytes: Self.maxBytes, pinnedAddress: pin)
                if (300...399).contains(answer.status), let location = answer.header("location") {
                    guard redirects.count < Self.maxRedirects, let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString else {
                        throw Stop(outcome: .httpError, detail: "more than \(Self.maxRedirects) redirects, or one to an unreadable Location")
                    }
                    redirects.append(next)
                    url = next
                    continue
                }
                response = answer
                break
            }
        } catch let stop as Stop {
            exchange.outcome = stop.outcome
            exchange.detail = stop.detail
        } catch let error as HTTPTransferError {
            switch error.kind {
            case .timeout: exchange.outcome = .timeout
            case .unreachable: exchange.outcome = .unreachable
            case .tooLarge: exchange.outcome = .tooLarge
            case .other: exchange.outcome = .failed
            }
            exchange.detail = error.message
        } catch {
            exchange.detail = "\(error)"
        }
        exchange.seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
        exchange.redirects = redirects.isEmpty ? nil : redirects
        guard let response else { return (exchange, []) }
        exchange.status = response.status
        exchange.contentType = response.header("content-type")
        exchange.serverDate = response.header("date")
        let isJSON = (try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])) != nil && !response.body.isEmpty
        switch response.status {
        case 200...299:
            exchange.outcome = isJSON ? .ok : .notJSON
            if !isJSON {
                exchange.detail = "HTTP \(response.status) with \(exchange.contentType ?? "no Content-Type"), not JSON"
                    + (Self.looksLikeHTML(response.body) ? " (an HTML page)" : "")
            }
        case 429:
            exchange.outcome = .rateLimited
            exchange.retryAfter = response.header("retry-after")
            exchange.detail = "HTTP 429: the API asks to wait" + (exchange.retryAfter.map { " (Retry-After: \($0.prefix(60)))" } ?? "")
        default:
            exchange.outcome = .httpError
            exchange.detail = "HTTP \(response.status)"
        }
        if !response.body.isEmpty {
            let name = "api/\(request.name)" + (isJSON ? ".json" : ".body")
            do {
                // Never makes data/ itself: a capture that failed meanwhile has removed its folder.
                guard !Task.isCancelled else { throw CancellationError() }
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: data.appendingPathComponent("api").path, isDirectory: &isDirectory) {
                    try FileManager.default.createDirectory(at: data.appendingPathComponent("api"), withIntermediateDirectories: false)
                }
                try Data(response.body).write(to: data.appendingPathComponent(name))
                exchange.file = name
                exchange.bytes = response.body.count
                exchange.sha256 = SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined()
            } catch {
                exchange.detail = (exchange.detail.map { $0 + "; " } ?? "") + "the answer could not be kept: \(error.localizedDescription)"
            }
        }
        return (exchange, response.body)
    }

    struct Stop: Error { let outcome: APIExchange.Outcome; let detail: String }

    /// The address to reach the URL's host at, once the policy allows it; nil to let libcurl
    /// resolve (an address literal, or every address allowed).
    func judge(_ url: String) async throws -> String? {
        switch await policy.check(url: url, resolver: resolver) {
        case .refused(let refusal)?: throw Stop(outcome: .refused, detail: "refused: \(refusal)")
        case .unresolved(let failure)?: throw Stop(outcome: .unreachable, detail: "the name did not resolve: \(failure)")
        case .allowed?, nil: break
        }
        guard !policy.allowsPrivateAddresses, let host = URLHost.of(url: url), case .name(let name) = URLHost(parsing: host.text) else { return nil }
        guard case .success(let addresses) = await resolver.resolve(name), let first = addresses.first else { return nil }
        return first.description
    }

    static func looksLikeHTML(_ body: [UInt8]) -> Bool {
        let head = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
        return head.contains("<!doctype html") || head.contains("<html") || head.contains("<body") || head.contains("<head")
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
