import Capture
import Foundation
import PlatformAPI
import Testing

/// `--api` through the `exhibit` binary: each platform fixture captured with its API's answers
/// served on loopback (`Fixtures/platform-api/`), in the real response shapes; an API that
/// disagrees with the page, one that is down, answers a web page, asks to wait or never answers;
/// and `exhibit verify` checking the answers against the record.
@Suite("The platform's own API beside the page (--api)", .hangGuard)
struct PlatformAPICaptureTests {
    static let platforms = ["mastodon", "bluesky", "reddit", "youtube"]

    /// Captures the platform's fixture with `--api` against `base` (a path on the fixture server,
    /// or a URL); returns the run and the capture folder.
    static func capture(_ platform: String, apiBase: String, _ extra: [String] = []) async throws -> (TestSupport.Output, URL, CaptureRecord) {
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("api-\(platform)")
        let base = apiBase.hasPrefix("http") ? apiBase : server + apiBase
        let run = try await TestSupport.exhibit(["capture", server + "/\(platform)/", "--profile", platform, "--out", out.path, "--quiet",
                                                 "--api", "--api-base", base] + extra)
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first, "no capture: \(run.stderr)"))
        return (run, folder, try TestSupport.decodeRecord(folder))
    }

    @Test("each platform's API answers are kept in data/api/, hashed in the manifest, read, and agree with the page; verify checks them", arguments: platforms)
    func agrees(platform: String) async throws {
        let (run, folder, record) = try await Self.capture(platform, apiBase: "/platform-api/\(platform)")
        #expect(run.status == 0, "\(run.stderr)")
        let api = try #require(record.api)
        #expect(api.platform == platform && api.notAsked == nil)
        #expect(api.requests.allSatisfy { $0.outcome == .ok && $0.status == 200 && $0.file?.hasPrefix("api/") == true }, "\(api.requests)")
        let expected = ["mastodon": ["status", "context"], "bluesky": ["resolveHandle", "getPostThread"], "reddit": ["thread"], "youtube": ["oembed"]]
        #expect(api.requests.map(\.name) == expected[platform])
        // Every answer is a payload file with the digest the record gives, as the served bytes.
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        for request in api.requests {
            let file = try #require(request.file)
            let bytes = try Data(contentsOf: folder.appendingPathComponent("data/" + file))
            #expect(manifest.contains("\(try #require(request.sha256))  data/\(file)"))
            #expect(bytes.count == request.bytes)
            #expect(record.files.contains { $0.name == file && $0.sha256 == request.sha256 })
        }
        #expect(api.comparison.state == .agrees, "\(api.comparison.differences.map(\.message))")
        if platform == "youtube" {
            #expect(api.comparison.checked == ["title", "author"] && api.repliesListed == nil)
            #expect(api.comparison.notChecked.contains("replies (this API does not list them)"))
        } else {
            #expect(api.comparison.checked == ["text", "author", "published", "reply count", "replies by id"])
            #expect(api.repliesListed == 44 && api.post?.counts.replies == 44)
        }
        #expect(record.completeness.summary.hasSuffix("; the platform's API agrees (\(api.comparison.checked.joined(separator: ", ")))"))
        #expect(record.state.rawValue == "complete" && record.steps.contains { $0.name == .api })
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("ok   data/api/\(api.requests[0].name).json: the API's \(api.requests[0].name) as recorded in capture.json"))
    }

    @Test("an API that disagrees with the page: the edited text, the reply count, the reply it lists that the page lacks and the one it lacks are each named", arguments: platforms)
    func disagrees(platform: String) async throws {
        let (run, _, record) = try await Self.capture(platform, apiBase: "/platform-api/\(platform)-disagrees")
        #expect(run.status == 0, "\(run.stderr)")
        let comparison = try #require(record.api?.comparison)
        #expect(comparison.state == .differs)
        let messages = comparison.differences.map(\.message)
        if platform == "youtube" {
            #expect(messages == ["title: API “Havenpromenade: ontwerp gewijzigd”, the page “Nieuwe havenpromenade vastgesteld - YouTube”"])
        } else {
            #expect(messages.count == 4, "\(messages)")
            #expect(messages.first?.hasPrefix("text differs: API “…eden starten in het najaar van 2027.") == true, "\(messages)")
            #expect(messages.contains("API shows 45 replies, the page 44"))
            #expect(messages.contains("1 reply the API lists is not in the capture: 1790000000000001045"))
            #expect(messages.contains("1 reply in the capture is not listed by the API: 1790000000000001007"))
        }
        // The page is captured as it is: a disagreeing API is a warning and a line, not a failure.
        #expect(record.state.rawValue == "complete")
        #expect(record.warnings.contains { $0.step == .api && $0.message.hasPrefix("the platform's API differs: ") })
        #expect(record.completeness.platformAPI == comparison.line)
    }

    @Test("an API that is down, answers a web page, answers 429 or never answers is recorded as such, and the capture completes",
          arguments: [("down", "http://127.0.0.1:1", APIExchange.Outcome.unreachable, false),
                      ("html", "/_html/api", .notJSON, true),
                      ("429", "/_ratelimit/api", .rateLimited, true),
                      ("timeout", "/_delay/600000/platform-api/mastodon", .timeout, false)])
    func trouble(name: String, base: String, outcome: APIExchange.Outcome, keepsBody: Bool) async throws {
        let (run, folder, record) = try await Self.capture("mastodon", apiBase: base, ["--api-timeout", "2", "--no-pdf", "--no-warc"])
        #expect(run.status == 0, "\(name): \(run.stderr)")
        let api = try #require(record.api)
        #expect(api.requests.map(\.outcome) == [outcome, outcome], "\(name): \(api.requests)")
        #expect(api.comparison.state == .notCompared && api.comparison.reason == "no usable answer: status \(outcome.rawValue), context \(outcome.rawValue)")
        #expect(record.state.rawValue == "complete")
        #expect(record.completeness.summary.hasSuffix("; the platform's API was not compared: no usable answer: status \(outcome.rawValue), context \(outcome.rawValue)"))
        #expect(record.warnings.filter { $0.step == .api }.count == 2)
        if outcome == .rateLimited { #expect(api.requests.allSatisfy { $0.retryAfter == "3600" && $0.status == 429 }) }
        if outcome == .notJSON { #expect(api.requests.allSatisfy { $0.detail?.hasSuffix("not JSON (an HTML page)") == true && $0.file?.hasSuffix(".body") == true }) }
        // What came back is kept as it came (the page in place of JSON, the 429's body); nothing when nothing came.
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data/api").path)) ?? []
        #expect(kept.count == (keepsBody ? 2 : 0), "\(name): \(kept)")
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test("verify: an API answer swapped for another (manifests rewritten) fails against the record's digest; a file added to data/api/ is named")
    func swappedAnswer() async throws {
        let (run, folder, _) = try await Self.capture("reddit", apiBase: "/platform-api/reddit", ["--no-pdf", "--no-warc"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = folder.appendingPathComponent("data/api/thread.json")
        let edited = try String(contentsOf: answer, encoding: .utf8).replacingOccurrences(of: "\"num_comments\": 44", with: "\"num_comments\": 43")
        try Data(edited.utf8).write(to: answer)
        try Data("{}".utf8).write(to: folder.appendingPathComponent("data/api/extra.json"))
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/attacker/attacker.py").path
        let rehash = try await TestSupport.run("/usr/bin/env", ["python3", script, "rehash", folder.path])
        #expect(rehash.status == 0, "\(rehash.stderr)")
        let verify = try await TestSupport.exhibit(["verify", folder.path])
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains("FAIL data/api/thread.json: the API's thread is not the one capture.json records"), "\(verify.stdout)")
        #expect(verify.stdout.contains("FAIL data/api/extra.json: in data/api/ but not among the API requests capture.json records"))
    }

    @Test("--api on a platform without a keyless API, or an account page, says it did not ask; bad --api-base and --api-timeout are usage errors")
    func notAsked() async throws {
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("api-x")
        let run = try await TestSupport.exhibit(["capture", server + "/x/", "--profile", "x", "--out", out.path, "--quiet", "--api", "--no-pdf", "--no-warc"])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try TestSupport.decodeRecord(out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first)))
        #expect(record.api?.notAsked?.hasPrefix("the x profile's platform has no public API Exhibit asks without an account") == true)
        #expect(record.api?.requests.isEmpty == true && record.api?.comparison.state == .notCompared)
        let accountOut = TestSupport.temporaryFolder("api-account")
        let account = try await TestSupport.exhibit(["capture", server + "/mastodon/account.html", "--profile", "mastodon", "--page-kind", "account",
                                                     "--out", accountOut.path, "--quiet", "--api", "--no-pdf", "--no-warc"])
        #expect(account.status == 0, "\(account.stderr)")
        let accountRecord = try TestSupport.decodeRecord(accountOut.appendingPathComponent(try #require(TestSupport.visibleFolders(in: accountOut).first)))
        #expect(accountRecord.api?.notAsked == "an account page: the API is asked about posts only" && accountRecord.api?.requests.isEmpty == true)
        for (arguments, message) in [(["--api-base", "ftp://example.org"], "--api-base must be an http(s) URL"),
                                     (["--api-base", "https://example.org/?q=1", "--api"], "--api-base must be an http(s) URL without query"),
                                     (["--api-base", "https://example.org"], "--api-base needs --api"),
                                     (["--api", "--api-timeout", "0"], "--api-timeout must be between 0 and 600 seconds")] {
            let bad = try await TestSupport.exhibit(["capture", server + "/x/", "--out", out.path] + arguments)
            #expect(bad.status == 2 && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count <= 3, "\(arguments): \(bad.stderr)")
        }
    }
}
