/// What `capture.json` records of `--api`: each request with its answer (as a file under
/// `data/api/`, hashed like every payload file), what the answers say about the post, and how that
/// compares with what the page showed.
public struct PlatformAPIRecord: Codable, Sendable {
    /// `mastodon`, `bluesky`, `reddit` or `youtube`; nil when the profile's platform has no API Exhibit asks.
    public var platform: String?
    /// The API's root used (the platform's, the post's instance, or `--api-base`).
    public var base: String?
    /// Why no request was made, when none was.
    public var notAsked: String?
    public var requests: [APIExchange]
    /// What the answers say about the post, without its replies (those are in the files); nil
    /// when the answers could not be read as the post.
    public var post: APIPost?
    /// How many replies the answers listed.
    public var repliesListed: Int?
    /// Why the answers could not be read, when they could not.
    public var unreadable: String?
    public var comparison: APIComparison

    public init(platform: String?, base: String?, notAsked: String?, requests: [APIExchange], post: APIPost?, repliesListed: Int?,
                unreadable: String?, comparison: APIComparison) {
        self.platform = platform; self.base = base; self.notAsked = notAsked; self.requests = requests; self.post = post
        self.repliesListed = repliesListed; self.unreadable = unreadable; self.comparison = comparison
    }

    /// The answer files, relative to `data/`, for the bag's manifest.
    public var files: [(name: String, mediaType: String)] {
        requests.compactMap { r in r.file.map { ($0, $0.hasSuffix(".json") ? "application/json" : (r.contentType ?? "application/octet-stream")) } }
    }
}

/// One API request and what came of it.
public struct APIExchange: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// A 2xx answer that is JSON.
        case ok
        /// A 2xx answer that is not JSON (a login page, a consent page, an error page).
        case notJSON = "not JSON"
        /// HTTP 429, with the server's `Retry-After` when it gave one.
        case rateLimited = "rate limited"
        /// Any other status outside 2xx.
        case httpError = "HTTP error"
        case timeout
        /// The name did not resolve or the connection was refused.
        case unreachable
        /// The network policy refused the address (as it would for the page).
        case refused
        /// The body passed the size limit; it was not kept.
        case tooLarge = "too large"
        case failed
    }

    /// The answer's name: `status`, `context`, `resolveHandle`, `getPostThread`, `thread`, `oembed`.
    public var name: String
    public var url: String
    /// Redirects followed, each hop's `Location`, in order.
    public var redirects: [String]?
    /// UTC, ISO 8601 with milliseconds.
    public var startedAt: String
    public var seconds: Double
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    public var contentType: String?
    /// The server's `Date` header, as sent.
    public var serverDate: String?
    /// `Retry-After`, as sent, for a 429.
    public var retryAfter: String?
    public var outcome: Outcome
    /// What went wrong, in one line; nil for `ok`.
    public var detail: String?
    /// The body as received, under `data/` (`api/<name>.json`, or `.body` when it is not JSON); nil when there was none.
    public var file: String?
    public var bytes: Int?
    public var sha256: String?
}

/// The API's account of the post against the page's (`post.json`).
public struct APIComparison: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Every field both give is equal (after normalisation).
        case agrees
        case differs
        /// Nothing to compare: no answer, or one that could not be read.
        case notCompared = "not compared"
    }

    public struct Difference: Codable, Sendable, Equatable {
        /// `text`, `author`, `published`, `replies`, `replyIds`, `reply text`, `likes`, `reposts`, `title`.
        public var field: String
        public var api: String?
        public var page: String?
        /// One sentence, e.g. "API shows 45 replies, the page 43".
        public var message: String
    }

    public var state: State
    /// The fields compared.
    public var checked: [String]
    /// The fields not compared, each with why (the page shows only a relative time; oEmbed gives no counts).
    public var notChecked: [String]
    public var differences: [Difference]
    /// Why nothing was compared, when nothing was.
    public var reason: String?

    public static func notCompared(_ reason: String) -> APIComparison {
        .init(state: .notCompared, checked: [], notChecked: [], differences: [], reason: reason)
    }

    /// One line for the completeness summary and the report.
    public var line: String {
        switch state {
        case .agrees: return "the platform's API agrees (\(checked.joined(separator: ", ")))"
        case .differs: return "the platform's API differs: " + differences.prefix(3).map(\.message).joined(separator: "; ")
            + (differences.count > 3 ? "; and \(differences.count - 3) more" : "")
        case .notCompared: return "the platform's API was not compared: \(reason ?? "no answer")"
        }
    }
}
