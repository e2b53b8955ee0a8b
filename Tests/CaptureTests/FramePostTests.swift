import Capture
import DevTools
import FixtureServer
import Foundation
import PlatformProfiles
import PNGCodec
import Testing

/// A post the page only embeds, in a frame of another site (issue 13, point 10): `Fixtures/embedded-post/`
/// on 127.0.0.1 embeds an X-like post served from a second loopback site, 127.0.0.2, which Chromium
/// renders in a process of its own.
///
/// The frame's URL is not platform.twitter.com, so the shipped x profile's frame pattern cannot
/// match it: each capture uses a copy of `Profiles/` whose x.json has the shipped file's frame
/// patterns and embed rules plus one pattern for the loopback embed site, made here from the
/// shipped file. What is tested is then the shipped embed rules and Exhibit's frame handling;
/// the shipped pattern itself is tested against real embed URLs in `ProfileTests`.
@Suite("Posts inside frames", .serialized)
struct FramePostTests {
    /// The embed's site; nil when 127.0.0.2 cannot be bound here (the tests then say so and stop).
    static let embedSite = Task { () -> FixtureServer? in try? await FixtureServer.start(root: TestSupport.fixtures, host: "127.0.0.2") }

    /// The embed's colour (`#c3e6ff`), which no other part of the fixture page uses.
    static let embedColour: (UInt8, UInt8, UInt8) = (0xc3, 0xe6, 0xff)

    struct Captured {
        let folder: URL
        let post: PostData
        let record: CaptureRecord
        let embedBase: String
    }

    /// Profiles/ with x.json's frame patterns extended by the loopback embed site's.
    static func profiles(embedBase: String) throws -> String {
        try ProfileRuleTests.folder(with: "x") { json in
            var frames = json["frames"] as? [String: Any] ?? [:]
            let shipped = frames["matches"] as? [String] ?? []
            let site = embedBase.replacingOccurrences(of: ".", with: "\\.")
            frames["matches"] = shipped + ["^" + site + "/embedded-post/embed/Tweet\\.html"]
            json["frames"] = frames
        }
    }

    /// Captures the fixture page with `query` through the library pipeline (a real browser).
    static func capture(_ query: String) async throws -> Captured? {
        guard let site = await embedSite.value else {
            print("FramePostTests: 127.0.0.2 cannot be bound on this machine; the embedded-post tests need a second loopback site")
            return nil
        }
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/embedded-post/?embed=" + site.baseURL + query)
        options.outputDirectory = TestSupport.temporaryFolder("frames").path
        options.profilesFolder = try profiles(embedBase: site.baseURL)
        let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
        return Captured(folder: result.folder, post: try Platforms.post(result.folder), record: result.record, embedBase: site.baseURL)
    }

    static func colour(_ image: PNGImage, _ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let p = image.pixel(x: x, y: y)
        return (p.r, p.g, p.b)
    }

    static func isEmbed(_ c: (UInt8, UInt8, UInt8)) -> Bool {
        abs(Int(c.0) - Int(embedColour.0)) <= 3 && abs(Int(c.1) - Int(embedColour.1)) <= 3 && abs(Int(c.2) - Int(embedColour.2)) <= 3
    }

    /// What every capture of the embed must say: the post from inside the frame, the frame named
    /// in post.json and capture.json, and the post's rectangle where the frame's pixels are.
    static func expectEmbeddedPost(_ c: Captured) throws -> (post: PostData.Rectangle, frame: PostData.Rectangle, image: PNGImage) {
        let post = try #require(c.post.post)
        #expect(post.author.displayName == "Gemeente Voorbeeld")
        #expect(post.author.handle == "gemeentevb")
        #expect(post.published.iso == "2024-03-05T09:41:00Z", "\(post.published)")
        #expect(post.text?.hasPrefix("Vanochtend is de havenpromenade officieel geopend.") == true, "\(post.text ?? "nil")")
        #expect(post.counts.replies?.value == 188 && post.counts.replies?.shown == "188")
        #expect(post.counts.likes?.value == 1234)
        #expect(post.id == "1764981234567890123")
        #expect(c.post.platform == "X (Twitter)" && c.post.profile == "x")
        let frame = try #require(c.post.frame)
        #expect(frame.url.hasPrefix(c.embedBase + "/embedded-post/embed/Tweet.html?id=1764981234567890123"), "\(frame.url)")
        #expect(frame.profile == "x" && frame.pattern.contains("127"))
        // capture.json: the page was generic; the frame, its profile and why.
        let use = c.record.profile
        #expect(use.name == "generic")
        let frameUse = try #require(use.frame)
        #expect(frameUse.url == frame.url && frameUse.name == "x" && frameUse.file == "Profiles/x.json")
        #expect(frameUse.outOfProcess, "127.0.0.2 is another site than 127.0.0.1: its frame has a process of its own")
        #expect(frameUse.reason.contains("matches no platform profile"))
        #expect(frameUse.otherFrames == nil)
        #expect(!c.record.completeness.summary.contains("post not recognised"), "\(c.record.completeness.summary)")
        // Rectangles: the post's lies within the frame's, and both are where the embed's pixels are.
        let rect = try #require(post.rectangle)
        let box = try #require(frame.rectangle)
        #expect(rect.width > 300 && rect.height > 150, "\(rect)")
        #expect(rect.x >= box.x && rect.y >= box.y && rect.x + rect.width <= box.x + box.width && rect.y + rect.height <= box.y + box.height,
                "post \(rect) outside frame \(box)")
        let image = try PNGImage(contentsOfFile: c.folder.appendingPathComponent("data/screenshot.png").path)
        // The article's left padding at half its height, and the frame's own top-left corner (the
        // embed's body): the embed's colour. Just left of the frame: the page's, not the embed's.
        #expect(isEmbed(colour(image, rect.x + 6, rect.y + rect.height / 2)), "\(colour(image, rect.x + 6, rect.y + rect.height / 2))")
        #expect(isEmbed(colour(image, box.x + 3, box.y + 3)), "\(colour(image, box.x + 3, box.y + 3))")
        #expect(isEmbed(colour(image, box.x + box.width - 3, box.y + box.height - 3)))
        #expect(!isEmbed(colour(image, box.x - 3, box.y + 3)), "\(colour(image, box.x - 3, box.y + 3))")
        #expect(!isEmbed(colour(image, box.x + 3, box.y - 3)))
        return (rect, box, image)
    }

    @Test("a post embedded from another site is read inside its out-of-process frame; its rectangle is on the embed's pixels")
    func embeddedPost() async throws {
        guard let c = try await Self.capture("") else { return }
        let (_, box, _) = try Self.expectEmbeddedPost(c)
        // The frame element is 550×420 CSS px, 60 px into the 760 px column centred in 1280 px.
        #expect(box.width == 550 && box.height == 420, "\(box)")
        #expect(box.x == 260 + 60, "\(box)")
        try await Platforms.expectValidPostJSON(c.folder)
    }

    @Test("a frame inside a frame of the page's own site: the rectangle is moved through both frames' boxes")
    func nestedFrames() async throws {
        guard let c = try await Self.capture("&nested") else { return }
        let (_, box, image) = try Self.expectEmbeddedPost(c)
        // Column at 260 + wrapper margin 40 + border 7 + padding 13 + the wrapper body's padding 35.
        #expect(box.x == 260 + 40 + 7 + 13 + 35 && box.width == 550 && box.height == 420, "\(box)")
        // Between the two frames: the wrapper's background (#f4f4f4).
        let between = Self.colour(image, box.x - 10, box.y + 50)
        #expect(between == (0xf4, 0xf4, 0xf4), "\(between)")
    }

    @Test("the embedding page cannot forge the post: its own embed-like markup, a frame of its own site on the embed's path and a srcdoc frame are not read")
    func hostileEmbeddingPage() async throws {
        guard let site = await Self.embedSite.value else {
            print("FramePostTests: 127.0.0.2 cannot be bound on this machine; skipped")
            return
        }
        // Through the exhibit binary, as a user runs it, with the test's profiles folder; the two
        // loopback sites allowed by address, so the network guard runs and holds each frame
        // until its requests are guarded (the frames are then attached by the guard, not the tracker).
        let out = TestSupport.temporaryFolder("frames-hostile")
        let url = try await TestSupport.baseURL() + "/embedded-post/?hostile&embed=" + site.baseURL
        let run = try await TestSupport.exhibit(["capture", url, "--profiles", try Self.profiles(embedBase: site.baseURL),
                                                 "--allow-private-address", "127.0.0.1", "--allow-private-address", "127.0.0.2",
                                                 "--out", out.path], asGiven: true)
        #expect(run.status == 0, "\(run.stderr)")
        let folder = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let c = Captured(folder: folder, post: try Platforms.post(folder), record: try TestSupport.decodeRecord(folder), embedBase: site.baseURL)
        // The forgeries come first, so the embed lies below the first screen, where Chromium
        // leaves an out-of-process frame unpainted (see the README's known limits): the data are
        // right, the pixels are not there, and the record must say so.
        withKnownIssue("an out-of-process frame below the first screen is not painted into the screenshot") {
            _ = try Self.expectEmbeddedPost(c)
        }
        let post = try #require(c.post.post)
        #expect(post.author.handle == "gemeentevb" && post.counts.replies?.value == 188)
        #expect(c.record.profile.frame?.url.hasPrefix(site.baseURL) == true)
        #expect(c.record.warnings.contains { $0.message.contains("below the first screen") }, "\(c.record.warnings)")
        // The frame's area came out one flat colour: a blank band of its own, so the capture is
        // partial and its summary says so; never complete with the post missing from the pixels.
        let frameBox = try #require(c.post.frame?.rectangle)
        #expect(c.record.screenshot.blankBands.contains { abs($0.fromY - frameBox.y) <= 2 }, "\(c.record.screenshot.blankBands) \(frameBox)")
        #expect(c.record.warnings.contains { $0.step == .screenshot && $0.message.contains("Chromium did not paint it") }, "\(c.record.warnings)")
        #expect(c.record.state == .partial && c.record.completeness.summary.contains("blank band(s) over visible content"))
        let json = try String(contentsOf: folder.appendingPathComponent("data/post.json"), encoding: .utf8)
        #expect(!json.contains("Vervalst") && !json.contains("vervalst") && !json.contains("9999"))
        #expect(c.record.network?.privateAddresses == .refused && c.record.network?.blocked.isEmpty == true)
    }

    @Test("a page without an embed frame is read from its own markup, as before, with no frame in the record")
    func pageWithoutEmbed() async throws {
        guard let site = await Self.embedSite.value else { return }
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/plain-forum/")
        options.outputDirectory = TestSupport.temporaryFolder("frames-none").path
        options.profilesFolder = try Self.profiles(embedBase: site.baseURL)
        let result = try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
        let post = try Platforms.post(result.folder)
        #expect(post.frame == nil && result.record.profile.frame == nil && result.record.profile.name == "generic")
        #expect(post.post != nil)
    }
}
