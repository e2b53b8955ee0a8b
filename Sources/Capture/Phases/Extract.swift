import DevTools
import Foundation
import PlatformProfiles

/// The profile's extraction rules as `exhibit.extract` takes them.
struct ExtractSpec: Encodable, Sendable {
    let post: [String]; let replies: String?; let nesting: Profile.Nesting
    let fields: [String: [Profile.FieldRule]]; let media: [Profile.MediaRule]
    let exclude: [Profile.ExcludeRule]; let threadEnd: [Profile.ElementRule]; let removed: [Profile.ExcludeRule]
    let postKey: Profile.PostKey?; let repliesInFrame: [String]

    init(_ rules: Profile.Extraction) {
        post = rules.post; replies = rules.replies; nesting = rules.nesting; fields = rules.fields; media = rules.media
        exclude = rules.exclude; threadEnd = rules.threadEnd; removed = rules.removed; postKey = rules.postKey
        repliesInFrame = rules.repliesInFrame
    }
}

/// Extract: reads the post and its replies in the isolated world by the profile's rules and
/// writes data/post.json. What the page gave is kept (``raw``) for the completeness section, which
/// is worked out once all checks are in.
struct Extract {
    struct Output: Sendable {
        let post: PostData
        let raw: RawExtraction
        /// The document's `lang`, when it states one.
        let language: String?
        /// The `data:` URIs' bytes kept in `data/` (`--keep-inline-media`), relative to it.
        let inlineFiles: [(name: String, mediaType: String)]
        /// The embed frame the post was read in; nil when it was read from the page itself.
        var frame: FramePost.Output? = nil
    }

    let page: CapturePage
    let world: IsolatedWorld
    let profile: Profile
    let screenshot: CaptureRecord.Screenshot
    let pageURL: String
    /// A login wall or a removal notice was found: then no post element is no surprise.
    let walled: Bool
    let file: URL
    /// The embed frame to read in (``world`` and ``profile`` are then the frame's); nil: the page.
    var frame: FramePost.Output? = nil
    /// An account page is read by the profile's account rules (``runAccount(_:)``).
    var kind: Profile.PageKind = .post
    /// How the account page's timeline was scrolled.
    var timeline: TimelineScroll? = nil

    /// Writes post.json, with references, not blobs: each data: URI becomes its hash, described
    /// once in inlineMedia (and its bytes kept in data/media with --keep-inline-media). Returns
    /// the files kept and the document's `lang`.
    func write(_ post: inout PostData) async throws -> (inlineFiles: [(name: String, mediaType: String)], language: String?) {
        var inline = InlineMediaExtractor(keepingIn: page.options.keepInlineMedia ? file.deletingLastPathComponent().appendingPathComponent("media") : nil)
        post.rewriteURLs { url in inline.reference(for: url) ?? url }
        if let failure = inline.failure { throw StepProblem("could not keep an inline image in data/media: \(failure)") }
        if !inline.list.isEmpty { post.inlineMedia = inline.list }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(post).write(to: file)
        let language: String? = try await page.session.evaluate("document.documentElement.lang || null", contextId: world.contextId)
        return (inline.written, language)
    }

    func run() async throws -> Output {
        if kind == .account, let account = profile.account { return try await runAccount(account) }
        guard let read: RawExtraction = try await world.call("extract", ExtractSpec(profile.extract)) else {
            throw StepProblem("the extraction script returned nothing")
        }
        // Read in a frame, rectangles are in the frame's document: moved to the page's, as the PNG's are.
        let raw = frame?.translate(read) ?? read
        let options = page.options, context = page.context
        let geometry = ScreenshotGeometry(x: Double(screenshot.x), y: Double(screenshot.y), width: Double(screenshot.cssWidth),
                                          height: Double(screenshot.cssHeight), scale: options.deviceScaleFactor)
        var post = PostData.build(raw: raw, profile: profile, captureId: context.captureId, pageURL: pageURL, capturedAt: context.started,
                                  timeZone: TimeZone(identifier: options.timeZone) ?? .current, geometry: geometry)
        if let frame {
            post.frame = .init(url: frame.url, profile: frame.entry.profile.name, pattern: frame.pattern,
                               rectangle: PostData.rectangle(frame.box, geometry))
            // Measured: Chromium does not paint an out-of-process frame that lies outside the first
            // screen into a beyond-the-viewport screenshot; its area comes out blank.
            if frame.outOfProcess, frame.box.y + frame.box.height > Double(options.viewportHeight) {
                context.warn(.extract, "the embed frame \(frame.url) lies (partly) below the first screen (y \(Int(frame.box.y))–"
                    + "\(Int(frame.box.y + frame.box.height)) CSS px, viewport \(options.viewportHeight) px); Chromium may leave such a frame "
                    + "unpainted, so the screenshot may show its area blank although post.json holds what the frame's document said")
            }
            if frame.cutsOff(read) {
                context.warn(.extract, "the post in the frame \(frame.url) reaches beyond what the frame shows; its rectangle is cut to the frame's, "
                    + "and the screenshot shows only that part")
            }
        }
        let (inlineFiles, language) = try await write(&post)
        // Invalid CSS is a defect of the profile, and a platform page without its post is news:
        // both are capture warnings too. A field that matched nothing is stated in completeness only.
        for selector in raw.invalidSelectors { context.warn(.extract, "invalid selector in profile \(profile.name): \(selector)") }
        if raw.post == nil && profile.name != "generic" && !walled {
            context.warn(.extract, "no post element matched the \(profile.name) profile; the page may have changed its structure")
        }
        var output = Output(post: post, raw: raw, language: language, inlineFiles: inlineFiles)
        output.frame = frame
        return output
    }
}

/// The DOM as it stands after the capture, saved as data/dom.html once Exhibit's own style is out
/// again; with the page's title and the URL it ended at. All three come from the protocol
/// (`DOM.getOuterHTML`, `Target.getTargetInfo`), never from the page's JavaScript, which a hostile
/// page can redefine (`outerHTML`, `document.title`) to forge them.
struct SaveDOM {
    struct Output: Sendable {
        let title: String
        let location: String
    }

    let page: CapturePage
    let file: URL

    func run() async throws -> (Output, Int) {
        try await Prepare.unfreeze(page)
        let session = page.session
        let document = try await session.send(DOMCommands.GetDocument())
        let html = try await session.send(DOMCommands.GetOuterHTML(backendNodeId: document.root.backendNodeId)).outerHTML
        try Data(html.utf8).write(to: file)
        let info = try await session.connection.send(TargetCommands.GetTargetInfo(targetId: session.targetId)).targetInfo
        return (Output(title: info.title, location: info.url.isEmpty ? page.url : info.url), html.utf8.count)
    }
}
