import Archival
import Batch
import Capture
import Foundation
import Testing

/// `exhibit collect` through the binary on the account-page fixtures: the account captured with its
/// timeline scrolled back to --since, the posts of the window listed and captured, and the account's
/// capture and the posts' captures naming each other.
@Suite("exhibit collect: an account's posts in a window", .serialized, .hangGuard)
struct CollectTests {
    @Test("Mastodon, since 16 November: the two posts of the window captured (the repost and older posts left out, and counted); each post names the account's capture, the account's tag file names theirs; all VALID; a rerun resumes")
    func mastodon() async throws {
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("collect")
        let arguments = ["collect", server + "/mastodon/account.html?posts=/mastodon/", "--profile", "mastodon", "--since", "2026-11-16",
                         "--out", out.path]
        // The organisation file through $EXHIBIT_ORG: it says mdto = true, so every capture of the
        // collection has its MDTO sidecars and PREMIS log without --mdto.
        var environment = ProcessInfo.processInfo.environment
        environment["EXHIBIT_ORG"] = try await ArchivalChecks.organisationFile().path
        environment["EXHIBIT_OPERATOR"] = "Collector"
        let run = try await TestSupport.exhibit(arguments, environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("listed 2 post(s) from 2026-11-16T00:00:00.000Z to now; left out: 1 a repost"), "\(run.stderr)")
        var account: URL?
        var posts: [String: (URL, CaptureRecord)] = [:]
        for name in TestSupport.visibleFolders(in: out) where name.hasPrefix("2") {
            let record = try TestSupport.decodeRecord(out.appendingPathComponent(name))
            let collection = try #require(record.collection)
            if collection.role == "account" { account = out.appendingPathComponent(name) } else { posts[record.captureId] = (out.appendingPathComponent(name), record) }
        }
        let accountBag = try #require(account)
        let accountRecord = try TestSupport.decodeRecord(accountBag)
        #expect(accountRecord.profile.pageKind == "account" && accountRecord.options.timelineWindow?.since == "2026-11-16T00:00:00.000Z")
        #expect(posts.count == 2)
        for (_, (_, record)) in posts {
            #expect(record.collection?.accountCaptureId == accountRecord.captureId && record.collection?.accountFolder == accountBag.lastPathComponent)
            #expect(record.batch?.id == record.collection?.id)
        }
        let tag = try JSONDecoder().decode(CollectionTag.self, from: Data(contentsOf: accountBag.appendingPathComponent(CollectionTag.file)))
        #expect(tag.posts.map(\.id) == ["1790000000000000005", "1790000000000000003"])
        #expect(tag.posts.map(\.published) == ["2026-11-20T09:00:00Z", "2026-11-18T12:00:00Z"])
        #expect(tag.posts.allSatisfy { $0.status == "done" && $0.captureId.map { posts[$0] != nil } == true })
        #expect(tag.leftOut == ["a repost of another account's post (--include-reposts lists them)": 1, "outside the window": 2])
        for bag in [accountBag] + posts.values.map(\.0) {
            let verify = try await TestSupport.exhibit(["verify", bag.path])
            #expect(verify.status == 0, "\(bag.lastPathComponent): \(verify.stdout)")
            try await ArchivalChecks.expectValid(bag)
            #expect(try TestSupport.decodeRecord(bag).custody?.operatorName == "Collector")
        }
        let accountObject = try XMLTagReader.read(Data(contentsOf: accountBag.appendingPathComponent("mdto/post.mdto.xml")))
        #expect(accountObject.child("informatieobject")?.child("naam")?.text?.hasPrefix("Accountpagina Gemeente Voorbeeld op Mastodon, vastgelegd ") == true)
        let tagLine = try String(contentsOf: accountBag.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        #expect(tagLine.contains("  collection/posts.json"))

        let again = try await TestSupport.exhibit(arguments, environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("resuming collection") && again.stderr.contains("resuming: 2 of 2 line(s) already done"), "\(again.stderr)")
        #expect(TestSupport.visibleFolders(in: out).filter { $0.hasPrefix("2") }.count == 3)
    }

    @Test("X's endless timeline scrolled back past --since, beyond the profile's own limit; --list-only lists the window's posts, newest first, and captures none")
    func scrollsBack() async throws {
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("collect-x")
        let run = try await TestSupport.exhibit(["collect", server + "/x/account.html", "--profile", "x", "--since", "2026-11-09T00:00:00Z",
                                                 "--until", "2026-11-19", "--list-only", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let listFile = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let input = try BatchInput.read(listFile.path) { _ in nil }
        struct Listed: Decodable { let published: String }
        let times = try String(contentsOf: listFile, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Listed.self, from: Data($0.utf8)).published }
        #expect(input.entries.count == 36 && times.count == 36, "\(times)")
        #expect(times.first == "2026-11-19T15:30:00Z" || times.first == "2026-11-18T12:00:00Z", "\(times.prefix(3))")
        #expect(times == times.sorted(by: >) && times.allSatisfy { $0 >= "2026-11-09T00:00:00Z" && $0 <= "2026-11-19T23:59:59Z" })
        let bags = TestSupport.visibleFolders(in: out).filter { $0.hasPrefix("2") }
        #expect(bags.count == 1, "\(bags)")
        let record = try TestSupport.decodeRecord(out.appendingPathComponent(try #require(bags.first)))
        struct ProfileFile: Decodable { struct Account: Decodable { let scrolls: Int }; let account: Account }
        let profile = try JSONDecoder().decode(ProfileFile.self, from: Data(contentsOf: TestSupport.packageRoot.appendingPathComponent("Profiles/x.json")))
        #expect(record.expansion.scrolls > profile.account.scrolls, "\(record.expansion)")
        #expect(record.expansion.stoppedBecause.contains("back past 2026-11-09T00:00:00.000Z"), "\(record.expansion.stoppedBecause)")
    }

    @Test("a --since that is not a date, or an --until before it: exit 2, nothing captured")
    func badWindow() async throws {
        let out = TestSupport.temporaryFolder("collect-bad")
        for (arguments, message) in [(["--since", "last week"], "--since 'last week' is not a date"),
                                     (["--since", "2026-11-20", "--until", "2026-11-01"], "is before --since")] {
            let run = try await TestSupport.exhibit(["collect", "https://mastodon.example/@x", "--out", out.path] + arguments)
            #expect(run.status == 2 && run.stderr.contains(message), "\(run.stderr)")
        }
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
    }
}
