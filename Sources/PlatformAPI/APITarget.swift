import Foundation

/// The platforms whose public, keyless API Exhibit asks about a post (`--api`).
public enum APIPlatform: String, Codable, Sendable, CaseIterable {
    case mastodon, bluesky, reddit, youtube

    /// The platform a profile reads, when it has such an API.
    public init?(profile: String) {
        switch profile {
        case "mastodon": self = .mastodon
        case "bluesky": self = .bluesky
        case "reddit": self = .reddit
        case "youtube": self = .youtube
        default: return nil
        }
    }

    /// The API's root when `--api-base` does not name one. Mastodon's API is on the post's own
    /// instance, so it has no fixed root.
    var defaultBase: String? {
        switch self {
        case .mastodon: return nil
        case .bluesky: return "https://public.api.bsky.app"
        case .reddit: return "https://www.reddit.com"
        case .youtube: return "https://www.youtube.com"
        }
    }
}

/// One request of the API plan: the name its answer is stored under and its URL.
public struct APIRequest: Sendable, Equatable {
    public let name: String
    public let url: String
}

/// Which post to ask the API about, worked out from the URLs the capture has: the URL asked
/// (first, as the person chose it), then the page's canonical URL and the post's own link as
/// the page gives them.
public struct APITarget: Sendable, Equatable {
    public let platform: APIPlatform
    public let base: String
    /// Mastodon status id, Reddit `r/SUB/comments/ID`, YouTube video id; for Bluesky the actor (handle or DID).
    public let key: String
    /// Bluesky's record key.
    public let recordKey: String?
    /// The post's URL on the platform (for oEmbed and the record).
    public let postURL: String

    /// Nil, with the reason, when none of the URLs names a post the API knows how to ask about.
    public static func make(platform: APIPlatform, urls: [String], postId: String?, base: String?) -> Result<APITarget, APIReadError> {
        let candidates = urls.compactMap { URLComponents(string: $0) }
        let root = { (page: URLComponents) -> String? in
            if let base { return base.hasSuffix("/") ? String(base.dropLast()) : base }
            if let fixed = platform.defaultBase { return fixed }
            guard let scheme = page.scheme, let host = page.host else { return nil }
            return "\(scheme)://\(host)" + (page.port.map { ":\($0)" } ?? "")
        }
        switch platform {
        case .mastodon:
            for url in candidates {
                let parts = url.path.split(separator: "/").map(String.init)
                // /@user/ID, /@user@instance/ID, /users/user/statuses/ID
                var id: String?
                if parts.count >= 2, parts[0].hasPrefix("@"), Self.isDigits(parts[1]) { id = parts[1] }
                if let s = parts.firstIndex(of: "statuses"), s + 1 < parts.count, Self.isDigits(parts[s + 1]) { id = parts[s + 1] }
                if let id, let root = root(url) { return .success(.init(platform: platform, base: root, key: id, recordKey: nil, postURL: url.string ?? "")) }
            }
            if let postId, Self.isDigits(postId), let first = candidates.first, let root = root(first) {
                return .success(.init(platform: platform, base: root, key: postId, recordKey: nil, postURL: first.string ?? ""))
            }
            return .failure(APIReadError("no Mastodon status id in the URL (/@user/ID) or the post's id"))
        case .bluesky:
            for url in candidates {
                let parts = url.path.split(separator: "/").map(String.init)
                if parts.count >= 4, parts[0] == "profile", parts[2] == "post", Self.isSafeSegment(parts[1]), Self.isSafeSegment(parts[3]),
                   let root = root(url) {
                    return .success(.init(platform: platform, base: root, key: parts[1], recordKey: parts[3],
                                          postURL: "https://bsky.app/profile/\(parts[1])/post/\(parts[3])"))
                }
            }
            if let postId, postId.hasPrefix("at://") {
                let parts = postId.dropFirst(5).split(separator: "/").map(String.init)
                if parts.count == 3, parts[1] == "app.bsky.feed.post", Self.isSafeSegment(parts[0]), Self.isSafeSegment(parts[2]),
                   let first = candidates.first, let root = root(first) {
                    return .success(.init(platform: platform, base: root, key: parts[0], recordKey: parts[2],
                                          postURL: "https://bsky.app/profile/\(parts[0])/post/\(parts[2])"))
                }
            }
            return .failure(APIReadError("no Bluesky post (/profile/ACTOR/post/RKEY or at:// URI) in the URLs"))
        case .reddit:
            for url in candidates {
                let parts = url.path.split(separator: "/").map(String.init)
                if let c = parts.firstIndex(of: "comments"), c >= 2, parts[c - 2] == "r", c + 1 < parts.count,
                   Self.isSafeSegment(parts[c - 1]), parts[c + 1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), let root = root(url) {
                    return .success(.init(platform: platform, base: root, key: "r/\(parts[c - 1])/comments/\(parts[c + 1])", recordKey: nil,
                                          postURL: "https://www.reddit.com/r/\(parts[c - 1])/comments/\(parts[c + 1])/"))
                }
            }
            return .failure(APIReadError("no Reddit thread (/r/SUB/comments/ID) in the URLs"))
        case .youtube:
            for url in candidates {
                var id: String?
                if url.path == "/watch" { id = url.queryItems?.first { $0.name == "v" }?.value }
                let parts = url.path.split(separator: "/").map(String.init)
                if url.host?.hasSuffix("youtu.be") == true, let first = parts.first { id = first }
                if parts.count >= 2, parts[0] == "shorts" || parts[0] == "live" { id = parts[1] }
                if let id, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), let root = root(url) {
                    return .success(.init(platform: platform, base: root, key: id, recordKey: nil, postURL: "https://www.youtube.com/watch?v=\(id)"))
                }
            }
            return .failure(APIReadError("no YouTube video id (watch?v=, youtu.be/, /shorts/) in the URLs"))
        }
    }

    static func isDigits(_ s: String) -> Bool { !s.isEmpty && s.count <= 32 && s.allSatisfy { $0.isASCII && $0.isNumber } }

    /// A path segment that can go into another URL as it is: no separators, no escapes, bounded.
    static func isSafeSegment(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 256 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-:".contains($0)) }
    }

    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }

    /// The requests that need no earlier answer. Bluesky with a handle first resolves it.
    public var firstRequests: [APIRequest] {
        switch platform {
        case .mastodon:
            return [.init(name: "status", url: "\(base)/api/v1/statuses/\(key)"),
                    .init(name: "context", url: "\(base)/api/v1/statuses/\(key)/context")]
        case .bluesky:
            if key.hasPrefix("did:") { return [threadRequest(did: key)] }
            return [.init(name: "resolveHandle", url: "\(base)/xrpc/com.atproto.identity.resolveHandle?handle=\(Self.query(key))")]
        case .reddit:
            return [.init(name: "thread", url: "\(base)/\(key).json?raw_json=1&limit=500")]
        case .youtube:
            return [.init(name: "oembed", url: "\(base)/oembed?url=\(Self.query(postURL))&format=json")]
        }
    }

    func threadRequest(did: String) -> APIRequest {
        let uri = "at://\(did)/app.bsky.feed.post/\(recordKey ?? "")"
        return .init(name: "getPostThread", url: "\(base)/xrpc/app.bsky.feed.getPostThread?uri=\(Self.query(uri))&depth=1000&parentHeight=0")
    }
}
