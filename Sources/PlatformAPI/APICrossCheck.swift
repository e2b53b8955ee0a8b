import Foundation
import PlatformProfiles

/// The API's account of a post against the page's: text after normalisation, author, time to the
/// second, the reply count shown, and the replies themselves by id. Each difference is one line a
/// reader can act on ("API shows 45 replies, the page 43"); a field one side does not give is
/// named as not compared, never counted as agreeing.
public enum APICrossCheck {
    /// The most replies named one by one in a difference; the rest are counted.
    static let maxNamed = 10

    /// - Parameter pageTitle: the document's title; YouTube's oEmbed gives the video's title only,
    ///   which the page shows as its heading and title, not in the description read as the post's text.
    public static func compare(api: APIPost, page: PostData, platform: APIPlatform, pageTitle: String? = nil) -> APIComparison {
        guard let item = page.post else { return .notCompared("the page's post was not read") }
        var checked: [String] = [], notChecked: [String] = [], differences: [APIComparison.Difference] = []
        func differ(_ field: String, api: String?, page: String?, _ message: String) {
            differences.append(.init(field: field, api: api.map { String($0.prefix(500)) }, page: page.map { String($0.prefix(500)) }, message: message))
        }

        // Text. Reddit keeps a title apart from the body and the page may show either or both;
        // oEmbed gives only the video's title, which the page shows as its own title.
        let pageText = item.text.map(normalised)
        switch (platform, pageText) {
        case (.youtube, _):
            if let title = api.title.map(normalised) {
                checked.append("title")
                // YouTube's document title is the video's, then " - YouTube".
                var shown = normalised(pageTitle ?? "")
                if shown.hasSuffix(" - YouTube") { shown = String(shown.dropLast(" - YouTube".count)) }
                if shown != title {
                    differ("title", api: title, page: pageTitle, "title: API \(quote(title)), the page \(quote(pageTitle ?? "(none)"))")
                }
            } else { notChecked.append("title (oEmbed gave none)") }
        case (_, nil):
            notChecked.append("text (the page's text was not read)")
        case (_, let text?):
            var forms = [api.text].compactMap { $0 }.map(normalised)
            if platform == .reddit, let title = api.title.map(normalised) {
                forms += [title, normalised(title + " " + (api.text ?? ""))]
            }
            if forms.isEmpty { notChecked.append("text (the API gave none)") }
            else {
                checked.append("text")
                if !forms.contains(text) {
                    let best = forms[0]
                    differ("text", api: best, page: text, "text differs: " + firstDifference(api: best, page: text))
                }
            }
        }

        // Author, by handle (the display name where the API gives no handle).
        if let apiHandle = api.author.handle, let pageHandle = item.author.handle {
            checked.append("author")
            if !sameHandle(apiHandle, pageHandle) {
                differ("author", api: apiHandle, page: pageHandle, "author: API @\(bare(apiHandle)), the page @\(bare(pageHandle))")
            }
        } else if let apiName = api.author.displayName, let pageName = item.author.displayName {
            checked.append("author")
            if normalised(apiName) != normalised(pageName) {
                differ("author", api: apiName, page: pageName, "author: API \(quote(apiName)), the page \(quote(pageName))")
            }
        } else { notChecked.append("author (\(api.author.handle == nil && api.author.displayName == nil ? "the API gave none" : "the page's was not read"))") }

        // Time, to the second, when the page gives an exact one.
        if let apiTime = api.published.flatMap(parseTime) {
            if item.published.precision == .exact, let pageTime = item.published.iso.flatMap(parseTime) {
                checked.append("published")
                if Int(apiTime.timeIntervalSince1970.rounded(.down)) != Int(pageTime.timeIntervalSince1970.rounded(.down)) {
                    differ("published", api: api.published, page: item.published.iso,
                           "published: API \(iso(apiTime)), the page \(iso(pageTime))")
                }
            } else {
                notChecked.append("published (the page shows \(item.published.shown.map(quote) ?? "no time"), \(item.published.precision.rawValue))")
            }
        } else { notChecked.append("published (the API gave no time)") }

        // The reply count the post shows, and the replies listed against those captured.
        if let apiCount = api.counts.replies {
            if let shown = page.replyCount.shownValue {
                checked.append("reply count")
                if apiCount != shown { differ("replies", api: String(apiCount), page: String(shown), "API shows \(apiCount) replies, the page \(shown)") }
            } else {
                checked.append("reply count")
                if apiCount != page.replyCount.captured {
                    differ("replies", api: String(apiCount), page: String(page.replyCount.captured),
                           "API shows \(apiCount) replies, the capture holds \(page.replyCount.captured) (the page shows no count)")
                }
            }
        } else { notChecked.append("reply count (the API gave none)") }

        if api.listsReplies {
            checked.append("replies by id")
            let pageReplies = page.allReplies
            let pageById = Dictionary(pageReplies.compactMap { r in r.id.map { (idKey($0), r) } }, uniquingKeysWith: { a, _ in a })
            let apiById = Dictionary(api.replies.map { (idKey($0.id), $0) }, uniquingKeysWith: { a, _ in a })
            if pageById.isEmpty && !pageReplies.isEmpty {
                notChecked.append("replies by id (the page's replies have no ids)")
                checked.removeLast()
            } else {
                let missing = api.replies.filter { pageById[idKey($0.id)] == nil && $0.removed != true }
                if !missing.isEmpty {
                    differ("replyIds", api: String(missing.count), page: nil,
                           "\(missing.count) repl\(missing.count == 1 ? "y" : "ies") the API lists \(missing.count == 1 ? "is" : "are") not in the capture: " + names(missing.map(\.id)))
                }
                let extra = pageReplies.filter { $0.id.map { apiById[idKey($0)] == nil } ?? false }
                if !extra.isEmpty {
                    differ("replyIds", api: nil, page: String(extra.count),
                           "\(extra.count) repl\(extra.count == 1 ? "y" : "ies") in the capture \(extra.count == 1 ? "is" : "are") not listed by the API: " + names(extra.compactMap(\.id)))
                }
                var textDiffers = 0
                for reply in api.replies {
                    guard let pageReply = pageById[idKey(reply.id)], let a = reply.text.map(normalised), let p = pageReply.text.map(normalised), a != p else { continue }
                    textDiffers += 1
                    if textDiffers <= maxNamed {
                        differ("reply text", api: a, page: p, "reply \(idKey(reply.id)): text differs: " + firstDifference(api: a, page: p))
                    }
                }
                if textDiffers > maxNamed {
                    differ("reply text", api: nil, page: nil, "and \(textDiffers - maxNamed) more replies whose text differs")
                }
                if let notListed = api.repliesNotListed {
                    notChecked.append("\(notListed) repl\(notListed == 1 ? "y" : "ies") the API counts but did not list (Reddit's \"more\")")
                }
            }
        } else { notChecked.append("replies (this API does not list them)") }

        return APIComparison(state: differences.isEmpty ? .agrees : .differs, checked: checked, notChecked: notChecked,
                             differences: differences, reason: nil)
    }

    /// NFC, runs of white space as one space, trimmed: what two renderings of one text share.
    public static func normalised(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The key replies are matched by: an id's last path segment without Reddit's `t1_`/`t3_`
    /// (a Bluesky at:// URI and its record key, a Reddit fullname and its id, match).
    public static func idKey(_ id: String) -> String {
        var key = id.split(separator: "/").last.map(String.init) ?? id
        for prefix in ["t1_", "t3_"] where key.hasPrefix(prefix) { key = String(key.dropFirst(prefix.count)) }
        return key
    }

    static func bare(_ handle: String) -> String {
        var h = handle.trimmingCharacters(in: .whitespaces)
        if h.hasPrefix("u/") { h = String(h.dropFirst(2)) }
        if h.hasPrefix("@") { h.removeFirst() }
        return h
    }

    /// `@anouk@social.example` and `anouk` are one account when one side names no instance.
    static func sameHandle(_ a: String, _ b: String) -> Bool {
        let x = bare(a).lowercased(), y = bare(b).lowercased()
        if x == y { return true }
        let xs = x.split(separator: "@"), ys = y.split(separator: "@")
        if xs.count != ys.count, let xf = xs.first, let yf = ys.first { return xf == yf }
        return false
    }

    /// An ISO 8601 time, with or without fractional seconds.
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    static func quote(_ text: String) -> String { "“" + (text.count > 80 ? text.prefix(79) + "…" : text) + "”" }

    static func names(_ ids: [String]) -> String {
        ids.prefix(maxNamed).map(idKey).joined(separator: ", ") + (ids.count > maxNamed ? " and \(ids.count - maxNamed) more" : "")
    }

    /// Where two texts part, with a little of each around it, each excerpt after its label.
    public static func firstDifference(api: String, page: String, labels: (String, String) = ("API", "the page")) -> String {
        let a = Array(api), p = Array(page)
        var i = 0
        while i < a.count, i < p.count, a[i] == p[i] { i += 1 }
        let start = max(0, i - 20)
        func excerpt(_ c: [Character]) -> String {
            guard start < c.count else { return "(ends)" }
            let end = min(c.count, i + 40)
            return (start > 0 ? "…" : "") + String(c[start..<end]) + (end < c.count ? "…" : "")
        }
        return "\(labels.0) \(quote(excerpt(a))), \(labels.1) \(quote(excerpt(p)))"
    }
}
