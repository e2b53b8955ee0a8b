import Foundation

/// What `exhibit.account(spec)` reads from an account page, before any interpretation.
package struct RawAccount: Codable, Sendable {
    /// The header's fields (nil: no header element matched).
    package var header: RawItem?
    /// Which of the profile's header selectors matched (nil: none, or the profile names none).
    package var headerSelector: String?
    package var posts: [RawItem]
    /// Header and timeline fields no rule could read, as `account.<field>` / `timeline.<field>`.
    package var misses: [RawExtraction.Miss]
    package var invalidSelectors: [String]
}

/// How the account page's timeline was loaded: a bounded number of scrolls, never to its end.
package struct TimelineScroll: Codable, Sendable, Equatable {
    package var scrolls: Int
    package var limit: Int
    /// True when the last scroll still loaded more posts: the timeline goes on beyond what was captured.
    package var goesOn: Bool
    package init(scrolls: Int, limit: Int, goesOn: Bool) { self.scrolls = scrolls; self.limit = limit; self.goesOn = goesOn }
}

extension PostData {
    /// The account shown on an account page, as the page shows it.
    public struct Account: Codable, Sendable {
        public var displayName: String?
        public var handle: String?
        public var bio: String?
        public var url: String?
        public var avatarURL: String?
        public var website: String?
        /// As shown, e.g. "Joined March 2009".
        public var joined: String?
        /// Followers, following and the account's post count, as shown and parsed. The post count
        /// is the account's total; it is not comparable with the posts visible on the timeline.
        public var counts: AccountCounts
        /// Where the header is in screenshot.png.
        public var rectangle: Rectangle?
        /// Header fields the profile has rules for that the page did not show (or that no longer match).
        public var notFound: [String]
    }
    public struct AccountCounts: Codable, Sendable {
        public var followers: Count?
        public var following: Count?
        public var posts: Count?
    }

    /// The posts an account page's timeline showed at capture time, in page order.
    public struct Timeline: Codable, Sendable {
        /// How many posts were visible on the timeline (= entries.count).
        public var visible: Int
        public var entries: [TimelineEntry]
        /// How often the page was scrolled to its bottom to load more, and the profile's limit.
        public var scrolls: Int
        public var scrollLimit: Int
        /// True when more posts would have loaded: the last scroll still brought new ones.
        public var goesOn: Bool
        /// The same, in words, for a reader of post.json.
        public var note: String
        /// Timeline fields the profile has rules for that no entry showed.
        public var notFound: [String]
    }

    public struct TimelineEntry: Codable, Sendable {
        public var id: String?
        public var url: String?
        /// Who wrote it: the account itself, or, for a repost, the original author.
        public var author: Author
        public var published: Published
        public var text: String?
        /// True for a post the account pinned to the top of its timeline; nil otherwise.
        public var pinned: Bool?
        /// True for another account's post the account reposted (boosted, shared); nil otherwise.
        public var repost: Bool?
        /// The markers as shown ("Pinned", "Gemeente Voorbeeld reposted").
        public var markers: [String: String]?
        public var counts: Counts
        public var rectangle: Rectangle?
    }

    /// Builds post.json for an account page: the header, the timeline's entries in page order,
    /// counts parsed, times resolved, rectangles moved into PNG pixels.
    package static func buildAccount(raw: RawAccount, profile: Profile, scroll: TimelineScroll, captureId: String, pageURL: String,
                                     capturedAt: Date, timeZone: TimeZone, geometry: ScreenshotGeometry) -> PostData {
        func count(_ f: [String: String], _ key: String) -> Count? { f[key].map { Count(shown: $0, value: CountParser.parse($0)) } }
        let missed = Set(raw.misses.map(\.field))
        let rules = profile.account
        var account: Account?
        if let header = raw.header {
            let f = header.fields
            account = Account(displayName: f["name"], handle: f["handle"], bio: f["bio"], url: f["url"], avatarURL: f["avatarURL"],
                              website: f["website"], joined: f["joined"],
                              counts: .init(followers: count(f, "followers"), following: count(f, "following"), posts: count(f, "posts")),
                              rectangle: rectangle(header.rect, geometry),
                              notFound: (rules?.fields.keys.sorted() ?? []).filter { f[$0] == nil })
        }
        let entries = raw.posts.map { item -> TimelineEntry in
            let f = item.fields
            let time = PublishedTime.resolve(machine: f["published"], shown: f["publishedShown"], capturedAt: capturedAt, timeZone: timeZone)
            var markers: [String: String] = [:]
            for key in ["pinned", "repost"] { if let shown = f[key] { markers[key] = shown } }
            return TimelineEntry(id: f["id"], url: f["url"],
                                 author: .init(displayName: f["authorName"], handle: f["authorHandle"], profileURL: nil, avatarURL: nil),
                                 published: .init(shown: f["publishedShown"], iso: time.iso, precision: time.precision, note: time.note),
                                 text: f["text"], pinned: f["pinned"] != nil ? true : nil, repost: f["repost"] != nil ? true : nil,
                                 markers: markers.isEmpty ? nil : markers,
                                 counts: .init(replies: count(f, "replies"), reposts: count(f, "reposts"), likes: count(f, "likes"), views: count(f, "views")),
                                 rectangle: rectangle(item.rect, geometry))
        }
        // Markers are on some entries only: their absence elsewhere is no miss.
        let timelineNotFound = (rules?.postFields.keys.sorted() ?? [])
            .filter { !["pinned", "repost"].contains($0) && missed.contains("timeline.\($0)") }
        let timeline = Timeline(visible: entries.count, entries: entries, scrolls: scroll.scrolls, scrollLimit: scroll.limit,
                                goesOn: scroll.goesOn, note: timelineNote(visible: entries.count, scroll: scroll), notFound: timelineNotFound)
        var data = PostData(captureId: captureId, platform: profile.platform, profile: profile.name, pageURL: pageURL,
                            canonicalURL: account?.url, post: nil, replyCount: .init(shown: nil, shownValue: nil, captured: 0),
                            repliesNotRead: "an account page: its timeline's posts are in timeline, not read as replies")
        data.kind = Profile.PageKind.account.rawValue
        data.account = account
        data.timeline = timeline
        return data
    }

    /// "5 posts visible on the timeline; it goes on: more posts loaded on each of 2 scrolls, not followed further".
    package static func timelineNote(visible: Int, scroll: TimelineScroll) -> String {
        let shown = "\(visible) post(s) visible on the timeline"
        if scroll.goesOn {
            return shown + "; the timeline goes on: the last of \(scroll.scrolls) scroll(s) still loaded more posts, which were not followed further"
        }
        if scroll.limit == 0 { return shown + "; the profile does not scroll, so whether more would load is not known" }
        return shown + "; no more posts loaded when scrolled to the bottom (\(scroll.scrolls) scroll(s))"
    }

    /// Every URL field of the account and the timeline, rewritten by `transform`.
    package mutating func rewriteAccountURLs(_ transform: (String) -> String) {
        if var shown = account {
            shown.url = shown.url.map(transform)
            shown.avatarURL = shown.avatarURL.map(transform)
            account = shown
        }
        if var list = timeline?.entries {
            for index in list.indices { list[index].url = list[index].url.map(transform) }
            timeline?.entries = list
        }
    }
}

extension RawExtraction {
    /// An account page's reading, in the shape the completeness section takes: no post, no
    /// replies, the header's and timeline's misses and the invalid selectors.
    package init(account raw: RawAccount) {
        self.init(post: nil, postSelector: raw.headerSelector, replies: [], ancestors: nil, excluded: nil, structured: nil,
                  misses: raw.misses, invalidSelectors: raw.invalidSelectors, repliesInFrame: nil)
    }
}
