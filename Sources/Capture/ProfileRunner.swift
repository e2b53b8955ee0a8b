import DevTools
import Evidence
import Foundation
import PlatformProfiles

/// What the profile did to the page and what it found, gathered for capture.json and post.json.
struct ProfileOutcome {
    var consent: String = "no consent dialog was shown"
    var consentChoice: String?
    var loginWall: CaptureRecord.Found?
    var removed: CaptureRecord.Found?
    var expansion = CaptureRecord.Expansion(rounds: 0, clicks: 0, scrolls: 0, seconds: 0,
                                            stoppedBecause: "the profile has no expansion rules", limitReached: false)
    var hidden = 0
    /// The settle of the document a consent page led to, and the sweep that ran in it; nil when
    /// the captured document is the one first settled.
    var resettled: CaptureRun.SweepOutcome?
}

/// Runs a platform profile against the page: consent, walls, thread expansion, overlays, and
/// extraction. Everything runs in Exhibit's isolated world; clicks are trusted input
/// (`Input.dispatchMouseEvent`). Every click, scroll and hiding is appended to ``CaptureRun/actions``.
extension CaptureRun {
    /// Creates the isolated world for the main frame and installs ``PageScripts/install`` in it.
    func openIsolatedWorld(session: PageSession, frameId: String) async throws -> Int {
        let world = try await session.send(PageCommands.CreateIsolatedWorld(frameId: frameId, worldName: "exhibit"))
        let _: Bool? = try await session.evaluate(PageScripts.install, contextId: world.executionContextId)
        return world.executionContextId
    }

    /// Calls `exhibit.<call>` in the isolated world with JSON arguments.
    func world<Value: Decodable & Sendable>(_ session: PageSession, _ context: Int, _ call: String, _ arguments: [String] = [],
                                            awaitPromise: Bool = false, userGesture: Bool = false) async throws -> Value? {
        try await session.evaluate("exhibit.\(call)(\(arguments.joined(separator: ", ")))", awaitPromise: awaitPromise,
                                   userGesture: userGesture, contextId: context, timeout: .seconds(30))
    }

    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    func record(_ kind: String, selector: String?, label: String?, round: Int? = nil, detail: String? = nil) {
        actions.append(.init(at: UTCTime.milliseconds(Date()), kind: kind, selector: selector, label: label, round: round, detail: detail))
    }

    /// Waits until nothing has been in flight for 300 ms since `since` (a click or a scroll), then
    /// for the DOM to be quiet.
    func waitIdle(session: PageSession, context: Int, activity: PageActivity, since: ContinuousClock.Instant) async throws {
        _ = await activity.wait(upTo: options.limits.quietSeconds) { state in
            let last = max(state.lastNetworkChange, since)
            return state.inFlight.isEmpty && ContinuousClock.now - last >= .milliseconds(300)
        }
        // Then 200 ms without a DOM change (at most 3 s), for what the page renders from its responses.
        // After a click that loaded a new document the world is gone: then there is nothing to wait for.
        let _: Int?? = try? await session.evaluate("exhibit.quiet(200, 3000)", awaitPromise: true, contextId: context, timeout: .seconds(10))
    }

    struct Target: Decodable, Sendable { let index: Int; let selector: String; let label: String }
    struct Point: Decodable, Sendable { let x: Double; let y: Double; let hits: Bool }
    struct Found: Decodable, Sendable { let selector: String; let label: String }

    /// Clicks one found target with trusted input. When another element covers its centre, the
    /// click goes to the element itself with a user gesture instead, and the action says so.
    func clickTarget(_ target: Target, kind: String, round: Int?, session: PageSession, context: Int,
                     activity: PageActivity) async throws -> Bool {
        guard let point: Point = try await world(session, context, "locate", ["\(target.index)"]) else { return false }
        let clickedAt = ContinuousClock.now
        if point.hits {
            try await session.click(x: point.x, y: point.y)
            record(kind, selector: target.selector, label: target.label, round: round, detail: "trusted mouse click (Input.dispatchMouseEvent)")
        } else {
            let _: Bool? = try await world(session, context, "clickCovered", ["\(target.index)"], userGesture: true)
            record(kind, selector: target.selector, label: target.label, round: round,
                   detail: "element covered at its centre; clicked with element.click() and userGesture")
        }
        try await waitIdle(session: session, context: context, activity: activity, since: clickedAt)
        return true
    }

    /// A label that gives consent to everything, whatever rule found it: such a click is never silent.
    /// Whole words are matched ("cookies" holds "ok"), and any word of refusal or limitation wins
    /// ("Alleen essentiële cookies toestaan" and "Only allow essential cookies" refuse).
    static func looksLikeAccept(_ label: String) -> Bool {
        func matches(_ pattern: String) -> Bool {
            label.range(of: pattern, options: [.regularExpression, .caseInsensitive]) != nil
        }
        let refusing = #"\b(reject\w*|decline\w*|refuse\w*|weiger\w*|afwijzen|only|necessary|essential|essenti\w*|noodzakelijk\w*|alleen|manage|settings|instellingen|opties|options|customi[sz]e|nee|no thanks|don't allow|do not allow)\b"#
        if matches(refusing) { return false }
        return matches(#"\b(accept\w*|allow|agree|akkoord|toestaan|i consent|ok|okay|got it|alle cookies)\b"#)
    }

    func dismissConsent(_ consent: Profile.Consent, outcome: inout ProfileOutcome, session: PageSession, context: Int,
                        loaderId: String, activity: PageActivity) async throws {
        var dialogShown = false
        if let dialog = consent.dialog { dialogShown = try await world(session, context, "exists", [Self.json(dialog)]) ?? false }
        let rejects: [Target] = try await world(session, context, "find", [Self.json(consent.reject)]) ?? []
        if let choice = rejects.first {
            let accepting = Self.looksLikeAccept(choice.label)
            _ = try await clickTarget(choice, kind: accepting ? "consent-accept" : "consent-reject", round: nil,
                                      session: session, context: context, activity: activity)
            outcome.consentChoice = accepting ? "accept" : "reject"
            outcome.consent = "dismissed with '\(choice.label)'"
            if accepting {
                warn("consent", "the profile's reject rule found '\(choice.label)', which gives consent; it was clicked and is recorded as acceptance")
            }
        } else {
            let accepts: [Target] = try await world(session, context, "find", [Self.json(consent.accept)]) ?? []
            if let choice = accepts.first {
                _ = try await clickTarget(choice, kind: "consent-accept", round: nil, session: session, context: context, activity: activity)
                outcome.consentChoice = "accept"
                outcome.consent = "accepted with '\(choice.label)': no reject or only-necessary option was offered"
                warn("consent", "only an accept option was offered; '\(choice.label)' was clicked and is recorded as acceptance")
            } else if dialogShown {
                outcome.consent = "shown, but no control matched the profile; the dialog was hidden"
                warn("consent", "a consent dialog is shown but none of the profile's reject or accept controls matched")
            }
        }
        // A consent page that loaded the post anew when answered: the caller carries on with that document.
        if activity.navigation(after: loaderId) != nil { return }
        // A dialog still there after the click (or with nothing to click) is hidden, never left over the post.
        if let dialog = consent.dialog, try await world(session, context, "exists", [Self.json(dialog)]) == true {
            let hidden: [HiddenElement] = try await world(session, context, "hide",
                [Self.json([Profile.HideRule(selector: dialog, text: nil, reason: "consent dialog still shown")])]) ?? []
            for element in hidden { record("hide", selector: element.selector, label: element.label, detail: element.reason) }
            outcome.hidden += hidden.count
            if outcome.consentChoice != nil { warn("consent", "the consent dialog was still shown after the click; it was hidden") }
        }
    }

    struct HiddenElement: Decodable, Sendable { let selector: String; let label: String; let reason: String }

    func hideOverlays(_ rules: [Profile.HideRule], outcome: inout ProfileOutcome, session: PageSession, context: Int) async throws {
        guard !rules.isEmpty else { return }
        let hidden: [HiddenElement] = try await world(session, context, "hide", [Self.json(rules)]) ?? []
        for element in hidden { record("hide", selector: element.selector, label: element.label, detail: element.reason) }
        outcome.hidden += hidden.count
    }

    func detectWalls(_ walls: Profile.Walls, outcome: inout ProfileOutcome, session: PageSession, context: Int) async throws {
        if let found: Found = try await world(session, context, "present", [Self.json(walls.login)]) {
            outcome.loginWall = .init(selector: found.selector, label: found.label)
            warn("profile", "login wall: '\(found.label)'")
        }
        if let found: Found = try await world(session, context, "present", [Self.json(walls.removed)]) {
            outcome.removed = .init(selector: found.selector, label: found.label)
            warn("profile", "the post is not available: '\(found.label)'")
        }
    }

    /// Clicks every "show more" control, scrolls to the bottom, waits for the network to go idle,
    /// and repeats until a round changes nothing or a limit of the profile is reached.
    func expandThread(_ expand: Profile.Expansion, replies: String?, outcome: inout ProfileOutcome, session: PageSession,
                      context: Int, activity: PageActivity) async throws {
        let started = ContinuousClock.now
        var result = CaptureRecord.Expansion(rounds: 0, clicks: 0, scrolls: 0, seconds: 0, stoppedBecause: "", limitReached: false)
        var lastScrollY = -1
        while true {
            let count: Int = try await world(session, context, "count", [Self.json(replies)]) ?? 0
            let seconds = (ContinuousClock.now - started).seconds
            if count >= expand.maxReplies {
                result.stoppedBecause = "reached the profile's limit of \(expand.maxReplies) replies"; result.limitReached = true; break
            }
            if result.rounds >= expand.maxRounds {
                result.stoppedBecause = "reached the profile's limit of \(expand.maxRounds) rounds"; result.limitReached = true; break
            }
            if seconds >= expand.maxSeconds {
                result.stoppedBecause = "reached the profile's time limit of \(expand.maxSeconds) s"; result.limitReached = true; break
            }
            result.rounds += 1
            let heightBefore: Int = try await world(session, context, "height") ?? 0
            var clicked = 0
            let targets: [Target] = try await world(session, context, "find", [Self.json(expand.click)]) ?? []
            for target in targets {
                if try await clickTarget(target, kind: "click", round: result.rounds, session: session, context: context, activity: activity) {
                    clicked += 1
                }
            }
            result.clicks += clicked
            var scrolled = false
            if expand.scroll {
                let scrolledAt = ContinuousClock.now
                let y: Int = try await world(session, context, "scrollToBottom", awaitPromise: true) ?? 0
                if y != lastScrollY {
                    record("scroll", selector: "html", label: "scroll to the bottom of the page", round: result.rounds,
                           detail: "window.scrollTo to y=\(y) CSS px")
                    result.scrolls += 1
                    scrolled = true
                    lastScrollY = y
                    try await waitIdle(session: session, context: context, activity: activity, since: scrolledAt)
                }
            }
            let heightAfter: Int = try await world(session, context, "height") ?? 0
            let countAfter: Int = try await world(session, context, "count", [Self.json(replies)]) ?? 0
            if clicked == 0 && heightAfter == heightBefore && countAfter == count && !scrolled {
                result.stoppedBecause = "nothing more to expand"; break
            }
        }
        result.seconds = ((ContinuousClock.now - started).seconds * 1000).rounded() / 1000
        if result.limitReached { warn("expand", "thread expansion stopped: \(result.stoppedBecause); the thread may be cut") }
        outcome.expansion = result
    }
}

extension CaptureRun {
    /// Consent first (nothing else can be reached behind it), then walls, then overlays; a walled
    /// page is not expanded. Overlays are hidden after expansion too, since login prompts appear on scroll.
    ///
    /// A consent page of its own (YouTube's consent.youtube.com, for one) sends the browser back to
    /// the post once answered: that new document is settled, given a new isolated world, and from
    /// then on `loaderId` is its loader; the navigation is recorded as an action.
    func applyProfile(session: PageSession, context: inout Int, loaderId: inout String, frameId: String,
                      activity: PageActivity) async throws -> ProfileOutcome {
        let rules = profile.profile
        var outcome = ProfileOutcome()
        if let consent = rules.consent {
            try await dismissConsent(consent, outcome: &outcome, session: session, context: context, loaderId: loaderId, activity: activity)
            if let next = activity.navigation(after: loaderId) {
                record("navigation", selector: nil, label: next.url,
                       detail: "answering the consent dialog loaded this page; it was settled and captured instead")
                loaderId = next.loaderId
                outcome.resettled = try await settle(session: session, activity: activity, loaderId: loaderId)
                context = try await openIsolatedWorld(session: session, frameId: frameId)
                // The page behind a consent page may ask again, in a dialog of its own.
                try await dismissConsent(consent, outcome: &outcome, session: session, context: context, loaderId: loaderId, activity: activity)
            }
        }
        // Walls before hiding: a login wall may look like a dismissable login prompt.
        if let walls = rules.walls { try await detectWalls(walls, outcome: &outcome, session: session, context: context) }
        try await hideOverlays(rules.hide, outcome: &outcome, session: session, context: context)
        if let expand = rules.expand {
            if outcome.loginWall != nil || outcome.removed != nil {
                outcome.expansion.stoppedBecause = "not expanded: " + (outcome.loginWall != nil ? "login wall" : "the post is not available")
            } else {
                try await expandThread(expand, replies: rules.extract.replies, outcome: &outcome, session: session,
                                       context: context, activity: activity)
                try await hideOverlays(rules.hide, outcome: &outcome, session: session, context: context)
            }
        }
        return outcome
    }

    /// Reads the post and replies in the isolated world, writes data/post.json, and works out completeness.
    func extract(session: PageSession, context: Int, outcome: ProfileOutcome, screenshot: CaptureRecord.Screenshot,
                 pdf: CaptureRecord.PDF?, pageURL: String, file: URL) async throws -> (PostData, CaptureRecord.Completeness) {
        let rules = profile.profile
        struct Spec: Encodable {
            let post: [String]; let replies: String?; let nesting: Profile.Nesting
            let fields: [String: [Profile.FieldRule]]; let media: [Profile.MediaRule]
        }
        let spec = Spec(post: rules.extract.post, replies: rules.extract.replies, nesting: rules.extract.nesting,
                        fields: rules.extract.fields, media: rules.extract.media)
        guard let raw: RawExtraction = try await world(session, context, "extract", [Self.json(spec)]) else {
            throw DevToolsError.badResponse(method: "Runtime.evaluate", reason: "the extraction script returned nothing")
        }
        let geometry = ScreenshotGeometry(x: Double(screenshot.x), y: Double(screenshot.y), width: Double(screenshot.cssWidth),
                                          height: Double(screenshot.cssHeight), scale: options.deviceScaleFactor)
        let post = PostData.build(raw: raw, profile: rules, captureId: captureId, pageURL: pageURL, capturedAt: started,
                                  timeZone: TimeZone(identifier: options.timeZone) ?? .current, geometry: geometry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(post).write(to: file)
        let language: String? = try await session.evaluate("document.documentElement.lang || null", contextId: context)
        let completeness = CompletenessReport.make(post: post, raw: raw, outcome: outcome, screenshot: screenshot, pdf: pdf,
                                                   profileName: rules.name, language: language)
        // Invalid CSS is a defect of the profile, and a platform page without its post is news:
        // both are capture warnings too. A field that matched nothing is stated in completeness only.
        for selector in raw.invalidSelectors { warn("extract", "invalid selector in profile \(rules.name): \(selector)") }
        if raw.post == nil && rules.name != "generic" && outcome.loginWall == nil && outcome.removed == nil {
            warn("extract", "no post element matched the \(rules.name) profile; the page may have changed its structure")
        }
        return (post, completeness)
    }
}
