import DevTools
import Foundation

/// What one sweep-scroll did, with the lazy images it made eager just before.
struct SweepOutcome: Sendable {
    var sweep: CaptureRecord.Sweep
    var lazyImagesMadeEager: Int
    /// Stopped early for a reason worth a warning (a limit, or a page that does not scroll).
    var cutShort: Bool

    static let endOfPage = "reached the end of the page"

    /// Runs `sweep.js`. Never throws: a document that goes away mid-sweep ends it, and says so.
    static func sweep(_ session: PageSession, limits: CaptureOptions.Limits) async -> SweepOutcome {
        struct Limits: Encodable { let maxHeight: Int; let maxSteps: Int; let maxMillis: Int; let seconds: Double; let endOfPage: String }
        struct Result: Decodable, Sendable { let y: Double; let steps: Int; let reason: String; let eager: Int; let seconds: Double }
        let given = Limits(maxHeight: limits.maxHeight, maxSteps: limits.sweepSteps, maxMillis: Int(limits.sweepSeconds * 1000),
                           seconds: limits.sweepSeconds, endOfPage: endOfPage)
        let result: Result?
        do {
            result = try await session.run(.sweep, given, awaitPromise: true, timeout: .seconds(limits.sweepSeconds + 30))
        } catch {
            return SweepOutcome(sweep: .init(steps: 0, seconds: 0, reachedY: 0, stoppedBecause: "the sweep could not run: \(error)"),
                                lazyImagesMadeEager: 0, cutShort: true)
        }
        let stoppedBecause = result?.reason ?? "unknown"
        return SweepOutcome(
            sweep: .init(steps: result?.steps ?? 0, seconds: ((result?.seconds ?? 0) * 1000).rounded() / 1000,
                         reachedY: Int(result?.y ?? 0), stoppedBecause: stoppedBecause),
            lazyImagesMadeEager: result?.eager ?? 0, cutShort: stoppedBecause != endOfPage)
    }
}

/// Settle: `load` and `networkIdle` of this navigation, then 500 ms with nothing in flight, then
/// fonts and images, each wait capped. Returns the sweep that ran meanwhile.
///
/// From `load` on, while the network goes quiet, two things that need no settled page run: the
/// sweep-scroll, so that whatever it loads is part of what the settle waits for, and `onLoad` (the
/// capture opens the report's page then: a renderer start). Chromium checks for `networkIdle` only
/// when the page's main thread finishes a task; an idle page may run none for a while, and the
/// event was measured 0.8 s instead of 0.5 s after the last response. A side-effect-free
/// `Runtime.evaluate("0")` every 20 ms gives it that task (measured in Benchmarks/README.md).
struct Settle {
    /// The sweep that ran meanwhile, and each settle rule that was not reached within its cap.
    struct Output: Sendable {
        let sweep: SweepOutcome
        /// Empty when the page settled by the rule; otherwise what it did not reach, in words.
        let unmet: [String]
    }

    let page: CapturePage
    let loaderId: String
    var onLoad: @Sendable () -> Void = {}

    /// Set EXHIBIT_SETTLE_NUDGE=0 to settle without the nudge (for the benchmark that measures it).
    static let nudges = ProcessInfo.processInfo.environment["EXHIBIT_SETTLE_NUDGE"] != "0"

    func run() async throws -> Output {
        let limits = page.options.limits, activity = page.activity, loaderId = self.loaderId, session = page.session
        var unmet: [String] = []
        let loaded = try await page.runner.cap(limits.loadSeconds, in: .settle, .warn("no load event within \(limits.loadSeconds) s")) {
            await activity.wait(upTo: $0) { $0.lifecycle[loaderId]?.contains("load") == true }
        }
        if !loaded { unmet.append("no load event within \(limits.loadSeconds) s") }
        onLoad()
        let sweeping = Task { await SweepOutcome.sweep(session, limits: limits) }
        let nudging = Task {
            while Self.nudges && !Task.isCancelled {
                let _: Int? = try? await session.evaluate("0")
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { nudging.cancel() }
        let almost = { activity.snapshot.lifecycle[loaderId]?.contains("networkAlmostIdle") == true }
        // What was still open then, by Exhibit's own count: Chromium's count is not visible, and a
        // warning read later must say which request kept the page busy (or that none seemed to).
        let openNow = {
            let open = activity.snapshot.inFlight.values.sorted()
            return open.isEmpty ? "nothing in flight by Exhibit's count"
                : "\(open.count) in flight, e.g. " + open.prefix(2).map { String($0.prefix(160)) }.joined(separator: ", ")
        }
        let idle = try await page.runner.cap(limits.networkIdleSeconds, in: .settle,
                                  .warn("no networkIdle event within \(limits.networkIdleSeconds) s (\(openNow())" + (almost() ? "; networkAlmostIdle was reached)" : ")"))) {
            await activity.wait(upTo: $0) { $0.lifecycle[loaderId]?.contains("networkIdle") == true }
        }
        // Chromium's networkIdle also counts connections Exhibit leaves out on purpose (an
        // EventSource, a WebSocket, a ping never end) and can come late from a renderer busy on a
        // loaded machine. With nothing in flight by Exhibit's own count, the warning stands and
        // the quiet window below decides whether the page settled.
        if !idle && !activity.snapshot.inFlight.isEmpty { unmet.append("no networkIdle within \(limits.networkIdleSeconds) s (\(openNow()))") }
        nudging.cancel()
        let sweep = await sweeping.value
        let open = { activity.snapshot.inFlight.values.prefix(3).joined(separator: ", ") }
        let quiet = try await page.runner.cap(limits.quietSeconds, in: .settle,
                                              .warn("requests still in flight after \(limits.quietSeconds) s: \(open())")) {
            await activity.waitQuiet(for: .milliseconds(500), upTo: $0)
        }
        if !quiet {
            // The first request still open is named, so a summary read years on says what was missing.
            let first = activity.snapshot.inFlight.values.sorted().first.map { ", e.g. " + String($0.prefix(160)) } ?? ""
            unmet.append("requests still in flight after \(limits.quietSeconds) s\(first)")
        }
        unmet += try await page.waitForFontsAndImages(.settle)
        return Output(sweep: sweep, unmet: unmet)
    }
}
