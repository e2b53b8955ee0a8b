import Foundation
import PlatformProfiles

extension CaptureRecord {
    /// The essential characteristics of the Nationaal Archief guideline (content, context, form,
    /// behaviour, structure), each stating what was captured, what was not and why.
    public struct Completeness: Codable, Sendable {
        /// One line, e.g. "replies 43 of 45 shown; video as still only".
        public var summary: String
        public var availability: Availability
        public var content: [Characteristic]
        public var context: [Characteristic]
        public var form: [Characteristic]
        public var behaviour: [Characteristic]
        public var structure: [Characteristic]
        /// Profile rules that matched nothing, invalid selectors, and the like.
        public var warnings: [String]
        /// The post's author, time or text is missing (`--strict` fails on this).
        public var essentialsMissing: [String]
        /// Replies found minus the reply count the page shows; nil when it shows none (and in
        /// records made before this was recorded). Anything but 0 means the counts do not add up.
        public var repliesBeyondCount: Int?
        /// The platform API's comparison with the page in one line (`--api`); nil without it.
        public var platformAPI: String? = nil

        /// False when the post's author, time or text could not be read: the capture holds the
        /// page, but Exhibit did not recognise the post on it.
        public var postRecognised: Bool { essentialsMissing.isEmpty }
    }
    /// Whether the post itself was there to capture.
    public enum Availability: String, Codable, Sendable, CaseIterable {
        case available
        case loginWall = "login wall"
        case removed
    }
    public struct Characteristic: Codable, Sendable {
        public var name: String
        public var captured: Bool
        public var detail: String
    }
}

/// Works out the completeness section from what the page gave, what the profile did and what the
/// checks found: once, after the last check that feeds it.
enum CompletenessReport {
    /// How many replies were read against the count the page shows: the summary's first words, and
    /// the extract step's progress line.
    static func replies(_ post: PostData) -> String {
        let found = post.replyCount.captured
        // Replies that could not be read are never "0 replies".
        if let reason = post.repliesNotRead {
            return "replies not read: \(reason)" + (post.replyCount.shownValue.map { " (the page counts \($0))" } ?? "")
        }
        guard let shown = post.replyCount.shownValue else { return "replies \(found) (no count shown)" }
        if found > shown {
            // Never "N of M" with N > M: something counted as a reply may not be one.
            return "replies: \(found) found where the page counts \(shown), \(found - shown) more than the count (some may not be replies)"
        }
        return "replies \(found) of \(shown) shown" + (found < shown ? " (\(shown - found) not captured)" : "")
    }

    /// What the summary says of the page itself, for posts and account pages alike: a login wall,
    /// changes while it was captured, private addresses, an unsettled page.
    static func pageParts(outcome: ProfileOutcome, domChanges: Int, refused: Int, reached: Int, unsettled: [String]) -> [String] {
        var parts: [String] = []
        if outcome.loginWall != nil { parts.append("login wall") }
        if domChanges > 0 { parts.append("the page changed while it was captured") }
        if refused > 0 { parts.append("\(refused) request(s) to private addresses refused") }
        if reached > 0 { parts.append("\(reached) private address(es) reached, not stopped") }
        if !unsettled.isEmpty { parts.append("the page did not settle (" + unsettled.joined(separator: "; ") + ")") }
        return parts
    }

    /// What the summary says of the screenshot and the PDF: cut, or blank over content.
    static func renderingParts(screenshot: CaptureRecord.Screenshot, pdf: CaptureRecord.PDF?) -> [String] {
        var parts: [String] = []
        if screenshot.cssHeight < screenshot.documentHeight { parts.append("page cut at --max-height (\(screenshot.cssHeight) of \(screenshot.documentHeight) CSS px)") }
        if let width = screenshot.documentWidth { parts.append("page cut at --max-width (\(width) CSS px wide)") }
        if let pdf, let cut = pdf.cutWidth {
            parts.append("PDF may be cut at the paper's right edge (up to \(cut) of \(pdf.contentWidth ?? 0) CSS px)")
        }
        if !screenshot.blankBands.isEmpty { parts.append("\(screenshot.blankBands.count) blank band(s) over visible content") }
        return parts
    }

    /// What makes a post recognised that the post lacks: its author, its time, its text.
    static func essentialsMissing(_ item: PostData.Item?) -> [String] {
        var missing: [String] = []
        if item?.author.displayName == nil && item?.author.handle == nil { missing.append("author") }
        if item?.published.iso == nil && item?.published.shown == nil { missing.append("publication time") }
        if item?.text?.isEmpty ?? true { missing.append("text") }
        return missing
    }

    /// "1 by the author" and the like: what the replies found include, and what was left out.
    static func threadParts(_ post: PostData) -> [String] {
        var parts: [String] = []
        if let own = post.replyCount.byAuthor, own > 0 { parts.append("\(own) of the replies by the author (self-thread)") }
        if let gone = post.replyCount.removed, gone > 0 {
            var reasons: [String: Int] = [:]
            for reply in post.allReplies { if let reason = reply.removed { reasons[reason, default: 0] += 1 } }
            let detail = reasons.keys.sorted().map { "\(reasons[$0] ?? 0) \($0)" }.joined(separator: ", ")
            parts.append("\(gone) of the replies shown without their content (\(detail)), kept and counted")
        }
        if let ancestors = post.ancestors, !ancestors.isEmpty {
            parts.append("\(ancestors.count) earlier post(s) it answers kept as ancestors, not replies")
        }
        for left in post.excluded ?? [] {
            switch left.reason {
            case "recommendation":
                parts.append("\(left.count) recommended post(s) after '\(left.label ?? "the thread")' left out")
            default:
                parts.append("\(left.count) \(left.reason) item(s) left out")
            }
        }
        return parts
    }

    /// The hosts of `requests`, each once, with the rule that refused them.
    static func hosts(_ requests: [CaptureRecord.BlockedRequest]) -> String {
        var seen: [String] = []
        for request in requests {
            let text = "\(request.address ?? request.host) (\(request.rule))"
            if !seen.contains(text) { seen.append(text) }
        }
        return seen.joined(separator: ", ")
    }

    static func make(post: PostData, raw: RawExtraction, outcome: ProfileOutcome, screenshot: CaptureRecord.Screenshot,
                     pdf: CaptureRecord.PDF?, profileName: String, language: String?,
                     unsettled: [String] = [], domChanges: Int = 0,
                     blocked: [CaptureRecord.BlockedRequest] = []) -> CaptureRecord.Completeness {
        typealias C = CaptureRecord.Characteristic
        let item = post.post
        func have(_ name: String, _ value: String?, missing: String) -> C {
            C(name: name, captured: value?.isEmpty == false, detail: value.map { "'\($0.prefix(120))'" } ?? missing)
        }
        let notFound = outcome.loginWall != nil ? "not shown: login wall" : outcome.removed != nil ? "not shown: the post is not available"
            : item == nil ? "no post element matched the profile" : "not found on the page"
        let all = [item].compactMap { $0 } + post.allReplies
        let media = all.flatMap(\.media)
        let videos = media.filter { $0.type == "video" }.count, images = media.filter { $0.type == "image" }.count

        var content = [have("text", item?.text, missing: notFound)]
        content.append(C(name: "media", captured: !media.isEmpty,
                         detail: media.isEmpty ? "no images or videos found" : "\(images) image(s), \(videos) video(s) with their URLs and alt text"
                            + (videos > 0 ? "; video captured as a still only (no playback, no video file)" : "")))
        content.append(C(name: "links", captured: !(item?.links.isEmpty ?? true), detail: "\(item?.links.count ?? 0) link(s) in the post text kept with their URLs"))
        // Requests the network policy refused are page content that did not load; addresses reached
        // too late to refuse are content that loaded although it should not have.
        let refused = blocked.filter { $0.stage == .request }, reached = blocked.filter { $0.stage != .request }
        if !refused.isEmpty {
            content.append(C(name: "page resources", captured: false,
                             detail: "\(refused.count) request(s) refused by the network policy did not load: "
                                + Self.hosts(refused) + " (network.blocked in capture.json)"))
        }
        if !reached.isEmpty {
            content.append(C(name: "addresses reached", captured: false,
                             detail: "\(reached.count) connection(s) to addresses the network policy refuses could not be stopped: "
                                + Self.hosts(reached) + " (network.blocked in capture.json)"))
        }

        var context = [have("author", item?.author.displayName, missing: notFound), have("handle", item?.author.handle, missing: notFound)]
        let published = item?.published
        context.append(C(name: "publication time", captured: published?.iso != nil || published?.shown != nil,
                         detail: published.map { p in
                             [p.shown.map { "shown as '\($0)'" }, p.iso.map { "\($0) (\(p.precision.rawValue))" }, p.note]
                                 .compactMap { $0 }.joined(separator: "; ") }.flatMap { $0.isEmpty ? nil : $0 } ?? notFound))
        context.append(have("post id", item?.id, missing: notFound))
        context.append(have("canonical URL", post.canonicalURL, missing: "the page does not state it"))
        context.append(C(name: "platform", captured: true, detail: "\(post.platform) (profile \(profileName))"))
        context.append(have("language", item?.language ?? language, missing: "not stated by the page"))

        var form = [C(name: "full-page screenshot", captured: true,
                      detail: "\(screenshot.pixelWidth)x\(screenshot.pixelHeight) px"
                        + (screenshot.cssHeight < screenshot.documentHeight ? ", truncated at --max-height" : "")
                        + (screenshot.documentWidth.map { ", cut at --max-width from \($0) CSS px wide" } ?? ""))]
        form.append(C(name: "PDF", captured: pdf != nil,
                      detail: pdf.map { "\($0.pageCount) \($0.layout) page(s), \($0.paper), \($0.media) media"
                        + ($0.scale.flatMap { $0 < 1 ? ", scaled to \($0) to fit the paper's width" : nil } ?? "") } ?? "not made (--no-pdf)"))
        if let pdf, let cut = pdf.cutWidth {
            form.append(C(name: "PDF width", captured: false,
                          detail: "up to \(cut) of the page's \(pdf.contentWidth ?? 0) CSS px on the right may be missing from the PDF: "
                            + (pdf.scaleReason ?? "too wide for the paper") + " (the screenshot has them)"))
        }
        form.append(C(name: "consent dialog", captured: outcome.consentChoice != .accept, detail: outcome.consent))
        form.append(C(name: "logged-in view", captured: false, detail: "captured logged out, in a fresh browser profile"))
        if outcome.hidden > 0 {
            form.append(C(name: "overlays", captured: false, detail: "\(outcome.hidden) overlay element(s) hidden before capture (listed in actions)"))
        }
        if domChanges > 0 {
            form.append(C(name: "one state of the page", captured: false,
                          detail: "the DOM changed \(domChanges) time(s) while the screenshot and PDF were taken (warnings say where)"))
        }
        if !unsettled.isEmpty {
            form.append(C(name: "settled page", captured: false,
                          detail: "the page did not reach the settle rule, so it may have been captured while still changing: "
                            + unsettled.joined(separator: "; ")))
        }
        if let pdf {
            let check = pdf.textCheck
            form.append(C(name: "PDF text", captured: check.missing.isEmpty,
                          detail: check.missing.isEmpty ? "the text of the post and all \(check.itemsChecked - 1) replies is in the PDF"
                            : "\(check.missing.count) of \(check.itemsChecked) items not found in the PDF's text: " + check.missing.joined(separator: "; ")))
        }

        // An account page is no post: its header and timeline are judged on their own terms.
        if let timeline = post.timeline {
            return AccountCompleteness.make(post: post, timeline: timeline, raw: raw, outcome: outcome, screenshot: screenshot, pdf: pdf,
                                            form: form, pageResources: content.filter { $0.name == "page resources" || $0.name == "addresses reached" },
                                            refused: refused.count, reached: reached.count, profileName: profileName, language: language,
                                            unsettled: unsettled, domChanges: domChanges)
        }
        let counts = item?.counts
        func count(_ name: String, _ value: PostData.Count?) -> C {
            C(name: name, captured: value != nil,
              detail: value.map { "shown '\($0.shown)'" + ($0.value.map { " = \($0)" } ?? " (not a number)") } ?? notFound)
        }
        var behaviour = [count("reply count", counts?.replies), count("repost count", counts?.reposts), count("like count", counts?.likes)]
        behaviour.append(C(name: "interactive behaviour", captured: false,
                           detail: videos > 0 ? "video playback is not captured" : "buttons and players are captured as they looked, not as they behave"))

        let shown = post.replyCount.shownValue
        let captured = post.replyCount.captured
        let nested = post.allReplies.count - (item?.replies.count ?? 0)
        var structure = [C(name: "replies", captured: captured > 0 && (shown.map { captured >= $0 } ?? true),
                           detail: post.repliesNotRead.map { "not read: \($0)" }
                            ?? shown.map { "\(captured) of \($0) shown captured" } ?? "\(captured) captured; the page shows no reply count")]
        structure.append(C(name: "reply tree", captured: captured > 0 && post.replyTreeNotRead == nil,
                           detail: post.replyTreeNotRead.map { "not read: \($0)" } ?? "\(captured - nested) direct, \(nested) nested"))
        let parts = threadParts(post)
        structure.append(C(name: "thread boundaries", captured: true,
                           detail: parts.isEmpty ? "no ancestors, self-thread replies, promoted or recommended items found" : parts.joined(separator: "; ")))
        structure.append(C(name: "thread expansion", captured: !outcome.expansion.limitReached,
                           detail: "\(outcome.expansion.rounds) round(s), \(outcome.expansion.clicks) click(s), \(outcome.expansion.scrolls) scroll(s); "
                            + outcome.expansion.stoppedBecause))

        var warnings = raw.invalidSelectors.map { "invalid selector in profile \(profileName): \($0)" }
        warnings += raw.misses.map { "field \($0.field): no rule matched (\($0.selectors.joined(separator: " | ")))" }
        if item == nil { warnings.append("no post element matched (\(raw.postSelector ?? "none of the post selectors"))") }
        for conflict in post.fieldConflicts ?? [] {
            warnings.append("\(conflict.field): the page's markup read by the profile says '\(conflict.pageMarkup.prefix(80))', "
                + "its \(conflict.source) says '\(conflict.structured.prefix(80))'; the \(conflict.source) value is used")
        }

        let essentials = essentialsMissing(item)

        var summary: [String] = []
        // The page is kept either way; what it is not is a recognised post, and that comes first.
        if !essentials.isEmpty && outcome.loginWall == nil && outcome.removed == nil {
            summary.append("post not recognised (missing: " + essentials.joined(separator: ", ") + ")")
        }
        summary += pageParts(outcome: outcome, domChanges: domChanges, refused: refused.count, reached: reached.count, unsettled: unsettled)
        if outcome.removed != nil { summary.append("post removed or unavailable") }
        summary.append(replies(post))
        if post.replyTreeNotRead != nil { summary.append("reply tree not read (all listed as answering the post)") }
        summary += threadParts(post)
        if videos > 0 { summary.append("video as still only") }
        // The state is partial for these; the summary must say why.
        summary += renderingParts(screenshot: screenshot, pdf: pdf)
        if outcome.expansion.limitReached {
            summary.append(outcome.expansion.stoppedBecause.hasPrefix("reached") ? "thread cut at the limit"
                           : "thread cut: controls clicked without loading anything")
        }
        if published?.precision == .estimated { summary.append("time estimated from '\(published?.shown ?? "")'") }
        if !essentials.isEmpty && (outcome.loginWall != nil || outcome.removed != nil) {
            summary.append("missing: " + essentials.joined(separator: ", "))
        }
        if outcome.consentChoice == .accept { summary.append("consent accepted (no reject option)") }

        return .init(summary: summary.joined(separator: "; "),
                     availability: outcome.loginWall != nil ? .loginWall : outcome.removed != nil ? .removed : .available,
                     content: content, context: context, form: form, behaviour: behaviour, structure: structure,
                     warnings: warnings, essentialsMissing: essentials,
                     repliesBeyondCount: post.replyCount.shownValue.map { post.replyCount.captured - $0 })
    }
}
