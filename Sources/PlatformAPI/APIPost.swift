/// What a platform's own API says about a post, read from the JSON it answered with: the same
/// fields `post.json` has from the page, so the two can be compared. A field the API does not give
/// (oEmbed has no time and no counts) is nil, and is not compared.
public struct APIPost: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        /// The account's handle without `@` (Mastodon's `acct`, Bluesky's handle, Reddit's user name).
        public var handle: String?
        public var displayName: String?
        public init(handle: String? = nil, displayName: String? = nil) { self.handle = handle; self.displayName = displayName }
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var replies: Int?
        public var likes: Int?
        public var reposts: Int?
        public init(replies: Int? = nil, likes: Int? = nil, reposts: Int? = nil) { self.replies = replies; self.likes = likes; self.reposts = reposts }
    }

    /// One reply as the API lists it; `parent` is the id of what it answers.
    public struct Reply: Codable, Sendable, Equatable {
        public var id: String
        public var parent: String?
        public var handle: String?
        public var published: String?
        /// Plain text (HTML reduced to text where the API gives HTML).
        public var text: String?
        /// The API marks the reply deleted or removed.
        public var removed: Bool?
        public init(id: String, parent: String? = nil, handle: String? = nil, published: String? = nil, text: String? = nil, removed: Bool? = nil) {
            self.id = id; self.parent = parent; self.handle = handle; self.published = published; self.text = text; self.removed = removed
        }
    }

    public var id: String?
    public var url: String?
    public var author: Author
    /// ISO 8601 as the API gives it.
    public var published: String?
    /// When the API says the post was last edited, if it says so.
    public var edited: String?
    /// The post's text as plain text.
    public var text: String?
    /// A title the platform keeps apart from the text (Reddit, YouTube).
    public var title: String?
    public var counts: Counts
    /// Every reply the API listed, depth first, in its order; not stored in `capture.json` (the
    /// answer files hold them), only counted there.
    public var replies: [Reply]
    /// Replies the API says exist but did not list (Reddit's "more" stubs).
    public var repliesNotListed: Int?
    /// Whether this API lists a post's replies at all (oEmbed does not).
    public var listsReplies: Bool

    public init(id: String? = nil, url: String? = nil, author: Author = .init(), published: String? = nil, edited: String? = nil,
                text: String? = nil, title: String? = nil, counts: Counts = .init(), replies: [Reply] = [],
                repliesNotListed: Int? = nil, listsReplies: Bool) {
        self.id = id; self.url = url; self.author = author; self.published = published; self.edited = edited
        self.text = text; self.title = title; self.counts = counts; self.replies = replies
        self.repliesNotListed = repliesNotListed; self.listsReplies = listsReplies
    }

    /// The post without its replies, as `capture.json` records it.
    public var summary: APIPost {
        var copy = self
        copy.replies = []
        return copy
    }
}

/// Why an API answer could not be read as the post.
public struct APIReadError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
