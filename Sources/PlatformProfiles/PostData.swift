import Foundation

/// What the extraction script reads from the page, before any interpretation.
package struct RawExtraction: Codable, Sendable {
    package var post: RawItem?
    /// Which of the profile's post selectors matched (nil: none did).
    package var postSelector: String?
    package var replies: [RawItem]
    /// Items above the post: the posts it answers, in page order.
    package var ancestors: [RawItem]?
    /// Items on the page that are not in the thread, counted by why.
    package var excluded: [PostData.Excluded]?
    /// Field rules that matched nothing in any item: `field` and the selectors tried.
    package var misses: [Miss]
    /// Selectors the browser refused as invalid CSS.
    package var invalidSelectors: [String]
    /// The first of the profile's `repliesInFrame` selectors found on the page: the replies are in a frame.
    package var repliesInFrame: String?

    package struct Miss: Codable, Sendable, Equatable { package var field: String; package var selectors: [String] }
}

/// One post or reply as read from the page: field texts, links, media and its rectangle in document CSS px.
package struct RawItem: Codable, Sendable {
    package var fields: [String: String]
    package var links: [PostData.Link]
    package var media: [RawMedia]
    package var rect: Rect
    /// With `nesting.by: container`: the index of the parent reply, or -1 for the post.
    package var containerParent: Int?

    package struct Rect: Codable, Sendable, Equatable { package var x: Double, y: Double, width: Double, height: Double }
    package struct RawMedia: Codable, Sendable {
        package var type: String
        package var url: String?
        package var alt: String?
        package var width: Int?
        package var height: Int?
    }
}

/// `data/post.json`: the post and its replies as data, next to the pixels (schema `exhibit-post`
/// version 1, `Schemas/post.schema.json`).
public struct PostData: Codable, Sendable {
    public var schema = "exhibit-post"
    public var schemaVersion = 1
    public var captureId: String
    public var platform: String
    public var profile: String
    /// The page's URL after redirects, and the post's own canonical URL when the page states it.
    public var pageURL: String
    public var canonicalURL: String?
    /// Nil when no post was found (login wall, removed post, or selectors that no longer match).
    public var post: Item?
    /// The reply count the post shows, and how many replies were captured (the whole tree).
    public var replyCount: ReplyCount
    /// The posts the post answers, shown above it, oldest first; they are not replies. Nil in
    /// post.json written before this was read.
    public var ancestors: [Item]?
    /// What the page shows next to the thread but is not part of it (promoted posts,
    /// recommendations after the thread), counted by why; never among the replies.
    public var excluded: [Excluded]?
    /// Why the replies were not read, when they were not: they are in a frame extraction does not
    /// enter, or the profile has no rule for them. Nil when they were read (even if there are none).
    public var repliesNotRead: String?
    /// The `data:` URIs the page inlined (avatars, images): each URL field that held one holds
    /// its ``InlineMedia/reference`` instead, and each is described here once.
    public var inlineMedia: [InlineMedia]?

    /// A `data:` URI as recorded: its media type, size and SHA-256, and the file that keeps its
    /// bytes in `data/` (only with `--keep-inline-media`).
    public struct InlineMedia: Codable, Sendable, Equatable {
        /// What the URL field holds in its place: `inline:sha256:<hex>`.
        public var reference: String
        public var mediaType: String
        public var bytes: Int
        public var sha256: String
        /// Relative to `data/`, e.g. `media/<sha256>.png`.
        public var file: String?
        public init(reference: String, mediaType: String, bytes: Int, sha256: String, file: String?) {
            self.reference = reference; self.mediaType = mediaType; self.bytes = bytes; self.sha256 = sha256; self.file = file
        }
    }

    /// Every URL field of the post, its ancestors and replies, rewritten by `transform`.
    package mutating func rewriteURLs(_ transform: (String) -> String) {
        func rewrite(_ item: inout Item) {
            item.url = item.url.map(transform)
            item.author.profileURL = item.author.profileURL.map(transform)
            item.author.avatarURL = item.author.avatarURL.map(transform)
            for index in item.links.indices { item.links[index].url = transform(item.links[index].url) }
            for index in item.media.indices { item.media[index].url = item.media[index].url.map(transform) }
            for index in item.replies.indices { rewrite(&item.replies[index]) }
        }
        if var item = post { rewrite(&item); post = item }
        if var list = ancestors { for index in list.indices { rewrite(&list[index]) }; ancestors = list }
        canonicalURL = canonicalURL.map(transform)
    }
    /// How rectangles map to the screenshot: PNG pixels, from the top-left of `screenshot.png`.
    public var rectangles: String = "PNG pixels in screenshot.png (x, y from its top-left corner)"

    public struct ReplyCount: Codable, Sendable {
        public var shown: String?
        public var shownValue: Int?
        public var captured: Int
        /// How many of the captured replies are the author's own continuations (self-thread).
        public var byAuthor: Int?
    }

    /// Items of one kind left out of the thread: `reason` is the profile's (e.g. `promoted`) or
    /// `recommendation`; `label` is the heading the recommendations follow.
    public struct Excluded: Codable, Sendable, Equatable {
        public var reason: String
        public var label: String?
        public var count: Int
        public init(reason: String, label: String?, count: Int) { self.reason = reason; self.label = label; self.count = count }
    }

    public struct Item: Codable, Sendable {
        public var id: String?
        public var url: String?
        public var author: Author
        public var published: Published
        public var text: String?
        public var links: [Link]
        public var language: String?
        public var media: [Media]
        public var counts: Counts
        /// Where the item is in screenshot.png; nil when it lies outside the captured region.
        public var rectangle: Rectangle?
        /// Replies to this item, in page order.
        public var replies: [Item]
        /// True for a reply by the post's own author (a continuation of the thread); nil elsewhere.
        public var selfThread: Bool?
    }
    public struct Author: Codable, Sendable {
        public var displayName: String?
        public var handle: String?
        public var profileURL: String?
        public var avatarURL: String?
    }
    public struct Published: Codable, Sendable {
        public var shown: String?
        public var iso: String?
        public var precision: PublishedTime.Precision
        public var note: String?
    }
    public struct Link: Codable, Sendable, Equatable { public var text: String; public var url: String }
    public struct Media: Codable, Sendable {
        public var type: String
        public var url: String?
        public var altText: String?
        public var width: Int?
        public var height: Int?
    }
    public struct Count: Codable, Sendable, Equatable { public var shown: String; public var value: Int? }
    public struct Counts: Codable, Sendable {
        public var replies: Count?
        public var reposts: Count?
        public var likes: Count?
        public var views: Count?
    }
    public struct Rectangle: Codable, Sendable, Equatable { public var x: Int, y: Int, width: Int, height: Int }
}

/// Where the screenshot's pixels are in the document, to place rectangles.
package struct ScreenshotGeometry: Sendable {
    package var x: Double, y: Double, width: Double, height: Double, scale: Double
    package init(x: Double, y: Double, width: Double, height: Double, scale: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.scale = scale
    }
}

extension PostData {
    /// Builds post.json from what the page gave: counts parsed, times resolved, the reply tree
    /// assembled by the profile's nesting rule, rectangles moved into PNG pixels.
    package static func build(raw: RawExtraction, profile: Profile, captureId: String, pageURL: String,
                             capturedAt: Date, timeZone: TimeZone, geometry: ScreenshotGeometry) -> PostData {
        func item(_ raw: RawItem) -> Item {
            let f = raw.fields
            func count(_ key: String) -> Count? { f[key].map { Count(shown: $0, value: CountParser.parse($0)) } }
            let time = PublishedTime.resolve(machine: f["published"], shown: f["publishedShown"], capturedAt: capturedAt,
                                               timeZone: timeZone)
            return Item(id: f["id"], url: f["url"],
                        author: .init(displayName: f["authorName"], handle: f["authorHandle"], profileURL: f["authorURL"], avatarURL: f["avatarURL"]),
                        published: .init(shown: f["publishedShown"], iso: time.iso, precision: time.precision, note: time.note),
                        text: f["text"], links: raw.links, language: f["language"],
                        media: raw.media.map { .init(type: $0.type, url: $0.url, altText: $0.alt, width: $0.width, height: $0.height) },
                        counts: .init(replies: count("replies"), reposts: count("reposts"), likes: count("likes"), views: count("views")),
                        rectangle: rectangle(raw.rect, geometry), replies: [])
        }
        let postHandle = raw.post?.fields["authorHandle"].map(Self.bareHandle)
        let replies = raw.replies.map { reply -> Item in
            var node = item(reply)
            if let postHandle, let handle = reply.fields["authorHandle"].map(Self.bareHandle), handle == postHandle { node.selfThread = true }
            return node
        }
        let parents = parentIndices(raw: raw, profile: profile)
        // Assemble bottom-up so each child is complete before it is attached; order stays page order.
        let nodes = replies
        var topLevel: [Int] = []
        var children: [Int: [Int]] = [:]
        for (index, parent) in parents.enumerated() {
            if parent < 0 { topLevel.append(index) } else { children[parent, default: []].append(index) }
        }
        func assemble(_ index: Int) -> Item {
            var node = nodes[index]
            node.replies = (children[index] ?? []).map(assemble)
            return node
        }
        let tree = topLevel.map(assemble)
        var post = raw.post.map(item)
        post?.replies = tree
        let shown = raw.post?.fields["replies"]
        return PostData(captureId: captureId, platform: profile.platform, profile: profile.name, pageURL: pageURL,
                        canonicalURL: post?.url, post: post,
                        replyCount: .init(shown: shown, shownValue: shown.flatMap(CountParser.parse), captured: replies.count,
                                          byAuthor: replies.filter { $0.selfThread == true }.count),
                        ancestors: (raw.ancestors ?? []).map(item), excluded: raw.excluded ?? [],
                        repliesNotRead: replies.isEmpty ? notRead(raw: raw, profile: profile) : nil)
    }

    /// Why no replies were read although some may be there: never "none" when none could be read.
    static func notRead(raw: RawExtraction, profile: Profile) -> String? {
        if let frame = raw.repliesInFrame {
            return "the page shows them in an embedded frame (\(frame)), which extraction does not enter"
        }
        return profile.extract.replies == nil ? "the \(profile.name) profile has no rule for replies" : nil
    }

    /// A handle as compared: lower case, without its `@`.
    static func bareHandle(_ text: String) -> String {
        let cleaned = text.trimmingCharacters(in: .whitespaces).lowercased()
        return cleaned.hasPrefix("@") ? String(cleaned.dropFirst()) : cleaned
    }

    /// Each reply's parent index (-1: the post), by the profile's nesting rule. A parent always
    /// comes earlier in page order, so the tree has no cycles.
    static func parentIndices(raw: RawExtraction, profile: Profile) -> [Int] {
        switch profile.extract.nesting.by {
        case .container:
            return raw.replies.enumerated().map { index, reply in
                guard let parent = reply.containerParent, parent >= 0, parent < index else { return -1 }
                return parent
            }
        case .replyingTo:
            func handle(_ text: String?) -> String? {
                guard let text else { return nil }
                let cleaned = text.trimmingCharacters(in: .whitespaces).lowercased()
                let bare = cleaned.hasPrefix("@") ? String(cleaned.dropFirst()) : cleaned
                return bare.isEmpty ? nil : bare
            }
            let postAuthor = handle(raw.post?.fields["authorHandle"])
            return raw.replies.enumerated().map { index, reply in
                guard let target = handle(reply.fields["replyingTo"]), target != postAuthor else { return -1 }
                return raw.replies[..<index].lastIndex { handle($0.fields["authorHandle"]) == target } ?? -1
            }
        default:
            return raw.replies.map { _ in -1 }
        }
    }

    static func rectangle(_ rect: RawItem.Rect, _ g: ScreenshotGeometry) -> Rectangle? {
        let left = max(rect.x, g.x), top = max(rect.y, g.y)
        let right = min(rect.x + rect.width, g.x + g.width), bottom = min(rect.y + rect.height, g.y + g.height)
        guard right > left, bottom > top else { return nil }
        return Rectangle(x: Int(((left - g.x) * g.scale).rounded()), y: Int(((top - g.y) * g.scale).rounded()),
                         width: Int(((right - left) * g.scale).rounded()), height: Int(((bottom - top) * g.scale).rounded()))
    }

    /// Every reply in the tree, depth first in page order.
    public var allReplies: [Item] {
        func walk(_ items: [Item]) -> [Item] { items.flatMap { [$0] + walk($0.replies) } }
        return walk(post?.replies ?? [])
    }
}
