import DevTools
import Evidence
import Foundation

/// A value of the sweep's result object: a number or a text.
enum SweepValue: Decodable, Sendable {
    case number(Double), text(String)
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
    }
    var number: Double? { if case .number(let value) = self { return value } else { return nil } }
    var text: String? { if case .text(let value) = self { return value } else { return nil } }
}

/// What happens to the page between settling and the screenshot, and the screenshot itself.
/// Every change to the page is recorded in capture.json under `preparation`.
extension CaptureRun {
    /// Stops animations, transitions and the caret, and makes smooth scrolling instant (which would
    /// otherwise cancel successive scrolls). Injected as one style element, removed before dom.html.
    static let freezeCSS = "html{scroll-behavior:auto!important}*,*::before,*::after{animation:none!important;"
        + "transition:none!important;caret-color:transparent!important}"
    static let freezeStyleId = "exhibit-freeze-style"

    /// What one sweep did, with the lazy images it made eager just before.
    struct SweepOutcome: Sendable {
        var sweep: CaptureRecord.Sweep
        var lazyImagesMadeEager: Int
        /// Stopped early for a reason worth a warning (a limit, or a page that does not scroll).
        var cutShort: Bool
    }

    static let endOfPage = "reached the end of the page"

    /// Makes `img[loading=lazy]` eager, then sweep-scrolls the page in steps of 80 % of the viewport
    /// and returns to the top. Runs inside the page (one round trip, not several per step): each step
    /// scrolls, lets two animation frames pass so IntersectionObservers fire, then waits for every
    /// image that started loading (at most 3 s a step). Other requests are waited for from the
    /// browser's side afterwards. Scrolls are `behavior: 'instant'`, so a page's smooth scrolling
    /// cannot swallow them. Never throws: a document that goes away mid-sweep ends it, and says so.
    static func sweep(session: PageSession, limits: CaptureOptions.Limits) async -> SweepOutcome {
        let script = """
            (async () => {
              const lazy = [...document.querySelectorAll('img[loading=lazy]')]; lazy.forEach(i => i.loading = 'eager');
              const step = Math.max(1, Math.floor(innerHeight * 0.8)), started = performance.now();
              const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
              const height = () => \(PageScripts.documentHeight);
              let steps = 0, reason = '\(endOfPage)';
              scrollTo({left: 0, top: 0, behavior: 'instant'});
              while (true) {
                const y = scrollY;
                if (y + innerHeight >= height()) break;
                if (y >= \(limits.maxHeight)) { reason = 'reached --max-height \(limits.maxHeight) (the page kept growing)'; break; }
                if (steps >= \(limits.sweepSteps)) { reason = 'reached the step limit \(limits.sweepSteps)'; break; }
                if (performance.now() - started >= \(Int(limits.sweepSeconds * 1000))) { reason = 'reached the time limit \(limits.sweepSeconds) s'; break; }
                scrollTo({left: 0, top: y + step, behavior: 'instant'});
                steps += 1;
                await frames();
                if (scrollY <= y) { reason = 'the page does not scroll past y=' + Math.round(y) + ' (scrolling blocked, or an inner scroll area)'; break; }
                const loading = [...document.images].filter(i => i.currentSrc && !i.complete);
                if (loading.length) await Promise.race([
                  Promise.all(loading.map(i => new Promise(r => { i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); }))),
                  new Promise(r => setTimeout(r, 3000))]);
              }
              const reached = Math.round(scrollY);
              scrollTo({left: 0, top: 0, behavior: 'instant'});
              return {y: reached, steps, reason, eager: lazy.length, seconds: (performance.now() - started) / 1000};
            })()
            """
        let result: [String: SweepValue]
        do {
            result = try await session.evaluate(script, awaitPromise: true, timeout: .seconds(limits.sweepSeconds + 30)) ?? [:]
        } catch {
            return SweepOutcome(sweep: .init(steps: 0, seconds: 0, reachedY: 0, stoppedBecause: "the sweep could not run: \(error)"),
                                lazyImagesMadeEager: 0, cutShort: true)
        }
        let stoppedBecause = result["reason"]?.text ?? "unknown"
        return SweepOutcome(
            sweep: .init(steps: Int(result["steps"]?.number ?? 0), seconds: ((result["seconds"]?.number ?? 0) * 1000).rounded() / 1000,
                         reachedY: Int(result["y"]?.number ?? 0), stoppedBecause: stoppedBecause),
            lazyImagesMadeEager: Int(result["eager"]?.number ?? 0), cutShort: stoppedBecause != endOfPage)
    }

    /// After the profile: animations frozen, a second sweep when the profile changed the page, any
    /// new lazy images made eager, back to the top, then fonts and images waited for again.
    /// `settleSweep` is the sweep that ran while the page settled.
    func prepare(session: PageSession, activity: PageActivity, settleSweep: SweepOutcome) async throws -> CaptureRecord.Preparation {
        let css = Self.json(Self.freezeCSS)
        let _: Bool? = try await session.evaluate("""
            (() => { const s = document.createElement('style'); s.id = '\(Self.freezeStyleId)'; s.textContent = \(css);
              (document.head || document.documentElement).appendChild(s); return true; })()
            """)
        let limits = options.limits
        let second: SweepOutcome? = actions.isEmpty ? nil : await Self.sweep(session: session, limits: limits)
        let kinds = Dictionary(grouping: actions, by: \.kind).map { "\($0.value.count) \($0.key)" }.sorted()
        let reason = second == nil ? "not needed: the profile changed nothing on the page"
            : "the profile changed the page (\(kinds.joined(separator: ", ")))"
        // The last sweep is the one the capture relies on.
        let last = second ?? settleSweep
        if last.cutShort { warn("prepare", "scroll sweep stopped at y=\(last.sweep.reachedY): \(last.sweep.stoppedBecause)") }
        if await !activity.wait(upTo: limits.quietSeconds, until: {
            $0.inFlight.isEmpty && ContinuousClock.now - $0.lastNetworkChange >= .milliseconds(300)
        }) {
            warn("prepare", "requests still in flight after the scroll sweep (\(limits.quietSeconds) s)")
        }
        // Back to the top, and two frames for the page to answer the scroll, unless it is there already.
        let _: Bool? = try await session.evaluate(
            "(() => { if (scrollX === 0 && scrollY === 0) return true; scrollTo(0, 0); return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))); })()",
            awaitPromise: true, timeout: .seconds(10))
        try await waitForFontsAndImages(session: session, step: "prepare")
        let first = settleSweep.sweep
        return CaptureRecord.Preparation(
            lazyImagesMadeEager: settleSweep.lazyImagesMadeEager + (second?.lazyImagesMadeEager ?? 0), sweepSteps: first.steps, sweepSeconds: first.seconds,
            sweepReachedY: first.reachedY, sweepStoppedBecause: first.stoppedBecause,
            sweepPhase: "while the page settled, from its load event on", sweepAfterProfile: second?.sweep, sweepAfterProfileReason: reason,
            injectedCSS: Self.freezeCSS, injectedCSSSHA256: FileDigest.sha256Hex(Array(Self.freezeCSS.utf8)))
    }

    /// Takes Exhibit's own style element out again, so dom.html is the page's DOM.
    func removeInjectedStyle(session: PageSession) async throws {
        let _: Bool? = try await session.evaluate("(() => { document.getElementById('\(Self.freezeStyleId)')?.remove(); return true; })()")
    }

    func failIfNavigatedAway(_ activity: PageActivity, loaderId: String, step: String) throws {
        if let away = activity.navigatedAway(from: loaderId) {
            throw CaptureError.stepFailed(step: step, url: url.absoluteString,
                                          message: "the page navigated away during capture (to \(away))", partialFolder: keptPartialPath())
        }
    }

    /// The tiled screenshot with its provenance chunk; also the flat runs and the geometry, for the
    /// blank-band guard (``checkBlankBands``), which needs the page again and so comes after the PDF.
    func takeScreenshot(session: PageSession, activity: PageActivity, loaderId: String, file: URL,
                        finalURL: String, browserProduct: String,
                        pageReleased: @Sendable () -> Void) async throws -> (CaptureRecord.Screenshot, [TiledScreenshot.FlatRun], TiledScreenshot.Geometry) {
        let captureId = self.captureId, requested = url.absoluteString, started = UTCTime.milliseconds(self.started)
        let options = self.options
        let tiler = TiledScreenshot(session: session, options: options, file: file, provenance: { geometry in
            let provenance: [String: Any] = [
                "schema": "exhibit-png-provenance", "schemaVersion": 1, "captureId": captureId,
                "requestedURL": requested, "finalURL": finalURL, "captureTime": started,
                "exhibit": "\(ExhibitVersion.name) \(ExhibitVersion.current)", "browser": browserProduct,
                "viewport": ["width": options.viewportWidth, "height": options.viewportHeight],
                "deviceScaleFactor": options.deviceScaleFactor,
                "region": ["x": geometry.x, "y": geometry.y, "width": geometry.width, "height": geometry.height],
                "documentHeight": geometry.documentHeight, "truncated": geometry.truncated,
                "tileHeight": geometry.tileHeight, "tiles": geometry.tiles,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: provenance, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }, warn: { self.warn("screenshot", $0) })
        let (geometry, runs, provenanceJSON, attempts) = try await tiler.capture(navigatedAway: { activity.navigatedAway(from: loaderId) },
                                                                                pageReleased: pageReleased)
        if geometry.truncated {
            warn("screenshot", "the page is \(geometry.documentHeight) CSS px tall, over --max-height \(options.limits.maxHeight); "
                 + "captured the top \(geometry.height) px only (truncated)")
        }
        let scale = options.deviceScaleFactor
        let record = CaptureRecord.Screenshot(
            file: "screenshot.png", x: geometry.x, y: geometry.y, cssWidth: geometry.width, cssHeight: geometry.height,
            documentHeight: geometry.documentHeight,
            pixelWidth: Int((Double(geometry.width) * scale).rounded()), pixelHeight: Int((Double(geometry.height) * scale).rounded()),
            truncated: geometry.truncated, clipSelector: options.clipSelector, tileHeight: geometry.tileHeight, tiles: geometry.tiles,
            attempts: attempts,
            provenance: .init(chunk: "iTXt", keyword: TiledScreenshot.keyword, sha256: FileDigest.sha256Hex(Array(provenanceJSON.utf8))),
            blankBands: [])
        return (record, runs, geometry)
    }

    /// The blank-band guard: each flat run over visible content is a warning, and fails the capture
    /// under `--strict`.
    func checkBlankBands(_ screenshot: inout CaptureRecord.Screenshot, runs: [TiledScreenshot.FlatRun],
                         geometry: TiledScreenshot.Geometry, session: PageSession) async throws {
        let bands = try await blankBands(runs, geometry: geometry, session: session)
        for band in bands {
            warn("screenshot", "blank band at y=\(band.fromY)-\(band.toY) CSS px (flat \(band.colour)) where the page has visible text or images")
        }
        screenshot.blankBands = bands
        if options.strict && !bands.isEmpty {
            throw CaptureError.stepFailed(step: "screenshot", url: url.absoluteString,
                                          message: "\(bands.count) blank band(s) over visible content (--strict)", partialFolder: keptPartialPath())
        }
    }

    /// Flat runs taller than two viewports that overlap visible text or images in the DOM.
    func blankBands(_ runs: [TiledScreenshot.FlatRun], geometry: TiledScreenshot.Geometry,
                    session: PageSession) async throws -> [CaptureRecord.BlankBand] {
        let scale = geometry.scale
        let threshold = Int(2 * Double(options.viewportHeight) * scale)
        let tall = runs.filter { $0.end - $0.start > threshold }
        guard !tall.isEmpty else { return [] }
        // Visible text and image boxes in document CSS px, merged into intervals.
        let content: [[Double]] = try await session.evaluate("""
            (() => {
              const boxes = [], range = document.createRange(), sy = scrollY;
              const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                if (!n.textContent.trim() || !n.parentElement) continue;
                const style = getComputedStyle(n.parentElement);
                if (style.visibility !== 'visible' || style.display === 'none' || parseFloat(style.opacity) === 0) continue;
                range.selectNodeContents(n);
                for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) boxes.push([r.top + sy, r.bottom + sy]);
              }
              for (const i of document.images) { const r = i.getBoundingClientRect(); if (r.width > 0 && r.height > 0) boxes.push([r.top + sy, r.bottom + sy]); }
              boxes.sort((a, b) => a[0] - b[0]);
              const merged = [];
              for (const b of boxes) { const last = merged[merged.length - 1]; if (last && b[0] <= last[1]) last[1] = Math.max(last[1], b[1]); else merged.push(b); }
              return merged;
            })()
            """, timeout: .seconds(60)) ?? []
        return tall.compactMap { run in
            let from = Double(geometry.y) + Double(run.start) / scale, to = Double(geometry.y) + Double(run.end) / scale
            guard content.contains(where: { $0.count == 2 && $0[0] < to && $0[1] > from }) else { return nil }
            return CaptureRecord.BlankBand(fromY: Int(from), toY: Int(to.rounded(.up)), colour: String(format: "#%06x", run.colour))
        }
    }
}
