import Foundation

/// What the page's own extraction script gathered of its machine-readable self-description.
package struct RawStructured: Codable, Sendable {
    /// The text of each `application/ld+json` script.
    package var jsonld: [String]
    /// Open Graph, `article:` and `twitter:` meta tags, and `author`/`description`.
    package var meta: [String: String]
    /// Microdata items, as JSON (`[{type, props: {name: [value or item]}}]`).
    package var microdata: String

    package init(jsonld: [String], meta: [String: String], microdata: String) {
        self.jsonld = jsonld
        self.meta = meta
        self.microdata = microdata
    }
}

/// A post or comment as the page describes itself: schema.org JSON-LD or microdata, or the Open
/// Graph tags. Read as data (parsed, never matched with regular expressions over the script's
/// text), and used where the profile's own rules found nothing, with the source recorded.
package struct StructuredPost: Sendable, Equatable {
    /// `json-ld`, `microdata` or `open graph`.
    package var source: String
    package var fields: [String: String] = [:]
    package var comments: [StructuredPost] = []
}

package enum StructuredData {
    /// schema.org types that describe a post (not its comments).
    static let postTypes: Set<String> = ["SocialMediaPosting", "DiscussionForumPosting", "BlogPosting", "LiveBlogPosting",
                                         "Article", "NewsArticle", "Report", "VideoObject", "Question",
                                         // Instagram describes a post as the image it shows, with a caption.
                                         "ImageObject"]
    static let commentTypes: Set<String> = ["Comment", "Answer"]
    /// No page makes Exhibit walk more than this many comments or this deep.
    package static let maxComments = 5_000
    package static let maxDepth = 32

    /// The descriptions of the post, most specific first: JSON-LD, then microdata, then Open Graph.
    package static func posts(from raw: RawStructured?) -> [StructuredPost] {
        guard let raw else { return [] }
        var budget = maxComments
        var found: [StructuredPost] = []
        let nodes = raw.jsonld.flatMap { text -> [[String: Any]] in
            guard let data = text.data(using: .utf8),
                  let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
            return flatten(value)
        }
        if let node = nodes.first(where: { !types(of: $0["@type"]).isDisjoint(with: postTypes) }) {
            found.append(fromJSONLD(node, depth: 0, budget: &budget))
        }
        if let data = raw.microdata.data(using: .utf8),
           let items = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]],
           let item = items.first(where: { !types(of: $0["type"]).isDisjoint(with: postTypes) }) {
            found.append(fromMicrodata(item, depth: 0, budget: &budget))
        }
        var graph = StructuredPost(source: "open graph")
        let meta = raw.meta
        graph.fields["url"] = meta["og:url"]
        graph.fields["text"] = meta["og:description"] ?? meta["description"]
        graph.fields["published"] = meta["article:published_time"]
        graph.fields["authorName"] = meta["article:author"].flatMap { $0.hasPrefix("http") ? nil : $0 } ?? meta["author"]
        graph.fields["authorHandle"] = meta["twitter:creator"].map(withoutAt)
        graph.fields = graph.fields.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        if !graph.fields.isEmpty { found.append(graph) }
        return found
    }

    /// Top-level JSON-LD values, with `@graph` lists opened.
    static func flatten(_ value: Any) -> [[String: Any]] {
        if let list = value as? [Any] { return list.flatMap(flatten) }
        guard let object = value as? [String: Any] else { return [] }
        if let graph = object["@graph"] { return [object] + flatten(graph) }
        return [object]
    }

    /// `"SocialMediaPosting"`, `["Comment"]`, `"https://schema.org/Comment"` → the bare type names.
    static func types(of value: Any?) -> Set<String> {
        let list = (value as? [Any]) ?? (value.map { [$0] } ?? [])
        return Set(list.compactMap { ($0 as? String).map { $0.split(separator: "/").last.map(String.init) ?? $0 } })
    }

    /// A handle as stated, without its `@` (case kept: it is the record's value, not a comparison).
    static func withoutAt(_ handle: String) -> String { handle.hasPrefix("@") ? String(handle.dropFirst()) : handle }

    /// Fields being gathered: a nil value leaves the field unset, and a field once set stays.
    struct Fields {
        var values: [String: String] = [:]
        subscript(key: String) -> String? {
            get { values[key] }
            set { if values[key] == nil, let newValue { values[key] = newValue } }
        }
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String:
            let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : String(trimmed.prefix(100_000))
        case let number as NSNumber: return number.stringValue
        case let list as [Any]: return list.lazy.compactMap { text($0) }.first
        default: return nil
        }
    }

    static func fromJSONLD(_ node: [String: Any], depth: Int, budget: inout Int) -> StructuredPost {
        var post = StructuredPost(source: "json-ld")
        var f = Fields()
        f["url"] = text(node["url"]) ?? text(node["@id"]).flatMap { $0.hasPrefix("http") ? $0 : nil }
        let author = (node["author"] as? [Any])?.first ?? node["author"] ?? node["creator"]
        if let person = author as? [String: Any] {
            f["authorName"] = text(person["name"])
            f["authorHandle"] = text(person["alternateName"]).map(withoutAt)
            f["authorURL"] = text(person["url"])
        } else {
            f["authorName"] = text(author)
        }
        f["published"] = text(node["datePublished"]) ?? text(node["dateCreated"]) ?? text(node["uploadDate"])
        f["text"] = text(node["articleBody"]) ?? text(node["text"]) ?? text(node["caption"]) ?? text(node["description"]) ?? text(node["headline"])
        f["language"] = text(node["inLanguage"])
        f["replies"] = text(node["commentCount"])
        let statistics = (node["interactionStatistic"] as? [Any]) ?? (node["interactionStatistic"].map { [$0] } ?? [])
        for case let counter as [String: Any] in statistics {
            let kind = types(of: (counter["interactionType"] as? [String: Any])?["@type"] ?? counter["interactionType"])
            let count = text(counter["userInteractionCount"])
            if kind.contains("LikeAction") { f["likes"] = count }
            if kind.contains("CommentAction") && f["replies"] == nil { f["replies"] = count }
            if kind.contains("ShareAction") { f["reposts"] = count }
        }
        post.fields = f.values
        if depth < maxDepth {
            let comments = (node["comment"] as? [Any]) ?? (node["comment"].map { [$0] } ?? [])
            for case let comment as [String: Any] in comments where budget > 0 {
                budget -= 1
                post.comments.append(fromJSONLD(comment, depth: depth + 1, budget: &budget))
            }
        }
        return post
    }

    static func fromMicrodata(_ item: [String: Any], depth: Int, budget: inout Int) -> StructuredPost {
        var post = StructuredPost(source: "microdata")
        let props = item["props"] as? [String: [Any]] ?? [:]
        func first(_ name: String) -> Any? { props[name]?.first }
        var f = Fields()
        f["url"] = text(first("url"))
        if let person = first("author") as? [String: Any], let inner = person["props"] as? [String: [Any]] {
            f["authorName"] = text(inner["name"]?.first)
            f["authorHandle"] = text(inner["alternateName"]?.first).map(withoutAt)
            f["authorURL"] = text(inner["url"]?.first)
        } else {
            f["authorName"] = text(first("author"))
        }
        f["published"] = text(first("datePublished")) ?? text(first("dateCreated"))
        f["text"] = text(first("articleBody")) ?? text(first("text")) ?? text(first("description"))
        f["replies"] = text(first("commentCount"))
        post.fields = f.values
        if depth < maxDepth {
            for case let comment as [String: Any] in props["comment"] ?? [] where budget > 0 {
                budget -= 1
                post.comments.append(fromMicrodata(comment, depth: depth + 1, budget: &budget))
            }
        }
        return post
    }
}
