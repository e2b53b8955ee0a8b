@testable import Capture
import Evidence
import Foundation
@testable import PlatformProfiles
import Testing

/// A capture record and post data made in code, written as a bag folder the report can be
/// rendered from without a browser: data/capture.json, data/post.json, manifest-sha256.txt and
/// bag-info.txt, plus timestamps/timestamps.json when tokens are given.
enum SampleBag {
    static func record(text hostile: String = "Gemeente Voorbeeld") -> CaptureRecord {
        var options = CaptureOptions(url: "https://example.org/post/1")
        options.limits.maxHeight = 20_000
        let characteristic = CaptureRecord.Characteristic(name: "PDF text", captured: false,
                                                          detail: "1 of 2 items not found in the PDF's text: reply 1 by @mallory: '\(hostile)'")
        return CaptureRecord(
            captureId: "0d6f7a52-sample", state: .complete, requestedURL: "https://example.org/post/1",
            finalURL: "https://example.org/post/1", redirects: [],
            http: .init(status: 200, statusText: "OK", protocolName: "h2", mimeType: "text/html", headers: [:],
                        remoteAddress: .init(ip: "127.0.0.1", port: 443), tls: nil),
            pageTitle: hostile, startedAt: "2026-01-02T03:04:05.678Z", endedAt: "2026-01-02T03:04:09.012Z",
            browser: .init(product: "Chrome/140.0", revision: "@abc", protocolVersion: "1.3", userAgent: "Mozilla/5.0 sample",
                           mode: .launched, commandLine: nil, endpoint: "ws://127.0.0.1:9222"),
            viewport: .init(width: 1280, height: 900, deviceScaleFactor: 1), locale: "en-US", timeZone: "UTC",
            exhibit: .init(name: "Exhibit", version: "0.1.0"),
            host: .init(hostName: "sample-host", operatingSystem: "Debian GNU/Linux 12", kernel: "Linux 6.1", architecture: "x86_64",
                        localTimeZone: "Europe/Amsterdam"),
            options: options,
            preparation: .init(lazyImagesMadeEager: 0, sweepSteps: 3, sweepSeconds: 0.5, sweepReachedY: 1800,
                               sweepStoppedBecause: "reached the end of the page", sweepPhase: nil, sweepAfterProfile: nil,
                               sweepAfterProfileReason: "not needed", injectedCSS: "*{}", injectedCSSSHA256: "c0ffee"),
            screenshot: .init(file: "screenshot.png", x: 0, y: 0, cssWidth: 1280, cssHeight: 2700, documentHeight: 2700,
                              pixelWidth: 1280, pixelHeight: 2700, truncated: false, clipSelector: nil, tileHeight: 2700,
                              tiles: [[0, 2700]], attempts: 1, provenance: .init(chunk: "iTXt", keyword: "exhibit:provenance", sha256: "feed"),
                              blankBands: []),
            pdf: nil, steps: [], warnings: [.init(step: .pdfCheck, message: hostile)],
            timestamp: .init(requestedFrom: [], stamps: "manifest-sha256.txt", stateWhenBagged: "not requested", resultsIn: []),
            signature: nil,
            profile: .init(name: "generic", platform: "Web page", file: "Profiles/generic.json", sha256: "beef",
                           chosenBy: "fallback", scriptSHA256: "cafe", world: "isolated world"),
            actions: [.init(at: "2026-01-02T03:04:06.000Z", kind: .click, selector: "button.more", label: hostile, round: 1, detail: nil)],
            expansion: .init(rounds: 1, clicks: 1, scrolls: 0, seconds: 0.2, stoppedBecause: "nothing left to open", limitReached: false),
            completeness: .init(summary: "replies 1 of 1 shown", availability: .available,
                                content: [.init(name: "text", captured: true, detail: "'\(hostile)'")], context: [], form: [characteristic],
                                behaviour: [], structure: [], warnings: [], essentialsMissing: []),
            files: [.init(name: "post.json", mediaType: "application/json", size: 1, sha256: "00")])
    }

    /// Post data whose names and texts are all `hostile`, when given.
    static func post(text hostile: String? = nil) -> PostData {
        func item(_ name: String, _ text: String, replies: [PostData.Item] = []) -> PostData.Item {
            .init(id: nil, url: nil, author: .init(displayName: name, handle: "mallory", profileURL: nil, avatarURL: nil),
                  published: .init(shown: "2h", iso: "2026-01-02T01:00:00Z", precision: .estimated, note: nil), text: text, links: [], language: nil,
                  media: [], counts: .init(), rectangle: nil, replies: replies)
        }
        return PostData(captureId: "0d6f7a52-sample", platform: "Web page", profile: "generic", pageURL: "https://example.org/post/1",
                        canonicalURL: nil,
                        post: item(hostile ?? "Gemeente Voorbeeld", hostile ?? "Vandaag heeft de gemeenteraad besloten",
                                   replies: [item(hostile ?? "Mallory", hostile ?? "Wanneer?")]),
                        replyCount: .init(shown: hostile ?? "1 reply", shownValue: nil, captured: 1))
    }

    /// A bag folder for `record` (and `post`, when given) with a manifest naming both data files
    /// and one that is not there.
    static func write(_ record: CaptureRecord, post: PostData?, bagInfo: String = "Bag-Software-Agent: Exhibit 0.1.0\n",
                      timestampsJSON: String? = nil) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-report-model-\(UUID().uuidString.prefix(8))")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try JSONEncoder().encode(record).write(to: data.appendingPathComponent("capture.json"))
        if let post { try JSONEncoder().encode(post).write(to: data.appendingPathComponent("post.json")) }
        try Data(("aaaa  data/capture.json\nbbbb  data/post.json\ncccc  data/screenshot.png\n").utf8)
            .write(to: root.appendingPathComponent("manifest-sha256.txt"))
        try Data(bagInfo.utf8).write(to: root.appendingPathComponent("bag-info.txt"))
        if let timestampsJSON {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("timestamps"), withIntermediateDirectories: true)
            try Data(timestampsJSON.utf8).write(to: root.appendingPathComponent("timestamps/timestamps.json"))
        }
        return root
    }

    /// A refusing network policy with one request refused by address and one by name, both at `url`.
    static func network(url: String) -> CaptureRecord.Network {
        .init(privateAddresses: .refused, allowedAddresses: ["127.0.0.1"], rules: "exhibit-private-addresses/1",
              ranges: ["loopback 127.0.0.0/8"], responseAddressesChecked: true,
              blocked: [.init(url: url, host: "10.0.0.1", address: "10.0.0.1", rule: "private 10.0.0.0/8", resourceType: "Image", stage: .request),
                        .init(url: url, host: "localhost", address: nil, rule: "loopback name localhost, *.localhost",
                              resourceType: "WebSocket", stage: .websocket)])
    }

    /// timestamps/timestamps.json with one token from a TSA that gave no name.
    static let token = #"[{"tsa": "https://tsa.example/<x>", "response": "timestamps/tsa.example.tsr", "query": "timestamps/tsa.example.tsq", "#
        + #""stamped": "manifest-sha256.txt", "stampedSHA256": "abcd", "genTime": "2026-01-02T03:05:00Z", "serialNumber": "42", "#
        + #""policy": "1.2.3", "tsaName": ""}]"#

    /// The content of the cell next to the row heading `label`.
    static func cell(_ label: String, in html: String) -> String? {
        guard let start = html.range(of: "<tr><th>\(label)</th><td>"),
              let end = html.range(of: "</td></tr>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }

    /// HTML escaping as the test expects it, written out independently of the template engine.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}

@Suite("The capture report rendered from its model, without a browser")
struct ReportModelTests {
    @Test("every section is there, in order, with the CSP and no script, and no cell is empty")
    func sections() throws {
        let html = try CaptureReport.render(bag: SampleBag.write(SampleBag.record(), post: SampleBag.post()))
        let headings = ["<h1>Capture report</h1>", "<h2>What was captured</h2>", "<h2>When</h2>", "<h2>How</h2>",
                        "<h2>Completeness</h2>", "<h2>Pictures</h2>", "<h2>Files</h2>", "<h2>Trusted timestamps</h2>",
                        "<h2>How to check this capture</h2>"]
        let positions = try headings.map { heading in try #require(html.range(of: heading), "\(heading) missing").lowerBound }
        #expect(positions == positions.sorted())
        #expect(html.contains(#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'">"#))
        #expect(html.hasPrefix("<!DOCTYPE html>\n") && html.hasSuffix("</body>\n</html>\n"))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.range(of: #"<td[^>]*>\s*</td>"#, options: .regularExpression) == nil, "an empty cell")
        #expect(html.range(of: #"<(em|code|li|strong)>\s*</"#, options: .regularExpression) == nil, "an empty value")
        #expect(SampleBag.cell("Author", in: html) == "Gemeente Voorbeeld @mallory")
        #expect(SampleBag.cell("Published", in: html) == "shown as “2h”; 2026-01-02T01:00:00Z (estimated)")
        #expect(SampleBag.cell("Capture started", in: html) == "2026-01-02T03:04:05.678Z UTC<br>2026-01-02 04:04:05.678 +01:00 (Europe/Amsterdam)")
        #expect(SampleBag.cell("Replies", in: html) == "1 captured; the page shows “1 reply”")
        #expect(html.contains("<tr><td>data/post.json</td><td>"), "the manifest's files are listed")
    }

    @Test("hostile page text in the title, post, author, reply, action and warning is inert", arguments: [
        "<script>alert(1)</script>", #""><img src=x onerror=alert(1)>"#, "{{x}}", "{{captureId}} {{{summary}}}", "&amp;",
    ])
    func hostileText(_ hostile: String) throws {
        let html = try CaptureReport.render(bag: SampleBag.write(SampleBag.record(text: hostile), post: SampleBag.post(text: hostile)))
        let inert = SampleBag.escaped(hostile)
        #expect(SampleBag.cell("Page title", in: html) == inert)
        #expect(SampleBag.cell("Post text", in: html) == inert)
        #expect(SampleBag.cell("Author", in: html) == inert + " @mallory")
        // The report shows replies through their count as shown and the PDF text check that names them.
        #expect(SampleBag.cell("Replies", in: html) == "1 captured; the page shows “\(inert)”")
        #expect(html.contains("<td>PDF text</td><td class=\"no\">no</td><td>1 of 2 items not found in the PDF&#39;s text: reply 1 by @mallory: &#39;\(inert)&#39;</td>"))
        #expect(html.contains("<tr><td>2026-01-02T03:04:06.000Z</td><td>click</td><td>\(inert)</td><td><code>button.more</code></td></tr>"))
        #expect(html.contains("<li>pdf-check: \(inert)</li>"))
        #expect(html.contains("<title>Capture report 0d6f7a52-sample</title>"))
        if hostile.contains("<") {
            #expect(!html.contains(hostile))
            #expect(!html.lowercased().contains("<script") && !html.contains("<img"))
        }
        // Mustache in the data is text, printed as it came, never looked up.
        if hostile.contains("{{") { #expect(html.components(separatedBy: hostile).count - 1 >= 8) }
    }

    @Test("what is not known says so: no post data, no PDF, no title, no status text, no timestamp, a missing file")
    func unknownValues() throws {
        var record = SampleBag.record()
        record.pageTitle = " "
        record.http.statusText = ""
        record.actions = [.init(at: "2026-01-02T03:04:06.000Z", kind: .hide, selector: nil, label: nil, round: nil, detail: "an overlay")]
        record.warnings = []
        let html = try CaptureReport.render(bag: SampleBag.write(record, post: nil))
        #expect(SampleBag.cell("Page title", in: html) == "<em>the page has no title</em>")
        #expect(SampleBag.cell("HTTP status", in: html) == "200 <em>no status text</em>")
        for label in ["Author", "Published", "Post text"] { #expect(SampleBag.cell(label, in: html) == "<em>not found on the page</em>", "\(label)") }
        #expect(SampleBag.cell("Replies", in: html) == "<em>no post data</em>")
        #expect(SampleBag.cell("PDF metadata", in: html) == nil)
        #expect(html.contains("<td><em>(no label)</em><br><span class=\"caption\">an overlay</span></td><td><code><em>(none)</em></code></td>"))
        #expect(html.contains("<div class=\"thumbs\"><div><em>no thumbnail: the screenshot could not be read</em></div><div><em>no PDF was made (--no-pdf)</em></div></div>"))
        #expect(html.contains("<tr><td>data/screenshot.png</td><td><em>missing</em></td><td>application/octet-stream</td><td class=\"hash\">cccc</td></tr>"))
        #expect(html.contains("<p class=\"notice\">No trusted timestamp: none was requested for this capture. The times above"))
        #expect(!html.contains("Warnings recorded during the capture"))
        #expect(html.range(of: #"<td[^>]*>\s*</td>"#, options: .regularExpression) == nil, "an empty cell")

        record.actions = []
        record.options.timestampAuthorities = ["https://tsa.example/"]
        let pending = try CaptureReport.render(bag: SampleBag.write(record, post: nil, bagInfo: "Timestamp-Status: pending (no TSA answered: <timeout>)\n"))
        #expect(pending.contains("<p><em>none: the page was captured as it loaded</em></p>"))
        #expect(pending.contains("No trusted timestamp: none was granted yet (pending (no TSA answered: &lt;timeout&gt;))."))
    }

    @Test("the network policy is stated, and every refused request listed with its rule, its URL inert")
    func networkPolicy() throws {
        let hostile = "http://10.0.0.1/<script>alert(1)</script>"
        var record = SampleBag.record()
        record.network = SampleBag.network(url: hostile)
        let html = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("Network policy", in: html) == "loopback, private, link-local, cloud metadata and other special-purpose "
            + "addresses refused (rule set exhibit-private-addresses/1); except 127.0.0.1; each response&#39;s remote address checked; "
            + "1 request(s) refused; 1 refused address(es) reached, too late to stop (listed below)")
        let inert = SampleBag.escaped(hostile)
        #expect(html.contains("<tr><td>\(inert)</td><td>10.0.0.1</td><td>private 10.0.0.0/8</td><td>Image</td><td>refused before it was sent</td></tr>"))
        #expect(html.contains("<tr><td>\(inert)</td><td><em>none: the name itself is refused</em></td><td>loopback name localhost, *.localhost</td>"
            + "<td>WebSocket</td><td>WebSocket, recorded (cannot be stopped)</td></tr>"))
        #expect(!html.contains("<script"))

        record.network?.privateAddresses = .allowed
        record.network?.blocked = []
        let allowed = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("Network policy", in: allowed)?.hasPrefix("private addresses allowed (--allow-private)") == true)
        #expect(!allowed.contains("Requests the network policy refused"))

        record.network = nil
        let older = try CaptureReport.render(bag: SampleBag.write(record, post: SampleBag.post()))
        #expect(SampleBag.cell("Network policy", in: older) == "not recorded (the capture predates the network policy)")
    }

    @Test("each timestamp token is listed, an unnamed TSA said to be so")
    func timestamps() throws {
        let html = try CaptureReport.render(bag: SampleBag.write(SampleBag.record(), post: SampleBag.post(), timestampsJSON: SampleBag.token))
        #expect(!html.contains("No trusted timestamp"))
        #expect(html.contains("(SHA-256 abcd), stored whole under <code>timestamps/</code>."))
        #expect(html.contains("<tr><td><em>unnamed TSA</em><br><span class=\"caption\">https://tsa.example/&lt;x&gt;</span></td>"
            + "<td>2026-01-02T03:05:00Z</td><td class=\"hash\">42</td><td>1.2.3</td><td>timestamps/tsa.example.tsr</td></tr>"))
    }

    @Test("the model holds no empty text anywhere, and the template prints only names the model has")
    func modelIsComplete() throws {
        let root = try SampleBag.write(SampleBag.record(), post: nil)
        var record = SampleBag.record()
        record.pageTitle = ""
        record.signature = .init(algorithm: "Ed25519", publicKeyFingerprint: "SHA256:abcd", signs: "manifest-sha256.txt", files: [])
        record.network = SampleBag.network(url: "http://10.0.0.1/")
        record.networkProvenance = SampleBag.provenance()
        var tokens = try JSONDecoder().decode([TimestampRecord].self, from: Data(SampleBag.token.utf8))
        // One token kept but not trusted, beside the trusted one.
        if var untrusted = tokens.first {
            untrusted.response = "timestamps/other.tsr"
            untrusted.trusted = false
            untrusted.untrustedBecause = "the chain does not reach a trusted root"
            tokens.append(untrusted)
        }
        // Every list and optional part filled, so that each name the template may print is in the model.
        var model = ReportModel(record: record, post: nil, timestamps: tokens, manifest: "aaaa  data/capture.json\n", bagInfo: "",
                                thumbnails: .init(post: .missing("no thumbnail"), pdf: .image("pdf-page-1.png", alt: "a", caption: "c")),
                                bag: root)
        model.pairings = [.init(file: "pairing/crawl.wacz.json", archive: "crawl.wacz (WACZ, 5972 bytes, not in the bag)",
                                sha256: String(repeating: "ab", count: 32), summary: "4 record(s) for the page")]
        model.hasPairings = true
        var names: Set<String> = []
        var empty: [String] = []
        func walk(_ value: Any, _ path: String) {
            if let text = value as? String {
                if text.trimmingCharacters(in: .whitespaces).isEmpty { empty.append(path) }
                return
            }
            for child in Mirror(reflecting: value).children {
                if let label = child.label { names.insert(label) }
                walk(child.value, path + "." + (child.label ?? "[]"))
            }
        }
        walk(model, "model")
        // An account page's model: its timeline rows, one marked and one not.
        let account = try JSONDecoder().decode(PostData.self, from: Data("""
            {"schema": "exhibit-post", "schemaVersion": 1, "rectangles": "PNG pixels", "captureId": "c", "platform": "Mastodon", "profile": "mastodon", "pageURL": "https://social.voorbeeld.nl/@gemeente",
             "replyCount": {"captured": 0}, "kind": "account",
             "account": {"displayName": "Gemeente", "handle": "gemeente", "bio": "Officieel", "notFound": [],
                         "counts": {"followers": {"shown": "12,3K", "value": 12300}, "posts": {"shown": "1,2K", "value": 1200}}},
             "timeline": {"visible": 2, "scrolls": 1, "scrollLimit": 2, "goesOn": false, "note": "2 post(s) visible on the timeline", "notFound": [],
                          "entries": [{"url": "https://social.voorbeeld.nl/@gemeente/1", "author": {}, "published": {"shown": "Nov 1", "iso": "2026-11-01T08:00:00Z", "precision": "exact"},
                                       "text": "Vastgepind", "pinned": true, "markers": {"pinned": "Pinned post"}, "counts": {}},
                                      {"author": {}, "published": {"precision": "unknown"}, "counts": {}}]}}
            """.utf8))
        let accountModel = ReportModel(record: record, post: account, timestamps: tokens, manifest: "aaaa  data/capture.json\n", bagInfo: "",
                                       thumbnails: .init(post: .missing("no thumbnail"), pdf: .image("pdf-page-1.png", alt: "a", caption: "c")),
                                       bag: root)
        walk(accountModel, "accountModel")
        #expect(accountModel.heading == "Capture report: account Gemeente @gemeente" && accountModel.repliesLabel == "Timeline")
        #expect(accountModel.timeline.map(\.marks.text) == ["Pinned post", "not marked"] && accountModel.timeline.last?.url.missing == true)
        #expect(empty.isEmpty, "empty values: \(empty)")

        // Every tag's name (without its sigil or a leading dot) must be a property the model can give.
        let templates = TestSupport.packageRoot.appendingPathComponent("Sources/Capture/Resources")
        for file in ["report.mustache", "report-field.mustache"] {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            let tags = try Regex(#"\{\{([#^/>]?)\s*([^}!]+?)\s*\}\}"#)
            for match in text.matches(of: tags) {
                guard let sigil = match.output[1].substring, let name = match.output[2].substring, sigil != ">", name != "." else { continue }
                let property = String(name.drop { $0 == "." })
                #expect(names.contains(property), "\(file) prints {{\(sigil)\(name)}}, which ReportModel does not have")
            }
        }
    }
}
