import Foundation
import PlatformAPI
import PlatformProfiles
import PrivateNetwork

/// AskAPI (`--api`): what the platform's own public API says about the post, asked while the
/// page's files are finished, kept under `data/api/` and compared with `post.json`.
///
/// It starts as soon as the post is read (its id and link name what to ask) and runs beside the
/// checks, the DOM and the archive; the capture waits for it only before the record is sealed. An
/// API that is down, rate-limited or answers a web page never fails the capture: the record says
/// what came back, and the comparison says it compared nothing.
struct AskAPI {
    let options: CaptureOptions
    let policy: NetworkPolicy
    let resolver: NameResolver
    let data: URL
    let profileName: String
    let pageKind: Profile.PageKind
    let requestedURL: String
    let post: PostData

    /// The record, compared with nothing yet, and the API's post with its replies.
    struct Answer: Sendable {
        var record: PlatformAPIRecord
        let post: APIPost?
        let platform: APIPlatform?

        /// Compares the API's post with the page's; `pageTitle` is the document's (YouTube's oEmbed gives a title only).
        func compared(with page: PostData, pageTitle: String?) -> PlatformAPIRecord {
            var compared = record
            if let post, let platform {
                compared.comparison = APICrossCheck.compare(api: post, page: page, platform: platform, pageTitle: pageTitle)
            }
            return compared
        }
    }

    func run() async -> Answer {
        guard let platform = APIPlatform(profile: profileName) else {
            return Self.notAsked(nil, "the \(profileName) profile's platform has no public API Exhibit asks without an account "
                + "(asked: \(APIPlatform.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard pageKind == .post else { return Self.notAsked(platform, "an account page: the API is asked about posts only") }
        let urls = [requestedURL, post.pageURL, post.canonicalURL, post.post?.url].compactMap { $0 }
        let target: APITarget
        switch APITarget.make(platform: platform, urls: urls, postId: post.post?.id, base: options.apiBase) {
        case .success(let found): target = found
        case .failure(let reason): return Self.notAsked(platform, reason.message)
        }
        let client = PlatformAPIClient(policy: policy, resolver: resolver, timeout: options.apiTimeout, data: data)
        let answer = await client.fetch(target)
        let record = PlatformAPIRecord(platform: platform.rawValue, base: target.base, notAsked: nil, requests: answer.requests,
                                       post: answer.post?.summary, repliesListed: answer.post.map { $0.listsReplies ? $0.replies.count : nil } ?? nil,
                                       unreadable: answer.unreadable, comparison: .notCompared(answer.unreadable ?? "no usable answer"))
        return Answer(record: record, post: answer.post, platform: platform)
    }

    static func notAsked(_ platform: APIPlatform?, _ reason: String) -> Answer {
        Answer(record: PlatformAPIRecord(platform: platform?.rawValue, base: nil, notAsked: reason, requests: [], post: nil, repliesListed: nil,
                                         unreadable: nil, comparison: .notCompared("not asked: \(reason)")),
               post: nil, platform: platform)
    }

    /// The progress line, and the warnings the record carries: every request that did not answer
    /// as JSON, and every difference.
    static func report(_ record: PlatformAPIRecord, context: CaptureContext) -> String {
        for request in record.requests where request.outcome != .ok {
            context.warn(.api, "the API's \(request.name) (\(request.url)): \(request.outcome.rawValue)" + (request.detail.map { ": \($0)" } ?? ""))
        }
        if let reason = record.notAsked { context.warn(.api, "--api: not asked: \(reason)") }
        if record.comparison.state == .differs { context.warn(.api, record.comparison.line) }
        let answered = record.requests.filter { $0.outcome == .ok }.count
        return "\(record.platform ?? "no platform"): \(answered) of \(record.requests.count) answer(s) JSON; \(record.comparison.line)"
    }
}
