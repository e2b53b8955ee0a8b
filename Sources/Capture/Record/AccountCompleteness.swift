import Foundation
import PlatformProfiles

/// The completeness section of an account page. It compares like with like: the account's name
/// and handle are its essentials, and the posts visible on the timeline are never set against the
/// post count the header shows (that is the account's total, most of which no timeline shows at
/// once), so there is no "N of M" here, and nothing about replies.
enum AccountCompleteness {
    /// "account page: 7 post(s) visible on the timeline (1 pinned, 1 repost); …": the summary's first words.
    static func timelineLine(_ post: PostData) -> String {
        guard let timeline = post.timeline else { return "account page" }
        var marks: [String] = []
        let pinned = timeline.entries.filter { $0.pinned == true }.count, reposts = timeline.entries.filter { $0.repost == true }.count
        if pinned > 0 { marks.append("\(pinned) pinned") }
        if reposts > 0 { marks.append("\(reposts) repost(s)") }
        var line = "account page: \(timeline.visible) post(s) visible on the timeline" + (marks.isEmpty ? "" : " (" + marks.joined(separator: ", ") + ")")
        line += timeline.goesOn ? "; the timeline goes on (more posts load on scrolling; not captured)" : ""
        if let total = post.account?.counts.posts {
            line += "; the account shows \(total.value.map(String.init) ?? "'\(total.shown)'") posts in total"
        }
        return line
    }

    static func make(post: PostData, timeline: PostData.Timeline, raw: RawExtraction, outcome: ProfileOutcome,
                     screenshot: CaptureRecord.Screenshot, pdf: CaptureRecord.PDF?, form shared: [CaptureRecord.Characteristic],
                     pageResources: [CaptureRecord.Characteristic], refused: Int, reached: Int, profileName: String, language: String?,
                     unsettled: [String], domChanges: Int) -> CaptureRecord.Completeness {
        typealias C = CaptureRecord.Characteristic
        let account = post.account
        let notFound = outcome.loginWall != nil ? "not shown: login wall" : outcome.removed != nil ? "not shown: the account is not available"
            : account == nil ? "no account header matched the profile" : "not found on the page"
        func have(_ name: String, _ value: String?) -> C {
            C(name: name, captured: value?.isEmpty == false, detail: value.map { "'\($0.prefix(120))'" } ?? notFound)
        }
        func count(_ name: String, _ value: PostData.Count?) -> C {
            C(name: name, captured: value != nil,
              detail: value.map { "shown '\($0.shown)'" + ($0.value.map { " = \($0)" } ?? " (not a number)") } ?? notFound)
        }
        let entries = timeline.entries
        let withoutURL = entries.filter { $0.url == nil }.count
        let withoutTime = entries.filter { $0.published.iso == nil && $0.published.shown == nil }.count
        let estimated = entries.filter { $0.published.precision == .estimated }.count

        var content = [have("bio", account?.bio)]
        content.append(C(name: "timeline", captured: !entries.isEmpty, detail: timeline.note))
        content.append(C(name: "post texts", captured: entries.contains { $0.text != nil },
                         detail: "\(entries.filter { $0.text != nil }.count) of the \(entries.count) visible post(s) with their text as the timeline shows it"))
        content += pageResources

        var context = [have("account name", account?.displayName), have("handle", account?.handle)]
        context.append(C(name: "post URLs", captured: !entries.isEmpty && withoutURL == 0,
                         detail: entries.isEmpty ? "no posts visible" : withoutURL == 0 ? "every visible post with its URL"
                            : "\(withoutURL) of \(entries.count) visible post(s) without a URL"))
        context.append(C(name: "post times", captured: !entries.isEmpty && withoutTime == 0,
                         detail: entries.isEmpty ? "no posts visible" : withoutTime == entries.count ? "the timeline shows no times for its posts"
                            : (withoutTime == 0 ? "every visible post with its time" : "\(withoutTime) of \(entries.count) visible post(s) without a time")
                            + (estimated > 0 ? "; \(estimated) estimated from a relative time" : "")))
        context.append(have("account URL", account?.url))
        context.append(C(name: "platform", captured: true, detail: "\(post.platform) (profile \(profileName), account page)"))
        context.append(C(name: "language", captured: language != nil, detail: language.map { "'\($0)'" } ?? "not stated by the page"))

        var form = shared
        if let pdf, let index = form.firstIndex(where: { $0.name == "PDF text" }) {
            let check = pdf.textCheck
            form[index] = C(name: "PDF text", captured: check.missing.isEmpty,
                            detail: check.missing.isEmpty ? "the text of all \(check.itemsChecked) timeline post(s) with text is in the PDF"
                                : "\(check.missing.count) of \(check.itemsChecked) items not found in the PDF's text: " + check.missing.joined(separator: "; "))
        }
        var behaviour = [count("follower count", account?.counts.followers), count("following count", account?.counts.following),
                         count("post count", account?.counts.posts)]
        behaviour.append(C(name: "interactive behaviour", captured: false, detail: "buttons and players are captured as they looked, not as they behave"))

        let structure = [
            C(name: "timeline order", captured: !entries.isEmpty, detail: "posts in the order the page showed them, pinned posts first where pinned"),
            C(name: "timeline loading", captured: !timeline.goesOn,
              detail: "\(outcome.expansion.scrolls) scroll(s) of at most \(timeline.scrollLimit); " + outcome.expansion.stoppedBecause
                + (timeline.goesOn ? ". Older posts were not captured: a capture of an account page is what it showed, not its whole history" : "")),
            C(name: "account post count", captured: true,
              detail: "the account's total as the header shows it; not compared with the posts visible, which are only the latest"),
        ]

        var warnings = raw.invalidSelectors.map { "invalid selector in profile \(profileName): \($0)" }
        warnings += raw.misses.map { "field \($0.field): no rule matched (\($0.selectors.joined(separator: " | ")))" }
        if account == nil { warnings.append("no account header matched (\(raw.postSelector ?? "none of the header selectors, or none given"))") }

        var essentials: [String] = []
        if account?.displayName == nil { essentials.append("account name") }
        if account?.handle == nil { essentials.append("account handle") }

        var summary: [String] = []
        if !essentials.isEmpty && outcome.loginWall == nil && outcome.removed == nil {
            summary.append("account not recognised (missing: " + essentials.joined(separator: ", ") + ")")
        }
        summary += CompletenessReport.pageParts(outcome: outcome, domChanges: domChanges, refused: refused, reached: reached, unsettled: unsettled)
        if outcome.removed != nil { summary.append("account removed or unavailable") }
        summary.append(timelineLine(post))
        if !entries.isEmpty && withoutURL > 0 { summary.append("\(withoutURL) post(s) without a URL") }
        if !entries.isEmpty && withoutTime > 0 {
            summary.append(withoutTime == entries.count ? "the timeline shows no times" : "\(withoutTime) post(s) without a time")
        }
        if estimated > 0 { summary.append("\(estimated) time(s) estimated from relative times") }
        summary += CompletenessReport.renderingParts(screenshot: screenshot, pdf: pdf)
        if !essentials.isEmpty && (outcome.loginWall != nil || outcome.removed != nil) {
            summary.append("missing: " + essentials.joined(separator: ", "))
        }
        if outcome.consentChoice == .accept { summary.append("consent accepted (no reject option)") }

        return .init(summary: summary.joined(separator: "; "),
                     availability: outcome.loginWall != nil ? .loginWall : outcome.removed != nil ? .removed : .available,
                     content: content, context: context, form: form, behaviour: behaviour, structure: structure,
                     warnings: warnings, essentialsMissing: essentials, repliesBeyondCount: nil)
    }
}
