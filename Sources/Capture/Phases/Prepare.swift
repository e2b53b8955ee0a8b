import DevTools
import Evidence
import Foundation

/// Prepare: what happens to the page between the profile and the screenshot, all of it recorded in
/// capture.json under `preparation`: animations frozen, a second sweep when the profile changed the
/// page, back to the top, then fonts and images waited for again.
struct Prepare {
    /// Stops animations, transitions and the caret, and makes smooth scrolling instant (which would
    /// otherwise cancel successive scrolls). Injected as one style element, removed before dom.html.
    static let freezeCSS = "html{scroll-behavior:auto!important}*,*::before,*::after{animation:none!important;"
        + "transition:none!important;caret-color:transparent!important}"
    static let freezeStyleId = "exhibit-freeze-style"
    /// For the paginated PDF: the paper and margins are the ones Exhibit asks for, not the page's
    /// `@page` rules, which would otherwise turn the paper (`size: landscape`, or a size Chromium
    /// shrinks onto the paper) or widen the margins past the width the print scale was worked out
    /// for, cutting the right-hand columns. Measured on Chromium 156: this beats a page's `@page`
    /// rules, except margins the page marks `!important` (PDFPrinter warns of those).
    static let pageRuleCSS = "@page{size:auto!important;margin:1cm!important}"

    /// What is injected: the freeze, and for the paginated PDF the page rule.
    static func injectedCSS(_ options: CaptureOptions) -> String {
        freezeCSS + (options.pdfLayout == .paginated ? pageRuleCSS : "")
    }

    let page: CapturePage
    /// The sweep the capture relies on so far: the one of the settle (of the document a consent page led to, if any).
    let settleSweep: SweepOutcome

    func run() async throws -> CaptureRecord.Preparation {
        let session = page.session, limits = page.options.limits
        let css = Self.injectedCSS(page.options)
        let _: Bool? = try await session.run(.freeze, css, Self.freezeStyleId)
        // What the profile did to the page; a dialog the page opened and Exhibit dismissed changed nothing.
        let actions = page.context.actions.filter { $0.kind != .dialog }
        let second: SweepOutcome? = actions.isEmpty ? nil : await SweepOutcome.sweep(session, limits: limits)
        let kinds = Dictionary(grouping: actions, by: \.kind).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
        let reason = second == nil ? "not needed: the profile changed nothing on the page"
            : "the profile changed the page (\(kinds.joined(separator: ", ")))"
        // The last sweep is the one the capture relies on.
        let last = second ?? settleSweep
        if last.cutShort { page.context.warn(.prepare, "scroll sweep stopped at y=\(last.sweep.reachedY): \(last.sweep.stoppedBecause)") }
        try await page.runner.cap(limits.quietSeconds, in: .prepare, .warn("requests still in flight after the scroll sweep (\(limits.quietSeconds) s)")) {
            await page.activity.waitQuiet(for: .milliseconds(300), upTo: $0)
        }
        let _: Bool? = try await session.run(.scrollToTop, awaitPromise: true, timeout: .seconds(10))
        try await page.waitForFontsAndImages(.prepare)
        let first = settleSweep.sweep
        return CaptureRecord.Preparation(
            lazyImagesMadeEager: settleSweep.lazyImagesMadeEager + (second?.lazyImagesMadeEager ?? 0), sweepSteps: first.steps,
            sweepSeconds: first.seconds, sweepReachedY: first.reachedY, sweepStoppedBecause: first.stoppedBecause,
            sweepPhase: "while the page settled, from its load event on", sweepAfterProfile: second?.sweep, sweepAfterProfileReason: reason,
            injectedCSS: css, injectedCSSSHA256: FileDigest.sha256Hex(Array(css.utf8)))
    }

    /// The inverse of the freeze: Exhibit's style element out again, so dom.html is the page's own DOM.
    static func unfreeze(_ page: CapturePage) async throws {
        let _: Bool? = try await page.session.run(.unfreeze, freezeStyleId)
    }
}
