import Capture
import DevTools
import FixtureServer
import Foundation
import PlatformProfiles
import Testing

/// `exhibit profiles explain`: what each rule of a profile matched on a page, and the check that
/// every rule of every shipped profile selects something on the pages it was verified against.
@Suite("exhibit profiles explain", .serialized, .hangGuard)
struct ProfileExplainTests {
    static let profiles = TestSupport.packageRoot.appendingPathComponent("Profiles").path

    func explain(_ path: String, profile: String, profiles: String = Self.profiles, json: Bool = true,
                 environment: [String: String]? = nil) async throws -> (TestSupport.Output, ProfileExplanation?) {
        let url = try await TestSupport.baseURL() + path
        let run = try await TestSupport.exhibit(["profiles", "explain", url, "--profile", profile, "--profiles", profiles, "--allow-private", "--quiet"]
                                                + (json ? ["--json"] : []), environment: environment)
        return (run, json && run.status == 0 ? try JSONDecoder().decode(ProfileExplanation.self, from: Data(run.stdout.utf8)) : nil)
    }

    @Test("per field and rule alternative: what matched (count, value, element), which alternative was taken, each item the replies rule matched and what it was counted as; the runner's clicks; no bag, nothing left behind")
    func explainsTheXFixture() async throws {
        // A short path: Chromium's profile socket lives under TMPDIR and must fit in 108 bytes.
        let scratch = URL(fileURLWithPath: "/tmp/xt-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (run, decoded) = try await explain("/x/", profile: "x", environment: ["TMPDIR": scratch.path])
        #expect(run.status == 0, "\(run.stderr)")
        let explanation = try #require(decoded)
        #expect(explanation.outcome.repliesFound == 44 && explanation.outcome.replies == "replies 44 of 44 shown", "\(explanation.outcome)")
        #expect(explanation.outcome.postSelector == "article[data-testid='tweet'][tabindex='-1']")
        let likes = try #require(explanation.fields.first { $0.name == "likes" })
        #expect(likes.value == "1234" && likes.source == "page markup")
        #expect(likes.alternatives.map(\.takenForPost) == [true, false, false], "\(likes.alternatives)")
        #expect(likes.alternatives[0].postMatched == 1 && likes.alternatives[0].postElement?.hasSuffix("button[data-testid=\"like\"]") == true)
        #expect(likes.alternatives[0].repliesTaken == 44 && likes.alternatives[1].repliesTaken == 0 && likes.alternatives[2].postMatched == 0)
        // Every element the replies rule matched is accounted for: 44 replies, and the post itself ignored.
        #expect(explanation.items.filter { $0.counted == "reply" }.count == 44)
        #expect(explanation.items.filter { $0.counted == "ignored" }.map(\.rule) == ["it is the post"])
        // The runner's actions, and the rules they came from.
        let reject = try #require(explanation.rules.first { $0.path == "consent.reject[0]" })
        #expect(reject.used == 1 && reject.selected)
        #expect(explanation.rules.first { $0.path == "expand.click[0]" }?.used ?? 0 >= 1)
        #expect(explanation.rules.first { $0.path == "consent.accept[0]" }?.selected == false)
        // Nothing kept: no bag, and the scratch folder the steps used is gone.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).isEmpty)
        // The same as text, for a person.
        let (text, _) = try await explain("/x/", profile: "x", json: false)
        #expect(text.status == 0)
        #expect(text.stdout.contains("   * extract.fields.likes[0] [data-testid='like'], [data-testid='unlike'] @aria-label"), "\(text.stdout.prefix(3000))")
        #expect(text.stdout.contains("NOTHING   consent.accept[0]") && text.stdout.contains("selected  consent.reject[0]"))
    }

    @Test("items left out are named with the rule that left them out: the promoted post by its exclude rule, the recommendations by the thread-end heading, the post answered as an ancestor")
    func explainsThreadBoundaries() async throws {
        let (run, decoded) = try await explain("/x/thread-parts.html", profile: "x")
        #expect(run.status == 0, "\(run.stderr)")
        let explanation = try #require(decoded)
        let excluded = explanation.items.filter { $0.counted == "excluded" }
        #expect(excluded.contains { $0.rule == "exclude[0] (promoted)" }, "\(excluded)")
        #expect(excluded.contains { $0.rule?.hasPrefix("threadEnd: after \"Discover more") == true }, "\(excluded)")
        #expect(explanation.items.filter { $0.counted == "ancestor" }.count == 1)
        #expect(explanation.rules.first { $0.path == "extract.threadEnd[0]" }?.selected == true)
    }

    @Test("a rule that selects nothing on any of a profile's pages is named by its place in the file")
    func namesRulesThatSelectNothing() async throws {
        let folder = TestSupport.temporaryFolder("dead-rules")
        var profile = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.profiles).appendingPathComponent("x.json"))) as? [String: Any] ?? [:]
        var extract = profile["extract"] as? [String: Any] ?? [:]
        var fields = extract["fields"] as? [String: Any] ?? [:]
        var likes = fields["likes"] as? [[String: Any]] ?? []
        likes.append(["selector": "[data-testid='no-such-like-button']"])
        fields["likes"] = likes
        extract["fields"] = fields
        profile["extract"] = extract
        profile["hide"] = (profile["hide"] as? [[String: Any]] ?? []) + [["selector": ".no-such-banner", "reason": "a banner no page has"]]
        try JSONSerialization.data(withJSONObject: profile).write(to: folder.appendingPathComponent("x.json"))
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.profiles).appendingPathComponent("generic.json"),
                                         to: folder.appendingPathComponent("generic.json"))
        let (run, decoded) = try await explain("/x/", profile: "x", profiles: folder.path)
        #expect(run.status == 0, "\(run.stderr)")
        let explanation = try #require(decoded)
        let unselected = ProfileExplanation.unselected(across: [explanation])
        let hides = (profile["hide"] as? [[String: Any]])?.count ?? 0
        #expect(unselected.contains("extract.fields.likes[\(likes.count - 1)]") && unselected.contains("hide[\(hides - 1)]"), "\(unselected)")
    }
}

/// Every rule of every shipped profile selects something on at least one of the pages its
/// `verified` list names (a folder: each page in it): a rule no page exercises is one nobody can
/// tell still works. Real saved pages are served from `../shared/realpages/`; a profile verified
/// against them is skipped, said so, when that folder is absent.
@Suite("Every profile rule selects something on the profile's pages", .serialized, .hangGuard)
struct ProfileRuleCoverageTests {
    static let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: TestSupport.packageRoot.appendingPathComponent("Profiles").path)) ?? [])
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
    static let realPages = TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/realpages")
    static let realServer = Task { try await FixtureServer.start(root: realPages) }

    /// The URLs of the pages a profile's `verified` list names.
    static func pages(of profile: Profile) async throws -> [String]? {
        var urls: [String] = []
        for entry in profile.verified?.pages ?? [] {
            // "page.html (a note)": the note is for people.
            let path = entry.components(separatedBy: " (").first ?? entry
            if path.hasPrefix("../shared/realpages/") {
                guard FileManager.default.fileExists(atPath: realPages.path) else { return nil }
                urls.append(try await realServer.value.baseURL + "/" + path.dropFirst("../shared/realpages/".count))
            } else if path.hasPrefix("Fixtures/") {
                let base = try await TestSupport.baseURL()
                let (file, query) = path.split(separator: "?", maxSplits: 1).map(String.init).splitFirst()
                if file.hasSuffix("/") {
                    let folder = TestSupport.packageRoot.appendingPathComponent(file)
                    // Account pages are read by the account rules, which explain does not trace.
                    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                        .filter { $0.hasSuffix(".html") && !$0.hasPrefix("account") }.sorted()
                    urls += names.map { base + "/" + file.dropFirst("Fixtures/".count) + $0 + (query.map { "?" + $0 } ?? "") }
                } else {
                    urls.append(base + "/" + path.dropFirst("Fixtures/".count))
                }
            }
        }
        // A page named twice (in its folder and by itself) is explained once.
        var seen: Set<String> = []
        return urls.filter { seen.insert($0).inserted }
    }

    @Test("no rule selects nothing on every page", arguments: ProfileRuleCoverageTests.shipped)
    func everyRuleSelects(profile name: String) async throws {
        let catalog = try ProfileCatalog.load(folder: TestSupport.packageRoot.appendingPathComponent("Profiles"), digest: { _ in "" })
        let profile = try #require(catalog.named(name)?.profile)
        guard let pages = try await Self.pages(of: profile) else {
            print("profile \(name): verified against ../shared/realpages, which is absent; its rule coverage is not checked")
            return
        }
        #expect(!pages.isEmpty, "profile \(name) names no pages it was verified against")
        // Two pages at a time: the machine has two cores, and each page is its own browser.
        let explanations = try await withThrowingTaskGroup(of: ProfileExplanation.self) { group in
            var results: [ProfileExplanation] = [], next = 0
            func start() {
                guard next < pages.count else { return }
                var options = TestSupport.fixtureOptions(pages[next])
                options.profile = name
                options.profilesFolder = TestSupport.packageRoot.appendingPathComponent("Profiles").path
                options.pdfLayout = .none
                let pipeline = CapturePipeline(options: options, browser: LaunchedBrowser())
                group.addTask { try await pipeline.explain() }
                next += 1
            }
            start(); start()
            while let explanation = try await group.next() { results.append(explanation); start() }
            return results
        }
        // Viewer rules select something only on a logged-in page, and these pages are explained in a
        // fresh browser that never logged in (a `?login` page is its guest's view): each viewer rule
        // is checked on its logged-in fixture by LoggedInFixtureTests.guestThenViewer instead.
        let unselected = ProfileExplanation.unselected(across: explanations).filter { !$0.hasPrefix("viewer") }
        #expect(unselected.isEmpty, "profile \(name): rules that select nothing on any of its \(pages.count) page(s): \(unselected.joined(separator: ", "))")
        if profile.viewer != nil {
            #expect(LoggedInFixtureTests.platforms.contains { $0.name == name }, "profile \(name) has viewer rules that LoggedInFixtureTests does not check")
        }
    }
}

private extension Array where Element == String {
    /// The first element and the second, if there is one.
    func splitFirst() -> (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}
