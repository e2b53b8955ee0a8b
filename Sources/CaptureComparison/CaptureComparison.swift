import Foundation
import PerceptualHash
import PlatformAPI
import PlatformProfiles

/// Two captures of one post, compared from their records (`post.json`, `capture.json`, the web
/// archive's digests), not by eye: the post's text, each reply matched by id (added, removed,
/// edited), the counts, the media by digest, and how far apart the post's area and the whole
/// screenshot look by their PDQ hashes. `A` is the earlier capture as given, `B` the later.
public struct CaptureComparison: Codable, Sendable {
    public var schema = "exhibit-comparison"
    public var schemaVersion = 1

    public struct Side: Codable, Sendable {
        public var folder: String
        public var captureId: String
        public var startedAt: String
        public var url: String
        public var state: String?
    }

    public struct TextChange: Codable, Sendable {
        public var before: String?
        public var after: String?
        /// Where they part, with a little of each.
        public var difference: String
    }

    public struct Reply: Codable, Sendable {
        public var id: String
        public var author: String?
        public var text: String?
    }

    public struct ReplyEdit: Codable, Sendable {
        public var id: String
        public var author: String?
        public var change: TextChange
    }

    public struct Replies: Codable, Sendable {
        public var capturedA: Int
        public var capturedB: Int
        public var added: [Reply]
        public var removed: [Reply]
        public var edited: [ReplyEdit]
        /// Replies without an id on either side, which cannot be matched (counted only).
        public var withoutId: Int
    }

    public struct CountChange: Codable, Sendable {
        /// `replies shown`, `likes`, `reposts`, `views`, `replies captured`.
        public var name: String
        public var a: Int?
        public var b: Int?
        /// As the page showed it, when that differs from the number ("1.2K").
        public var shownA: String?
        public var shownB: String?
    }

    public struct MediaChange: Codable, Sendable {
        /// `added`, `removed` or `changed` (same place, other bytes).
        public var change: String
        public var urlA: String?
        public var urlB: String?
        public var digestA: String?
        public var digestB: String?
    }

    public struct Visual: Codable, Sendable {
        public var hashA: String?
        public var hashB: String?
        public var qualityA: Int?
        public var qualityB: Int?
        /// Hamming distance of the two 256-bit PDQ hashes; nil when either is missing.
        public var distance: Int?
        /// What the distance means, in words.
        public var reading: String
    }

    public var a: Side
    public var b: Side
    /// How the two were found to be of one post.
    public var samePost: String
    /// Nil when the post's text is the same (after normalisation).
    public var text: TextChange?
    public var replies: Replies
    public var counts: [CountChange]
    public var media: [MediaChange]
    /// `WARC-Payload-Digest` of each media URL where both captures archived it; else by URL only.
    public var mediaComparedBy: String
    public var postArea: Visual
    public var wholeScreenshot: Visual
    /// One line per difference, in the order above; empty when nothing differs.
    public var differences: [String]

    /// PDQ's authors give 31 of 256 bits as the distance under which two images are the same picture.
    public static let pdqMatchThreshold = 31

    /// Compares two captures; throws ``ComparisonError/differentPosts(_:)`` when they are of different posts.
    public static func compare(_ a: CaptureSnapshot, _ b: CaptureSnapshot) throws -> CaptureComparison {
        let same = try samePost(a, b)
        var differences: [String] = []

        // The post's text.
        let textA = a.post.post?.text.map(APICrossCheck.normalised), textB = b.post.post?.text.map(APICrossCheck.normalised)
        var text: TextChange?
        if textA != textB {
            let difference = APICrossCheck.firstDifference(api: textA ?? "", page: textB ?? "", labels: ("A", "B"))
            text = TextChange(before: textA, after: textB, difference: difference)
            differences.append("the post's text changed: " + difference)
        }

        // Replies by id.
        let repliesA = a.post.allReplies, repliesB = b.post.allReplies
        func keyed(_ items: [PostData.Item]) -> [String: PostData.Item] {
            Dictionary(items.compactMap { r in r.id.map { (APICrossCheck.idKey($0), r) } }, uniquingKeysWith: { first, _ in first })
        }
        let byIdA = keyed(repliesA), byIdB = keyed(repliesB)
        func reply(_ item: PostData.Item) -> Reply { Reply(id: item.id.map(APICrossCheck.idKey) ?? "", author: item.author.handle ?? item.author.displayName, text: item.text) }
        let added = repliesB.filter { $0.id.map { byIdA[APICrossCheck.idKey($0)] == nil } ?? false }.map(reply)
        let removed = repliesA.filter { $0.id.map { byIdB[APICrossCheck.idKey($0)] == nil } ?? false }.map(reply)
        var edited: [ReplyEdit] = []
        for item in repliesA {
            guard let id = item.id.map(APICrossCheck.idKey), let other = byIdB[id] else { continue }
            let before = item.text.map(APICrossCheck.normalised), after = other.text.map(APICrossCheck.normalised)
            guard before != after else { continue }
            let difference = APICrossCheck.firstDifference(api: before ?? "", page: after ?? "", labels: ("A", "B"))
            edited.append(ReplyEdit(id: id, author: item.author.handle ?? item.author.displayName,
                                    change: TextChange(before: before, after: after, difference: difference)))
        }
        let withoutId = repliesA.filter { $0.id == nil }.count + repliesB.filter { $0.id == nil }.count
        for r in removed { differences.append("reply \(r.id) (\(r.author ?? "unknown author")) removed") }
        for r in added { differences.append("reply \(r.id) (\(r.author ?? "unknown author")) added") }
        for e in edited { differences.append("reply \(e.id) edited: \(e.change.difference)") }

        // Counts.
        var counts: [CountChange] = []
        func count(_ name: String, _ x: PostData.Count?, _ y: PostData.Count?) {
            guard x?.value != y?.value || x?.shown != y?.shown, x != nil || y != nil else { return }
            counts.append(CountChange(name: name, a: x?.value, b: y?.value, shownA: x?.shown, shownB: y?.shown))
        }
        let countsA = a.post.post?.counts, countsB = b.post.post?.counts
        count("replies shown", countsA?.replies, countsB?.replies)
        count("likes", countsA?.likes, countsB?.likes)
        count("reposts", countsA?.reposts, countsB?.reposts)
        count("views", countsA?.views, countsB?.views)
        if a.post.replyCount.captured != b.post.replyCount.captured {
            counts.append(CountChange(name: "replies captured", a: a.post.replyCount.captured, b: b.post.replyCount.captured))
        }
        for c in counts {
            differences.append("\(c.name): \(c.shownA ?? c.a.map(String.init) ?? "none") → \(c.shownB ?? c.b.map(String.init) ?? "none")")
        }

        // Media, by the digest of the bytes each capture archived where both did.
        let mediaA = a.post.post?.media ?? [], mediaB = b.post.post?.media ?? []
        let byDigest = !a.payloadDigests.isEmpty && !b.payloadDigests.isEmpty
        var media: [MediaChange] = []
        for index in 0..<max(mediaA.count, mediaB.count) {
            let x = index < mediaA.count ? mediaA[index] : nil, y = index < mediaB.count ? mediaB[index] : nil
            let dx = x?.url.flatMap { a.payloadDigests[$0] }, dy = y?.url.flatMap { b.payloadDigests[$0] }
            switch (x, y) {
            case (nil, _?): media.append(MediaChange(change: "added", urlB: y?.url, digestB: dy))
            case (_?, nil): media.append(MediaChange(change: "removed", urlA: x?.url, digestA: dx))
            case (let x?, let y?):
                let differs = (dx != nil && dy != nil) ? dx != dy : x.url != y.url
                if differs { media.append(MediaChange(change: "changed", urlA: x.url, urlB: y.url, digestA: dx, digestB: dy)) }
            default: break
            }
        }
        for m in media { differences.append("media \(m.change): \(m.urlA ?? m.urlB ?? "?")" + (m.digestA != nil || m.digestB != nil ? " (\(m.digestA ?? "none") → \(m.digestB ?? "none"))" : "")) }

        let postArea = visual(a.record.screenshot.postPDQ, b.record.screenshot.postPDQ)
        let whole = visual(a.record.screenshot.pdq, b.record.screenshot.pdq)
        if let d = postArea.distance, d > pdqMatchThreshold { differences.append("the post's area looks different: PDQ distance \(d) of 256") }

        return CaptureComparison(a: side(a), b: side(b), samePost: same, text: text,
                                 replies: Replies(capturedA: repliesA.count, capturedB: repliesB.count, added: added, removed: removed,
                                                  edited: edited, withoutId: withoutId),
                                 counts: counts, media: media,
                                 mediaComparedBy: byDigest ? "WARC-Payload-Digest of the archived response, where both archived it; else the URL" : "URL (a capture has no web archive to take digests from)",
                                 postArea: postArea, wholeScreenshot: whole, differences: differences)
    }

    static func side(_ s: CaptureSnapshot) -> Side {
        Side(folder: s.folder.path, captureId: s.record.captureId, startedAt: s.record.startedAt, url: s.record.requestedURL, state: s.record.state)
    }

    /// One post: the same platform and post id; without ids, the same canonical or final URL.
    static func samePost(_ a: CaptureSnapshot, _ b: CaptureSnapshot) throws -> String {
        guard a.post.kind != "account", b.post.kind != "account" else {
            throw ComparisonError.differentPosts("compare takes two captures of a post; an account page is not one")
        }
        guard a.post.platform == b.post.platform else {
            throw ComparisonError.differentPosts("not the same post: A is a \(a.post.platform) capture, B a \(b.post.platform) one")
        }
        if let x = a.post.post?.id, let y = b.post.post?.id {
            guard APICrossCheck.idKey(x) == APICrossCheck.idKey(y) else {
                throw ComparisonError.differentPosts("not the same post: A is post \(x), B post \(y) (\(a.post.platform))")
            }
            return "the same \(a.post.platform) post id \(x)"
        }
        let urlA = a.post.canonicalURL ?? a.record.finalURL ?? a.record.requestedURL
        let urlB = b.post.canonicalURL ?? b.record.finalURL ?? b.record.requestedURL
        guard normalisedURL(urlA) == normalisedURL(urlB) else {
            throw ComparisonError.differentPosts("not the same post: A is \(urlA), B \(urlB), and neither record has the post's id")
        }
        return "the same URL \(urlA) (no post id on the page)"
    }

    /// Scheme and host in lower case, without the fragment and a trailing slash.
    static func normalisedURL(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return text }
        components.fragment = nil
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        var out = components.string ?? text
        if out.hasSuffix("/") { out.removeLast() }
        return out
    }

    static func visual(_ x: CaptureSnapshot.Record.Screenshot.Hash?, _ y: CaptureSnapshot.Record.Screenshot.Hash?) -> Visual {
        guard let x, let y, let hx = PDQHash(hex: x.hash, quality: x.quality), let hy = PDQHash(hex: y.hash, quality: y.quality) else {
            return Visual(hashA: x?.hash, hashB: y?.hash, qualityA: x?.quality, qualityB: y?.quality, distance: nil,
                          reading: "not compared: " + (x == nil || y == nil ? "a capture has no PDQ hash (made before Exhibit recorded one)" : "a hash is malformed"))
        }
        let d = hx.distance(to: hy)
        var reading = d == 0 ? "identical hashes" : d <= pdqMatchThreshold ? "the same picture by PDQ (\(d) ≤ \(pdqMatchThreshold) of 256 bits)"
            : "different pictures by PDQ (\(d) > \(pdqMatchThreshold) of 256 bits)"
        if min(x.quality, y.quality) < 50 { reading += "; a hash's quality is under 50 (a nearly flat image), so the distance says little" }
        return Visual(hashA: x.hash, hashB: y.hash, qualityA: x.quality, qualityB: y.quality, distance: d, reading: reading)
    }
}
