import DevTools
import Foundation

/// The page one capture acts on, with what every phase needs beside it: the options, the shared
/// context (warnings, actions, timings) and the runner that caps waits. Phases take it as their
/// first input; it holds no state of its own.
struct CapturePage: Sendable {
    let session: PageSession
    let activity: PageActivity
    let options: CaptureOptions
    let runner: StepRunner
    /// The network policy's guard; nil when the policy refuses nothing.
    let network: NetworkGuard?

    var context: CaptureContext { runner.context }
    var url: String { context.url.absoluteString }

    /// Fails with the URL the page went to if the main frame committed another document after
    /// `loaderId`'s: what would be captured then is not the page that was asked for.
    func failIfNavigatedAway(from loaderId: String) throws {
        // A refused navigation leaves an error page behind: the refusal is the reason to give.
        try failIfRefused()
        if let away = activity.navigatedAway(from: loaderId) {
            throw StepProblem("the page navigated away during capture (to \(away))")
        }
    }

    /// Fails when the network policy refused the page's own document: the URL asked for, a
    /// redirect hop or a later navigation of the main frame.
    func failIfRefused() throws {
        if let refusal = network?.refusal(of: url) { throw refusal }
    }

    /// Fonts ready and every image loaded and decoded, each capped; caps become warnings of `step`.
    /// Returns what was not reached in time, in words.
    @discardableResult
    func waitForFontsAndImages(_ step: CaptureStep) async throws -> [String] {
        var unmet: [String] = []
        let limits = options.limits
        let millis = Int(limits.fontsAndImagesSeconds * 1000)
        let fonts: String? = try await session.run(.fontsReady, millis, awaitPromise: true,
                                                   timeout: .seconds(limits.fontsAndImagesSeconds + 5))
        if fonts != "loaded" {
            context.warn(step, "web fonts not loaded within \(limits.fontsAndImagesSeconds) s (\(fonts ?? "unknown"))")
            unmet.append("web fonts not loaded within \(limits.fontsAndImagesSeconds) s")
        }
        struct Images: Decodable, Sendable { let loading: Int; let broken: Int }
        let images: Images? = try await session.run(.imagesReady, millis, awaitPromise: true,
                                                     timeout: .seconds(limits.fontsAndImagesSeconds * 2 + 5))
        if let images, images.loading > 0 {
            context.warn(step, "\(images.loading) image(s) still loading after \(limits.fontsAndImagesSeconds) s")
            unmet.append("\(images.loading) image(s) still loading after \(limits.fontsAndImagesSeconds) s")
        }
        if let images, images.broken > 0 {
            context.warnOnce(step, "\(images.broken) image(s) failed to load")
        }
        return unmet
    }
}
