import DevTools
import Foundation
import PNGCodec
import PerceptualHash

/// The full-page screenshot, taken in tiles and stitched row by row with libpng.
///
/// Chromium paints white past ~100 M device pixels in one software-composited capture, and
/// repeats or drops content past 16,384 device px on a GPU. So the page is captured in clips of at
/// most 4,096 device rows, in document coordinates with `captureBeyondViewport` (the viewport is
/// never resized), each decoded and streamed into one PNG; only one tile is in memory at a time.
/// The height is measured again after the first tile and after the last (captureBeyondViewport
/// fires resize events); a change restarts the capture, a bounded number of times.
struct TiledScreenshot {
    let session: PageSession
    let options: CaptureOptions
    /// The page's activity and the document being captured: a tile of a page that navigated away
    /// fails the screenshot at once.
    let activity: PageActivity
    let loaderId: String
    let file: URL
    /// Builds the provenance JSON for the given geometry.
    let provenance: (Geometry) -> String
    let warn: (String) -> Void

    /// The region captured and how it was cut, in CSS px.
    struct Geometry: Codable, Sendable {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var documentHeight: Int
        var scale: Double
        var tileHeight: Int
        var tiles: [[Int]]
        var truncated: Bool
        /// The measured width, when it was over --max-width and cut to it.
        var cutWidth: Int? = nil
    }

    /// A run of identical, single-colour rows (device px).
    struct FlatRun { var start: Int; var end: Int; var colour: UInt32 }

    static let maxAttempts = 3
    static let keyword = "exhibit:provenance"

    /// Captures, checks and stitches the tiles; returns the geometry, the flat runs, the provenance
    /// JSON and the attempt that succeeded. `pageReleased` is called once, as soon as the page is no
    /// longer needed: after the last tile arrived and the page's size was found unchanged, while
    /// that tile is still being decoded and written, so the next step can use the page meanwhile.
    func capture(pageReleased: @Sendable () -> Void = {}) async throws -> (Geometry, [FlatRun], String, Int, PDQHash?) {
        var attempt = 1
        var changes: [String] = []
        while true {
            let planned = try await plan()
            let outcome = try await stitch(planned, lastAttempt: attempt == Self.maxAttempts,
                                           pageReleased: pageReleased)
            switch outcome {
            case .done(let runs, let provenanceJSON, let pdq):
                if !changes.isEmpty {
                    warn("the page height changed while capturing (\(changes.joined(separator: "; "))); captured \(planned.height) CSS px on attempt \(attempt)")
                }
                return (planned, runs, provenanceJSON, attempt, pdq)
            case .heightChanged(let from, let to):
                changes.append("\(from) -> \(to) px")
                attempt += 1
            }
        }
    }

    private enum Outcome { case done([FlatRun], String, PDQHash?), heightChanged(Int, Int) }

    /// The region to capture now: the clip element's box, or the whole document, cut at --max-height.
    private func plan() async throws -> Geometry {
        let scale = options.deviceScaleFactor
        var region = try await measure()
        let documentHeight = region.height
        guard region.width > 0, region.height > 0 else {
            throw StepProblem(options.clipSelector == nil ? "the page has zero height: nothing to capture"
                              : "the element '\(options.clipSelector ?? "")' has zero width or height: nothing to capture")
        }
        var truncated = false
        if region.height > options.limits.maxHeight {
            region.height = options.limits.maxHeight
            truncated = true
        }
        // libpng (and every viewer) refuses absurd widths: a page wider than --max-width is cut there.
        var cutWidth: Int?
        if region.width > options.limits.maxWidth {
            cutWidth = region.width
            region.width = options.limits.maxWidth
            truncated = true
        }
        // At most 4,096 CSS px and 4,096 device rows per tile: far below both Chromium limits,
        // and it bounds the memory one decoded tile takes (width x 4,096 x 4 bytes). The tiles are
        // as few as that allows and of equal height: the first arrives sooner, and the browser
        // renders the next while this one is written, so neither waits for a lopsided other.
        let maxTile = max(1, min(4096, Int((4096 / scale).rounded(.down))))
        let count = (region.height + maxTile - 1) / maxTile
        let tileHeight = (region.height + count - 1) / count
        let tiles = stride(from: 0, to: region.height, by: tileHeight).map { [$0, min(tileHeight, region.height - $0)] }
        return Geometry(x: region.x, y: region.y, width: region.width, height: region.height, documentHeight: documentHeight,
                        scale: scale, tileHeight: tileHeight, tiles: tiles, truncated: truncated, cutWidth: cutWidth)
    }

    private struct Region { var x: Int; var y: Int; var width: Int; var height: Int }

    private func measure() async throws -> Region {
        if let selector = options.clipSelector {
            let box: [Double]? = try await session.run(.elementBox, selector)
            guard let box, box.count == 4 else { throw StepProblem("no element matches --clip-selector '\(selector)'") }
            let x = Int(box[0].rounded(.down)), y = Int(box[1].rounded(.down))
            return Region(x: max(0, x), y: max(0, y), width: Int(box[2].rounded(.up)) - max(0, x), height: Int(box[3].rounded(.up)) - max(0, y))
        }
        let metrics = try await session.send(PageCommands.GetLayoutMetrics())
        let scrollHeight: Double = try await session.run(.documentHeight) ?? 0
        let documentIsEmpty: Bool = try await session.run(.documentIsEmpty) ?? false
        let height = documentIsEmpty ? 0 : Int(max(metrics.cssContentSize.height, scrollHeight).rounded(.up))
        let width = Int(max(metrics.cssContentSize.width, Double(options.viewportWidth)).rounded(.up))
        return Region(x: 0, y: 0, width: width, height: height)
    }

    /// One tile, watched for a navigation of the main frame: Chromium never answers a screenshot of
    /// a page that has gone, so the watcher cancels the command (which fails it at once) instead of
    /// letting it run into its timeout.
    private static func screenshot(_ clip: PageCommands.Clip, session: PageSession, activity: PageActivity,
                                   loaderId: String) async throws -> PageCommands.CaptureScreenshot.Result {
        // Each tile is decoded and re-encoded at once, so Chromium's own compression would be wasted.
        let capture = Task { try await session.send(PageCommands.CaptureScreenshot(clip: clip, optimizeForSpeed: true), timeout: .seconds(120)) }
        let watcher = Task {
            let navigated = await activity.wait(upTo: 130) { $0.navigatedAway(from: loaderId) != nil }
            if navigated { capture.cancel() }
        }
        defer { watcher.cancel() }
        let navigatedAway = { activity.navigatedAway(from: loaderId) }
        func navigated(_ away: String) -> StepProblem { StepProblem("the page navigated away during capture (to \(away))") }
        do {
            let result = try await capture.value
            if let away = navigatedAway() { throw navigated(away) }
            return result
        } catch {
            if let away = navigatedAway() { throw navigated(away) }
            throw error
        }
    }

    /// The page measured again: `.heightChanged` when its size is no longer the planned one.
    private func sizeChanged(_ geometry: Geometry) async throws -> Outcome? {
        let now = try await plan()
        guard now.height != geometry.height || now.width != geometry.width else { return nil }
        return .heightChanged(geometry.height, now.height)
    }

    private func stitch(_ geometry: Geometry, lastAttempt: Bool,
                        pageReleased: @Sendable () -> Void) async throws -> Outcome {
        let scale = geometry.scale
        let pixelWidth = Int((Double(geometry.width) * scale).rounded())
        let pixelHeight = Int((Double(geometry.height) * scale).rounded())
        let writer = try PNGStreamWriter(path: file.path, width: pixelWidth, height: pixelHeight,
                                         pixelsPerMeter: Int((3779.5275 * scale).rounded()))
        var finished = false
        defer { if !finished { writer.abort(); try? FileManager.default.removeItem(at: file) } }
        let provenanceJSON = provenance(geometry)
        try writer.addText(keyword: Self.keyword, text: provenanceJSON)

        var runs: [FlatRun] = []
        var current: FlatRun?
        var row = 0
        // The screenshot's perceptual hash, from the rows as they are written (never re-read).
        var pdq = PDQAccumulator(width: pixelWidth, height: pixelHeight)
        // The next tile is rendered by Chromium while this one is decoded, checked and re-encoded
        // here: at most two tiles are in memory.
        let session = self.session, activity = self.activity, loaderId = self.loaderId
        func fetch(_ index: Int) -> Task<PageCommands.CaptureScreenshot.Result, Error>? {
            guard index < geometry.tiles.count else { return nil }
            let tile = geometry.tiles[index]
            let clip = PageCommands.Clip(x: Double(geometry.x), y: Double(geometry.y + tile[0]),
                                         width: Double(geometry.width), height: Double(tile[1]))
            return Task { try await Self.screenshot(clip, session: session, activity: activity, loaderId: loaderId) }
        }
        var next = fetch(0)
        defer { next?.cancel() }
        for (index, tile) in geometry.tiles.enumerated() {
            guard let fetching = next else { break }
            let shot = try await fetching.value
            next = fetch(index + 1)
            // captureBeyondViewport fires resize events; a page may re-lay out after the first tile
            // (checked once that tile is written, while the next one renders) or by the last (checked
            // before it is decoded, so the page is free for the next step while it is written).
            let isLast = index == geometry.tiles.count - 1
            if isLast {
                if !lastAttempt, let changed = try await sizeChanged(geometry) { return changed }
                pageReleased()
            }
            guard let data = Data(base64Encoded: shot.data) else {
                throw DevToolsError.badResponse(method: PageCommands.CaptureScreenshot.method, reason: "tile \(index) is not base64")
            }
            let image = try PNGImage(data: data, name: "tile \(index)")
            let expectedRows = Int((Double(tile[0] + tile[1]) * scale).rounded()) - Int((Double(tile[0]) * scale).rounded())
            guard image.width == pixelWidth, image.height == expectedRows else {
                throw StepProblem("tile \(index) is \(image.width)x\(image.height) px, expected \(pixelWidth)x\(expectedRows)")
            }
            try image.rgba.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                for y in 0..<image.height {
                    let flat = try writer.writeRow(rgba: base + y * pixelWidth * 4)
                    pdq?.add(row: UnsafeBufferPointer(start: base + y * pixelWidth * 4, count: pixelWidth * 4), channels: 4)
                    if let colour = flat, var run = current, run.colour == colour, run.end == row {
                        run.end = row + 1
                        current = run
                    } else {
                        if let run = current { runs.append(run) }
                        current = flat.map { FlatRun(start: row, end: row + 1, colour: $0) }
                    }
                    row += 1
                }
            }
            if index == 0, !isLast, !lastAttempt, let changed = try await sizeChanged(geometry) { return changed }
        }
        if let run = current { runs.append(run) }
        try writer.finish()
        finished = true
        return .done(runs, provenanceJSON, pdq?.finish())
    }
}
