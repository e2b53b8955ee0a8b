import DevTools
import Foundation
import PlatformProfiles

/// Which answer Exhibit gave a consent dialog.
enum ConsentChoice: String, Sendable { case accept, reject }

/// What the profile did to the page and what it found, for capture.json and post.json.
struct ProfileOutcome: Sendable {
    var consent: String = "no consent dialog was shown"
    var consentChoice: ConsentChoice?
    var loginWall: CaptureRecord.Found?
    var removed: CaptureRecord.Found?
    var expansion = CaptureRecord.Expansion(rounds: 0, clicks: 0, scrolls: 0, seconds: 0,
                                            stoppedBecause: "the profile has no expansion rules", limitReached: false)
    var hidden = 0
    /// The settle of the document a consent page led to, and the sweep that ran in it; nil when the
    /// captured document is the one first settled.
    var resettled: Settle.Output?
    /// How an account page's timeline was scrolled; nil for a post.
    var timeline: TimelineScroll?
    /// The logged-in account the page shows, by the profile's viewer rules (label: the handle).
    var viewer: CaptureRecord.Found?
}

/// Profile: runs a platform profile against the page. Its regexes are compiled in the browser
/// first; then consent (nothing else can be reached behind it), walls, overlays, thread expansion,
/// overlays again (login prompts appear on scroll). A walled page is not expanded. Everything runs
/// in Exhibit's isolated world; clicks are trusted input, and each is recorded as an action.
///
/// A consent page of its own (YouTube's consent.youtube.com, for one) sends the browser back to the
/// post once answered: that document is settled, given a new isolated world, and captured instead;
/// the navigation is recorded as an action.
struct ApplyProfile {
    struct Output: Sendable {
        let world: IsolatedWorld
        /// The document that is captured (a consent page may have led to another).
        let loaderId: String
        let outcome: ProfileOutcome
    }

    let page: CapturePage
    let profile: Profile
    /// Where the profile's file is, for errors that name it.
    let file: String
    let navigation: Navigate.Output
    /// An account page is scrolled a bounded number of times instead of expanded as a thread.
    var kind: Profile.PageKind = .post

    func run() async throws -> Output {
        var world = try await IsolatedWorld.open(page.session, frameId: navigation.frameId)
        try await checkRegexes(in: world)
        var loaderId = navigation.loaderId
        var outcome = ProfileOutcome()
        if let consent = profile.consent {
            let answer = AnswerConsent(page: page, rules: consent)
            try await answer.run(world: world, loaderId: loaderId, outcome: &outcome)
            if let next = page.activity.navigation(after: loaderId) {
                page.context.act(.navigation, selector: nil, label: next.url,
                                 detail: "answering the consent dialog loaded this page; it was settled and captured instead")
                loaderId = next.loaderId
                outcome.resettled = try await Settle(page: page, loaderId: loaderId).run()
                world = try await IsolatedWorld.open(page.session, frameId: navigation.frameId)
                // The page behind a consent page may ask again, in a dialog of its own.
                try await answer.run(world: world, loaderId: loaderId, outcome: &outcome)
            }
        }
        // Walls before hiding: a login wall may look like a dismissable login prompt.
        if let walls = profile.walls { try await detectWalls(walls, world: world, outcome: &outcome) }
        if let rules = profile.viewer, !rules.isEmpty {
            struct Viewer: Decodable, Sendable { let value: String; let selector: String }
            let viewer: Viewer? = try await world.call("viewer", rules)
            outcome.viewer = viewer.map { .init(selector: $0.selector, label: profile.viewerAccount($0.value)) }
        }
        try await hideOverlays(world: world, outcome: &outcome)
        if kind == .account, let account = profile.account {
            if outcome.loginWall != nil || outcome.removed != nil {
                outcome.expansion.stoppedBecause = "not scrolled: " + (outcome.loginWall != nil ? "login wall" : "the account is not available")
                outcome.timeline = TimelineScroll(scrolls: 0, limit: account.scrolls, goesOn: false)
            } else {
                (outcome.expansion, outcome.timeline) = try await ScrollTimeline(page: page, rules: account).run(world: world)
                try await hideOverlays(world: world, outcome: &outcome)
            }
        } else if let rules = profile.expand {
            if outcome.loginWall != nil || outcome.removed != nil {
                outcome.expansion.stoppedBecause = "not expanded: " + (outcome.loginWall != nil ? "login wall" : "the post is not available")
            } else {
                outcome.expansion = try await ExpandThread(page: page, rules: rules, replies: profile.extract.replies, hide: profile.hide)
                    .run(world: world, hidden: &outcome.hidden)
                try await hideOverlays(world: world, outcome: &outcome)
            }
        }
        try page.failIfNavigatedAway(from: loaderId)
        return Output(world: world, loaderId: loaderId, outcome: outcome)
    }

    /// One dialect: every regex of the profile is compiled by the engine that runs it, with its
    /// flags, before anything is clicked; one V8 refuses makes the profile unusable (exit 2).
    func checkRegexes(in world: IsolatedWorld) async throws {
        struct Problem: Decodable, Sendable { let rule: String; let error: String }
        let regexes = profile.pageRegexes
        guard !regexes.isEmpty else { return }
        let problems: [Problem] = try await world.run(.checkRegexes, regexes) ?? []
        if let problem = problems.first {
            let regex = regexes.first { $0.rule == problem.rule }
            let shown = regex.map { " /\($0.source)/\($0.flags)" } ?? ""
            throw CaptureError.badProfile("profile \(file): field '\(problem.rule)': the browser refuses the regular expression\(shown): \(problem.error)",
                                          step: .profile, url: page.url)
        }
    }

    func detectWalls(_ walls: Profile.Walls, world: IsolatedWorld, outcome: inout ProfileOutcome) async throws {
        struct Found: Decodable, Sendable { let selector: String; let label: String }
        if let found: Found = try await world.call("present", walls.login) {
            outcome.loginWall = .init(selector: found.selector, label: found.label)
            page.context.warn(.profile, "login wall: '\(found.label)'")
        }
        if let found: Found = try await world.call("present", walls.removed) {
            outcome.removed = .init(selector: found.selector, label: found.label)
            page.context.warn(.profile, "the post is not available: '\(found.label)'")
        }
    }

    func hideOverlays(world: IsolatedWorld, outcome: inout ProfileOutcome) async throws {
        guard !profile.hide.isEmpty else { return }
        outcome.hidden += try await PageControls(page: page, world: world).hide(profile.hide)
    }
}

/// What the profile clicks and hides, through the isolated world, each act recorded.
struct PageControls {
    let page: CapturePage
    let world: IsolatedWorld

    struct Target: Decodable, Sendable { let index: Int; let selector: String; let label: String }
    private struct Point: Decodable, Sendable { let x: Double; let y: Double; let hits: Bool }
    private struct Hidden: Decodable, Sendable { let selector: String; let label: String; let reason: String }

    /// Visible, idle elements matching the rules, each once.
    func find(_ rules: [Profile.ElementRule]) async throws -> [Target] {
        try await world.call("find", rules) ?? []
    }

    /// Clicks one found target with trusted input. When another element covers its centre, the
    /// click goes to the element itself with a user gesture instead, and the action says so. Then
    /// waits for the page to be idle.
    func click(_ target: Target, kind: CaptureRecord.ActionKind, round: Int?) async throws -> Bool {
        guard let point: Point = try await world.call("locate", target.index) else { return false }
        let clickedAt = ContinuousClock.now
        if point.hits {
            try await page.session.click(x: point.x, y: point.y)
            page.context.act(kind, selector: target.selector, label: target.label, round: round,
                             detail: "trusted mouse click (Input.dispatchMouseEvent)")
        } else {
            let _: Bool? = try await world.call("clickCovered", target.index, userGesture: true)
            page.context.act(kind, selector: target.selector, label: target.label, round: round,
                             detail: "element covered at its centre; clicked with element.click() and userGesture")
        }
        try await waitIdle(since: clickedAt)
        return true
    }

    /// Hides every element the rules match; returns how many.
    func hide(_ rules: [Profile.HideRule]) async throws -> Int {
        let hidden: [Hidden] = try await world.call("hide", rules) ?? []
        for element in hidden { page.context.act(.hide, selector: element.selector, label: element.label, detail: element.reason) }
        return hidden.count
    }

    /// Nothing in flight for 300 ms since `since` (a click or a scroll), then 200 ms without a DOM
    /// change (at most 3 s), for what the page renders from its responses. After a click that loaded
    /// a new document the world is gone: then there is nothing to wait for.
    func waitIdle(since: ContinuousClock.Instant) async throws {
        _ = await page.activity.waitQuiet(for: .milliseconds(300), since: since, upTo: page.options.limits.quietSeconds)
        let _: Int?? = try? await world.call("quiet", 200, 3000, awaitPromise: true, timeout: .seconds(10))
    }
}

/// Consent: a reject (or only-necessary) control first; an accept control only when there is none,
/// and then warned about. A dialog still there afterwards, or one no control matched, is hidden.
struct AnswerConsent {
    let page: CapturePage
    let rules: Profile.Consent

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

    func run(world: IsolatedWorld, loaderId: String, outcome: inout ProfileOutcome) async throws {
        let controls = PageControls(page: page, world: world), context = page.context
        var dialogShown = false
        if let dialog = rules.dialog { dialogShown = try await world.call("exists", dialog) ?? false }
        if let choice = try await controls.find(rules.reject).first {
            let accepting = Self.looksLikeAccept(choice.label)
            _ = try await controls.click(choice, kind: accepting ? .consentAccept : .consentReject, round: nil)
            outcome.consentChoice = accepting ? .accept : .reject
            outcome.consent = "dismissed with '\(choice.label)'"
            if accepting {
                context.warn(.consent, "the profile's reject rule found '\(choice.label)', which gives consent; it was clicked and is recorded as acceptance")
            }
        } else if let choice = try await controls.find(rules.accept).first {
            _ = try await controls.click(choice, kind: .consentAccept, round: nil)
            outcome.consentChoice = .accept
            outcome.consent = "accepted with '\(choice.label)': no reject or only-necessary option was offered"
            context.warn(.consent, "only an accept option was offered; '\(choice.label)' was clicked and is recorded as acceptance")
        } else if dialogShown {
            outcome.consent = "shown, but no control matched the profile; the dialog was hidden"
            context.warn(.consent, "a consent dialog is shown but none of the profile's reject or accept controls matched")
        }
        // A consent page that loaded the post anew when answered: the caller carries on with that document.
        if page.activity.navigation(after: loaderId) != nil { return }
        // A dialog still there after the click (or with nothing to click) is hidden, never left over the post.
        if let dialog = rules.dialog, try await world.call("exists", dialog) == true {
            outcome.hidden += try await controls.hide([Profile.HideRule(selector: dialog, reason: "consent dialog still shown")])
            if outcome.consentChoice != nil { context.warn(.consent, "the consent dialog was still shown after the click; it was hidden") }
        }
    }
}

/// Expand: clicks every "show more" control, scrolls to the bottom, waits for the page to be idle,
/// and repeats until a round changes nothing or a limit of the profile is reached (a warning: the
/// thread may be cut).
struct ExpandThread {
    let page: CapturePage
    let rules: Profile.Expansion
    /// The profile's reply selector, to count replies between rounds.
    let replies: String?
    /// Overlays to hide before each round: a sign-up bar that appears once the reader scrolls
    /// would otherwise cover the next "show more" control (and be clicked instead).
    var hide: [Profile.HideRule] = []

    func run(world: IsolatedWorld, hidden: inout Int) async throws -> CaptureRecord.Expansion {
        let controls = PageControls(page: page, world: world)
        let started = ContinuousClock.now
        var result = CaptureRecord.Expansion(rounds: 0, clicks: 0, scrolls: 0, seconds: 0, stoppedBecause: "", limitReached: false)
        var lastScrollY = -1
        var fruitless = 0
        func count() async throws -> Int { try await world.call("count", replies) ?? 0 }
        func height() async throws -> Int { try await world.call("height") ?? 0 }
        while true {
            let before = try await count()
            let limit: String? = before >= rules.maxReplies ? "reached the profile's limit of \(rules.maxReplies) replies"
                : result.rounds >= rules.maxRounds ? "reached the profile's limit of \(rules.maxRounds) rounds"
                : (ContinuousClock.now - started).seconds >= rules.maxSeconds ? "reached the profile's time limit of \(rules.maxSeconds) s"
                : nil
            if let limit {
                result.stoppedBecause = limit
                result.limitReached = true
                break
            }
            result.rounds += 1
            if !hide.isEmpty { hidden += try await controls.hide(hide) }
            let heightBefore = try await height()
            var clicked = 0
            for target in try await controls.find(rules.click) {
                if try await controls.click(target, kind: .click, round: result.rounds) { clicked += 1 }
            }
            result.clicks += clicked
            var scrolled = false
            if rules.scroll {
                let scrolledAt = ContinuousClock.now
                let y: Int = try await world.call("scrollToBottom", awaitPromise: true) ?? 0
                if y != lastScrollY {
                    page.context.act(.scroll, selector: "html", label: "scroll to the bottom of the page", round: result.rounds,
                                     detail: "window.scrollTo to y=\(y) CSS px")
                    result.scrolls += 1
                    scrolled = true
                    lastScrollY = y
                    try await controls.waitIdle(since: scrolledAt)
                }
            }
            let countAfter = try await count(), heightAfter = try await height()
            let changed = countAfter != before || heightAfter != heightBefore
            if clicked == 0, !scrolled, !changed {
                result.stoppedBecause = "nothing more to expand"
                break
            }
            // Controls that are clicked but load nothing (a page offline, or one that wants a
            // login) would otherwise be clicked until the round limit: two such rounds end it, and
            // the replies behind them are said to be missing.
            fruitless = changed ? 0 : fruitless + 1
            if fruitless >= 2 {
                result.stoppedBecause = "\(clicked) control(s) were clicked in \(fruitless) rounds in a row without loading anything more; "
                    + "what they hold was not captured"
                result.limitReached = true
                break
            }
        }
        result.seconds = ((ContinuousClock.now - started).seconds * 1000).rounded() / 1000
        if result.limitReached { page.context.warn(.expand, "thread expansion stopped: \(result.stoppedBecause); the thread may be cut") }
        return result
    }
}
