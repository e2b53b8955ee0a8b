@testable import Capture
import DevTools
import Foundation
import PlatformProfiles
import Testing

@Suite("The capture pipeline: step records, page scripts, one regex dialect", .serialized, .hangGuard)
struct PipelineTests {
    @Test("every step lies within the capture; steps that ran at the same time say so, and only the screenshot and the PDF may")
    func stepsAreTrue() async throws {
        let record = try TestSupport.decodeRecord(try await SampleCapture.result.value.folder)
        #expect(record.stepTimeProblems().isEmpty)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let spans = try record.steps.map { step -> (CaptureStep, Double, Double) in
            let start = try #require(parser.date(from: step.startedAt)).timeIntervalSince1970
            return (step.name, start, start + step.seconds)
        }
        // Times are written to the millisecond: a shared stretch shorter than that is not judged.
        let rounding = 0.0025
        for step in record.steps {
            let (_, start, end) = try #require(spans.first { $0.0 == step.name })
            for (other, otherStart, otherEnd) in spans where other != step.name {
                let shared = min(end, otherEnd) - max(start, otherStart)
                let listed = step.overlaps?.contains(other) ?? false
                if shared > rounding { #expect(listed, "\(step.name) and \(other) ran at the same time for \(shared) s but the record does not say so") }
                if listed { #expect(shared > -rounding, "\(step.name) lists \(other) as overlapping, but their times do not meet") }
            }
            for other in step.overlaps ?? [] {
                #expect(Set([step.name, other]) == [.screenshot, .pdf], "\(step.name) overlaps \(other)")
                #expect(record.steps.first { $0.name == other }?.overlaps?.contains(step.name) == true, "overlap not listed both ways")
            }
        }
    }

    @Test("options and limits a record does not state keep their defaults; those it states are read")
    func optionsFromOlderRecords() throws {
        let json = #"{"url": "https://example.org/p/1", "strict": true, "requireTimestamp": true, "limits": {"maxHeight": 5000}}"#
        let options = try JSONDecoder().decode(CaptureOptions.self, from: Data(json.utf8))
        #expect(options.url == "https://example.org/p/1" && options.strict && options.requireTimestamp)
        #expect(options.limits.maxHeight == 5000 && options.limits.maxWidth == 16_384 && options.limits.loadSeconds == 30)
        #expect(options.tsaRoots.isEmpty && !options.pdfStripUnsafeLinks && options.pdfLayout == .paginated && options.viewportWidth == 1280)
        // Records made before the network policy: private addresses refused, none allowed.
        #expect(!options.allowPrivateAddresses && options.allowedPrivateAddresses.isEmpty)
        let stated = try JSONDecoder().decode(CaptureOptions.self, from: Data(
            #"{"url": "http://10.1.2.3/", "allowPrivateAddresses": true, "allowedPrivateAddresses": ["10.1.2.3"]}"#.utf8))
        #expect(stated.allowPrivateAddresses && stated.allowedPrivateAddresses == ["10.1.2.3"])
    }

    @Test("a record whose step lies outside the capture is caught")
    func falseStepIsCaught() async throws {
        var record = try TestSupport.decodeRecord(try await SampleCapture.result.value.folder)
        record.steps[0].startedAt = "5838270-09-20T00:00:00.000Z"
        record.steps[1].seconds = 3600
        let problems = record.stepTimeProblems()
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("step navigate") && $0.contains("outside the capture") })
    }

    @Test("every page script in Resources/ compiles in the browser and is one function")
    func pageScriptsCompile() async throws {
        let browser = try await LaunchedBrowser().open()
        defer { Task { await browser.close() } }
        let page = try await PageSession.open(on: browser.connection)
        let files = try FileManager.default.contentsOfDirectory(atPath: TestSupport.packageRoot.appendingPathComponent("Sources/Capture/Resources").path)
            .filter { $0.hasSuffix(".js") }.sorted()
        #expect(files.map { String($0.dropLast(3)) } == PageScript.all.map(\.name).sorted(), "a script file that Exhibit does not load, or the reverse")
        for script in PageScript.all {
            #expect(script.source.hasPrefix("/**"), "\(script.name).js starts without its doc comment")
            let kind: String? = try await page.evaluate("typeof (\(script.source))")
            #expect(kind == "function", "\(script.name).js")
        }
        await page.close()
    }

    /// A copy of Profiles/ whose x profile has one regex changed.
    func profiles(_ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
        try ProfileRuleTests.folder(with: "x", edit: edit)
    }

    @Test("a regex ICU accepts and V8 refuses ((?i)) refuses the profile: exit 2, one line naming the rule, nothing written")
    func regexV8Refuses() async throws {
        #expect((try? NSRegularExpression(pattern: "(?i)refuse")) != nil, "ICU accepts it")
        let folder = try profiles { json in
            var consent = json["consent"] as? [String: Any] ?? [:]
            consent["reject"] = [["selector": "button", "text": "(?i)refuse", "flags": "u"]]
            json["consent"] = consent
        }
        let out = TestSupport.temporaryFolder("regex")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/x/", "--profile", "x", "--profiles", folder, "--out", out.path])
        #expect(run.status == 2, "\(run.stderr)")
        // Progress lines come first; the error is the last line, and one line.
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("exhibit: error: ") }
        #expect(errors.count == 1 && errors.first == run.stderr.split(separator: "\n").last, "\(run.stderr)")
        #expect(errors.first?.hasPrefix("exhibit: error: profile x.json: field 'consent.reject[0].text': the browser refuses the regular expression /(?i)refuse/u: Invalid") == true,
                "\(run.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).isEmpty, "something was written")
    }

    @Test("every profile regex runs with u: \\p{L} reads letters (without u it would match the text 'p{L}')")
    func unicodeFlag() async throws {
        let folder = try profiles { json in
            var extract = json["extract"] as? [String: Any] ?? [:]
            var fields = extract["fields"] as? [String: Any] ?? [:]
            fields["authorName"] = ["selector": "[data-testid='User-Name'] a:first-child span", "pattern": "^(\\p{L}+)", "flags": "u"]
            extract["fields"] = fields
            json["extract"] = extract
        }
        var options = try await Platforms.options("/x/", profile: "x", folder: "unicode")
        options.profilesFolder = folder
        let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
        let post = try JSONDecoder().decode(PostData.self, from: Data(contentsOf: result.folder.appendingPathComponent("data/post.json")))
        #expect(post.post?.author.displayName == "Gemeente", "\(String(describing: post.post?.author))")
    }
}
