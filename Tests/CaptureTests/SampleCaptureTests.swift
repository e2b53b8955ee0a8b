import Capture
import DevTools
import Evidence
import Foundation
import PDFTools
import PNGCodec
import Testing

@Suite("Capture of the sample thread with the real browser", .serialized, .hangGuard)
struct SampleCaptureTests {
    @Test("the capture folder is a complete bag with every file, named <UTC time>-<host>-<short id>, no partial left")
    func everyFile() async throws {
        let result = try await SampleCapture.result.value
        let folder = result.folder
        let name = folder.lastPathComponent
        #expect(name.range(of: #"^\d{8}T\d{6}Z-127\.0\.0\.1-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "\(name)")
        #expect(name.hasSuffix(String(result.record.captureId.prefix(8))))
        for file in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
                     "tagmanifest-sha512.txt", "data/screenshot.png", "data/page.pdf", "data/dom.html", "data/capture.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "missing \(file)")
        }
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
        #expect(siblings == [name], "left over: \(siblings)")
        let info = try String(contentsOf: folder.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("External-Identifier: \(result.record.captureId)\n"))
        #expect(info.contains("Source-Organization: Gemeente Voorbeeld\n"))
        #expect(info.contains("Payload-Oxum: "))
        #expect(info.contains("Bagging-Date: "))
    }

    @Test("the sweep ran while the page settled, from its load event on; a profile that changed nothing needs no second one")
    func sweepWhileSettling() async throws {
        let record = try await SampleCapture.result.value.record
        let preparation = record.preparation
        #expect(preparation.sweepPhase == "while the page settled, from its load event on")
        #expect(preparation.sweepSteps >= 7 && preparation.sweepStoppedBecause == "reached the end of the page", "\(preparation)")
        #expect(preparation.sweepReachedY + record.viewport.height == record.screenshot.documentHeight)
        let settle = try #require(record.steps.first { $0.name.rawValue == "settle" })
        #expect(settle.seconds >= preparation.sweepSeconds, "the sweep (\(preparation.sweepSeconds) s) did not fit in the settle step (\(settle.seconds) s)")
        #expect(preparation.sweepAfterProfile == nil)
        #expect(preparation.sweepAfterProfileReason == "not needed: the profile changed nothing on the page")
        #expect(record.actions.isEmpty)
    }

    @Test("the PNG decodes with libpng at the measured page size and is not blank")
    func pngIsWholeAndNotBlank() async throws {
        let result = try await SampleCapture.result.value
        let shot = result.record.screenshot
        let image = try PNGImage(contentsOfFile: result.folder.appendingPathComponent("data/screenshot.png").path)
        #expect(image.width == 1280)
        #expect(image.width == shot.pixelWidth && image.height == shot.pixelHeight)
        #expect(shot.cssHeight == shot.documentHeight && !shot.truncated)
        #expect((5_000...8_000).contains(image.height), "sample thread should be about 6,000 px, is \(image.height)")
        // The top bar's blue, the page background, and the last reply's card near the bottom.
        let bar = image.pixel(x: 20, y: 20)
        #expect(bar.r == 0x1f && bar.g == 0x5f && bar.b == 0x8b, "top bar is \(bar)")
        let background = image.pixel(x: 40, y: image.height / 2)
        #expect(background.r == 0xee && background.g == 0xf1 && background.b == 0xf4, "background is \(background)")
        // Many distinct colours down the middle column: text, avatars, the photo.
        var colours = Set<UInt32>()
        for y in stride(from: 0, to: image.height, by: 3) {
            let p = image.pixel(x: 560, y: y)
            colours.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
        }
        #expect(colours.count > 50, "only \(colours.count) colours: blank?")
        // The last reply is in the image: a white card in the bottom tenth.
        let lowCards = stride(from: image.height * 9 / 10, to: image.height, by: 4).filter {
            let p = image.pixel(x: 640, y: $0); return p.r == 255 && p.g == 255 && p.b == 255
        }
        #expect(!lowCards.isEmpty, "no reply card near the bottom")
    }

    @Test("the PDF opens with poppler, has pages, and its text holds the post and the replies")
    func pdfText() async throws {
        let result = try await SampleCapture.result.value
        let pdf = try PDFDocument(path: result.folder.appendingPathComponent("data/page.pdf").path)
        #expect(pdf.pageCount > 1)
        #expect(pdf.pageCount == result.record.pdf?.pageCount)
        // Exhibit's own check found the post and all 30 replies of post.json in the PDF's text.
        let check = try #require(result.record.pdf?.textCheck)
        #expect(check.itemsChecked == 31 && check.found == 31 && check.missing.isEmpty, "\(check)")
        let size = try #require(pdf.pageSizes.first)
        #expect(abs(size.width - 595.92) < 1 && abs(size.height - 841.92) < 1, "A4 expected, got \(size)")
        let text = TestSupport.normalised(pdf.text)
        for expected in ["Nieuwe havenpromenade vastgesteld", "De werkzaamheden starten in het voorjaar van 2027",
                         "Anouk de Vries", "Reactie 30:", "港の新しい遊歩道", "Einde van de reacties"] {
            #expect(text.contains(expected), "PDF text lacks '\(expected)'")
        }
    }

    @Test("every manifest line verifies, and capture.json's file list matches the bytes on disk")
    func manifestsVerify() async throws {
        let result = try await SampleCapture.result.value
        #expect(try BagChecker(root: result.folder).problems().isEmpty)
        let manifest = try String(contentsOf: result.folder.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.split(separator: "\n").count == 6)
        for file in result.record.files {
            let digest = try FileDigest(fileAt: result.folder.appendingPathComponent("data/" + file.name).path)
            #expect(digest.sha256 == file.sha256 && digest.size == file.size, "\(file.name)")
            #expect(manifest.contains("\(file.sha256)  data/\(file.name)\n"))
        }
        // The web archive is recorded by default; the sample is served over plain HTTP, so no data/tls/.
        #expect(Set(result.record.files.map(\.name)) == ["screenshot.png", "page.pdf", "dom.html", "post.json", "archive.warc.gz"])
    }

    @Test("independent validators accept the output: pngcheck, pdfinfo, Python bagit, JSON Schema")
    func independentValidators() async throws {
        let result = try await SampleCapture.result.value
        let data = result.folder.appendingPathComponent("data")
        let png = try await TestSupport.run("/usr/bin/pngcheck", [data.appendingPathComponent("screenshot.png").path])
        #expect(png.status == 0 && png.stdout.hasPrefix("OK:"), "\(png.stdout)")
        let info = try await TestSupport.run("/usr/bin/pdfinfo", [data.appendingPathComponent("page.pdf").path])
        #expect(info.status == 0 && info.stdout.contains("Pages:"), "\(info.stderr)")
        let bagit = try await TestSupport.run("/usr/bin/env", ["python3", "-m", "bagit", "--validate", result.folder.path])
        #expect(bagit.status == 0, "bagit: \(bagit.stderr)")
        #expect(bagit.stderr.contains("is valid"), "\(bagit.stderr)")
        let check = try await TestSupport.validateCaptureJSON(result.folder)
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")
        let schema = TestSupport.packageRoot.appendingPathComponent("Schemas/capture.schema.json").path
        // The schema lists every field and value: a field the code adds without the schema, or a
        // status value it does not know, fails validation (so the two cannot drift apart).
        let drift = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import copy, json, sys, jsonschema
            record, schema = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
            cases = []
            for edit in (lambda r: r.update(surprise=1), lambda r: r["steps"][0].update(surprise=1),
                         lambda r: r["screenshot"].update(surprise=1), lambda r: r.update(state="done"),
                         lambda r: r["steps"][0].update(name="shoot"), lambda r: r["browser"].update(mode="borrowed")):
                changed = copy.deepcopy(record); edit(changed)
                cases.append(any(True for _ in jsonschema.Draft202012Validator(schema).iter_errors(changed)))
            print("caught" if all(cases) else "missed %s" % cases)
            """, data.appendingPathComponent("capture.json").path, schema])
        #expect(drift.stdout.contains("caught"), "\(drift.stdout) \(drift.stderr)")
        let postCheck = try await TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, data.appendingPathComponent("post.json").path,
            TestSupport.packageRoot.appendingPathComponent("Schemas/post.schema.json").path])
        #expect(postCheck.status == 0 && postCheck.stdout.contains("valid"), "\(postCheck.stderr)")
    }

    @Test("capture.json records what, when, how and with what")
    func recordContents() async throws {
        let result = try await SampleCapture.result.value
        let record = try TestSupport.decodeRecord(result.folder)
        let base = try await TestSupport.baseURL()
        #expect(record.schema == "exhibit-capture" && record.schemaVersion == 1)
        #expect(record.state.rawValue == "complete")
        #expect(record.requestedURL == base + "/sample-thread/")
        #expect(record.finalURL == base + "/sample-thread/")
        #expect(record.http.status == 200)
        #expect(record.http.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(record.http.remoteAddress?.ip == "127.0.0.1")
        #expect(record.http.remoteAddress?.port == URLComponents(string: base)?.port)
        #expect(record.pageTitle.hasPrefix("Gemeente Voorbeeld"))
        let utc = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#
        #expect(record.startedAt.range(of: utc, options: .regularExpression) != nil)
        #expect(record.endedAt.range(of: utc, options: .regularExpression) != nil)
        #expect(record.startedAt <= record.endedAt)
        #expect(record.browser.product.hasPrefix("Chrome/"))
        #expect(record.browser.mode.rawValue == "launched")
        #expect(record.browser.commandLine?.first == "/usr/lib/chromium/chromium")
        #expect(!record.browser.userAgent.isEmpty)
        #expect(record.viewport.width == 1280 && record.viewport.deviceScaleFactor == 1)
        #expect(record.locale == "en-US" && record.timeZone == "UTC")
        #expect(record.exhibit.version == ExhibitVersion.current)
        #expect(!record.host.hostName.isEmpty && !record.host.operatingSystem.isEmpty && !record.host.architecture.isEmpty)
        #expect(record.options.url == record.requestedURL)
        #expect(record.steps.map(\.name.rawValue) == ["launch", "navigate", "settle", "profile", "prepare", "screenshot", "pdf", "extract", "pdf-check", "dom", "archive", "metadata"])
        #expect(record.warnings.isEmpty, "\(record.warnings)")
        let dom = try String(contentsOf: result.folder.appendingPathComponent("data/dom.html"), encoding: .utf8)
        #expect(dom.hasPrefix("<!DOCTYPE html>"))
        #expect(dom.contains("Reactie 30:"))
    }
}

@Suite("Browser contexts", .hangGuard)
struct BrowserContextTests {
    @Test("each page gets a fresh browser context: a cookie set in one capture is not seen by the next")
    func noLeakBetweenContexts() async throws {
        let base = try await TestSupport.baseURL()
        let browser = try await LaunchedBrowser().open()
        defer { Task { await browser.close() } }
        func visit(setCookie: Bool) async throws -> String {
            let page = try await PageSession.open(on: browser.connection)
            _ = try await page.send(PageCommands.Enable())
            _ = try await page.send(PageCommands.Navigate(url: base + "/sample-thread/"))
            try await Task.sleep(for: .milliseconds(300))
            if setCookie {
                let _: String? = try await page.evaluate("document.cookie = 'exhibit=leaked; max-age=3600'; localStorage.setItem('k', 'v'); 'set'")
            }
            let seen: String? = try await page.evaluate("document.cookie + '|' + (localStorage.getItem('k') ?? '')")
            await page.close()
            return seen ?? ""
        }
        #expect(try await visit(setCookie: true) == "exhibit=leaked|v")
        #expect(try await visit(setCookie: false) == "|")
    }
}

@Suite("Settle limits", .hangGuard)
struct SettleLimitTests {
    @Test("a page that never settles within the caps is still captured, and each cap reached is a warning")
    func capsBecomeWarnings() async throws {
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/slow-image/")
        options.outputDirectory = TestSupport.temporaryFolder("slow").path
        options.limits.loadSeconds = 1
        options.limits.networkIdleSeconds = 1
        options.limits.quietSeconds = 1
        options.limits.fontsAndImagesSeconds = 1
        let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
        // Five sequential waits capped at 1 s each, while the image takes 10 minutes (at 20 s, a CI
        // run under load reached the last wait after the image had come): each cap that ran out
        // is a warning, and the request still in flight is named (no wall-clock bound is asserted,
        // so a loaded machine cannot fail this for the wrong reason).
        let messages = result.record.warnings.filter { $0.step.rawValue == "settle" }.map(\.message)
        #expect(messages.contains { $0.hasPrefix("no load event within 1") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("requests still in flight after 1") && $0.contains("/_delay/600000/") }, "\(messages)")
        #expect(messages.contains { $0.contains("image(s) still loading") }, "\(messages)")
        #expect(try TestSupport.decodeRecord(result.folder).warnings.count == result.record.warnings.count)
        // A page that never settled is never called complete: partial, with the reason in the summary.
        #expect(result.record.state == .partial)
        #expect(result.record.completeness.summary.contains("the page did not settle (no load event within 1"), "\(result.record.completeness.summary)")
        #expect(result.record.completeness.form.contains { $0.name == "settled page" && !$0.captured })
    }

    @Test("a frame the page removes while its document is still loading is not waited for")
    func removedFrameIsNotWaitedFor() async throws {
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/removed-frame/")
        options.outputDirectory = TestSupport.temporaryFolder("removed-frame").path
        options.limits.quietSeconds = 8
        let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
        let messages = result.record.warnings.filter { $0.step.rawValue == "settle" }.map(\.message)
        #expect(!messages.contains { $0.contains("in flight") }, "\(messages)")
        #expect(!result.record.completeness.summary.contains("did not settle"), "\(result.record.completeness.summary)")
    }
}

@Suite("Truncation is never silent", .serialized, .hangGuard)
struct TruncationTests {
    func capture(_ configure: (inout CaptureOptions) -> Void) async throws -> CaptureResult {
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/sample-thread/")
        options.outputDirectory = TestSupport.temporaryFolder("cut").path
        configure(&options)
        return try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
    }

    @Test("a page taller than --max-height is cut there, marked partial and truncated, with a warning")
    func maxHeight() async throws {
        let result = try await capture { $0.limits.maxHeight = 2_000 }
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.state.rawValue == "partial")
        #expect(record.screenshot.truncated && record.screenshot.cssHeight == 2_000 && record.screenshot.pixelHeight == 2_000)
        #expect(record.screenshot.documentHeight > 5_000)
        #expect(record.warnings.contains { $0.step.rawValue == "screenshot" && $0.message.contains("truncated") })
    }
}
