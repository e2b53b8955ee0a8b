import Capture
import ExhibitTestSupport
import DevTools
import Evidence
import Foundation
import PNGCodec
import Testing

/// Tiled capture of very tall pages, proven pixel by pixel on the band fixture; lazy and late
/// content; the blank-band guard; bad pages.
@Suite("Tall pages, lazy content and the blank-band guard", .serialized, .hangGuard)
struct TallPageTests {
    func capture(_ path: String, _ configure: (inout CaptureOptions) -> Void = { _ in }) async throws -> CaptureResult {
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + path)
        options.outputDirectory = TestSupport.temporaryFolder("tall").path
        configure(&options)
        return try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
    }

    static func bandColour(_ i: Int) -> UInt32 {
        UInt32((i * 37) % 256) << 16 | UInt32((i * 91) % 256) << 8 | UInt32((i * 53 + 17) % 256)
    }

    /// Runs of `colour` in a column: (start, length).
    static func runs(of colour: UInt32, in column: [UInt32]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        var start: Int?
        for (y, value) in column.enumerated() {
            if value == colour { if start == nil { start = y } } else if let s = start { result.append((s, y - s)); start = nil }
        }
        if let s = start { result.append((s, column.count - s)) }
        return result
    }

    func checkBands(_ result: CaptureResult, height: Int, scale: Int) throws {
        let record = try TestSupport.decodeRecord(result.folder)
        let png = result.folder.appendingPathComponent("data/screenshot.png").path
        #expect(record.screenshot.cssHeight == height && !record.screenshot.truncated)
        #expect(record.screenshot.pixelHeight == height * scale && record.screenshot.pixelWidth == 1280 * scale)
        // As few tiles as 4,096 device rows each allow, of equal height, covering the page exactly.
        let maxTile = 4096 / scale
        #expect(record.screenshot.tiles.count == (height + maxTile - 1) / maxTile)
        #expect(record.screenshot.tileHeight <= maxTile && record.screenshot.tileHeight * record.screenshot.tiles.count >= height)
        #expect(record.screenshot.tiles.allSatisfy { $0[1] <= 4096 && $0[1] * scale <= 4096 && $0[1] <= record.screenshot.tileHeight })
        #expect(record.screenshot.tiles.map { $0[1] }.reduce(0, +) == height)
        #expect(zip(record.screenshot.tiles, record.screenshot.tiles.dropFirst()).allSatisfy { $0[0] + $0[1] == $1[0] })
        let middle = try PNGColumnReader.column(ofFile: png, x: 640 * scale)
        #expect(middle.width == 1280 * scale && middle.colours.count == height * scale)
        var wrong: [Int] = []
        for band in 0..<(height / 100) where middle.colours[(band * 100 + 80) * scale] != Self.bandColour(band) {
            wrong.append(band)
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(height / 100) bands wrong, first \(wrong.prefix(5))")
        // The fixed header once, at the top; the sticky box once, where it stands.
        let left = try PNGColumnReader.column(ofFile: png, x: 10 * scale).colours
        let header = Self.runs(of: 0xff00ff, in: left)
        #expect(header.count == 1 && header.first?.0 == 0 && header.first?.1 == 60 * scale, "header runs \(header)")
        let stickyColumn = try PNGColumnReader.column(ofFile: png, x: 1150 * scale).colours
        let sticky = Self.runs(of: 0x00ffff, in: stickyColumn)
        #expect(sticky.count == 1 && sticky.first?.0 == 300 * scale && sticky.first?.1 == 50 * scale, "sticky runs \(sticky)")
        // 8-bit RGB, sRGB, and the pixel density of the scale factor (96 dpi at 1), by pngcheck's reading.
        let check = try ProcessRunner.run("/usr/bin/pngcheck", ["-v", png])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("\(1280 * scale) x \(height * scale) image, 24-bit RGB, non-interlaced"), "\(check.stdout.prefix(400))")
        #expect(check.stdout.contains("chunk sRGB") && check.stdout.contains("chunk iTXt") && check.stdout.contains("keyword: exhibit:provenance"))
        let density = Int((3779.5275 * Double(scale)).rounded())
        #expect(check.stdout.contains("\(density)x\(density) pixels/meter (\(96 * scale) dpi)"), "\(check.stdout.prefix(600))")
    }

    @Test("150,000 CSS px of bands: 37 tiles stitched, every band's colour right, fixed header and sticky box once")
    func hundredFiftyThousand() async throws {
        // What is tested is the tiling; a 200-page PDF of bands would only add minutes of printing.
        let result = try await capture("/bands/") { $0.pdfLayout = .none }
        try checkBands(result, height: 150_000, scale: 1)
        let texts = try PNGTextChunks.internationalText(inFile: result.folder.appendingPathComponent("data/screenshot.png").path)
        #expect(texts["exhibit:provenance"]?.contains(result.record.captureId) == true)
        let verify = await BagVerifier(root: result.folder, trustRoots: []).verify()
        #expect(verify.verdict.rawValue == "valid")
        #expect(verify.checks.contains { $0.ok && $0.detail.hasPrefix("embedded provenance (iTXt exhibit:provenance) matches capture.json") })
    }

    @Test("at device scale factor 2, a 40,000 px page: every band right at 2560 x 80,000 px")
    func scaleTwo() async throws {
        let result = try await capture("/bands/?height=40000") { $0.deviceScaleFactor = 2; $0.pdfLayout = .none }
        try checkBands(result, height: 40_000, scale: 2)
    }

    @Test("lazy images load, the 100vh hero keeps its height, the late web font is used")
    func lazyAndLate() async throws {
        let result = try await capture("/lazy-content/")
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.preparation.sweepSteps > 5)
        #expect(record.warnings.isEmpty, "\(record.warnings)")
        let png = result.folder.appendingPathComponent("data/screenshot.png").path
        let edge = try PNGColumnReader.column(ofFile: png, x: 10).colours
        #expect(edge[899] == 0x2a9d8f && edge[0] == 0x2a9d8f, "hero top/bottom \(String(edge[0], radix: 16)) \(String(edge[899], radix: 16))")
        #expect(edge[900] != 0x2a9d8f, "the hero grew past one viewport")
        let middle = try PNGColumnReader.column(ofFile: png, x: 640).colours
        let placeholders = (0..<12).filter { middle[900 + 160 + $0 * 400 + 200] == 0xcccccc }
        #expect(placeholders.isEmpty, "images \(placeholders) still show their placeholder")
        // The late font changes the text's pixels against the fallback rendering.
        let fallback = try await capture("/lazy-content/?nofont")
        let fallbackPNG = fallback.folder.appendingPathComponent("data/screenshot.png").path
        var differing = 0
        for x in stride(from: 40, to: 900, by: 9) {
            let withFont = try PNGColumnReader.column(ofFile: png, x: x).colours[920..<1040]
            let without = try PNGColumnReader.column(ofFile: fallbackPNG, x: x).colours[920..<1040]
            if withFont != without { differing += 1 }
        }
        #expect(differing > 20, "only \(differing) columns differ: was the web font used?")
    }

    @Test("a flat band over visible DOM text is a warning with its y-range; --strict fails and keeps the capture as .partial")
    func blankBand() async throws {
        let result = try await capture("/blank-band/")
        let record = try TestSupport.decodeRecord(result.folder)
        let band = try #require(record.screenshot.blankBands.first)
        #expect(record.screenshot.blankBands.count == 1)
        #expect(record.completeness.summary.contains("1 blank band(s) over visible content"), "\(record.completeness.summary)")
        #expect(band.fromY <= 310 && band.toY >= 3290 && band.colour == "#ffffff", "\(band)")
        #expect(record.state.rawValue == "partial")
        #expect(record.warnings.contains { $0.message.hasPrefix("blank band at y=") })
        let out = TestSupport.temporaryFolder("strict")
        let strict = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/blank-band/", "--out", out.path, "--strict", "--quiet"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("blank band(s) over visible content (--strict)"), "\(strict.stderr)")
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).contains { $0.hasSuffix(".partial") })
        // The sample thread, full of content, has no band.
        #expect(try await SampleCapture.result.value.record.screenshot.blankBands.isEmpty)
    }

    @Test("a window that cannot scroll stops the sweep at once, with a warning saying so; the capture still holds the whole document")
    func scrollLocked() async throws {
        let result = try await capture("/scroll-locked/")
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.preparation.sweepSteps == 1)
        #expect(record.preparation.sweepStoppedBecause.hasPrefix("the page does not scroll past y=0"), "\(record.preparation.sweepStoppedBecause)")
        #expect(record.warnings.contains { $0.step.rawValue == "prepare" && $0.message.contains("does not scroll past y=0") }, "\(record.warnings)")
        #expect(record.screenshot.cssHeight >= 5_000 && !record.screenshot.truncated)
    }

    @Test("a page that keeps growing stops at --max-height and says so")
    func infiniteScroll() async throws {
        let result = try await capture("/infinite-scroll/") { $0.limits.maxHeight = 20_000 }
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.screenshot.truncated && record.screenshot.cssHeight == 20_000 && record.state.rawValue == "partial")
        #expect(record.completeness.summary.contains("page cut at --max-height (20000 of "), "\(record.completeness.summary)")
        #expect(record.preparation.sweepStoppedBecause.contains("--max-height 20000"), "\(record.preparation.sweepStoppedBecause)")
        #expect(record.warnings.contains { $0.message.contains("over --max-height 20000") })
    }

    @Test("a page that grows while its tiles are taken is captured again at its new height, and that is recorded")
    func growsOnce() async throws {
        let result = try await capture("/grows-once/")
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.screenshot.attempts == 2, "attempts \(record.screenshot.attempts)")
        #expect(record.screenshot.cssHeight == 7_500 && record.screenshot.documentHeight == 7_500 && !record.screenshot.truncated)
        #expect(record.warnings.contains { $0.step.rawValue == "screenshot" && $0.message.contains("6000 -> 7500 px") && $0.message.contains("on attempt 2") },
                "\(record.warnings)")
        // The bottom rows are the part that arrived late.
        let column = try PNGColumnReader.column(ofFile: result.folder.appendingPathComponent("data/screenshot.png").path, x: 10).colours
        #expect(column.count == 7_500 && column[7_400] == 0x264653, "bottom is \(String(column.last ?? 0, radix: 16))")
    }

    @Test("--width and --scale through the command line: 800 CSS px at scale 3 gives 2,400 px rows, 288 dpi and tiles of at most 1,365 CSS px")
    func widthAndScaleOptions() async throws {
        let out = TestSupport.temporaryFolder("scale3")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/sample-thread/", "--out", out.path,
                                                 "--width", "800", "--scale", "3", "--quiet", "--no-pdf"])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = URL(fileURLWithPath: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let record = try TestSupport.decodeRecord(folder)
        #expect(record.viewport.width == 800 && record.viewport.deviceScaleFactor == 3)
        // The sample thread's column fits in 800 px; its height is the same as at 1280.
        #expect(record.screenshot.cssWidth == 800 && record.screenshot.pixelWidth == 2_400)
        #expect(record.screenshot.pixelHeight == record.screenshot.cssHeight * 3 && record.screenshot.cssHeight > 5_000)
        #expect(record.screenshot.tiles.count == (record.screenshot.cssHeight + 1_364) / 1_365)
        #expect(record.screenshot.tiles.allSatisfy { $0[1] <= 1_365 })
        let check = try await ProcessRunner.run("/usr/bin/pngcheck", ["-v", folder.appendingPathComponent("data/screenshot.png").path])
        #expect(check.status == 0 && check.stdout.contains("2400 x \(record.screenshot.pixelHeight) image, 24-bit RGB"), "\(check.stdout.prefix(300))")
        #expect(check.stdout.contains("11339x11339 pixels/meter (288 dpi)"), "\(check.stdout.prefix(600))")
    }

    @Test("--clip-selector captures just that element's box")
    func clipSelector() async throws {
        let result = try await capture("/sample-thread/") { $0.clipSelector = ".thread" }
        let record = try TestSupport.decodeRecord(result.folder)
        #expect(record.screenshot.cssWidth == 640 && record.screenshot.x == 320 && record.screenshot.y > 500, "\(record.screenshot)")
        #expect(record.screenshot.clipSelector == ".thread")
        let dimensions = try PNGImage.dimensions(ofFile: result.folder.appendingPathComponent("data/screenshot.png").path)
        #expect(dimensions.width == 640 && dimensions.height == record.screenshot.cssHeight)
        let verify = await BagVerifier(root: result.folder, trustRoots: []).verify()
        #expect(verify.verdict.rawValue == "valid")
    }

    @Test("a page that navigates away, or has zero height, or no element for --clip-selector, fails clearly and leaves nothing behind",
          arguments: [("/navigate-away/", nil, "navigated away during capture (to "),
                      ("/zero-height/", nil, "the page has zero height"),
                      ("/sample-thread/", "#no-such-element", "no element matches --clip-selector '#no-such-element'")])
    func badPages(path: String, selector: String?, message: String) async throws {
        let out = TestSupport.temporaryFolder("bad")
        var arguments = ["capture", try await TestSupport.baseURL() + path, "--out", out.path, "--quiet"]
        if let selector { arguments += ["--clip-selector", selector] }
        let run = try await TestSupport.exhibit(arguments)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("a page that leaves while it is printed fails at the pdf step in one line; the screenshot is kept in a .partial folder, no PDF")
    func navigatesAwayWhilePrinted() async throws {
        let out = TestSupport.temporaryFolder("printaway")
        let run = try await TestSupport.exhibit(["capture", try await TestSupport.baseURL() + "/navigate-on-print/", "--out", out.path, "--quiet"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("pdf failed for ") && run.stderr.contains("/navigate-on-print/"), "\(run.stderr)")
        #expect(TestSupport.visibleFolders(in: out).isEmpty)
        let partial = try #require(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).first { $0.hasSuffix(".partial") })
        #expect(run.stderr.contains("incomplete output kept in \(out.appendingPathComponent(partial).path)"), "\(run.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(partial).appendingPathComponent("data").path)
        #expect(kept == ["screenshot.png"], "\(kept)")
    }

    @Test("exhibit inspect prints the provenance; a PNG without it exits 1, a file that is no PNG exits 2")
    func inspect() async throws {
        let result = try await SampleCapture.result.value
        let printed = try await TestSupport.exhibit(["inspect", result.folder.appendingPathComponent("data/screenshot.png").path])
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("\"captureId\" : \"\(result.record.captureId)\""))
        #expect(printed.stdout.contains("\"tiles\""))
        let plain = try await TestSupport.exhibit(["inspect", TestSupport.fixtures.appendingPathComponent("sample-thread/media/harbour.png").path])
        #expect(plain.status == 1 && plain.stderr.contains("has no exhibit:provenance chunk"))
        let notPNG = try await TestSupport.exhibit(["inspect", TestSupport.fixtures.appendingPathComponent("README.md").path])
        #expect(notPNG.status == 2 && notPNG.stderr.contains("not a PNG file"))
    }

    @Test("verify catches a PNG provenance that disagrees with capture.json, even when the manifests were rewritten to match")
    func provenanceMismatch() async throws {
        let original = try await SampleCapture.result.value
        let copy = TestSupport.temporaryFolder("forged").appendingPathComponent("bag")
        try FileManager.default.copyItem(at: original.folder, to: copy)
        let json = copy.appendingPathComponent("data/capture.json")
        let text = try String(contentsOf: json, encoding: .utf8).replacingOccurrences(of: original.record.requestedURL, with: "https://elsewhere.example/post/1")
        try Data(text.utf8).write(to: json)
        // A forger re-hashes everything so the bag itself checks out.
        let payload = try ["screenshot.png", "page.pdf", "dom.html", "post.json", "archive.warc.gz", "capture.json"].map {
            try PayloadFile.hash($0, in: copy, mediaType: "application/octet-stream")
        }
        try BagWriter(root: copy).write(payload: payload, info: [], baggingDate: Date())
        let report = await BagVerifier(root: copy, trustRoots: []).verify()
        #expect(report.verdict.rawValue == "invalid")
        #expect(report.checks.contains { !$0.ok && $0.detail.contains("embedded provenance disagrees with capture.json: requestedURL") })
    }
}
