import Foundation

/// One platform's profile (a file in `Profiles/`): which URLs it is for, how to clear its consent
/// dialogs and overlays, how to tell a login wall or a removed post, how to expand the thread, and
/// how to read the post and its replies out of the page. The format is documented in
/// `Profiles/README.md`; unknown fields are rejected so that a typo never silently disables a rule.
public struct Profile: Codable, Sendable, Equatable {
    /// Always `exhibit-profile`.
    public var format: String
    /// Version of the format; 1.
    public var formatVersion: Int
    /// Short name used by `--profile` (the file name without `.json`).
    public var name: String
    /// The platform's display name, e.g. `X (Twitter)`.
    public var platform: String
    /// Where the selectors come from and what they were checked against.
    public var notes: String?
    /// Regular expressions over the URL. Of the profiles with a match, the one whose pattern matches
    /// the most of the URL is chosen (see ``ProfileCatalog/candidates(for:)``).
    public var matches: [String]
    /// When the profile was last checked, and against which pages (fixtures and real saved pages):
    /// platforms change their markup, so a reader of a record can tell how old the reading rules were.
    public var verified: Verified?

    public struct Verified: Codable, Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var date: String
        public var pages: [String]
    }
    public var consent: Consent?
    public var hide: [HideRule]
    public var walls: Walls?
    public var expand: Expansion?
    public var extract: Extraction
    /// Embed frames of the platform (an X post shown on another site in a `platform.twitter.com/embed`
    /// frame): when a page matches no platform but one of its frames matches, the post is read in
    /// that frame. See ``Frames``.
    public var frames: Frames? = nil

    /// The platform's embed frames: regular expressions over a frame's URL, each anchored at the
    /// start with the scheme and host (`^https?://platform\\.twitter\\.com/embed/`), so that a page
    /// cannot pass one of its own frames off as the platform's; and, when the embed's markup
    /// differs from the post page's, the rules that read it (else ``Profile/extract`` is used).
    public struct Frames: Codable, Sendable, Equatable {
        public var matches: [String]
        public var extract: Extraction?
        public init(matches: [String], extract: Extraction? = nil) { self.matches = matches; self.extract = extract }
    }

    /// The profile as it reads an embed frame: the frame patterns as its patterns and the embed's
    /// extraction rules; nothing to click, hide or detect (the page around the frame was handled
    /// by its own profile). Nil when the profile names no frames.
    public var embed: Profile? {
        guard let frames else { return nil }
        var profile = self
        profile.matches = frames.matches
        profile.consent = nil
        profile.hide = []
        profile.walls = nil
        profile.expand = nil
        // The viewer is shown by the page around the embed, not inside the embed.
        profile.viewer = nil
        if let rules = frames.extract { profile.extract = rules }
        profile.frames = nil
        return profile
    }
    /// How to read the platform's account pages (a profile, channel or user page with its
    /// timeline); nil when the profile reads posts only. See ``Account``.
    public var account: Account? = nil
    /// How to read who is logged in (the handle in X's account switcher, the profile link in
    /// Bluesky's navigation): tried in order on the whole page, the first value wins, as a field's
    /// rules are. What a page shows depends on its viewer, so a capture made with a session says
    /// whose view it recorded; nil for a platform without such rules.
    public var viewer: [FieldRule]? = nil
    /// What the viewer rules read: the account's `handle` (the default; recorded as `@handle`,
    /// however the page writes it) or its display `name` (recorded as the page shows it).
    public var viewerIs: ViewerKind? = nil
    public enum ViewerKind: String, Codable, Sendable { case handle, name }

    /// The viewer as the record states it: a handle with one `@` in front, a name as read.
    public func viewerAccount(_ value: String) -> String {
        guard viewerIs ?? .handle == .handle else { return value }
        return "@" + value.drop { $0 == "@" }
    }

    /// Something to find in the page: a CSS selector, and optionally a JavaScript regular
    /// expression that the element's visible label must match, run with ``flags``.
    public struct ElementRule: Codable, Sendable, Equatable {
        public var selector: String
        public var text: String?
        /// The regex's flags, as JavaScript takes them; always stated with `text` and always holding `u`.
        public var flags: String?
        public init(selector: String, text: String? = nil, flags: String? = nil) {
            self.selector = selector; self.text = text; self.flags = flags
        }
    }

    /// A consent or cookie dialog. `reject` rules are tried first (reject, only necessary); `accept`
    /// rules only when no reject control is there, and such a click is recorded and warned about.
    public struct Consent: Codable, Sendable, Equatable {
        /// The dialog itself; when it is still there after a click it is hidden (and that is recorded).
        public var dialog: String?
        public var reject: [ElementRule]
        public var accept: [ElementRule]
    }

    /// Overlays, login prompts and sticky bars hidden before the screenshot (each hiding recorded).
    public struct HideRule: Codable, Sendable, Equatable {
        public var selector: String
        public var text: String?
        /// The flags of `text`, as for ``ElementRule/flags``.
        public var flags: String?
        public var reason: String
        public init(selector: String, text: String? = nil, flags: String? = nil, reason: String) {
            self.selector = selector; self.text = text; self.flags = flags; self.reason = reason
        }
    }

    /// How to tell that the post is not there to capture.
    public struct Walls: Codable, Sendable, Equatable {
        public var login: [ElementRule]
        public var removed: [ElementRule]
    }

    /// Thread expansion: controls to click ("show more replies"), whether to scroll to load more,
    /// and the limits that stop it.
    public struct Expansion: Codable, Sendable, Equatable {
        public var click: [ElementRule]
        public var scroll: Bool
        public var maxRounds: Int
        public var maxReplies: Int
        public var maxSeconds: Double
    }

    /// How to read the post and its replies.
    public struct Extraction: Codable, Sendable, Equatable {
        /// Selectors for the post's element, tried in order.
        public var post: [String]
        /// Selector matching each reply element, in page order (none: no replies read).
        public var replies: String?
        public var nesting: Nesting
        /// Rules per field (see ``Profile/fieldNames``); each field's rules are tried in order and
        /// the first non-empty value wins.
        public var fields: [String: [FieldRule]]
        /// Images and videos inside an item.
        public var media: [MediaRule]
        /// Items on the post page that are not part of its thread (promoted posts, ads): left out
        /// of the replies and counted in post.json's `excluded`.
        public var exclude: [ExcludeRule] = []
        /// Headings where the thread ends ("Discover more", "More posts"): every item after the
        /// first one that follows the post is a recommendation, left out and counted.
        public var threadEnd: [ElementRule] = []
        /// Replies the platform still lists but shows without their content ("[removed]",
        /// "[deleted]", "Comment removed by moderator"): kept as replies, in their place in the
        /// tree, marked with the rule's `reason`, without the placeholder as their text, and
        /// counted in post.json's `replyCount.removed`. Same shape as an exclude rule; an element
        /// is looked for only in the reply's own part, never in a reply nested inside it.
        public var removed: [ExcludeRule] = []
        /// Names the post by the page's URL, for pages that show it among its neighbours (a
        /// channel stream): see ``PostKey``.
        public var postKey: PostKey? = nil
        /// Frames (iframes) that hold the replies, which extraction does not enter: when one is on
        /// the page, post.json says the replies were not read instead of counting none.
        public var repliesInFrame: [String] = []
    }

    /// The post is the element whose `attribute` equals group 1 of `pattern` run over the page's
    /// URL (compared without regard to case). Elements of a post selector that lack the attribute
    /// are unaffected; when the URL does not match, the first visible element is the post as usual.
    public struct PostKey: Codable, Sendable, Equatable {
        public var attribute: String
        public var pattern: String
        /// The flags of `pattern`, as for ``ElementRule/flags``.
        public var flags: String
    }

    /// An item that is not part of the thread (`exclude`), or a reply shown without its content
    /// (`removed`): it holds an element matching `selector` (whose text matches `text`, when
    /// given), or it lacks any element matching `missing`.
    public struct ExcludeRule: Codable, Sendable, Equatable {
        public var selector: String?
        public var text: String?
        public var flags: String?
        public var missing: String?
        /// What such an item is, in the record: e.g. `promoted`.
        public var reason: String
    }

    /// How a reply's parent is found.
    public struct Nesting: Codable, Sendable, Equatable {
        /// `none` (every reply answers the post), `container` (the nearest ancestor matching
        /// ``container`` holds the parent as its first reply element, or is the parent), or
        /// `replyingTo` (the `replyingTo` field names the handle of the parent: the nearest earlier item by it).
        public var by: NestingMode
        public var container: String?
        public init(by: NestingMode, container: String? = nil) { self.by = by; self.container = container }
    }

    public enum NestingMode: String, Codable, Sendable, CaseIterable { case none, container, replyingTo }

    /// One way to read a field: the element (`selector` inside the item, or the item itself), its
    /// text or an attribute, optionally narrowed by a regular expression's first group.
    /// `scope: document` reads from the whole document (meta tags, JSON-LD), for the post only.
    public struct FieldRule: Codable, Sendable, Equatable {
        public var selector: String?
        public var attribute: String?
        public var pattern: String?
        /// The flags of `pattern`, as for ``ElementRule/flags``.
        public var flags: String?
        public var scope: String?
        public init(selector: String? = nil, attribute: String? = nil, pattern: String? = nil, flags: String? = nil, scope: String? = nil) {
            self.selector = selector; self.attribute = attribute; self.pattern = pattern; self.flags = flags; self.scope = scope
        }
    }

    /// Media inside an item: `image` or `video` (a video is captured as a still only).
    public struct MediaRule: Codable, Sendable, Equatable {
        public var selector: String
        public var type: String
    }

    /// A regular expression of the profile that runs in the page (a `text` or a `pattern`), with the
    /// path of its field for errors and the capture groups it must have.
    public struct PageRegex: Codable, Sendable, Equatable {
        public var rule: String
        public var source: String
        public var flags: String
        public var groups: Int
    }

    /// Every regex the page will run, so the browser can compile each one before the profile acts.
    public var pageRegexes: [PageRegex] {
        var list: [PageRegex] = []
        func add(_ rules: [ElementRule], _ path: String) {
            for (i, rule) in rules.enumerated() {
                if let text = rule.text { list.append(.init(rule: "\(path)[\(i)].text", source: text, flags: rule.flags ?? "u", groups: 0)) }
            }
        }
        if let consent {
            add(consent.reject, "consent.reject")
            add(consent.accept, "consent.accept")
        }
        for (i, rule) in hide.enumerated() {
            if let text = rule.text { list.append(.init(rule: "hide[\(i)].text", source: text, flags: rule.flags ?? "u", groups: 0)) }
        }
        if let walls {
            add(walls.login, "walls.login")
            add(walls.removed, "walls.removed")
        }
        if let expand { add(expand.click, "expand.click") }
        for (i, rule) in extract.exclude.enumerated() {
            if let text = rule.text { list.append(.init(rule: "extract.exclude[\(i)].text", source: text, flags: rule.flags ?? "u", groups: 0)) }
        }
        add(extract.threadEnd, "extract.threadEnd")
        for (i, rule) in extract.removed.enumerated() {
            if let text = rule.text { list.append(.init(rule: "extract.removed[\(i)].text", source: text, flags: rule.flags ?? "u", groups: 0)) }
        }
        if let key = extract.postKey {
            list.append(.init(rule: "extract.postKey.pattern", source: key.pattern, flags: key.flags, groups: 1))
        }
        if let account {
            for (section, rules) in [("account.fields", account.fields), ("account.postFields", account.postFields)] {
                for name in rules.keys.sorted() {
                    for (i, rule) in (rules[name] ?? []).enumerated() {
                        if let pattern = rule.pattern {
                            list.append(.init(rule: "\(section).\(name)[\(i)].pattern", source: pattern, flags: rule.flags ?? "u", groups: 1))
                        }
                    }
                }
            }
        }
        for name in extract.fields.keys.sorted() {
            for (i, rule) in (extract.fields[name] ?? []).enumerated() {
                if let pattern = rule.pattern {
                    list.append(.init(rule: "extract.fields.\(name)[\(i)].pattern", source: pattern, flags: rule.flags ?? "u", groups: 1))
                }
            }
        }
        for (i, rule) in (viewer ?? []).enumerated() {
            if let pattern = rule.pattern { list.append(.init(rule: "viewer[\(i)].pattern", source: pattern, flags: rule.flags ?? "u", groups: 1)) }
        }
        return list
    }

    /// An account page: the account's header (name, handle, bio, counts as shown) and the posts its
    /// timeline shows, each with its URL and time. A URL that matches `matches` and none of the
    /// profile's post patterns is captured as an account page.
    public struct Account: Codable, Sendable, Equatable {
        /// Regular expressions over the URL of an account page (ICU, like the profile's `matches`).
        public var matches: [String]
        /// Selectors of the account's header element, tried in order; the header fields are read
        /// inside it. Empty: they are read from the whole page.
        public var header: [String]
        /// Rules per header field (see ``Profile/accountFieldNames``).
        public var fields: [String: [FieldRule]]
        /// Selector matching each timeline entry, in page order (an entry inside another, a
        /// quoted post, is part of the outer one).
        public var posts: String
        /// Rules per timeline entry field (see ``Profile/timelineFieldNames``), read in the entry.
        public var postFields: [String: [FieldRule]]
        /// How many times the page is scrolled to its bottom to load more of the timeline: a
        /// timeline has no end worth waiting for, so a capture shows what the page showed after
        /// these scrolls, and says whether more would have loaded.
        public var scrolls: Int
        public init(matches: [String], header: [String] = [], fields: [String: [FieldRule]], posts: String,
                    postFields: [String: [FieldRule]], scrolls: Int = 2) {
            self.matches = matches; self.header = header; self.fields = fields; self.posts = posts
            self.postFields = postFields; self.scrolls = scrolls
        }
    }

    /// What a page is captured as: a post with its thread, or an account page with its timeline.
    public enum PageKind: String, Codable, Sendable, CaseIterable { case post, account }

    /// The kind of page `url` is for this profile: an account page when an account pattern
    /// matches it and no post pattern does (post URLs always get the post rules).
    public func pageKind(for url: String) -> PageKind {
        guard let account, Self.anyMatch(account.matches, url), !Self.anyMatch(matches, url) else { return .post }
        return .account
    }

    static func anyMatch(_ patterns: [String], _ url: String) -> Bool {
        let range = NSRange(url.startIndex..., in: url)
        return patterns.contains { (try? NSRegularExpression(pattern: $0))?.firstMatch(in: url, range: range) != nil }
    }

    /// The header fields an account section may name. Counts are kept as shown and parsed.
    public static let accountFieldNames: Set<String> = [
        "name", "handle", "bio", "url", "avatarURL", "website", "joined", "followers", "following", "posts",
    ]
    /// The account header fields that are counts.
    public static let accountCountNames: Set<String> = ["followers", "following", "posts"]
    /// The fields of a timeline entry. `pinned` and `repost` mark an entry when their rule reads
    /// anything (the marker's text is recorded, e.g. "Pinned" or "Gemeente Voorbeeld reposted").
    public static let timelineFieldNames: Set<String> = [
        "id", "url", "authorName", "authorHandle", "published", "publishedShown", "text", "pinned", "repost",
        "replies", "reposts", "likes", "views",
    ]

    /// The fields an extraction may name.
    public static let fieldNames: Set<String> = [
        "id", "url", "authorName", "authorHandle", "authorURL", "avatarURL", "published", "publishedShown",
        "text", "language", "replyingTo", "replies", "reposts", "likes", "views",
    ]
}

/// A profile file that cannot be used: names the file, the field and what is wrong.
public struct ProfileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let field: String
    public let problem: String
    public init(file: String, field: String, problem: String) { self.file = file; self.field = field; self.problem = problem }
    public var description: String { "profile \(file): field '\(field)': \(problem)" }
}
