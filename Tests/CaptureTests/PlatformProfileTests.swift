import Capture
import DevTools
import Evidence
import Foundation
import PNGCodec
import PlatformProfiles
import Testing

/// One platform fixture and what a correct capture of it shows.
struct PlatformCase: Sendable, CustomStringConvertible {
    let name: String
    /// The consent control that refuses (what must be clicked and recorded).
    let rejectLabel: String
    /// The controls the expansion must click, in order: a reply's nested replies, then "show more".
    let clickLabels: [String]
    /// The platform shows replies one level deep: a reply to a reply sits under the top comment.
    let flattens: Bool
    let likes: Int
    /// The post author's display name, or nil on platforms that show only usernames (Reddit, Threads).
    var displayName: String? = "Gemeente Voorbeeld"
    /// The profile, when it is not named as the fixture's folder (one profile reads two markups).
    var profile: String? = nil
    var profileName: String { profile ?? name }
    /// How the one link in the post's text ends (TikTok links its hashtags, not the URL in a caption).
    var link = "voorbeeld.nl/haven"
    var description: String { name }
}

/// The thread every platform fixture renders (Fixtures/_shared/thread-data.json).
struct ThreadData: Decodable {
    struct Reply: Decodable { let id: String; let author: String; let handle: String; let text: String; let published: String; let parent: String?; let batch: String }
    let replies: [Reply]
    static func load() throws -> ThreadData {
        try JSONDecoder().decode(ThreadData.self, from: Data(contentsOf: TestSupport.fixtures.appendingPathComponent("_shared/thread-data.json")))
    }
}

enum Platforms {
    static let all: [PlatformCase] = [
        .init(name: "x", rejectLabel: "Refuse non-essential cookies", clickLabels: ["Show replies", "Show more replies"], flattens: false, likes: 1234),
        .init(name: "mastodon", rejectLabel: "Only necessary cookies", clickLabels: ["Load more replies", "Load more"], flattens: false, likes: 1234),
        .init(name: "bluesky", rejectLabel: "Only essential cookies", clickLabels: ["Continue thread…", "Show more replies"], flattens: false, likes: 1200),
        .init(name: "facebook", rejectLabel: "Optionele cookies weigeren", clickLabels: ["2 antwoorden bekijken", "Meer opmerkingen weergeven"],
              flattens: false, likes: 1200),
        .init(name: "instagram", rejectLabel: "Decline optional cookies", clickLabels: ["View replies (2)", "Load more comments"], flattens: true, likes: 1234),
        .init(name: "linkedin", rejectLabel: "Reject", clickLabels: ["Load previous replies", "Load more comments"], flattens: true, likes: 1234),
        .init(name: "youtube", rejectLabel: "Reject the use of cookies and other data for the purposes described",
              clickLabels: ["2 replies", "Show more comments"], flattens: true, likes: 1234),
        .init(name: "reddit", rejectLabel: "Reject optional cookies", clickLabels: ["2 more replies", "View more comments"],
              flattens: false, likes: 1234, displayName: nil),
        .init(name: "reddit-old", rejectLabel: "Reject non-essential",
              clickLabels: ["load more comments (2 replies)", "load more comments (12 replies)"], flattens: false, likes: 1234,
              displayName: nil, profile: "reddit"),
        .init(name: "threads", rejectLabel: "Decline optional cookies", clickLabels: ["View 2 more replies", "Show more replies"],
              flattens: true, likes: 1200, displayName: nil),
        // TikTok's comment list has no "more" control: both later batches load as its end scrolls into view.
        .init(name: "tiktok", rejectLabel: "Decline optional cookies", clickLabels: ["View 2 replies"], flattens: true, likes: 1200,
              link: "#havenpromenade"),
    ]

    static func options(_ path: String, profile: String?, folder: String = "platform") async throws -> CaptureOptions {
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + path)
        options.outputDirectory = TestSupport.temporaryFolder(folder).path
        options.profile = profile
        options.profilesFolder = TestSupport.packageRoot.appendingPathComponent("Profiles").path
        return options
    }

    static func capture(_ options: CaptureOptions) async throws -> CaptureResult {
        try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
    }

    static func post(_ folder: URL) throws -> PostData {
        try JSONDecoder().decode(PostData.self, from: Data(contentsOf: folder.appendingPathComponent("data/post.json")))
    }

    /// data/post.json validates against Schemas/post.schema.json (Python jsonschema, not our own decoder).
    static func expectValidPostJSON(_ folder: URL) async throws {
        let validation = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            """, folder.appendingPathComponent("data/post.json").path,
            TestSupport.packageRoot.appendingPathComponent("Schemas/post.schema.json").path])
        #expect(validation.status == 0, "\(validation.stderr)")
    }

    /// The fixtures' consent box is #f7e8ff at x 360-920, y 150-450 of the first viewport.
    static func consentPixels(in png: URL) throws -> Int {
        let image = try PNGImage(contentsOfFile: png.path)
        var hits = 0
        for y in stride(from: 152, to: min(448, image.height), by: 8) {
            for x in stride(from: 362, to: 918, by: 8) {
                let p = image.pixel(x: x, y: y)
                if p.r == 0xf7 && p.g == 0xe8 && p.b == 0xff { hits += 1 }
            }
        }
        return hits
    }

    /// "@anouk", "anouk@social.overheid.nl", "anouk.bsky.social" → "anouk".
    static func bareHandle(_ handle: String?) -> String {
        var h = handle ?? ""
        if h.hasPrefix("@") { h.removeFirst() }
        if let at = h.firstIndex(of: "@") { h = String(h[..<at]) }
        if h.hasSuffix(".bsky.social") { h = String(h.dropLast(".bsky.social".count)) }
        return h
    }

    /// How far an estimate from a relative time may be off: one unit of what was shown.
    static func tolerance(_ shown: String) -> Double {
        let s = shown.lowercased()
        if s.contains("y") || s.contains("j") { return 367 * 86_400 }
        if s.contains("mo") || s.contains("mnd") { return 32 * 86_400 }
        if s.contains("w") { return 8 * 86_400 }
        if s.contains("d") { return 86_400 + 60 }
        return 3_600 + 60
    }
}

@Suite("Platform profiles on their fixtures, with the real browser", .serialized, .hangGuard)
struct PlatformProfileTests {
    @Test("consent refused, the whole thread expanded and extracted", arguments: Platforms.all)
    func wholeThread(platform: PlatformCase) async throws {
        var options = try await Platforms.options("/\(platform.name)/", profile: platform.profileName)
        options.archival = try await ArchivalChecks.settings()
        let result = try await Platforms.capture(options)
        let record = try TestSupport.decodeRecord(result.folder)
        let data = result.folder.appendingPathComponent("data")
        // The platform's MDTO sidecars and PREMIS log, valid under the schemas.
        try await ArchivalChecks.expectValid(result.folder)

        // The consent dialog was refused with a trusted click, and is not in the pixels.
        let consent = record.actions.filter { $0.kind.rawValue.hasPrefix("consent") }
        #expect(consent.count == 1 && consent.first?.kind.rawValue == "consent-reject" && consent.first?.label == platform.rejectLabel,
                "\(consent.map { "\($0.kind) \($0.label ?? "")" })")
        #expect(consent.first?.detail?.contains("Input.dispatchMouseEvent") == true)
        #expect(try Platforms.consentPixels(in: data.appendingPathComponent("screenshot.png")) == 0)

        // The recorded clicks are exactly the fixture's controls, each timed, with its selector.
        let clicks = record.actions.filter { $0.kind.rawValue == "click" }
        #expect(clicks.map(\.label) == platform.clickLabels.map { Optional($0) })
        #expect(clicks.allSatisfy { $0.selector?.isEmpty == false && $0.at.hasSuffix("Z") && $0.round != nil })
        #expect(record.actions.contains { $0.kind.rawValue == "scroll" && $0.selector == "html" && $0.label != nil })
        #expect(record.expansion.stoppedBecause == "nothing more to expand" && !record.expansion.limitReached)
        // The page changed after the sweep that ran while it settled, so it was swept again.
        let again = try #require(record.preparation.sweepAfterProfile, "no second sweep after the profile acted")
        #expect(again.stoppedBecause == "reached the end of the page" && again.steps > 0, "\(again)")
        #expect(record.preparation.sweepAfterProfileReason?.hasPrefix("the profile changed the page (") == true)

        // Every reply (first batch, scroll-loaded, click-loaded, nested) with its author and time.
        let thread = try ThreadData.load()
        let post = try Platforms.post(result.folder)
        let replies = post.allReplies
        #expect(replies.count == 44)
        #expect(post.replyCount.shownValue == 44 && post.replyCount.captured == 44)
        let byText: [String: PostData.Item] = Dictionary(replies.compactMap { r in
            thread.replies.first { r.text?.contains($0.text) == true }.map { ($0.id, r) } }, uniquingKeysWith: { a, _ in a })
        let formatter = ISO8601DateFormatter()
        for expected in thread.replies {
            guard let reply = byText[expected.id] else { Issue.record("\(platform.name): reply \(expected.id) (\(expected.batch)) missing"); continue }
            #expect(Platforms.bareHandle(reply.author.handle) == expected.handle, "\(platform.name) \(expected.id)")
            let iso = try #require(reply.published.iso.flatMap(formatter.date(from:)), "\(platform.name) \(expected.id) has no time")
            let actual = try #require(formatter.date(from: expected.published))
            if reply.published.precision == .exact {
                #expect(iso == actual, "\(platform.name) \(expected.id)")
            } else {
                #expect(abs(iso.timeIntervalSince(actual)) <= Platforms.tolerance(reply.published.shown ?? ""),
                        "\(platform.name) \(expected.id): \(reply.published)")
            }
            #expect(reply.rectangle.map { $0.width > 0 && $0.height > 0 && $0.y + $0.height <= record.screenshot.pixelHeight } == true)
        }
        // Nesting: 43 answers reply 5, 44 answers 43 (under 5 where the platform shows one level only).
        let five = try #require(post.post?.replies.first { $0.text?.contains(thread.replies[4].text) == true })
        #expect(five.replies.first?.text?.contains("(reactie 43)") == true)
        let fortyFour = platform.flattens ? five.replies.last : five.replies.first?.replies.first
        #expect(fortyFour?.text?.contains("(reactie 44)") == true, "\(platform.name)")

        // The post itself, with its counts parsed.
        let item = try #require(post.post)
        #expect(Platforms.bareHandle(item.author.handle) == "gemeentevoorbeeld" || item.author.handle == "gemeentevoorbeeld.nl")
        #expect(item.author.displayName == platform.displayName)
        #expect(item.text?.contains("havenpromenade vastgesteld") == true)
        #expect(item.counts.replies?.value == 44 && item.counts.likes?.value == platform.likes)
        #expect(item.media.count == 1 && item.links.count == 1 && item.links.first?.text.hasSuffix(platform.link) == true)
        #expect(record.completeness.availability.rawValue == "available" && record.completeness.essentialsMissing.isEmpty)
        #expect(record.completeness.summary.hasPrefix("replies 44 of 44 shown"), "\(record.completeness.summary)")
        #expect(record.state.rawValue == "complete")
        #expect(record.files.contains { $0.name == "post.json" })
    }

    @Test("a login wall or a removed post is reported, with its own exit code", arguments: Platforms.all)
    func wallsAndRemovals(platform: PlatformCase) async throws {
        for (page, code, availability) in [("login.html", Int32(3), "login wall"), ("removed.html", Int32(4), "removed")] {
            let out = TestSupport.temporaryFolder("wall")
            let url = try await TestSupport.baseURL() + "/\(platform.name)/\(page)"
            let run = try await TestSupport.exhibit(["capture", url, "--profile", platform.profileName, "--out", out.path, "--quiet"])
            #expect(run.status == code, "\(platform.name) \(page): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
            let record = try TestSupport.decodeRecord(folder)
            #expect(record.completeness.availability.rawValue == availability, "\(platform.name) \(page)")
            #expect(record.state.rawValue == "partial" && record.expansion.stoppedBecause.hasPrefix("not expanded"))
            if platform.name == "x" && page == "login.html" {
                // The login sheet is detected as a wall first, then hidden as the profile says, and that is recorded.
                #expect(record.actions.contains { $0.kind.rawValue == "hide" && $0.label?.contains("Sign in to X") == true })
            }
        }
    }
}

/// Telegram shows no thread on the post's page: a channel post has its neighbours in the channel
/// around it, and its comments (if any) in an embedded discussion widget, a frame Exhibit does not
/// enter. So it has its own fixture and test instead of the shared 44-reply thread.
@Suite("Telegram channel posts, with the real browser", .serialized, .hangGuard)
struct TelegramProfileTests {
    static let page = "/telegram/s/gemeentevoorbeeld/1234/"

    /// The post read from a t.me/s/ page: the message its URL names, not the neighbour above it.
    static func expectThePost(_ post: PostData, _ record: CaptureRecord) throws {
        let item = try #require(post.post, "no post: \(record.completeness.warnings)")
        #expect(item.id == "1234" && item.url == "https://t.me/gemeentevoorbeeld/1234")
        #expect(item.author.displayName == "Gemeente Voorbeeld" && item.author.handle == "gemeentevoorbeeld")
        #expect(item.author.profileURL == "https://t.me/gemeentevoorbeeld")
        #expect(item.published.iso == "2026-11-20T09:00:00Z" && item.published.precision == .exact && item.published.shown == "09:00",
                "\(item.published)")
        #expect(item.text?.hasPrefix("Vandaag heeft de gemeenteraad het ontwerp voor de nieuwe havenpromenade vastgesteld.") == true)
        #expect(item.links.map(\.url) == ["https://www.voorbeeld.nl/haven"])
        #expect(item.counts.views?.shown == "12.3K" && item.counts.views?.value == 12_300, "\(item.counts)")
        #expect(item.media.count == 1 && item.media.first?.type == "image" && item.media.first?.url?.hasSuffix("/sample-thread/media/harbour.png") == true,
                "\(item.media)")
        // The neighbours in the channel are neither replies, nor ancestors, nor left-out items.
        #expect(post.allReplies.isEmpty && (post.ancestors ?? []).isEmpty && (post.excluded ?? []).isEmpty)
        #expect(record.completeness.availability == .available && record.completeness.essentialsMissing.isEmpty)
        #expect(record.actions.filter { $0.kind.rawValue == "click" }.isEmpty)
    }

    @Test("t.me/s/CHANNEL/ID: the post its URL names among its neighbours, with author, time, text, views and photo; the comments in the discussion frame are said to be unread, never counted as none")
    func channelPost() async throws {
        let result = try await Platforms.capture(try await Platforms.options(Self.page, profile: "telegram"))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        try Self.expectThePost(post, record)
        #expect(post.repliesNotRead == "the page shows them in an embedded frame (iframe[id^='telegram-discussion']), which extraction does not enter",
                "\(String(describing: post.repliesNotRead))")
        #expect(post.replyCount.captured == 0 && post.replyCount.shown == nil)
        #expect(record.completeness.summary.hasPrefix("replies not read: the page shows them in an embedded frame"), "\(record.completeness.summary)")
        #expect(!record.completeness.summary.contains("replies 0"))
        #expect(record.completeness.structure.first { $0.name == "replies" }.map { !$0.captured && $0.detail.hasPrefix("not read: ") } == true)
        // The frame's comments are on the page, in the pixels, but not in post.json.
        let json = try String(contentsOf: result.folder.appendingPathComponent("data/post.json"), encoding: .utf8)
        #expect(!json.contains("reactie in frame") && !json.contains("De gemeenteraad bespreekt morgen"))
        try await Platforms.expectValidPostJSON(result.folder)
    }

    @Test("without a discussion widget the record says the profile reads no replies, not that there are none")
    func channelPostWithoutWidget() async throws {
        let result = try await Platforms.capture(try await Platforms.options(Self.page + "?nowidget", profile: "telegram"))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        try Self.expectThePost(post, record)
        #expect(post.repliesNotRead == "the telegram profile has no rule for replies")
        #expect(record.completeness.summary.hasPrefix("replies not read: the telegram profile has no rule for replies"), "\(record.completeness.summary)")
    }

    @Test("a channel without a public preview is a login wall; a channel blocked for its content is removed", arguments: [
        ("login.html", Int32(3), "login wall"), ("removed.html", Int32(4), "removed"),
    ])
    func walls(page: String, code: Int32, availability: String) async throws {
        let out = TestSupport.temporaryFolder("wall")
        let url = try await TestSupport.baseURL() + "/telegram/\(page)"
        let run = try await TestSupport.exhibit(["capture", url, "--profile", "telegram", "--out", out.path, "--quiet"])
        #expect(run.status == code, "\(page): \(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.completeness.availability.rawValue == availability && record.state.rawValue == "partial")
    }
}

@Suite("Profile rules under stress", .serialized, .hangGuard)
struct ProfileRuleTests {
    /// A copy of Profiles/ in which one profile is replaced, for rules the shipped profiles must not have.
    static func folder(with name: String, edit: (inout [String: Any]) -> Void) throws -> String {
        let folder = TestSupport.temporaryFolder("profiles")
        for file in try FileManager.default.contentsOfDirectory(atPath: TestSupport.packageRoot.appendingPathComponent("Profiles").path)
        where file.hasSuffix(".json") {
            try FileManager.default.copyItem(at: TestSupport.packageRoot.appendingPathComponent("Profiles/\(file)"),
                                             to: folder.appendingPathComponent(file))
        }
        let file = folder.appendingPathComponent("\(name).json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        return folder.path
    }

    @Test("without a profile the consent dialog stays over the page (the pixel check sees it)")
    func pixelCheckSeesTheDialog() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/x/", profile: "generic"))
        #expect(try Platforms.consentPixels(in: result.folder.appendingPathComponent("data/screenshot.png")) > 100)
    }

    @Test("a sign-up bar that appears after the consent answer is hidden before the next expansion round, recorded, and the whole thread still loads", arguments: ["x", "reddit"])
    func lateBannerIsHidden(platform: String) async throws {
        let result = try await Platforms.capture(try await Platforms.options("/\(platform)/index.html?banner", profile: platform))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        // Covering the "show more" controls, it was clicked in their place: 32 of 44 replies.
        #expect(post.replyCount.captured == 44 && post.replyCount.shownValue == 44, "\(post.replyCount)")
        // Hidden by the profile's rule, recorded, after the first click or scroll: it was not there at first.
        let firstHide = try #require(record.actions.firstIndex { $0.kind == .hide }, "\(record.actions.map(\.kind))")
        #expect(record.actions[firstHide].detail?.isEmpty == false)
        #expect(record.actions[..<firstHide].contains { $0.kind == .scroll || $0.kind == .click }, "\(record.actions.map(\.kind))")
    }

    @Test("a dialog that only offers accept: clicked, recorded as acceptance, and warned about")
    func acceptOnly() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/x/?consent=accept-only", profile: "x"))
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.actions.first?.kind.rawValue == "consent-accept" && record.actions.first?.label == "Accept all cookies")
        #expect(record.warnings.contains { $0.step.rawValue == "consent" && $0.message.contains("only an accept option") })
        #expect(record.completeness.summary.contains("consent accepted"))
        #expect(record.completeness.form.contains { $0.name == "consent dialog" && !$0.captured })
    }

    @Test("a consent dialog none of the profile's controls match is hidden, recorded and warned about, never left over the post")
    func unmatchedConsentDialog() async throws {
        var options = try await Platforms.options("/x/", profile: "x")
        options.profilesFolder = try Self.folder(with: "x") { json in
            var consent = json["consent"] as? [String: Any] ?? [:]
            consent["reject"] = [["selector": "button.no-such-control"]]
            consent["accept"] = [["selector": "button.no-such-control"]]
            json["consent"] = consent
        }
        let result = try await Platforms.capture(options)
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(!record.actions.contains { $0.kind.rawValue.hasPrefix("consent") })
        #expect(record.actions.contains { $0.kind.rawValue == "hide" && $0.detail == "consent dialog still shown" && $0.label?.contains("cookies") == true })
        #expect(record.warnings.contains { $0.step.rawValue == "consent" && $0.message.contains("none of the profile's reject or accept controls matched") })
        #expect(record.completeness.form.contains { $0.name == "consent dialog" && $0.detail.hasPrefix("shown, but no control matched") })
        #expect(try Platforms.consentPixels(in: result.folder.appendingPathComponent("data/screenshot.png")) == 0)
    }

    @Test("a profile whose reject rule finds 'Accept all' cannot make that click silent")
    func mislabelledReject() async throws {
        var options = try await Platforms.options("/x/", profile: "x")
        options.profilesFolder = try Self.folder(with: "x") { json in
            var consent = json["consent"] as? [String: Any] ?? [:]
            consent["reject"] = [["selector": "button", "text": "^accept all cookies$", "flags": "iu"]]
            json["consent"] = consent
        }
        let record = try TestSupport.decodeRecord(try await Platforms.capture(options).folder)
        #expect(record.actions.first?.kind.rawValue == "consent-accept")
        #expect(record.warnings.contains { $0.step.rawValue == "consent" && $0.message.contains("gives consent") })
    }

    @Test("x: the thread and only the thread: the post it answers is an ancestor, the author's continuation is marked, the promoted post and the posts after 'Discover more' are left out and counted, the composer and 'Who to follow' are no items; counts from the unlike/unretweet variants, the combined label and abbreviated, localised numbers")
    func threadBoundaries() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/x/thread-parts.html", profile: "x"))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        #expect(post.post?.author.handle == "gemeentevoorbeeld")
        #expect(post.ancestors?.map(\.author.handle) == ["anouk"])
        #expect(post.post?.replies.map(\.author.handle) == ["gemeentevoorbeeld", "jbakker", "sannesmit"])
        #expect(post.post?.replies.map { $0.selfThread == true } == [true, false, false])
        #expect(post.replyCount.captured == 3 && post.replyCount.shownValue == 3 && post.replyCount.byAuthor == 1)
        #expect(post.excluded == [.init(reason: "promoted", label: nil, count: 1), .init(reason: "recommendation", label: "Discover more", count: 2)],
                "\(String(describing: post.excluded))")
        let counts = try #require(post.post?.counts)
        #expect(counts.replies?.value == 3 && counts.reposts?.value == 2 && counts.likes?.value == 5 && counts.views?.value == 1570, "\(counts)")
        #expect(post.post?.replies.map { $0.counts.likes?.value } == [1200, 3_400_000, 12_000])
        #expect(record.completeness.summary == "replies 3 of 3 shown; 1 of the replies by the author (self-thread); "
                + "1 earlier post(s) it answers kept as ancestors, not replies; 1 promoted item(s) left out; "
                + "2 recommended post(s) after 'Discover more' left out", "\(record.completeness.summary)")
        #expect(record.state == .complete)
        try await Platforms.expectValidPostJSON(result.folder)
    }

    @Test("reddit, new and old markup: deleted and removed comments stay replies, marked, counted and without their placeholder as text; a collapsed comment is opened only when it holds something; 'more replies' loads the rest",
          arguments: ["reddit", "reddit-old"])
    func redditThreadParts(folder: String) async throws {
        let result = try await Platforms.capture(try await Platforms.options("/\(folder)/thread-parts.html", profile: "reddit"))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        let top = try #require(post.post?.replies)
        #expect(post.post?.author.handle == "gemeentevoorbeeld")
        #expect(top.map(\.author.handle) == ["anouk", nil, nil, "svenj"], "\(top.map(\.author.handle))")
        #expect(top.map(\.removed) == [nil, "deleted", "removed", nil])
        #expect(top[0].replies.map(\.author.handle) == ["jbakker", "sannesmit"])
        #expect(top[1].text == nil && top[1].replies.map(\.author.handle) == ["fatima_ea"])
        #expect(top[2].text == nil && top[2].replies.isEmpty && top[2].published.precision == .exact)
        #expect(top[3].text?.contains("(deel 6)") == true && top[3].replies.map(\.author.handle) == ["lottevisser"])
        #expect(post.replyCount.captured == 8 && post.replyCount.shownValue == 8 && post.replyCount.removed == 2)
        let clicks = record.actions.filter { $0.kind.rawValue == "click" }.compactMap(\.label)
        #expect(clicks.count == 2 && clicks.contains { $0.hasPrefix("1 more reply") || $0.hasPrefix("load more comments (1 reply)") }
                && clicks.contains { $0 == "[+]" || $0 == "Expand comment" }, "\(clicks)")
        #expect(record.completeness.summary == "replies 8 of 8 shown; 2 of the replies shown without their content (1 deleted, 1 removed), kept and counted",
                "\(record.completeness.summary)")
        #expect(record.state == .complete, "\(record.warnings)")
        let validation = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            """, result.folder.appendingPathComponent("data/post.json").path,
            TestSupport.packageRoot.appendingPathComponent("Schemas/post.schema.json").path])
        #expect(validation.status == 0, "\(validation.stderr)")
    }

    @Test("data: URIs are references in post.json (media type, size, SHA-256, once each); --keep-inline-media keeps their bytes in data/media, in the manifests, and the bag verifies")
    func inlineMedia() async throws {
        var options = try await Platforms.options("/x/thread-parts.html", profile: "x")
        let plain = try Platforms.post(try await Platforms.capture(options).folder)
        let entry = try #require(plain.inlineMedia?.first)
        #expect(plain.inlineMedia?.count == 1 && entry.mediaType == "image/png" && entry.file == nil, "\(String(describing: plain.inlineMedia))")
        #expect(entry.reference == "inline:sha256:" + entry.sha256)
        #expect(plain.post?.author.avatarURL == entry.reference && plain.post?.replies.first?.author.avatarURL == entry.reference)

        options.keepInlineMedia = true
        let kept = try await Platforms.capture(options)
        let post = try Platforms.post(kept.folder)
        let file = try #require(post.inlineMedia?.first?.file)
        #expect(file == "media/\(entry.sha256).png")
        let bytes = try Data(contentsOf: kept.folder.appendingPathComponent("data/" + file))
        let digest = try FileDigest(fileAt: kept.folder.appendingPathComponent("data/" + file).path)
        #expect(bytes.count == entry.bytes && digest.sha256 == entry.sha256)
        let manifest = try String(contentsOf: kept.folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.contains("\(entry.sha256)  data/\(file)"))
        #expect(try TestSupport.decodeRecord(kept.folder).options.keepInlineMedia)
        let verify = try await TestSupport.exhibit(["verify", kept.folder.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("a forum thread readable only in its JSON-LD: the post, its author, time, counts and all 3 comments (one nested) are read as data, each field saying it came from json-ld")
    func jsonLDThread() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/jsonld-thread/", profile: "generic"))
        let record = try TestSupport.decodeRecord(result.folder)
        let post = try Platforms.post(result.folder)
        let item = try #require(post.post)
        #expect(item.author.displayName == "Anouk de Vries" && item.author.handle == "anouk")
        #expect(item.published.iso == "2026-11-20T09:15:00Z" && item.text == "Waar kunnen bezoekers straks parkeren als de kade autovrij wordt?")
        #expect(item.counts.likes?.value == 17 && item.counts.replies?.value == 3)
        #expect(item.sources?["authorName"] == "json-ld" && item.sources?["published"] == "json-ld" && item.sources?["text"] == "json-ld")
        #expect(item.replies.map(\.author.displayName) == ["Gemeente Voorbeeld", "Sanne Smit"])
        #expect(item.replies.first?.replies.first?.author.displayName == "Jeroen Bakker")
        #expect(item.replies.first?.replies.first?.published.iso == "2026-11-20T10:30:00Z")
        #expect(item.replies.allSatisfy { $0.sources?["text"] == "json-ld" && $0.rectangle == nil })
        #expect(post.replyCount.captured == 3 && record.completeness.summary.hasPrefix("replies 3 of 3 shown"), "\(record.completeness.summary)")
        #expect(record.completeness.essentialsMissing.isEmpty && record.state == .complete)
        // Every comment's text is on the page, and so in the PDF.
        #expect(record.pdf?.textCheck.missing.isEmpty == true, "\(String(describing: record.pdf?.textCheck))")
    }

    @Test("plain forum markup: each reply's author is the name written just before its time")
    func namesNextToTimes() async throws {
        let post = try Platforms.post(try await Platforms.capture(try await Platforms.options("/plain-forum/", profile: "generic")).folder)
        #expect(post.post?.author.displayName == "Anouk de Vries")
        #expect(post.post?.replies.map(\.author.displayName) == ["Jeroen Bakker", "Sanne Smit"])
        #expect(post.post?.sources?["authorName"] == "page markup")
    }

    @Test("a consent page of its own (consent.youtube.com) is answered, and the post it leads back to is captured")
    func consentPage() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/youtube/consent.html?continue=/youtube/", profile: "youtube"))
        let record = try TestSupport.decodeRecord(result.folder)
        let base = try await TestSupport.baseURL()
        #expect(record.actions.prefix(2).map(\.kind.rawValue) == ["consent-reject", "navigation"])
        #expect(record.actions.first?.label == "Reject all" && record.actions[1].label == base + "/youtube/")
        #expect(record.finalURL == base + "/youtube/" && record.http.status == 200)
        #expect(record.completeness.summary.hasPrefix("replies 44 of 44 shown"))
        #expect(try Platforms.post(result.folder).allReplies.count == 44)
        #expect(record.warnings.isEmpty, "\(record.warnings)")
        // The post's document was swept: the consent page is shorter than a viewport and would
        // have needed none. Whether that sweep ran while the page settled or after the profile
        // (which answered the consent page) depends on how soon the consent page's load event came.
        let swept = [(record.preparation.sweepSteps, record.preparation.sweepReachedY)]
            + [record.preparation.sweepAfterProfile].compactMap { $0.map { ($0.steps, $0.reachedY) } }
        #expect(swept.contains { $0.0 > 0 && $0.1 > 0 }, "\(record.preparation)")
    }

    @Test("a 'Show replies' that answers clicks but loads nothing ends expansion after two fruitless rounds, and the record says the replies behind it were not captured")
    func deadControl() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/x/dead-control.html", profile: "x"))
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.expansion.rounds == 2 && record.expansion.clicks == 2, "\(record.expansion)")
        #expect(record.expansion.stoppedBecause.contains("without loading anything more") && record.expansion.limitReached)
        #expect(record.completeness.summary.contains("thread cut: controls clicked without loading anything"), "\(record.completeness.summary)")
        #expect(record.state == .partial)
    }

    @Test("a page two profiles' patterns match: the more specific is used, and capture.json records the other and warns")
    func twoProfilesMatch() async throws {
        var options = try await Platforms.options("/x/thread-parts.html", profile: nil)
        options.profilesFolder = try Self.folder(with: "x") { json in
            json["matches"] = [#"^http://127\.0\.0\.1:[0-9]+/"#]
        }
        var narrow = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestSupport.packageRoot.appendingPathComponent("Profiles/x.json"))) as? [String: Any])
        narrow["name"] = "x-thread-parts"
        narrow["matches"] = [#"^http://127\.0\.0\.1:[0-9]+/x/thread-parts\.html$"#]
        try JSONSerialization.data(withJSONObject: narrow).write(to: URL(fileURLWithPath: try #require(options.profilesFolder)).appendingPathComponent("x-thread-parts.json"))
        let record = try TestSupport.decodeRecord(try await Platforms.capture(options).folder)
        #expect(record.profile.name == "x-thread-parts" && record.profile.chosenBy == "url pattern")
        #expect(record.profile.alsoMatched == ["x"] && record.profile.verified == "2026-12-01")
        #expect(record.warnings.contains { $0.step == .profile && $0.message.hasPrefix("the URL also matches the profile(s) x; x-thread-parts was used") },
                "\(record.warnings)")
    }

    @Test("a thread that never stops loading stops at the profile's limit and says so")
    func endlessThread() async throws {
        var options = try await Platforms.options("/infinite-scroll/", profile: "generic")
        options.profilesFolder = try Self.folder(with: "generic") { json in
            json["expand"] = ["click": [], "scroll": true, "maxRounds": 4, "maxReplies": 1000, "maxSeconds": 60]
        }
        let result = try await Platforms.capture(options)
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.expansion.limitReached && record.expansion.rounds == 4 && record.expansion.stoppedBecause.contains("4 rounds"))
        #expect(record.completeness.summary.contains("thread cut at the limit") && record.state.rawValue == "partial")
        #expect(record.warnings.contains { $0.step.rawValue == "expand" })
    }

    @Test("selectors that match nothing, or are not CSS, are warnings in completeness")
    func brokenSelectors() async throws {
        var options = try await Platforms.options("/sample-thread/", profile: "generic")
        options.profilesFolder = try Self.folder(with: "generic") { json in
            var extract = json["extract"] as? [String: Any] ?? [:]
            var fields = extract["fields"] as? [String: Any] ?? [:]
            fields["views"] = ["selector": "[[not css"]
            fields["reposts"] = ["selector": ".no-such-class"]
            extract["fields"] = fields
            json["extract"] = extract
        }
        let record = try TestSupport.decodeRecord(try await Platforms.capture(options).folder)
        #expect(record.completeness.warnings.contains("invalid selector in profile generic: [[not css"))
        #expect(record.completeness.warnings.contains { $0.hasPrefix("field reposts: no rule matched (.no-such-class)") })
        #expect(record.completeness.availability.rawValue == "available" && record.state.rawValue == "complete")
    }

    @Test("extraction runs in an isolated world: page scripts that rewrite the DOM API cannot forge it")
    func isolatedWorld() async throws {
        let result = try await Platforms.capture(try await Platforms.options("/isolated-world/", profile: "generic"))
        let post = try Platforms.post(result.folder)
        #expect(post.post?.text == "The real text of the post.")
        #expect(post.post?.author.displayName == "Real Author")
        #expect(post.allReplies.count == 2)
    }

    @Test("--strict fails when the post's author, time or text cannot be read")
    func strictNeedsEssentials() async throws {
        let out = TestSupport.temporaryFolder("strict")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/x/login.html", "--profile", "x",
                                                 "--strict", "--out", out.path, "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("extract failed") && run.stderr.contains("author, publication time, text could not be read (--strict)"),
                "\(run.stderr)")
    }

    @Test("a malformed profile file stops the capture with one line naming the file and field")
    func malformedProfile() async throws {
        let folder = try Self.folder(with: "x") { json in json["expand"] = ["click": [], "scroll": "yes", "maxRounds": 3, "maxReplies": 5, "maxSeconds": 5] }
        let out = TestSupport.temporaryFolder("bad-profile")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/x/", "--profiles", folder, "--out", out.path])
        #expect(run.status == 2)
        #expect(run.stderr == "exhibit: error: profile x.json: field 'expand.scroll': must be true or false\n", "\(run.stderr)")
        let list = try await TestSupport.exhibit(["profiles", "--profiles", folder])
        #expect(list.status == 2 && list.stderr.contains("field 'expand.scroll'"))
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
    }

    @Test("exhibit profiles lists every profile with its URL patterns; an unknown --profile is a usage error")
    func listing() async throws {
        let list = try await TestSupport.exhibit(["profiles", "--profiles", TestSupport.packageRoot.appendingPathComponent("Profiles").path])
        #expect(list.status == 0)
        for name in ["x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "youtube", "reddit", "threads", "tiktok", "telegram", "generic"] {
            #expect(list.stdout.contains("  \(name) "), "\(name)")
        }
        #expect(list.stdout.contains(#"^https?://(www\.|mobile\.)?(x|twitter)\.com/"#))
        #expect(list.stdout.components(separatedBy: "verified 2026-12-01 against ").count == 13, "\(list.stdout)")
        let unknown = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/x/", "--profile", "myspace",
                                                     "--out", TestSupport.temporaryFolder("unknown").path])
        #expect(unknown.status == 2 && unknown.stderr.hasPrefix("exhibit: error: no profile named 'myspace' (known: bluesky, facebook"))
    }
}
