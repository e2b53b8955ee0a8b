import DevTools
import Foundation
import PlatformAPI
import PlatformProfiles

/// An account page's timeline loads more posts for as long as it is scrolled: it is scrolled to
/// its bottom at most the profile's `account.scrolls` times, and stops early when a scroll brings
/// no new entry. Whether the last scroll still loaded posts is kept: the record then says the
/// timeline goes on beyond what was captured, never that it was captured whole.
struct ScrollTimeline {
    let page: CapturePage
    let rules: Profile.Account

    func run(world: IsolatedWorld) async throws -> (CaptureRecord.Expansion, TimelineScroll) {
        let controls = PageControls(page: page, world: world)
        let started = ContinuousClock.now
        func count() async throws -> Int { try await world.call("count", rules.posts) ?? 0 }
        // A collection (`exhibit collect --since`) scrolls back until the timeline reaches the
        // window's start, up to its own limit instead of the profile's.
        let window = page.options.timelineWindow
        let limit = window.map { $0.maxScrolls } ?? rules.scrolls
        var scrolls = 0
        var goesOn = false
        var lastY = -1
        var reachedSince = false
        while scrolls < limit {
            if let window, let since = window.sinceDate, try await oldestListed(world: world).map({ $0 < since }) == true { reachedSince = true; break }
            let before = try await count()
            let scrolledAt = ContinuousClock.now
            let y: Int = try await world.call("scrollToBottom", awaitPromise: true) ?? 0
            // At the same place as before the page did not grow: nothing more was loaded.
            if y == lastY { goesOn = false; break }
            lastY = y
            scrolls += 1
            page.context.act(.scroll, selector: "html", label: "scroll to the bottom of the account page", round: scrolls,
                             detail: "window.scrollTo to y=\(y) CSS px (timeline scroll \(scrolls) of at most \(limit))")
            try await controls.waitIdle(since: scrolledAt)
            goesOn = try await count() > before
            if !goesOn { break }
        }
        if let window, let since = window.sinceDate, !reachedSince, goesOn, try await oldestListed(world: world).map({ $0 < since }) == true { reachedSince = true }
        let scroll = TimelineScroll(scrolls: scrolls, limit: limit, goesOn: goesOn)
        let seconds = ((ContinuousClock.now - started).seconds * 1000).rounded() / 1000
        let since = window?.since ?? ""
        let stopped = reachedSince
            ? "account page: scrolled \(scrolls) time(s), back past \(since), the start of the collection's window"
            : goesOn
            ? "account page: scrolled \(scrolls) time(s), the \(window == nil ? "profile's" : "collection's") limit; the timeline goes on (the last scroll still loaded posts)"
                + (window == nil ? "" : "; it did not reach \(since)")
            : limit == 0 ? "account page: the profile does not scroll its timeline"
            : "account page: scrolled \(scrolls) time(s); no more posts loaded"
        // The limit is by design (a timeline has no end to wait for), so it does not make the
        // capture partial; the summary says the timeline goes on.
        return (CaptureRecord.Expansion(rounds: scrolls, clicks: 0, scrolls: scrolls, seconds: seconds, stoppedBecause: stopped,
                                        limitReached: false), scroll)
    }
}

extension ScrollTimeline {
    /// The oldest time an entry of the timeline shows (pinned entries aside: they are old by
    /// design), as the account rules read it; nil when no entry shows a time that can be read.
    func oldestListed(world: IsolatedWorld) async throws -> Date? {
        guard let raw: RawAccount = try await world.call("account", AccountSpec(rules)) else { return nil }
        let times = raw.posts.filter { $0.fields["pinned"] == nil }.compactMap { item -> Date? in
            let time = PublishedTime.resolve(machine: item.fields["published"], shown: item.fields["publishedShown"],
                                             capturedAt: page.context.started, timeZone: TimeZone(identifier: page.options.timeZone) ?? .current)
            return time.iso.flatMap(APICrossCheck.parseTime)
        }
        return times.min()
    }
}

/// What the page script's `account` function reads: the profile's account rules.
struct AccountSpec: Encodable {
    let header: [String]; let fields: [String: [Profile.FieldRule]]
    let posts: String; let postFields: [String: [Profile.FieldRule]]
    init(_ account: Profile.Account) {
        header = account.header; fields = account.fields; posts = account.posts; postFields = account.postFields
    }
}

extension Extract {
    /// Reads an account page: the header and the timeline's entries, into data/post.json.
    func runAccount(_ account: Profile.Account) async throws -> Output {
        guard let raw: RawAccount = try await world.call("account", AccountSpec(account)) else {
            throw StepProblem("the account extraction script returned nothing")
        }
        let options = page.options, context = page.context
        let geometry = ScreenshotGeometry(x: Double(screenshot.x), y: Double(screenshot.y), width: Double(screenshot.cssWidth),
                                          height: Double(screenshot.cssHeight), scale: options.deviceScaleFactor)
        var post = PostData.buildAccount(raw: raw, profile: profile, scroll: timeline ?? TimelineScroll(scrolls: 0, limit: 0, goesOn: false),
                                         captureId: context.captureId, pageURL: pageURL, capturedAt: context.started,
                                         timeZone: TimeZone(identifier: options.timeZone) ?? .current, geometry: geometry)
        let (inlineFiles, language) = try await write(&post)
        for selector in raw.invalidSelectors { context.warn(.extract, "invalid selector in profile \(profile.name): \(selector)") }
        if raw.header == nil && !walled {
            context.warn(.extract, "no account header matched the \(profile.name) profile's account rules; the page may have changed its structure")
        }
        return Output(post: post, raw: RawExtraction(account: raw), language: language, inlineFiles: inlineFiles)
    }
}
