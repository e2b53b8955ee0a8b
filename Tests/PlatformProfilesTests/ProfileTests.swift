import Foundation
import PlatformProfiles
import Testing

private let profilesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Profiles")

private func catalog() throws -> ProfileCatalog {
    try ProfileCatalog.load(folder: profilesFolder, digest: { "\($0.count)" })
}

@Suite("Counts as platforms show them")
struct CountTests {
    @Test(arguments: [
        ("1,2K", 1200), ("1.2K", 1200), ("1,234", 1234), ("1.234", 1234), ("1,234,567", 1_234_567), ("12", 12),
        ("44 Replies. Reply", 44), ("1.2K likes", 1200), ("3,4 mln", 3_400_000), ("2.5M", 2_500_000), ("12.3K", 12_300),
        ("1,2K vind-ik-leuks", 1200), ("12 keer gedeeld", 12), ("View all 44 comments", 44), ("1 234", 1234), ("1.234,5", 1235),
        ("like this video along with 1,234 other people", 1234),
    ] as [(String, Int)])
    func parses(text: String, value: Int) {
        #expect(CountParser.parse(text) == value, "\(text)")
    }

    @Test func noCount() {
        #expect(CountParser.parse("Reply") == nil)
        #expect(CountParser.parse("") == nil)
    }
}

@Suite("Publication times")
struct TimeTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func machineTimesAreExact() {
        let t = PublishedTime.resolve(machine: "2026-11-20T09:00:00.000Z", shown: "Nov 20", capturedAt: now)
        #expect(t.iso == "2026-11-20T09:00:00Z" && t.precision == .exact)
        // Reddit's created-timestamp: microseconds and an offset without a colon.
        let reddit = PublishedTime.resolve(machine: "2026-11-20T10:00:00.123000+0100", shown: "5d ago", capturedAt: now)
        #expect(reddit.iso == "2026-11-20T09:00:00Z" && reddit.precision == .exact, "\(reddit)")
        let printed = PublishedTime.resolve(machine: "November 20, 2026 at 9:10 AM", shown: "5d", capturedAt: now)
        #expect(printed.iso == "2026-11-20T09:10:00Z" && printed.precision == .exact)
    }

    @Test(arguments: [("5d", 5 * 86_400.0), ("3 hours ago", 10_800), ("5 d.", 432_000), ("2 u", 7_200), ("an hour ago", 3_600),
                      ("1y", 31_536_000), ("3 mo", 7_776_000), ("10 min.", 600), ("2 days ago", 172_800), ("4w", 2_419_200)])
    func relativeTimesAreEstimates(shown: String, seconds: Double) {
        let t = PublishedTime.resolve(machine: nil, shown: shown, capturedAt: now)
        #expect(t.precision == .estimated, "\(shown)")
        let formatter = ISO8601DateFormatter()
        #expect(t.iso.flatMap(formatter.date(from:)) == now.addingTimeInterval(-seconds), "\(shown)")
        #expect(t.note?.contains(shown) == true)
    }

    @Test func unknownTimesSayWhatWasShown() {
        let t = PublishedTime.resolve(machine: nil, shown: "Edited", capturedAt: now)
        #expect(t.iso == nil && t.precision == .unknown && t.note == "only 'Edited' is shown")
    }
}

@Suite("Profile files")
struct ProfileFileTests {
    @Test("two profiles that match one URL: the one whose pattern matches the most of it is chosen, and both are candidates, most specific first")
    func mostSpecificProfileWins() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-profiles-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["generic", "x"] {
            try FileManager.default.copyItem(at: profilesFolder.appendingPathComponent("\(name).json"), to: folder.appendingPathComponent("\(name).json"))
        }
        var narrow = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: profilesFolder.appendingPathComponent("x.json"))) as? [String: Any])
        narrow["name"] = "x-gemeente"
        narrow["matches"] = [#"^https://x\.com/gemeentevoorbeeld/status/[0-9]+(\?.*)?$"#]
        try JSONSerialization.data(withJSONObject: narrow).write(to: folder.appendingPathComponent("x-gemeente.json"))
        let catalog = try ProfileCatalog.load(folder: folder, digest: { "\($0.count)" })
        // With a query, only the narrow pattern covers the whole URL.
        let withQuery = "https://x.com/gemeentevoorbeeld/status/1790000000000000000?s=20"
        #expect(catalog.candidates(for: withQuery).map(\.profile.name) == ["x-gemeente", "x"])
        #expect(catalog.choose(for: withQuery).0.profile.name == "x-gemeente")
        // Both match all of a URL without one: the longer pattern wins (x's), never the file order.
        #expect(catalog.candidates(for: "https://x.com/gemeentevoorbeeld/status/1790000000000000000").map(\.profile.name) == ["x", "x-gemeente"])
        #expect(catalog.candidates(for: "https://x.com/someone/status/1").map(\.profile.name) == ["x"])
        #expect(catalog.choose(for: "https://example.org/").1 == .fallback)
    }

    @Test func everyShippedProfileLoads() throws {
        // Each says when it was last checked, and against which pages.
        for entry in try catalog().entries {
            let verified = try #require(entry.profile.verified, "\(entry.profile.name) has no verified date")
            #expect(verified.date.count == 10 && !verified.pages.isEmpty, "\(entry.profile.name)")
        }
        let names = try catalog().entries.map(\.profile.name)
        #expect(names == ["bluesky", "facebook", "generic", "instagram", "linkedin", "mastodon", "reddit", "telegram", "threads", "tiktok", "x", "youtube"])
    }

    @Test(arguments: [
        ("https://x.com/gemeentevoorbeeld/status/1790000000000000000", "x"),
        ("https://twitter.com/someone/status/123", "x"),
        ("https://mastodon.social/@Gargron/113000000000000000", "mastodon"),
        ("https://social.overheid.nl/@gemeentevoorbeeld/1790000000000000000", "mastodon"),
        ("https://bsky.app/profile/gemeentevoorbeeld.nl/post/3lbhaven2026a", "bluesky"),
        ("https://www.facebook.com/gemeentevoorbeeld/posts/pfbid0haven2026", "facebook"),
        ("https://www.instagram.com/p/DHaven2026/", "instagram"),
        ("https://www.linkedin.com/posts/gemeentevoorbeeld_haven-activity-7264000000000000000-abcd", "linkedin"),
        ("https://www.youtube.com/watch?v=hAvEn2026aB", "youtube"),
        ("https://youtu.be/hAvEn2026aB", "youtube"),
        ("https://www.reddit.com/r/voorbeeldstad/comments/1h4v3n/nieuwe_havenpromenade_vastgesteld/", "reddit"),
        ("https://old.reddit.com/r/voorbeeldstad/comments/1h4v3n/nieuwe_havenpromenade_vastgesteld/", "reddit"),
        ("https://www.reddit.com/r/voorbeeldstad/comments/1h4v3n/comment/lq2x9ab/", "reddit"),
        ("https://reddit.com/comments/1h4v3n", "reddit"),
        ("https://www.reddit.com/r/voorbeeldstad/s/AbCdEf1234", "reddit"),
        ("https://redd.it/1h4v3n", "reddit"),
        ("https://www.threads.net/@gemeentevoorbeeld/post/DHaven2026a", "threads"),
        ("https://www.threads.com/@gemeentevoorbeeld/post/DHaven2026a?xmt=AQGz", "threads"),
        ("https://threads.net/t/DHaven2026a", "threads"),
        ("https://www.reddit.com/r/voorbeeldstad/", "generic"),
        // An account page is read by the platform's account rules (AccountPageURLTests).
        ("https://www.threads.net/@gemeentevoorbeeld", "threads"),
        ("https://www.tiktok.com/@gemeentevoorbeeld/video/7574216830000000000", "tiktok"),
        ("https://www.tiktok.com/@gemeente.voorbeeld/video/7574216830000000000?is_from_webapp=1&sender_device=pc", "tiktok"),
        ("https://m.tiktok.com/@gemeentevoorbeeld/video/7574216830000000000", "tiktok"),
        ("https://www.tiktok.com/@gemeentevoorbeeld/photo/7574216830000000001", "tiktok"),
        ("https://t.me/s/gemeentevoorbeeld/1234", "telegram"),
        ("https://t.me/s/gemeentevoorbeeld/1234?single", "telegram"),
        ("https://t.me/gemeentevoorbeeld/1234", "telegram"),
        ("https://t.me/gemeentevoorbeeld/1234?comment=5678", "telegram"),
        ("https://telegram.me/s/gemeentevoorbeeld/1234", "telegram"),
        ("https://www.tiktok.com/@gemeentevoorbeeld", "tiktok"),
        ("https://t.me/s/gemeentevoorbeeld", "generic"),
        ("https://t.me/joinchat/AAAAAEhaven2026", "generic"),
        ("https://www.rijksoverheid.nl/actueel/nieuws", "generic"),
    ])
    func chosenByURL(url: String, name: String) throws {
        let (entry, choice) = try catalog().choose(for: url)
        #expect(entry.profile.name == name)
        #expect(choice == (name == "generic" ? .fallback : .urlPattern))
    }

    /// Each malformed profile names the file, the field and what is wrong.
    @Test(arguments: [
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {"txet": "p"}}}"#,
         "profile t.json: field 'extract.fields.txet': is not a known field"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": ["(unclosed"], "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'matches[0]': is not a valid regular expression"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "expand": {"click": [], "maxRounds": "ten", "maxReplies": 5, "maxSeconds": 5}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'expand.maxRounds': must be a whole number"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": []}"#,
         "profile t.json: field 'extract': is required"),
        (#"{"format": "exhibit-profile", "formatVersion": 2, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'formatVersion': version 2 is not supported"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "consent": {"reject": [{"selector": "button", "txt": "no"}]}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'consent.reject[0].txt': is not a known field"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {"id": {"selector": "a", "pattern": "([0-9]+)"}}}}"#,
         "profile t.json: field 'extract.fields.id.flags': is required with pattern"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "hide": [{"selector": "div", "text": "log in", "flags": "i", "reason": "r"}], "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'hide[0].flags': must be letters of imsu, each once, including u"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "consent": {"reject": [{"selector": "button", "text": "no", "flags": "giu"}]}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'consent.reject[0].flags': must be letters of imsu, each once, including u"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "nesting": {"by": "replyingTo"}, "fields": {}}}"#,
         "profile t.json: field 'extract.fields.replyingTo': is required when nesting.by is replyingTo"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "exclude": [{"selector": "span", "missing": "time", "reason": "promoted"}]}}"#,
         "profile t.json: field 'extract.exclude[0]': needs either a selector"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "exclude": [{"missing": "time", "text": "Ad", "flags": "u", "reason": "promoted"}]}}"#,
         "profile t.json: field 'extract.exclude[0].text': is only for a rule with a selector"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "exclude": [{"selector": "span"}]}}"#,
         "profile t.json: field 'extract.exclude[0].reason': is required"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "threadEnd": [{"selector": "h2", "text": "More", "flags": "i"}]}}"#,
         "profile t.json: field 'extract.threadEnd[0].flags': must be letters of imsu"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "removed": [{"selector": ".md", "text": "^\\[removed\\]$", "flags": "u"}]}}"#,
         "profile t.json: field 'extract.removed[0].reason': is required"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "removed": {"selector": ".md"}}}"#,
         "profile t.json: field 'extract.removed': must be a list"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "postKey": {"attribute": "data-post", "pattern": "/s/(.+)"}}}"#,
         "profile t.json: field 'extract.postKey.flags': is required with pattern"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "postKey": {"attribute": "data post", "pattern": "/s/(.+)", "flags": "u"}}}"#,
         "profile t.json: field 'extract.postKey.attribute': must be an attribute name"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "postKey": {"attribute": "data-post"}}}"#,
         "profile t.json: field 'extract.postKey.pattern': is required"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}, "repliesInFrame": [3]}}"#,
         "profile t.json: field 'extract.repliesInFrame': must be a string or a list of strings"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "verified": {"date": "1 Dec 2026", "pages": ["a"]}, "matches": [], "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'verified.date': must be a date as YYYY-MM-DD"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "verified": {"date": "2026-12-01", "pages": []}, "matches": [], "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'verified.pages': needs at least one page"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "frames": {"matches": ["/embed/"]}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'frames.matches[0]': must start with ^https:// or ^https?://"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "frames": {"matches": []}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'frames.matches': needs at least one pattern"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "frames": {"matches": ["^https://e\\.example/embed"], "hide": []}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'frames.hide': is not a known field"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "frames": {"matches": ["^https://e\\.example/embed"], "extract": {"post": [], "fields": {}}}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'frames.extract.post': needs at least one selector"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "frames": {"matches": ["^https://e\\.example/embed"], "extract": {"post": ["a"], "fields": {"txet": "p"}}}, "extract": {"post": ["a"], "fields": {}}}"#,
         "profile t.json: field 'frames.extract.fields.txet': is not a known field"),
        (#"{"format": "exhibit-profile", formatVersion: 1, "name": "t"}"#,
         "profile t.json: field '(file)': is not valid JSON"),
    ])
    func malformedProfilesNameTheField(json: String, message: String) {
        #expect(throws: ProfileError.self) { try ProfileLoader.parse(Data(json.utf8), file: "t.json") }
        do { _ = try ProfileLoader.parse(Data(json.utf8), file: "t.json") } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test("embed frames: a frame URL is matched by the platform's frame patterns only, and the embed's own rules are read")
    func embedFramePatterns() throws {
        let catalog = try catalog()
        let cases: [(String, String?)] = [
            ("https://platform.twitter.com/embed/Tweet.html?id=1764981234567890123&lang=nl", "x"),
            ("https://www.instagram.com/p/C4abc_12/embed/captioned/", "instagram"),
            ("https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2F20531316728%2Fposts%2F1", "facebook"),
            ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube"),
            ("https://embed.bsky.app/embed/did:plc:abc/app.bsky.feed.post/3k", "bluesky"),
            ("https://mastodon.social/@Gargron/109283749283/embed", "mastodon"),
            // A page's own frames with an embed's path, and the platforms' post pages, are no embeds.
            ("https://news.example/embed/Tweet.html?id=1", nil),
            ("https://news.example/platform.twitter.com/embed/Tweet.html", nil),
            ("https://x.com/gemeentevb/status/1764981234567890123", nil),
        ]
        for (url, name) in cases {
            #expect(catalog.frameCandidates(for: url).first?.entry.profile.name == name, "\(url)")
        }
        let x = try #require(catalog.named("x")?.profile)
        let embed = try #require(x.embed)
        #expect(embed.extract != x.extract && embed.extract.post.first == "article[data-testid='tweet']")
        #expect(embed.consent == nil && embed.hide.isEmpty && embed.expand == nil && embed.walls == nil && embed.frames == nil)
        // A profile without its own embed rules reads the frame with its post page's rules.
        let mastodon = try #require(catalog.named("mastodon")?.profile)
        #expect(mastodon.embed?.extract == mastodon.extract)
        #expect(catalog.named("generic")?.profile.embed == nil)
    }

    @Test func fileNameAndProfileNameMustAgree() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: profilesFolder.appendingPathComponent("x.json"), to: folder.appendingPathComponent("twitter.json"))
        #expect(throws: ProfileError(file: "twitter.json", field: "name", problem: "is \"x\" but the file is twitter.json; they must agree")) {
            try ProfileCatalog.load(folder: folder, digest: { _ in "" })
        }
    }

    @Test("structured data is read as data: @graph, author objects, strings and lists, InteractionCounter statistics; broken JSON, a deep comment chain and a flood of comments cannot run away")
    func structuredData() throws {
        let ld = #"{"@context":"https://schema.org","@graph":[{"@type":["SocialMediaPosting"],"author":[{"name":"A","alternateName":"@a"}],"#
            + #""datePublished":"2026-01-01T00:00:00Z","articleBody":"Hallo","interactionStatistic":{"interactionType":"LikeAction","userInteractionCount":"1,2K"},"#
            + #""comment":{"@type":"Comment","text":"Eén","author":"B"}}]}"#
        let raw = RawStructured(jsonld: ["{not json", ld], meta: ["og:description": "fallback text", "article:published_time": "2020-01-01"], microdata: "[]")
        let posts = StructuredData.posts(from: raw)
        #expect(posts.map(\.source) == ["json-ld", "open graph"])
        #expect(posts.first?.fields == ["authorName": "A", "authorHandle": "a", "published": "2026-01-01T00:00:00Z", "text": "Hallo", "likes": "1,2K"])
        #expect(posts.first?.comments.first?.fields == ["text": "Eén", "authorName": "B"])
        // A chain 400 comments deep and a list of 100,000 stop at the documented limits.
        var chain = #"{"@type":"Comment","text":"x"}"#
        for _ in 0..<400 { chain = #"{"@type":"Comment","text":"x","comment":"# + chain + "}" }
        let flood = "[" + Array(repeating: #"{"@type":"Comment","text":"y"}"#, count: 100_000).joined(separator: ",") + "]"
        let hostile = RawStructured(jsonld: [#"{"@type":"DiscussionForumPosting","text":"t","comment":["# + chain + "," + String(flood.dropFirst()) + "}"],
                                    meta: [:], microdata: "not json")
        func count(_ post: StructuredPost) -> Int { post.comments.count + post.comments.map(count).reduce(0, +) }
        func depth(_ post: StructuredPost) -> Int { 1 + (post.comments.map(depth).max() ?? 0) }
        let parsed = try #require(StructuredData.posts(from: hostile).first)
        #expect(count(parsed) == StructuredData.maxComments, "\(count(parsed))")
        #expect(depth(parsed) == StructuredData.maxDepth + 1, "\(depth(parsed))")
    }
}

/// Account pages (issue 13, point 9): their URL patterns choose the platform's account rules, and
/// never take a post URL, which keeps the post rules.
@Suite("Account page URLs")
struct AccountPageURLTests {
    static let accountURLs: [(String, String)] = [
        ("https://x.com/gemeentevoorbeeld", "x"), ("https://twitter.com/gemeentevoorbeeld/", "x"),
        ("https://mobile.twitter.com/Gemeente_01?lang=nl", "x"), ("https://x.com/gemeentevoorbeeld/with_replies", "x"),
        ("https://social.voorbeeld.nl/@gemeentevoorbeeld", "mastodon"), ("https://mastodon.social/@anouk@social.overheid.nl", "mastodon"),
        ("https://bsky.app/profile/gemeentevoorbeeld.bsky.social", "bluesky"), ("https://bsky.app/profile/did:plc:abc123/", "bluesky"),
        ("https://www.instagram.com/gemeentevoorbeeld/", "instagram"), ("https://instagram.com/gemeente.voorbeeld", "instagram"),
        ("https://www.facebook.com/gemeentevoorbeeld", "facebook"), ("https://www.facebook.com/profile.php?id=100064", "facebook"),
        ("https://www.youtube.com/@gemeentevoorbeeld", "youtube"), ("https://www.youtube.com/@gemeentevoorbeeld/videos", "youtube"),
        ("https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv", "youtube"), ("https://www.youtube.com/c/GemeenteVoorbeeld", "youtube"),
        ("https://www.youtube.com/user/gemeentevoorbeeld", "youtube"),
        ("https://www.tiktok.com/@gemeentevoorbeeld", "tiktok"), ("https://www.tiktok.com/@gemeentevoorbeeld?lang=nl", "tiktok"),
        ("https://www.threads.net/@gemeentevoorbeeld", "threads"), ("https://www.threads.com/@gemeentevoorbeeld", "threads"),
        ("https://www.reddit.com/user/gemeentevoorbeeld/", "reddit"), ("https://www.reddit.com/u/gemeentevoorbeeld", "reddit"),
        ("https://old.reddit.com/user/gemeentevoorbeeld/submitted/", "reddit"),
    ]

    static let postURLs: [(String, String)] = [
        ("https://x.com/gemeentevoorbeeld/status/1790000000000000000", "x"), ("https://twitter.com/someone/statuses/1", "x"),
        ("https://social.voorbeeld.nl/@gemeentevoorbeeld/113456789012345678", "mastodon"),
        ("https://social.voorbeeld.nl/users/gemeentevoorbeeld/statuses/1134", "mastodon"),
        ("https://bsky.app/profile/gemeentevoorbeeld.bsky.social/post/3kabc2def", "bluesky"),
        ("https://www.instagram.com/p/DAbc123/", "instagram"), ("https://www.instagram.com/reel/DAbc123/", "instagram"),
        ("https://www.facebook.com/gemeentevoorbeeld/posts/pfbid0abc", "facebook"),
        ("https://www.facebook.com/permalink.php?story_fbid=1&id=2", "facebook"), ("https://www.facebook.com/watch/?v=123", "facebook"),
        ("https://www.youtube.com/watch?v=abcdefghijk", "youtube"), ("https://www.youtube.com/shorts/abcdefghijk", "youtube"),
        ("https://www.tiktok.com/@gemeentevoorbeeld/video/7300000000000000000", "tiktok"),
        ("https://www.threads.net/@gemeentevoorbeeld/post/C1abc", "threads"),
        ("https://www.reddit.com/r/voorbeeld/comments/abc123/titel/", "reddit"),
    ]

    /// Pages of the platforms that are neither a post nor an account.
    static let neitherURLs = [
        "https://x.com/home", "https://x.com/explore", "https://x.com/search?q=haven", "https://x.com/i/flow/login", "https://x.com/settings",
        "https://x.com/notifications", "https://x.com/messages", "https://x.com/login", "https://x.com/tos", "https://twitter.com/privacy",
        "https://www.instagram.com/explore/", "https://www.instagram.com/accounts/login/", "https://www.instagram.com/p/",
        "https://www.facebook.com/watch", "https://www.facebook.com/groups/", "https://www.facebook.com/login",
    ]

    @Test("an account URL chooses its platform's profile and is an account page", arguments: accountURLs)
    func accountURLsChooseTheAccountRules(url: String, name: String) throws {
        let (entry, choice) = try catalog().choose(for: url)
        #expect(entry.profile.name == name && choice == .urlPattern, "\(url) → \(entry.profile.name)")
        #expect(entry.profile.pageKind(for: url) == .account, "\(url)")
        let candidates = try catalog().candidates(for: url).map(\.profile.name)
        #expect(candidates == [name], "\(url): \(candidates)")
    }

    @Test("a post URL keeps the post rules", arguments: postURLs)
    func postURLsKeepThePostRules(url: String, name: String) throws {
        let (entry, _) = try catalog().choose(for: url)
        #expect(entry.profile.name == name, "\(url) → \(entry.profile.name)")
        #expect(entry.profile.pageKind(for: url) == .post, "\(url)")
    }

    @Test("the platforms' own pages (home, explore, search, settings, login) are no account", arguments: neitherURLs)
    func platformPagesAreNoAccount(url: String) throws {
        #expect(try catalog().entries.allSatisfy { $0.profile.pageKind(for: url) == .post }, "\(url)")
    }

    @Test("the nine platform profiles have an account section; its regexes are listed for the browser's check")
    func accountSections() throws {
        let names = ["x", "mastodon", "bluesky", "instagram", "facebook", "youtube", "tiktok", "threads", "reddit"]
        for name in names {
            let profile = try #require(try catalog().named(name)?.profile)
            let account = try #require(profile.account, "\(name) has no account section")
            #expect(account.fields["handle"] != nil && !account.posts.isEmpty && account.postFields["url"] != nil, "\(name)")
            #expect(profile.pageRegexes.contains { $0.rule.hasPrefix("account.") } || account.fields.values.joined().allSatisfy { $0.pattern == nil })
        }
    }

    @Test(arguments: [
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": [], "fields": {}, "posts": "article", "postFields": {}}}"#,
         "profile t.json: field 'account.matches': needs at least one URL pattern"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": ["^x"], "fields": {"nmae": "h1"}, "posts": "article", "postFields": {}}}"#,
         "profile t.json: field 'account.fields.nmae': is not a known field"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": ["^x"], "fields": {}, "posts": "article", "postFields": {"pinned": {"selector": "span", "pattern": "(Pinned)"}}}}"#,
         "profile t.json: field 'account.postFields.pinned.flags': is required with pattern"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": ["^x"], "fields": {}, "posts": "article", "postFields": {}, "scrolls": 500}}"#,
         "profile t.json: field 'account.scrolls': must be between 0 and 20"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": ["^x"], "fields": {}, "postFields": {}}}"#,
         "profile t.json: field 'account.posts': is required"),
        (#"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "account": {"matches": ["^x"], "fields": {}, "posts": "article", "postFields": {}, "scroll": true}}"#,
         "profile t.json: field 'account.scroll': is not a known field"),
    ])
    func malformedAccountSectionsNameTheField(json: String, message: String) {
        do { _ = try ProfileLoader.parse(Data(json.utf8), file: "t.json"); Issue.record("accepted: \(json)") } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }
}

@Suite("Self-threads")
struct SelfThreadTests {
    /// A raw reading as the extraction script gives it: items by handle, each answering the handle
    /// given (nil: the post).
    static func raw(_ replies: [(handle: String, answers: String?)]) throws -> RawExtraction {
        func item(_ handle: String, _ answers: String?) -> [String: Any] {
            var fields = ["authorHandle": handle, "text": "by \(handle)", "published": "2026-11-20T09:00:00Z"]
            if let answers { fields["replyingTo"] = answers }
            return ["fields": fields, "links": [], "media": [], "rect": ["x": 0, "y": 0, "width": 10, "height": 10]]
        }
        let json: [String: Any] = ["post": item("author", nil), "replies": replies.map { item($0.handle, $0.answers) },
                                   "misses": [], "invalidSelectors": []]
        return try JSONDecoder().decode(RawExtraction.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test("the author continuing the post is a self-thread; the author answering someone else's reply is a reply like any other")
    func onlyContinuations() throws {
        let profile = try #require(try catalog().named("x")?.profile)
        let raw = try Self.raw([("author", "author"), ("author", "author"), ("someone", "author"), ("author", "someone")])
        let post = PostData.build(raw: raw, profile: profile, captureId: "c", pageURL: "https://x.com/author/status/1",
                                  capturedAt: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                  geometry: ScreenshotGeometry(x: 0, y: 0, width: 1280, height: 10_000, scale: 1))
        #expect(post.replyCount.byAuthor == 2, "\(post.replyCount)")
        #expect(post.allReplies.map { $0.selfThread == true } == [true, true, false, false], "\(post.allReplies.map(\.selfThread))")
    }
}

extension SelfThreadTests {
    @Test("replies nested by the handle they answer, and none shows one: the tree is said to be unknown and nobody's reply is a self-thread")
    func treeNotRead() throws {
        let profile = try #require(try catalog().named("x")?.profile)
        let raw = try Self.raw([("author", nil), ("someone", nil), ("author", nil)])
        let post = PostData.build(raw: raw, profile: profile, captureId: "c", pageURL: "https://x.com/author/status/1",
                                  capturedAt: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                  geometry: ScreenshotGeometry(x: 0, y: 0, width: 1280, height: 10_000, scale: 1))
        #expect(post.replyCount.byAuthor == 0 && post.allReplies.allSatisfy { $0.selfThread == nil })
        #expect(post.replyTreeNotRead?.hasPrefix("no reply shows the handle it answers") == true)
        // With one reply that shows it, the tree is read as before.
        let read = PostData.build(raw: try Self.raw([("author", "author"), ("someone", nil)]), profile: profile, captureId: "c",
                                  pageURL: "https://x.com/author/status/1", capturedAt: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                  geometry: ScreenshotGeometry(x: 0, y: 0, width: 1280, height: 10_000, scale: 1))
        #expect(read.replyTreeNotRead == nil && read.replyCount.byAuthor == 1)
    }
}
