import Capture
import Foundation
import PlatformProfiles
import Testing

/// One platform's account-page fixture (`Fixtures/<platform>/account.html`, its timeline from
/// `Fixtures/_shared/account.js`) and what a correct capture of it records.
struct AccountCase: Sendable, CustomStringConvertible {
    let name: String
    /// Header counts as the page shows them, and as parsed.
    let counts: [String: (shown: String, value: Int)]
    /// The platform shows reposts (boosts) on an account's timeline.
    var reposts = true
    /// How the timeline shows times: exactly, as a relative time (an estimate), or not at all.
    var times: Times = .exact
    /// The platform marks a pinned post on the timeline.
    var pinned = true
    /// The timeline keeps loading older posts when scrolled (the fixture does, as X does).
    var endless = false
    enum Times: Sendable { case exact, relative, none }
    var description: String { name }
}

/// The fixtures' timeline (Fixtures/_shared/account.js), newest first after the pinned post.
private let timeline: [(id: String, code: String, iso: String, repost: Bool)] = [
    ("1790000000000000001", "DAcc001", "2026-11-01T08:00:00Z", false),
    ("1790000000000000005", "DAcc005", "2026-11-20T09:00:00Z", false),
    ("1790000000000000004", "DAcc004", "2026-11-19T15:30:00Z", true),
    ("1790000000000000003", "DAcc003", "2026-11-18T12:00:00Z", false),
    ("1790000000000000002", "DAcc002", "2026-11-15T10:15:00Z", false),
]

enum AccountPages {
    static let all: [AccountCase] = [
        .init(name: "x", counts: ["followers": ("12.3K", 12_300), "following": ("345", 345), "posts": ("1,234", 1234)], endless: true),
        .init(name: "mastodon", counts: ["followers": ("12,3K", 12_300), "following": ("345", 345), "posts": ("1,2K", 1200)]),
        .init(name: "bluesky", counts: ["followers": ("12.3K", 12_300), "following": ("345", 345), "posts": ("1,234", 1234)]),
        .init(name: "instagram", counts: ["followers": ("12.3K", 12_300), "following": ("345", 345), "posts": ("1,234", 1234)],
              reposts: false, times: .none),
        .init(name: "facebook", counts: ["followers": ("1,2 mln", 1_200_000), "following": ("345", 345)], reposts: false),
        .init(name: "youtube", counts: ["followers": ("12,3K", 12_300), "posts": ("87", 87)], reposts: false, times: .relative, pinned: false),
        .init(name: "tiktok", counts: ["followers": ("12.3K", 12_300), "following": ("345", 345)], reposts: false, times: .none),
        .init(name: "threads", counts: ["followers": ("12,3K", 12_300)]),
        .init(name: "reddit", counts: ["followers": ("1,234", 1234)], reposts: false),
    ]

    static func options(_ platform: String) async throws -> CaptureOptions {
        var options = try await Platforms.options("/\(platform)/account.html", profile: platform, folder: "account")
        // The fixture's loopback URL is no account URL of the platform: say what the page is.
        options.pageKind = "account"
        return options
    }
}

@Suite("Account pages: the account and the posts its timeline shows, with the real browser", .serialized, .hangGuard)
struct AccountPageTests {
    @Test("post.json holds the account (name, handle, bio, counts raw and parsed) and the timeline's posts in page order with their URLs and times, pinned and reposts marked; the summary says it is an account page and nothing of replies",
          arguments: AccountPages.all)
    func accountAndTimeline(platform: AccountCase) async throws {
        let result = try await Platforms.capture(try await AccountPages.options(platform.name))
        let record = try TestSupport.decodeRecord(result.folder)
        let data = try Platforms.post(result.folder)
        try await Platforms.expectValidPostJSON(result.folder)

        #expect(data.kind == "account" && data.post == nil && record.profile.pageKind == "account")
        let account = try #require(data.account, "\(platform.name): no account: \(record.completeness.warnings)")
        #expect(account.displayName == "Gemeente Voorbeeld", "\(platform.name)")
        #expect(Platforms.bareHandle(account.handle) == "gemeentevoorbeeld", "\(platform.name): \(account.handle ?? "none")")
        #expect(account.bio?.hasPrefix("Officieel account van de gemeente Voorbeeld.") == true, "\(platform.name)")
        #expect(account.notFound.isEmpty, "\(platform.name): \(account.notFound)")
        let shownCounts: [String: PostData.Count?] = ["followers": account.counts.followers, "following": account.counts.following,
                                                      "posts": account.counts.posts]
        for (field, count) in shownCounts {
            if let expected = platform.counts[field] {
                #expect(count?.shown == expected.shown && count?.value == expected.value, "\(platform.name) \(field): \(String(describing: count))")
            } else {
                #expect(count == nil, "\(platform.name) \(field)")
            }
        }

        // The timeline: the fixture's posts, in page order, each with its URL (and time where shown).
        let line = try #require(data.timeline)
        let expected = timeline.filter { platform.reposts || !$0.repost }
        let entries = Array(line.entries.prefix(expected.count))
        #expect(line.visible == line.entries.count && (platform.endless ? line.visible > expected.count : line.visible == expected.count),
                "\(platform.name): \(line.visible)")
        let formatter = ISO8601DateFormatter()
        for (entry, post) in zip(entries, expected) {
            let url = try #require(entry.url, "\(platform.name) \(post.code) has no URL").lowercased()
            #expect(url.contains(post.id) || url.contains(post.code.lowercased()), "\(platform.name): \(url) is not \(post.code)")
            switch platform.times {
            case .exact:
                #expect(entry.published.iso == post.iso && entry.published.precision == .exact, "\(platform.name) \(post.code): \(entry.published)")
            case .relative:
                let iso = try #require(entry.published.iso.flatMap(formatter.date(from:)))
                let actual = try #require(formatter.date(from: post.iso))
                #expect(entry.published.precision == .estimated && abs(iso.timeIntervalSince(actual)) <= 86_400 + 60,
                        "\(platform.name) \(post.code): \(entry.published)")
            case .none:
                #expect(entry.published.iso == nil, "\(platform.name) \(post.code)")
            }
            #expect((entry.repost == true) == post.repost, "\(platform.name) \(post.code): repost \(String(describing: entry.repost))")
            #expect(entry.rectangle.map { $0.width > 0 && $0.height > 0 } == true, "\(platform.name) \(post.code)")
        }
        #expect((entries.first?.pinned == true) == platform.pinned, "\(platform.name)")
        #expect(entries.dropFirst().allSatisfy { $0.pinned == nil }, "\(platform.name)")
        if platform.reposts {
            let repost = try #require(entries.first { $0.repost == true })
            #expect(Platforms.bareHandle(repost.author.handle) == "brandweervoorbeeld", "\(platform.name): \(repost.author)")
        }

        // The completeness summary: what it is, never replies, never "N of M" against the header's post count.
        let c = record.completeness
        let summary = c.summary
        let visible = "account page: \(line.visible) post(s) visible on the timeline"
        #expect(summary.contains(visible), "\(platform.name): \(summary)")
        #expect(!summary.lowercased().contains("repl") && !summary.contains(" of \(platform.counts["posts"]?.value ?? -1)"), "\(platform.name): \(summary)")
        if let total = platform.counts["posts"] {
            #expect(summary.contains("the account shows \(total.value) posts in total"), "\(platform.name): \(summary)")
        }
        if platform.times == .none { #expect(summary.contains("the timeline shows no times"), "\(summary)") }
        if platform.endless {
            #expect(line.goesOn && summary.contains("the timeline goes on"), "\(platform.name): \(summary)")
            #expect(record.actions.filter { $0.kind.rawValue == "scroll" }.count == 2, "\(record.actions.map(\.kind))")
        } else {
            #expect(!line.goesOn && !summary.contains("goes on") && line.note.contains("no more posts loaded"), "\(platform.name): \(line.note)")
        }
        #expect(c.essentialsMissing.isEmpty && c.postRecognised && c.repliesBeyondCount == nil)
        #expect(c.warnings.isEmpty, "\(platform.name): \(c.warnings)")
        #expect(!c.structure.contains { $0.name.contains("repl") } && c.structure.contains { $0.name == "account post count" })
        if !platform.endless { #expect(record.state.rawValue == "complete", "\(platform.name): \(summary)") }

        // The report: the account heads it, and nothing speaks of replies.
        let report = try String(contentsOf: result.folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<h1>Capture report: account Gemeente Voorbeeld "), "\(platform.name)")
        #expect(!report.contains("<th>Replies</th>") && report.contains("<th>Timeline</th>") && report.contains("<th>Bio</th>"))
        #expect(!report.lowercased().contains("replies 0"))
    }

    @Test("the command line: --json says kind account and a summary without replies; --page-kind account on a profile without account rules is a usage error")
    func commandLine() async throws {
        let out = TestSupport.temporaryFolder("account-cli")
        let url = try await TestSupport.baseURL() + "/mastodon/account.html"
        let run = try await TestSupport.exhibit(["capture", url, "--profile", "mastodon", "--page-kind", "account", "--out", out.path, "--json", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        struct Summary: Decodable { let kind: String; let completeness: String; let postRecognised: Bool }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8))
        #expect(summary.kind == "account" && summary.postRecognised)
        #expect(summary.completeness.hasPrefix("account page: 5 post(s) visible on the timeline (1 pinned, 1 repost(s))"), "\(summary.completeness)")
        #expect(!summary.completeness.contains("repl"))

        let refused = try await TestSupport.exhibit(["capture", url, "--profile", "linkedin", "--page-kind", "account", "--out", out.path, "--quiet"])
        #expect(refused.status == 2 && refused.stderr.contains("no rules for account pages"), "\(refused.status) \(refused.stderr)")
    }
}
