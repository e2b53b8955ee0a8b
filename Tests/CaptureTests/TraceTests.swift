import Foundation
import Testing

/// `--trace` and `--log-level` through the `exhibit` binary, on a page that sets cookies, stores a
/// value and sends a credential: the protocol log holds the capture's commands and events, in
/// order, and none of the page's secrets.
@Suite("exhibit capture --trace and --log-level", .serialized, .hangGuard)
struct TraceTests {
    /// The secrets of `Fixtures/trace-secrets/`: the cookie its script sets, the cookie its server
    /// sets (`index.html.headers`), the localStorage value, the bearer token and the request body.
    static let secrets = ["ck-Vb7Tq2Lx9Rm4Wd6Z", "sv-Hq3Zt8KcW1pN5xRb", "ls-Jp5Ys8Nc3Kf1Qa7E", "tk-Gz4Mw7Rv2Hx9Lc6B",
                          "pd-Xe8Ub3Pk6Ts1Fy4N"]

    /// One line of the trace.
    struct Line {
        let t: Double
        let dir: String
        let session: String?
        let message: [String: Any]
        var id: Int? { message["id"] as? Int }
        var method: String? { message["method"] as? String }
        var params: [String: Any] { message["params"] as? [String: Any] ?? [:] }
    }

    static func lines(_ text: String) throws -> [Line] {
        try text.split(separator: "\n").map { raw in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any], "not JSON: \(raw.prefix(200))")
            let utc = try #require(object["utc"] as? String)
            #expect(utc.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(utc)")
            return Line(t: try #require(object["t"] as? Double), dir: try #require(object["dir"] as? String),
                        session: object["session"] as? String, message: try #require(object["message"] as? [String: Any]))
        }
    }

    /// A header's value whatever the case of its name.
    static func header(_ name: String, in headers: Any?) -> String? {
        (headers as? [String: Any])?.first { $0.key.lowercased() == name.lowercased() }?.value as? String
    }

    @Test("--trace: every command and event as a JSON line, in order, with no cookie, token, stored value or body of the page")
    func traceHoldsProtocolWithoutSecrets() async throws {
        let out = TestSupport.temporaryFolder()
        let tracePath = out.appendingPathComponent("capture.trace.jsonl").path
        let page = try await TestSupport.baseURL() + "/trace-secrets/"
        let run = try await TestSupport.exhibit(["capture", page, "--out", out.path, "--quiet", "--trace", tracePath])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        // The page did what the test relies on: its request was answered and its value stored.
        let dom = try String(contentsOf: folder.appendingPathComponent("data/dom.html"), encoding: .utf8)
        #expect(dom.contains("answered with HTTP 200; 1 value stored"), "the page's script did not run to its end")

        let mode = try #require(try FileManager.default.attributesOfItem(atPath: tracePath)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: tracePath, encoding: .utf8)
        let lines = try Self.lines(text)
        #expect(lines.count > 100)
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.t <= $1.t }, "t went back")
        #expect(Set(lines.map(\.dir)) == ["send", "recv"])

        // The capture's commands, in the order the pipeline sends them.
        let sent = lines.filter { $0.dir == "send" }
        func first(_ method: String, after start: Int = 0, where condition: (Line) -> Bool = { _ in true }) -> Int? {
            sent.indices.first { $0 >= start && sent[$0].method == method && condition(sent[$0]) }
        }
        let context = try #require(first("Target.createBrowserContext"))
        let target = try #require(first("Target.createTarget", after: context))
        let attach = try #require(first("Target.attachToTarget", after: target))
        let network = try #require(first("Network.enable", after: attach))
        let navigate = try #require(first("Page.navigate", after: network) { $0.params["url"] as? String == page })
        let screenshot = try #require(first("Page.captureScreenshot", after: navigate))
        let pdf = try #require(first("Page.printToPDF", after: screenshot))
        let read = try #require(first("IO.read", after: pdf))
        // The report is handed to the browser as HTML (it may run as a user who cannot read the bag).
        let report = try #require(first("Page.setDocumentContent", after: read))
        _ = try #require(first("Page.printToPDF", after: report), "the report's PDF")
        #expect(sent[navigate].session != nil && sent[context].session == nil)

        // Answers are matched to their commands: the screenshot's is there, its image left out.
        let answers = Dictionary(lines.filter { $0.dir == "recv" && $0.id != nil }.map { ($0.id ?? 0, $0) }, uniquingKeysWith: { a, _ in a })
        for index in [context, navigate, screenshot, pdf, read] {
            #expect(answers[sent[index].id ?? -1] != nil, "no answer to \(sent[index].method ?? "?")")
        }
        let image = (answers[sent[screenshot].id ?? -1]?.message["result"] as? [String: Any])?["data"] as? String
        #expect(image?.range(of: #"^\[omitted: [1-9]\d* bytes\]$"#, options: .regularExpression) != nil, "\(image ?? "none")")

        // The events are there, and the credentials in them were replaced, not dropped.
        let events = lines.filter { $0.dir == "recv" && $0.id == nil }
        #expect(events.contains { $0.method == "Page.lifecycleEvent" })
        let requests = events.filter { $0.method == "Network.requestWillBeSent" }.map { $0.params["request"] as? [String: Any] ?? [:] }
        let post = try #require(requests.first { ($0["url"] as? String)?.hasSuffix("/_echo/headers") == true }, "the page's request")
        #expect(Self.header("Authorization", in: post["headers"]) == "[redacted]")
        #expect(post["postData"] as? String == "[redacted]")
        let sentHeaders = events.filter { $0.method == "Network.requestWillBeSentExtraInfo" }.map { $0.params["headers"] }
        #expect(sentHeaders.contains { Self.header("Cookie", in: $0) == "[redacted]" }, "no Cookie header seen")
        let receivedHeaders = events.filter { $0.method == "Network.responseReceivedExtraInfo" }.map { $0.params["headers"] }
        #expect(receivedHeaders.contains { Self.header("Set-Cookie", in: $0) == "[redacted]" }, "no Set-Cookie header seen")

        // And nothing of the secrets, as text or as the base64 a request body is also sent in.
        for secret in Self.secrets {
            let leaks = text.split(separator: "\n").filter { $0.contains(secret) || $0.contains(Data(secret.utf8).base64EncodedString().dropLast(2)) }
            #expect(leaks.isEmpty, "\(secret) is in the trace: \(leaks.map { $0.prefix(600) })")
        }
        #expect(!text.contains("Bearer"))
    }

    @Test("--trace to an existing file is a usage error: exit 2, one line, the file untouched, no capture")
    func existingTraceFile() async throws {
        let out = TestSupport.temporaryFolder()
        let existing = out.appendingPathComponent("old.jsonl")
        try Data("earlier trace\n".utf8).write(to: existing)
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/trace-secrets/",
                                                 "--out", out.path, "--trace", existing.path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr == "exhibit: error: trace file \(existing.path) already exists (a trace never overwrites a file)\n")
        #expect(run.stdout.isEmpty)
        #expect(try String(contentsOf: existing, encoding: .utf8) == "earlier trace\n")
        #expect(TestSupport.visibleFolders(in: out) == ["old.jsonl"])
    }

    @Test("--log-level debug logs the browser's launch and connection on stderr; --log-level error logs nothing for a good capture")
    func logLevels() async throws {
        let page = try await TestSupport.baseURL() + "/trace-secrets/"
        let debug = try await TestSupport.exhibit(["capture", page, "--out", TestSupport.temporaryFolder().path, "--quiet",
                                                   "--log-level", "debug"])
        #expect(debug.status == 0, "\(debug.stderr)")
        let logLines = debug.stderr.split(separator: "\n").filter { $0.contains("exhibit.devtools") }
        #expect(logLines.contains { $0.contains(" debug ") && $0.contains("browser launched") && $0.contains("pid=") }, "\(debug.stderr)")
        #expect(logLines.contains { $0.contains("DevTools connection closed") }, "\(debug.stderr)")
        #expect(!logLines.contains { $0.contains(" trace ") }, "trace lines below the chosen level")
        #expect(debug.stdout.hasPrefix("/"), "logs must not reach stdout: \(debug.stdout)")

        let quiet = try await TestSupport.exhibit(["capture", page, "--out", TestSupport.temporaryFolder().path, "--quiet",
                                                   "--log-level", "error"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        let bad = try await TestSupport.exhibit(["capture", page, "--log-level", "verbose"])
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("exhibit: error: ") && bad.stderr.contains("verbose"), "\(bad.stderr)")
    }
}
