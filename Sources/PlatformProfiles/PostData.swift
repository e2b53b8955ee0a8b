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
    /// The page's JSON-LD, meta tags and microdata, for the fields the profile's rules miss.
    package var structured: RawStructured?
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
    /// The reason of the profile's `removed` rule that marks this reply, if one does.
    package var removed: String?

    package struct Rect: Codable, Sendable, Equatable {
        package var x: Double, y: Double, width: Double, height: Double
        package init(x: Double, y: Double, width: Double, height: Double) { self.x = x; self.y = y; self.width = width; self.height = height }
    }
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
    /// Why which reply answers which is not known, when it is not: the profile nests replies by
    /// the handle each answers, and no reply showed one. The replies are then all listed as
    /// answering the post, and none is called a self-thread. Nil when the tree was read.
    public var replyTreeNotRead: String?
    /// The frame the post was read in, when the page only embeds it (an X post in a
    /// `platform.twitter.com/embed` frame on a news site); nil when it was read from the page itself.
    public var frame: EmbedFrame?

    /// Where an embedded post was read: the frame's URL as the browser loaded it (not as the page
    /// says), the profile whose frame pattern matched it, and where the frame shows on the PNG.
    public struct EmbedFrame: Codable, Sendable, Equatable {
        public var url: String
        public var profile: String
        /// The frame pattern of the profile that matched ``url``.
        public var pattern: String
        /// The frame's visible area in PNG pixels; the post's own rectangle lies within it.
        public var rectangle: Rectangle?
        public init(url: String, profile: String, pattern: String, rectangle: Rectangle?) {
            self.url = url; self.profile = profile; self.pattern = pattern; self.rectangle = rectangle
        }
    }
    /// The `data:` URIs the page inlined (avatars, images): each URL field that held one holds
    /// its ``InlineMedia/reference`` instead, and each is described here once.
    public var inlineMedia: [InlineMedia]?
    /// Where the profile's reading of the post and the page's own JSON-LD or microdata disagree
    /// (the author's handle, the publication time): the structured value is used, and both are kept.
    public var fieldConflicts: [FieldConflict]?

    public struct FieldConflict: Codable, Sendable, Equatable {
        public var field: String
        public var pageMarkup: String
        public var structured: String
        /// `json-ld` or `microdata`.
        public var source: String
    }

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

    /// Every URL field of the post, its ancestors and replies (or of the account and its timeline),
    /// rewritten by `transform`.
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
        rewriteAccountURLs(transform)
    }
    /// `account` for an account page: then ``account`` and ``timeline`` hold what it showed and
    /// ``post`` is nil. Nil for a post (and in post.json written before account pages were read).
    public var kind: String? = nil
    /// The account an account page shows: name, handle, bio and counts as shown.
    public var account: Account? = nil
    /// The posts an account page's timeline showed, in page order.
    public var timeline: Timeline? = nil
    /// How rectangles map to the screenshot: PNG pixels, from the top-left of `screenshot.png`.
    public var rectangles: String = "PNG pixels in screenshot.png (x, y from its top-left corner)"

    public struct ReplyCount: Codable, Sendable {
        public var shown: String?
        public var shownValue: Int?
        public var captured: Int
        /// How many of the captured replies are the author's own continuations (self-thread).
        public var byAuthor: Int?
        /// How many of the captured replies the platform shows without their content (removed,
        /// deleted); they are among `captured`, as the platform's own count includes them.
        public var removed: Int?
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
        /// Where each field came from: `page markup` (the profile's rules), or the page's own
        /// description of itself, `json-ld`, `microdata` or `open graph`. Always on the post; on a
        /// reply only when it was not read from the markup.
        public var sources: [String: String]?
        /// Why the platform shows this reply without its content (the profile's reason, e.g.
        /// `removed` or `deleted`); its placeholder is not recorded as its text. Nil elsewhere.
        public var removed: String?
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
    package static func build(raw read: RawExtraction, profile: Profile, captureId: String, pageURL: String,
                             capturedAt: Date, timeZone: TimeZone, geometry: ScreenshotGeometry) -> PostData {
        // Fields the profile's rules missed come from the page's description of itself, JSON-LD
        // first; without a post element, only a JSON-LD or microdata posting makes one.
        let described = StructuredData.posts(from: read.structured)
        var raw = read
        var sources: [String: String] = [:]
        var conflicts: [FieldConflict] = []
        let synthesised = raw.post == nil && described.contains { $0.source != "open graph" }
        if raw.post != nil || synthesised {
            var fields = raw.post?.fields ?? [:]
            for key in fields.keys { sources[key] = "page markup" }
            for description in described where !synthesised || description.source != "open graph" {
                for (key, value) in description.fields where (fields[key] ?? "").isEmpty {
                    fields[key] = value
                    sources[key] = description.source
                }
            }
            // Who wrote it and when are the page's own statements in its structured data; a
            // profile's reading that disagrees is more likely a misreading (a commenter taken for
            // the author). Both are kept, and the completeness warnings say so.
            if let statement = described.first(where: { $0.source != "open graph" }) {
                for key in ["authorHandle", "published"] where sources[key] == "page markup" {
                    guard let stated = statement.fields[key], let read = fields[key],
                          !Self.agree(key, read, stated) else { continue }
                    conflicts.append(.init(field: key, pageMarkup: read, structured: stated, source: statement.source))
                    fields[key] = stated
                    sources[key] = statement.source
                }
            }
            raw.post = RawItem(fields: fields, links: raw.post?.links ?? [], media: raw.post?.media ?? [],
                               rect: raw.post?.rect ?? .init(x: 0, y: 0, width: 0, height: 0), containerParent: nil)
        }
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
            if let reason = reply.removed {
                // "[removed]" is the platform's placeholder, not what the reply said.
                node.removed = reason
                node.text = nil
                node.links = []
            }
            if let postHandle, let handle = reply.fields["authorHandle"].map(Self.bareHandle), handle == postHandle { node.selfThread = true }
            return node
        }
        let parents = parentIndices(raw: raw, profile: profile)
        // A self-thread is the author continuing the post: a reply by the author to the post or to
        // the author's own continuation. The author answering someone else's reply is a reply like
        // any other (Bluesky's real page has eight such answers, which had been called a self-thread).
        var nodes = replies
        // Nested by the handle each reply answers, with none shown (Bluesky's 2026 thread view
        // draws the nesting as lines): the tree is unknown, so no reply can be called the
        // author's continuation.
        let treeUnknown = profile.extract.nesting.by == .replyingTo && !raw.replies.isEmpty
            && !raw.replies.contains { $0.fields["replyingTo"] != nil }
        for index in nodes.indices where nodes[index].selfThread == true {
            let parent = parents[index]
            if treeUnknown || (parent >= 0 && nodes[parent].selfThread != true) { nodes[index].selfThread = nil }
        }
        // Assemble bottom-up so each child is complete before it is attached; order stays page order.
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
        var tree = topLevel.map(assemble)
        var captured = replies.count
        // Comments that exist only in the page's structured data are replies too, said so.
        if tree.isEmpty, let described = described.first(where: { !$0.comments.isEmpty }) {
            func node(_ comment: StructuredPost) -> Item {
                captured += 1
                var reply = item(RawItem(fields: comment.fields, links: [], media: [], rect: .init(x: 0, y: 0, width: 0, height: 0)))
                reply.rectangle = nil
                reply.sources = Dictionary(uniqueKeysWithValues: comment.fields.keys.map { ($0, comment.source) })
                reply.replies = comment.comments.map(node)
                return reply
            }
            tree = described.comments.map(node)
        }
        var post = raw.post.map(item)
        post?.replies = tree
        if synthesised { post?.rectangle = nil }
        if post != nil { post?.sources = sources }
        let shown = raw.post?.fields["replies"]
        return PostData(captureId: captureId, platform: profile.platform, profile: profile.name, pageURL: pageURL,
                        canonicalURL: post?.url, post: post,
                        replyCount: .init(shown: shown, shownValue: shown.flatMap(CountParser.parse), captured: captured,
                                          byAuthor: nodes.filter { $0.selfThread == true }.count,
                                          removed: replies.filter { $0.removed != nil }.count),
                        ancestors: (raw.ancestors ?? []).map(item), excluded: raw.excluded ?? [],
                        repliesNotRead: captured == 0 ? notRead(raw: raw, profile: profile) : nil,
                        replyTreeNotRead: treeUnknown ? "no reply shows the handle it answers (the profile's replyingTo field matched nothing), "
                            + "so which reply answers which is not known; all are listed as answering the post" : nil,
                        fieldConflicts: conflicts.isEmpty ? nil : conflicts)
    }

    /// Why no replies were read although some may be there: never "none" when none could be read.
    static func notRead(raw: RawExtraction, profile: Profile) -> String? {
        if let frame = raw.repliesInFrame {
            return "the page shows them in an embedded frame (\(frame)), which extraction does not enter"
        }
        if profile.extract.replies == nil { return "the \(profile.name) profile has no rule for replies" }
        // Without the post, nothing tells the thread apart from the rest of the page: a page in
        // markup the profile does not know has replies nobody read, not none.
        if raw.post == nil { return "no post element matched, so no thread could be told apart on the page" }
        return nil
    }

    /// Whether two readings of a field say the same: handles without `@` and case, times to the minute.
    static func agree(_ field: String, _ a: String, _ b: String) -> Bool {
        switch field {
        case "authorHandle": return bareHandle(a) == bareHandle(b)
        case "published":
            // A stated time that cannot be read exactly (no zone, say) cannot overrule the reading;
            // a reading that is no time at all is overruled by one that is.
            guard let y = PublishedTime.parseMachine(b) else { return true }
            guard let x = PublishedTime.parseMachine(a) else { return false }
            return abs(x.timeIntervalSince(y)) < 60
        default: return a == b
        }
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
            func handle(_ text: String?) -> String? { text.map(bareHandle).flatMap { $0.isEmpty ? nil : $0 } }
            let postAuthor = handle(raw.post?.fields["authorHandle"])
            return raw.replies.enumerated().map { index, reply in
                guard let target = handle(reply.fields["replyingTo"]), target != postAuthor else { return -1 }
                return raw.replies[..<index].lastIndex { handle($0.fields["authorHandle"]) == target } ?? -1
            }
        default:
            return raw.replies.map { _ in -1 }
        }
    }

    package static func rectangle(_ rect: RawItem.Rect, _ g: ScreenshotGeometry) -> Rectangle? {
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
