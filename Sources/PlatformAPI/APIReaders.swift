import Foundation

/// Reads each platform's API answers into an ``APIPost``. The shapes are the platforms' documented
/// ones (cited at each type); only the fields compared are decoded, every one optional, so an
/// answer that lacks one reads as "not given" rather than failing, and one that is not the shape
/// at all fails with what was expected.
enum APIReaders {
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body)) }
        catch { throw APIReadError("the answer is JSON but not \(what): \(DecodingProblem.describe(error))") }
    }

    // MARK: Mastodon: GET /api/v1/statuses/:id and /api/v1/statuses/:id/context
    // https://docs.joinmastodon.org/methods/statuses/#get, https://docs.joinmastodon.org/methods/statuses/#context,
    // https://docs.joinmastodon.org/entities/Status/, https://docs.joinmastodon.org/entities/Context/

    struct MastodonStatus: Decodable {
        struct Account: Decodable { let acct: String?; let username: String?; let display_name: String? }
        let id: String
        let url: String?
        let uri: String?
        let created_at: String?
        let edited_at: String?
        let in_reply_to_id: String?
        let content: String?
        let replies_count: Int?
        let reblogs_count: Int?
        let favourites_count: Int?
        let account: Account?
    }

    struct MastodonContext: Decodable {
        let ancestors: [MastodonStatus]?
        let descendants: [MastodonStatus]?
    }

    static func mastodon(status: [UInt8], context: [UInt8]?) throws -> APIPost {
        let s = try decode(MastodonStatus.self, status, what: "a Mastodon Status (no id)")
        var post = APIPost(id: s.id, url: s.url ?? s.uri, author: .init(handle: s.account?.acct ?? s.account?.username, displayName: s.account?.display_name),
                           published: s.created_at, edited: s.edited_at, text: s.content.map(HTMLText.plain),
                           counts: .init(replies: s.replies_count, likes: s.favourites_count, reposts: s.reblogs_count),
                           listsReplies: context != nil)
        if let context {
            let c = try decode(MastodonContext.self, context, what: "a Mastodon Context (ancestors, descendants)")
            post.replies = (c.descendants ?? []).map {
                .init(id: $0.id, parent: $0.in_reply_to_id, handle: $0.account?.acct ?? $0.account?.username, published: $0.created_at,
                      text: $0.content.map(HTMLText.plain))
            }
        }
        return post
    }

    // MARK: Bluesky: app.bsky.feed.getPostThread on the public AppView
    // https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread, lexicons/app/bsky/feed/defs.json (threadViewPost, postView)

    struct BlueskyThread: Decodable {
        let thread: Node
        struct Node: Decodable {
            let type: String?
            let post: PostView?
            let replies: [Node]?
            /// notFoundPost and blockedPost carry the uri without a post.
            let uri: String?
            enum CodingKeys: String, CodingKey { case type = "$type", post, replies, uri }
        }
        struct PostView: Decodable {
            struct Author: Decodable { let did: String?; let handle: String?; let displayName: String? }
            struct Record: Decodable {
                struct Reply: Decodable { struct Ref: Decodable { let uri: String? }; let parent: Ref? }
                let text: String?; let createdAt: String?; let reply: Reply?
            }
            let uri: String
            let author: Author?
            let record: Record?
            let replyCount: Int?
            let repostCount: Int?
            let likeCount: Int?
        }
    }

    struct BlueskyHandle: Decodable { let did: String }

    static func blueskyDID(_ body: [UInt8]) throws -> String {
        let did = try decode(BlueskyHandle.self, body, what: "a resolveHandle answer (no did)").did
        guard did.hasPrefix("did:"), did.count < 2048, did.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "/" && $0 != "?" && $0 != "#" }) else {
            throw APIReadError("resolveHandle answered a did that is not one: \(did.prefix(80))")
        }
        return did
    }

    static func bluesky(thread body: [UInt8], rkeyURL: String?) throws -> APIPost {
        let root = try decode(BlueskyThread.self, body, what: "a getPostThread answer (thread)").thread
        guard let p = root.post else {
            throw APIReadError("the thread is \(root.type ?? "not a post") (\(root.uri ?? "no uri")), not a post the API shows")
        }
        var post = APIPost(id: p.uri, url: rkeyURL, author: .init(handle: p.author?.handle, displayName: p.author?.displayName),
                           published: p.record?.createdAt, text: p.record?.text,
                           counts: .init(replies: p.replyCount, likes: p.likeCount, reposts: p.repostCount), listsReplies: true)
        // Depth first, iteratively: a hostile answer's nesting cannot exhaust the stack here.
        var stack: [(BlueskyThread.Node, String)] = (root.replies ?? []).reversed().map { ($0, p.uri) }
        while let (node, parent) = stack.popLast() {
            if let r = node.post {
                post.replies.append(.init(id: r.uri, parent: r.record?.reply?.parent?.uri ?? parent, handle: r.author?.handle,
                                          published: r.record?.createdAt, text: r.record?.text))
                stack += (node.replies ?? []).reversed().map { ($0, r.uri) }
            } else if let uri = node.uri {
                post.replies.append(.init(id: uri, parent: parent, removed: true))
            }
        }
        return post
    }

    // MARK: Reddit: the thread's URL with .json
    // https://www.reddit.com/dev/api/#GET_comments_{article} (a Listing of the link, then a Listing of its comments)

    struct RedditListing: Decodable {
        let kind: String?
        let data: ListingData?
        struct ListingData: Decodable { let children: [Thing]? }
        struct Thing: Decodable {
            let kind: String
            let data: ThingData?
        }
        struct ThingData: Decodable {
            let id: String?
            let name: String?
            let author: String?
            let title: String?
            let selftext: String?
            let body: String?
            let created_utc: Double?
            let num_comments: Int?
            let score: Int?
            let permalink: String?
            let parent_id: String?
            /// An empty string when there are none, else a Listing.
            let replies: Replies?
            /// "more" stubs: how many replies they stand for.
            let count: Int?
            let edited: Edited?
        }
        /// Reddit answers `"replies": ""` for none and a Listing otherwise.
        struct Replies: Decodable {
            let listing: RedditListing?
            init(from decoder: Decoder) throws {
                listing = try? RedditListing(from: decoder)
            }
        }
        /// `false`, or the edit's Unix time.
        struct Edited: Decodable {
            let time: Double?
            init(from decoder: Decoder) throws {
                time = try? decoder.singleValueContainer().decode(Double.self)
            }
        }
    }

    static func reddit(_ body: [UInt8]) throws -> APIPost {
        let listings = try decode([RedditListing].self, body, what: "a Reddit thread (two Listings)")
        guard listings.count >= 1, let link = listings[0].data?.children?.first(where: { $0.kind == "t3" })?.data else {
            throw APIReadError("the first Listing has no link (t3)")
        }
        var post = APIPost(id: link.name ?? link.id, url: link.permalink.map { "https://www.reddit.com" + $0 },
                           author: .init(handle: link.author), published: link.created_utc.map(Self.iso), edited: link.edited?.time.map(Self.iso),
                           text: link.selftext.map(HTMLText.entities), title: link.title.map(HTMLText.entities),
                           counts: .init(replies: link.num_comments, likes: link.score), listsReplies: true)
        var notListed = 0
        var stack: [RedditListing.Thing] = (listings.count > 1 ? listings[1].data?.children ?? [] : []).reversed()
        while let thing = stack.popLast() {
            guard let d = thing.data else { continue }
            if thing.kind == "more" { notListed += d.count ?? 0; continue }
            guard thing.kind == "t1", let id = d.name ?? d.id else { continue }
            let removed = d.body == "[deleted]" || d.body == "[removed]"
            post.replies.append(.init(id: id, parent: d.parent_id, handle: d.author, published: d.created_utc.map(Self.iso),
                                      text: removed ? nil : d.body.map(HTMLText.entities), removed: removed ? true : nil))
            stack += (d.replies?.listing?.data?.children ?? []).reversed()
        }
        post.repliesNotListed = notListed > 0 ? notListed : nil
        return post
    }

    // MARK: YouTube: oEmbed
    // https://oembed.com/#section2.3 (response parameters); YouTube's endpoint https://www.youtube.com/oembed

    struct OEmbed: Decodable {
        let title: String?
        let author_name: String?
        let author_url: String?
        let type: String?
        let provider_name: String?
    }

    static func youtube(_ body: [UInt8], videoURL: String) throws -> APIPost {
        let o = try decode(OEmbed.self, body, what: "an oEmbed answer")
        guard o.type != nil || o.title != nil else { throw APIReadError("the oEmbed answer has neither type nor title") }
        let handle = o.author_url.flatMap { URL(string: $0)?.path }.map { $0.hasPrefix("/@") ? String($0.dropFirst(2)) : nil } ?? nil
        return APIPost(url: videoURL, author: .init(handle: handle, displayName: o.author_name), title: o.title, listsReplies: false)
    }

    static func iso(_ unix: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: unix.rounded(.down)))
    }
}

/// What a `DecodingError` says, in one line without Swift's type names.
enum DecodingProblem {
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined() }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context)?: return "\(path(context.codingPath)) has the wrong type"
        case .valueNotFound(_, let context)?: return "\(path(context.codingPath)) is null"
        case .dataCorrupted(let context)?: return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)) is malformed"
        default: return "unreadable"
        }
    }
}

/// HTML as the API gives it (Mastodon's `content`), reduced to the text a reader's browser gives.
public enum HTMLText {
    /// Paragraphs and line breaks become line breaks, other tags are dropped and entities decoded.
    /// Mastodon's shortened links keep their `invisible` parts: they are only made tiny on the web
    /// page, so the page's text (what `post.json` holds) has the whole URL too.
    public static func plain(_ html: String) -> String {
        // One pass over the characters: a text of nothing but '<' must not be scanned again
        // for '>' from every one of them.
        var out = "", tag = ""
        var opened: String.Index?
        var index = html.startIndex
        while index < html.endIndex {
            let c = html[index]
            if opened != nil {
                if c == ">" {
                    let name = tag.lowercased().prefix { !$0.isWhitespace && $0 != ">" }
                    if name == "br" || name == "br/" { out.append("\n") }
                    if name == "/p" { out.append("\n\n") }
                    opened = nil
                    tag = ""
                } else if tag.count < 64 { tag.append(c) }
            } else if c == "<" {
                opened = index
            } else {
                out.append(c)
            }
            index = html.index(after: index)
        }
        // A '<' never closed was text after all.
        if let opened { out += html[opened...] }
        return entities(out).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&apos;`, `&nbsp;` and numeric references.
    static func entities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = "", index = text.startIndex
        while index < text.endIndex {
            if text[index] == "&", let semi = text[index...].prefix(12).firstIndex(of: ";") {
                let name = text[text.index(after: index)..<semi]
                var replacement: String?
                switch name {
                case "amp": replacement = "&"
                case "lt": replacement = "<"
                case "gt": replacement = ">"
                case "quot": replacement = "\""
                case "apos": replacement = "'"
                case "nbsp": replacement = "\u{a0}"
                default:
                    if name.hasPrefix("#x") || name.hasPrefix("#X") { replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) } }
                    else if name.hasPrefix("#") { replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) } }
                }
                if let replacement { out += replacement; index = text.index(after: semi); continue }
            }
            out.append(text[index])
            index = text.index(after: index)
        }
        return out
    }
}
