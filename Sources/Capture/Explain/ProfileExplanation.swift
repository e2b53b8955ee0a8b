import Foundation
import PlatformProfiles

/// What `exhibit profiles explain` found on one page: for every rule of a profile, what it matched
/// (how many elements, the first value, where the element is), which alternative each field was
/// taken from, and what extraction made of every element the replies rule matched. Platforms
/// change their markup every few months; this is what shows a profile's maintainer why it broke.
public struct ProfileExplanation: Codable, Sendable {
    public var url: String
    /// The document explained (after redirects, or after a consent page led elsewhere).
    public var finalURL: String
    public var profile: String
    public var profileFile: String
    /// `option` (`--profile`), `pattern` or `fallback`.
    public var chosenBy: String
    /// What the profile's runner did to the page before extraction: consent clicks, hidden
    /// overlays, expansion clicks and scrolls.
    public var actions: [CaptureRecord.Action]
    public var consent: String
    public var loginWall: String?
    public var removed: String?
    /// The logged-in account the viewer rules read, with the rule's selector; nil when none did
    /// (or the profile has no viewer rules).
    public var viewer: String? = nil
    public var expansion: CaptureRecord.Expansion
    /// Every rule of the profile, by its place in the file, and whether it selected anything.
    public var rules: [Rule]
    /// Every field the profile reads, with each of its alternatives.
    public var fields: [Field]
    /// Every element the replies rule matched, and what it was counted as.
    public var items: [Item]
    /// What a capture would record: the completeness line's reply part, and more.
    public var outcome: Outcome
    public var warnings: [String]

    /// One rule, e.g. `walls.login[0]` or `extract.fields.likes[1]`.
    public struct Rule: Codable, Sendable {
        /// Its place in the profile file.
        public var path: String
        public var selector: String?
        public var text: String?
        /// Elements the rule finds on the page as it is after the profile ran (visible, and with
        /// the label its `text` asks for); nil where that is not how the rule is used.
        public var onPage: Int?
        /// Times the profile's runner acted by it (clicked, hid) during the run.
        public var used: Int
        /// The first element found: its label or value and its path.
        public var first: String?
        /// Whether the rule selected anything on this page, during the run or after it.
        public var selected: Bool
    }

    public struct Field: Codable, Sendable {
        public var name: String
        /// The post's value as post.json records it, and where it came from (`page markup`,
        /// `json-ld`, `microdata`, `open graph`).
        public var value: String?
        public var source: String?
        public var alternatives: [Alternative]

        public struct Alternative: Codable, Sendable {
            public var path: String
            public var selector: String?
            public var attribute: String?
            public var pattern: String?
            /// Elements it matched in the post's own part (not in its replies).
            public var postMatched: Int
            public var postValue: String?
            public var postElement: String?
            /// Whether the post's value was taken from it (the first alternative with a value wins).
            public var takenForPost: Bool
            /// Replies in which it matched an element, and in which it gave the value taken.
            public var repliesMatched: Int
            public var repliesTaken: Int
        }
    }

    /// An element the replies rule matched: `reply`, `ancestor`, `excluded` (with the rule) or
    /// `ignored` (with why).
    public struct Item: Codable, Sendable {
        public var counted: String
        public var rule: String?
        public var path: String
        public var text: String
    }

    public struct Outcome: Codable, Sendable {
        /// The post selector that found the post, if one did.
        public var postSelector: String?
        public var replies: String
        public var repliesFound: Int
        public var ancestors: Int
        public var excluded: [PostData.Excluded]
        public var essentialsMissing: [String]
    }

    /// Paths of the rules that selected nothing on this page.
    public var unselected: [String] { rules.filter { !$0.selected }.map(\.path) }

    /// Paths of the rules that selected nothing on any of these pages, in the profile's order: a
    /// rule no page exercises is one nobody can tell is still right.
    public static func unselected(across explanations: [ProfileExplanation]) -> [String] {
        var order: [String] = [], selected: Set<String> = []
        for explanation in explanations {
            for rule in explanation.rules {
                if !order.contains(rule.path) { order.append(rule.path) }
                if rule.selected { selected.insert(rule.path) }
            }
        }
        return order.filter { !selected.contains($0) }
    }

    /// The explanation as a person reads it in a terminal.
    public var text: String {
        var lines: [String] = []
        lines.append("profile \(profile) (\(profileFile), chosen by \(chosenBy)) on \(finalURL)")
        lines.append("consent: \(consent)")
        if let loginWall { lines.append("login wall: \(loginWall)") }
        if let viewer { lines.append("viewer: \(viewer)") }
        if let removed { lines.append("removed: \(removed)") }
        lines.append("expansion: \(expansion.rounds) round(s), \(expansion.clicks) click(s), \(expansion.scrolls) scroll(s): \(expansion.stoppedBecause)")
        for action in actions {
            lines.append("  \(action.kind.rawValue) \(action.selector ?? "") \(action.label.map { "'\($0)'" } ?? "")")
        }
        lines.append("")
        lines.append("post: " + (outcome.postSelector.map { "found by \($0)" } ?? "no post selector matched"))
        lines.append(outcome.replies + "; \(outcome.ancestors) ancestor(s)"
                     + outcome.excluded.map { "; \($0.count) \($0.reason) left out" }.joined())
        if !outcome.essentialsMissing.isEmpty { lines.append("post not recognised: missing " + outcome.essentialsMissing.joined(separator: ", ")) }
        lines.append("")
        lines.append("fields (post value; each alternative: matches in the post, value, element; replies it matched / gave the value):")
        for field in fields {
            lines.append("  \(field.name) = " + (field.value.map { "'\(Self.short($0))'" } ?? "(none)") + (field.source.map { " from \($0)" } ?? ""))
            for alternative in field.alternatives {
                let mark = alternative.takenForPost ? "*" : " "
                lines.append("   \(mark) \(alternative.path) \(alternative.selector ?? "(the item itself)")"
                    + (alternative.attribute.map { " @\($0)" } ?? "") + (alternative.pattern.map { " /\($0)/" } ?? ""))
                lines.append("       post: \(alternative.postMatched) matched" + (alternative.postValue.map { ", '\(Self.short($0))'" } ?? "")
                    + (alternative.postElement.map { " at \($0)" } ?? "")
                    + "; replies: \(alternative.repliesMatched) matched, \(alternative.repliesTaken) taken")
            }
        }
        lines.append("")
        lines.append("items the replies rule matched:")
        for (index, item) in items.enumerated() {
            lines.append("  \(index + 1). \(item.counted)" + (item.rule.map { " (\($0))" } ?? "") + ": \(item.path) '\(Self.short(item.text))'")
        }
        lines.append("")
        lines.append("rules:")
        for rule in rules {
            lines.append("  \(rule.selected ? "selected " : "NOTHING  ") \(rule.path) \(rule.selector ?? "")"
                + (rule.text.map { " text /\($0)/" } ?? "")
                + (rule.onPage.map { "; on the page now: \($0)" } ?? "") + (rule.used > 0 ? "; used \(rule.used) time(s)" : "")
                + (rule.first.map { "; first: \($0)" } ?? ""))
        }
        for warning in warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func short(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 80 ? String(flat.prefix(79)) + "…" : flat
    }
}
