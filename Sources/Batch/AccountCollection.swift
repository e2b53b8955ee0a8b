import Capture
import Crypto
import Evidence
import Foundation
import PlatformAPI
import PlatformProfiles

/// The time window of a collection: `--since` and `--until`, each a date (`2026-11-16`, a whole
/// UTC day) or an ISO 8601 time.
public struct CollectionWindow: Sendable, Equatable {
    public let since: Date
    public let until: Date?

    public init(since: String, until: String?) throws(BatchError) {
        guard let start = Self.parse(since, endOfDay: false) else {
            throw .usage("--since '\(since)' is not a date (2026-11-16) or an ISO 8601 time (2026-11-16T08:00:00Z)")
        }
        var end: Date?
        if let until {
            guard let parsed = Self.parse(until, endOfDay: true) else {
                throw .usage("--until '\(until)' is not a date (2026-11-30) or an ISO 8601 time")
            }
            guard parsed >= start else { throw .usage("--until \(until) is before --since \(since)") }
            end = parsed
        }
        self.since = start
        self.until = end
    }

    /// A date alone is the whole day, in UTC: `--until 2026-11-30` includes the 30th.
    static func parse(_ text: String, endOfDay: Bool) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if trimmed.count == 10, let date = day.date(from: trimmed) { return endOfDay ? date.addingTimeInterval(86_399.999) : date }
        return APICrossCheck.parseTime(trimmed)
    }

    public var sinceText: String { UTCTime.milliseconds(since) }
    public var untilText: String? { until.map(UTCTime.milliseconds) }

    func contains(_ date: Date) -> Bool { date >= since && (until.map { date <= $0 } ?? true) }
}

/// The posts an account page's capture listed in a window: what `exhibit collect` captures next.
public struct CollectionList: Codable, Sendable {
    /// One line of the list (and of the batch file made from it).
    public struct Post: Codable, Sendable, Equatable {
        public var url: String
        public var id: String?
        public var profile: String
        /// As the account page showed it, ISO 8601.
        public var published: String
    }

    public var posts: [Post]
    /// Entries of the timeline not listed, with why: outside the window, a repost, no time that
    /// can be read, no link, over `--max`.
    public var leftOut: [String: Int]
    /// The timeline's own note (how far it was scrolled, whether it goes on).
    public var timelineNote: String?

    /// Reads the account page's `data/post.json` in `bag`.
    public static func make(bag: URL, window: CollectionWindow, includeReposts: Bool, max: Int?) throws(BatchError) -> CollectionList {
        let file = bag.appendingPathComponent("data/post.json")
        guard let data = FileManager.default.contents(atPath: file.path),
              let post = try? JSONDecoder().decode(PostData.self, from: data) else {
            throw .failed("the account page's capture \(bag.lastPathComponent) has no readable data/post.json")
        }
        guard let timeline = post.timeline else {
            throw .failed("the page captured in \(bag.lastPathComponent) was not read as an account page (no timeline in post.json)")
        }
        let record = try? JSONDecoder().decode(CaptureRecord.self, from: Data(contentsOf: bag.appendingPathComponent("data/capture.json")))
        let profile = record?.profile.name ?? "generic"
        let base = URL(string: record?.finalURL ?? "")
        var leftOut: [String: Int] = [:]
        var listed: [(Date, Post)] = []
        var seen = Set<String>()
        for entry in timeline.entries {
            if entry.repost == true && !includeReposts { leftOut["a repost of another account's post (--include-reposts lists them)", default: 0] += 1; continue }
            guard let link = entry.url, let url = URL(string: link, relativeTo: base)?.absoluteURL,
                  ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                leftOut["no link to the post", default: 0] += 1; continue
            }
            guard let iso = entry.published.iso, let date = APICrossCheck.parseTime(iso) else {
                leftOut["no time that can be read", default: 0] += 1; continue
            }
            guard window.contains(date) else { leftOut["outside the window", default: 0] += 1; continue }
            guard seen.insert(BatchEntry.pageKey(url.absoluteString)).inserted else { continue }
            listed.append((date, Post(url: url.absoluteString, id: entry.id, profile: profile, published: iso)))
        }
        // Newest first, as the timeline shows them; `--max` keeps the newest.
        listed.sort { $0.0 > $1.0 }
        if let max, listed.count > max {
            leftOut["over --max \(max)", default: 0] += listed.count - max
            listed.removeLast(listed.count - max)
        }
        return CollectionList(posts: listed.map(\.1), leftOut: leftOut, timelineNote: timeline.note)
    }

    /// The list as a batch file: JSON Lines with `url`, `id`, `profile` and `published`.
    public func batchFile() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for post in posts {
            if let line = try? encoder.encode(post) { data.append(line); data.append(UInt8(ascii: "\n")) }
        }
        return data
    }
}

/// The tag file an account page's capture gets once its posts are listed, and again once they are
/// captured (`collection/posts.json`): the account's capture names the post captures, as theirs
/// name it. A tag file, covered by the tag manifests; the payload and its timestamp are untouched.
public struct CollectionTag: Codable, Sendable {
    public static let file = "collection/posts.json"

    public var collectionId: String
    public var accountURL: String
    public var since: String
    public var until: String?
    /// The batch file made from the list, in the output folder, with its SHA-256.
    public var listFile: String
    public var listSHA256: String
    public var leftOut: [String: Int]
    public var posts: [Entry]

    public struct Entry: Codable, Sendable {
        public var line: Int
        public var url: String
        public var id: String?
        public var published: String
        /// `listed` until captured; then `done` with the capture, or `failed`.
        public var status: String
        public var captureId: String?
        public var folder: String?

        public init(line: Int, url: String, id: String?, published: String, status: String) {
            self.line = line; self.url = url; self.id = id; self.published = published; self.status = status
        }
    }

    public init(collectionId: String, accountURL: String, since: String, until: String?, listFile: String, listSHA256: String,
                leftOut: [String: Int], posts: [Entry]) {
        self.collectionId = collectionId; self.accountURL = accountURL; self.since = since; self.until = until
        self.listFile = listFile; self.listSHA256 = listSHA256; self.leftOut = leftOut; self.posts = posts
    }

    /// Writes it into `bag` (never through a link) and rewrites the tag manifests.
    public func write(into bag: URL) throws(BatchError) {
        let folder = bag.appendingPathComponent("collection")
        var status = stat()
        guard lstat(bag.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw .failed("\(bag.path) is not a capture folder (missing, or a link); the collection is not written there")
        }
        if lstat(folder.path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else { throw .failed("\(folder.path) is not a folder (a link?); the collection is not written through it") }
        } else if mkdir(folder.path, 0o755) != 0 {
            throw .failed("cannot make \(folder.path): \(String(cString: strerror(errno)))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw .failed("cannot encode \(Self.file)") }
        try SafeFile.replace(bag.appendingPathComponent(Self.file), with: data)
        do { try BagWriter(root: bag).writeTagManifests() }
        catch { throw .failed("cannot rewrite the tag manifests of \(bag.path): \(error)") }
    }

    /// The collection's id: the same account, window and choices give the same id, so a rerun of
    /// `collect` resumes the same list and batch.
    public static func id(accountURL: String, window: CollectionWindow, includeReposts: Bool, max: Int?) -> String {
        let key = [accountURL, window.sinceText, window.untilText ?? "", includeReposts ? "reposts" : "", max.map(String.init) ?? ""].joined(separator: "\n")
        return "collect-" + SHA256.hash(data: Data(key.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}
