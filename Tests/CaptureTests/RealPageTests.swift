import Capture
import DevTools
import FixtureServer
import Foundation
import PlatformProfiles
import Testing

/// The profiles against real saved post pages (`../shared/realpages/`, markup nobody here wrote),
/// served on loopback. What is asserted is what each page really shows, per that folder's README,
/// where the profile reads it today, and otherwise that the record says it could not read it:
/// a wrong reading must never pass as a right one. The misreadings still open are issue 13's.
@Suite("Profiles on real saved post pages", .hangGuard,
       .enabled(if: FileManager.default.fileExists(atPath: RealPages.folder.path),
                "../shared/realpages is absent: the real-page suite is skipped"))
struct RealPageTests {
    /// Every page captured once, one after the other, for all the tests. Five browsers at once,
    /// next to the other suites, starved a 2-core machine past the time limit.
    static let captures = Task { () throws -> [String: (CaptureRecord, PostData)] in
        let server = try await FixtureServer.start(root: RealPages.folder)
        var all: [String: (CaptureRecord, PostData)] = [:]
        for (page, profile) in RealPages.pages {
            var options = TestSupport.fixtureOptions(server.baseURL + "/\(page).html")
            options.outputDirectory = TestSupport.temporaryFolder("realpage").path
            options.profile = profile
            options.profilesFolder = TestSupport.packageRoot.appendingPathComponent("Profiles").path
            // Their scripts and styles point at CDNs this machine cannot reach: settle is capped short.
            options.limits.loadSeconds = 10
            options.limits.networkIdleSeconds = 3
            options.limits.quietSeconds = 3
            options.limits.fontsAndImagesSeconds = 3
            options.pdfLayout = .none
            let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
            let post = try JSONDecoder().decode(PostData.self, from: Data(contentsOf: result.folder.appendingPathComponent("data/post.json")))
            all[page] = (try TestSupport.decodeRecord(result.folder), post)
        }
        return all
    }

    func capture(_ page: String) async throws -> (CaptureRecord, PostData) {
        try #require(try await Self.captures.value[page])
    }

    @Test("x.com 2020: the author (User-Names markup), time and text, exactly its 6 replies (not the sidebars), the focal post's counts from its links and each reply's from its own buttons")
    func xStatus2020() async throws {
        let (record, post) = try await capture("x-status-2020")
        #expect(post.post?.author.displayName == "Donald J. Trump" && post.post?.author.handle == "realDonaldTrump", "\(String(describing: post.post?.author))")
        #expect(post.post?.published.iso == "2020-01-30T15:39:43Z")
        #expect(post.post?.text?.hasPrefix("“Schiff blasted for not focusing on California homeless.”") == true)
        #expect(post.replyCount.captured == 6, "\(post.replyCount)")
        // The focal post's buttons carry no counts; its reposts and likes are links ("13.8K Retweets",
        // "78.6K Likes"), and no reply count is shown. The replies' own "329 replies, …" is theirs.
        let counts = post.post?.counts
        #expect(counts?.reposts?.value == 13_800 && counts?.likes?.value == 78_600 && counts?.replies == nil, "\(String(describing: counts))")
        #expect(post.post?.replies.first?.counts.replies?.value == 1079, "\(String(describing: post.post?.replies.first?.counts))")
        #expect(record.completeness.essentialsMissing.isEmpty)
        #expect(record.completeness.summary.contains("replies 6 (no count shown)"), "\(record.completeness.summary)")
        // Its inlined avatars are references, not blobs: post.json stays small.
        let size = try #require(record.files.first { $0.name == "post.json" }?.size)
        #expect(size < 100_000, "post.json is \(size) bytes")
        #expect(record.state == .partial)
    }

    @Test("x.com 2017: the author, time and text, exactly its 3 replies")
    func xStatus2017() async throws {
        let (record, post) = try await capture("x-status-2017")
        #expect(post.post?.author.handle == "Kikobeats", "\(String(describing: post.post?.author))")
        #expect(post.post?.published.iso == "2017-06-28T19:01:34Z")
        #expect(post.post?.text?.hasPrefix("Experimenting with Clearbit API + Apple TV 3D Parallax") == true)
        #expect(post.replyCount.captured == 3, "\(post.replyCount)")
        #expect(record.completeness.essentialsMissing.isEmpty, "\(record.completeness.essentialsMissing)")
        #expect(record.completeness.summary.contains("replies 3 (no count shown)"), "\(record.completeness.summary)")
        // Offline, "Show replies" loads nothing: two rounds, not the profile's 30, and said so.
        #expect(record.expansion.rounds <= 3 && record.expansion.stoppedBecause.contains("without loading anything more"), "\(record.expansion)")
    }

    @Test("twitter.com 2018 markup: no post element matches, and the record says so instead of reading the sidebars")
    func twitterLegacy() async throws {
        let (record, post) = try await capture("twitter-legacy-2018")
        #expect(post.post == nil && post.replyCount.captured == 0)
        #expect(record.completeness.essentialsMissing == ["author", "publication time", "text"])
        #expect(record.warnings.contains { $0.step == .extract && $0.message.hasPrefix("no post element matched the x profile") })
        // Its 20 replies are there, in markup the profile does not know: not read, never "0 replies".
        #expect(post.repliesNotRead == "no post element matched, so no thread could be told apart on the page")
        // (Offline, its CDN requests may keep it from settling within the short caps: said in between.)
        #expect(record.completeness.summary.hasPrefix("post not recognised (missing: author, publication time, text); "),
                "\(record.completeness.summary)")
        #expect(record.completeness.summary.contains("replies not read: no post element matched"), "\(record.completeness.summary)")
        #expect(!record.completeness.summary.contains("replies 0"))
        #expect(record.state == .partial)
    }

    @Test("bsky.app 2026: the author and text from its markup, the exact time from its JSON-LD (the markup shows only a local time, recorded as a conflict); the 51 loaded thread items of the 95 the counter shows, each with its author, time and text; partial")
    func bluesky() async throws {
        let (record, post) = try await capture("bluesky-post-2026")
        let item = try #require(post.post)
        #expect(post.replyCount.captured == 51 && post.replyCount.shownValue == 95, "\(post.replyCount)")
        #expect(record.completeness.summary.contains("replies 51 of 95 shown (44 not captured)") && record.state == .partial, "\(record.completeness.summary)")
        #expect(item.author.handle == "glendunlap.bsky.social" && item.author.displayName == "Glen Dunlap", "\(item.author)")
        #expect(item.text?.hasPrefix("Owliver decided to fly to another branch") == true, "\(String(describing: item.text))")
        #expect(item.published.iso == "2026-01-26T23:55:44Z" && item.published.precision == .exact, "\(item.published)")
        #expect(item.published.shown == "12:55 AM · Jan 27, 2026", "\(item.published)")
        #expect(item.sources?["text"] == "page markup" && item.sources?["published"] == "json-ld", "\(String(describing: item.sources))")
        // The "Reposts of this post" link is no permalink: the post's URL is never its reposted-by page.
        #expect(item.url == "https://bsky.app/profile/glendunlap.bsky.social/post/3mdegyw3ves2t", "\(String(describing: item.url))")
        #expect(post.fieldConflicts?.contains { $0.field == "published" && $0.pageMarkup == "12:55 AM · Jan 27, 2026" } == true,
                "\(String(describing: post.fieldConflicts))")
        // Every reply has its author; all but the picture-only ones have text.
        let replies = post.allReplies
        #expect(replies.allSatisfy { $0.author.handle?.hasSuffix(".bsky.social") == true && $0.author.displayName != nil && $0.published.iso != nil },
                "\(replies.filter { $0.author.handle == nil }.count) replies without a handle")
        #expect(replies.filter { ($0.text ?? "").isEmpty }.count <= 6, "\(replies.filter { ($0.text ?? "").isEmpty }.count) replies without text")
        let first = try #require(replies.first)
        #expect(first.author.displayName == "Reece Martin 🫘 🇺🇸" && first.author.handle == "dreece-ca.bsky.social" && first.text == "He's looking a little judge-y.",
                "\(first.author) \(String(describing: first.text))")
        // Its 2026 thread view draws the nesting as lines, with no "Reply to" text: the tree is said
        // to be unknown, and the author's answers to commenters are not called a self-thread.
        #expect(post.replyTreeNotRead != nil && post.replyCount.byAuthor == 0, "\(post.replyCount)")
        #expect(record.completeness.summary.contains("reply tree not read"), "\(record.completeness.summary)")
        #expect(record.completeness.essentialsMissing.isEmpty)
    }

    @Test("instagram.com 2021: the author from the post's header, the exact time, the caption; exactly its 12 comments, the caption not among them, of the 1,747 the page counts; partial")
    func instagram() async throws {
        let (record, post) = try await capture("instagram-post-2021")
        let item = try #require(post.post)
        #expect(item.published.iso == "2017-07-09T04:58:10Z")
        #expect(item.author.handle == "teslamotors" && item.sources?["authorHandle"] == "page markup", "\(item.author) \(String(describing: item.sources))")
        #expect(item.text == "The first Model 3 production car", "\(String(describing: item.text))")
        #expect(item.counts.likes?.value == 159_071, "\(item.counts)")
        // The caption is the first item of the comment list and no comment; no commenter is the author.
        let replies = post.allReplies
        #expect(post.replyCount.captured == 12 && post.replyCount.shownValue == 1747, "\(post.replyCount)")
        #expect(!replies.contains { $0.text == item.text || $0.author.handle == "teslamotors" })
        #expect(replies.first?.author.handle == "nataliegrayy_" && replies.last?.author.handle == "vikicamovska",
                "\(replies.map { $0.author.handle ?? "-" })")
        #expect(replies.allSatisfy { $0.author.handle != nil && $0.published.iso != nil && !($0.text ?? "").isEmpty })
        #expect(post.fieldConflicts == nil, "\(String(describing: post.fieldConflicts))")
        #expect(record.completeness.summary.contains("replies 12 of 1747 shown (1735 not captured)"), "\(record.completeness.summary)")
        #expect(record.completeness.essentialsMissing.isEmpty)
        #expect(record.state == .partial)
    }
}

enum RealPages {
    static let folder = TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/realpages")
    static let pages = [("x-status-2020", "x"), ("x-status-2017", "x"), ("twitter-legacy-2018", "x"),
                        ("bluesky-post-2026", "bluesky"), ("instagram-post-2021", "instagram")]
}
