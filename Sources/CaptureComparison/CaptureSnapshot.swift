import Evidence
import Foundation
import PlatformProfiles
import WebArchive

/// One capture as `exhibit compare` reads it: the parts of `capture.json` a comparison needs,
/// `post.json`, and the media digests its web archive holds. The folder is hostile input: every
/// file is opened through ``BagFiles`` (inside the bag, regular, bounded), and `capture.json` and
/// `post.json` must be the files `manifest-sha256.txt` lists, so the comparison is of what the bag
/// vouches for (`exhibit verify` checks the rest: the other files, the signature, the timestamps).
public struct CaptureSnapshot: Sendable {
    /// What of `capture.json` is read.
    public struct Record: Decodable, Sendable {
        public struct Screenshot: Decodable, Sendable {
            public struct Hash: Decodable, Sendable {
                public struct Rectangle: Decodable, Sendable { public let x: Int, y: Int, width: Int, height: Int }
                public let hash: String
                public let quality: Int
                public let rectangle: Rectangle?
            }
            public let file: String
            public let pixelWidth: Int?
            public let pixelHeight: Int?
            public let pdq: Hash?
            public let postPDQ: Hash?
        }
        public struct Profile: Decodable, Sendable { public let name: String; public let platform: String? }
        public struct Archive: Decodable, Sendable { public let file: String }
        public let captureId: String
        public let requestedURL: String
        public let finalURL: String?
        public let startedAt: String
        public let state: String?
        public let screenshot: Screenshot
        public let profile: Profile?
        public let archive: Archive?
    }

    /// The folder given.
    public let folder: URL
    public let record: Record
    public let post: PostData
    /// SHA-256 of each response's payload in the capture's web archive, by URL; empty without one.
    public let payloadDigests: [String: String]

    /// Reads a capture folder; throws ``ComparisonError/unreadable(_:)`` with the reason.
    public static func load(_ folder: URL) throws -> CaptureSnapshot {
        let root = folder.standardizedFileURL
        guard let listed = BagChecker(root: root).sha256Entries() else {
            throw ComparisonError.unreadable("\(root.path) is not a capture: its manifest-sha256.txt is missing or malformed")
        }
        func vouched(_ name: String) throws -> Data {
            let data = try read(name, in: root)
            guard let expected = listed[name] else { throw ComparisonError.unreadable("\(root.path): \(name) is not in manifest-sha256.txt") }
            guard FileDigest.sha256Hex(data) == expected else {
                throw ComparisonError.unreadable("\(root.path): \(name) does not match manifest-sha256.txt (run exhibit verify)")
            }
            return data
        }
        let record: Record, post: PostData
        do { record = try JSONDecoder().decode(Record.self, from: try vouched("data/capture.json")) }
        catch let error as ComparisonError { throw error }
        catch { throw ComparisonError.unreadable("\(root.path): data/capture.json is not an Exhibit capture record") }
        do { post = try JSONDecoder().decode(PostData.self, from: try vouched("data/post.json")) }
        catch let error as ComparisonError { throw error }
        catch { throw ComparisonError.unreadable("\(root.path): data/post.json is not an Exhibit post record") }
        var digests: [String: String] = [:]
        if let archive = record.archive, listed["data/" + archive.file] != nil,
           let url = try? BagFiles.resolve("data/" + archive.file, in: root).get() {
            digests = (try? Self.payloadDigests(warc: url.path)) ?? [:]
        }
        return CaptureSnapshot(folder: root, record: record, post: post, payloadDigests: digests)
    }

    static func read(_ name: String, in root: URL) throws -> Data {
        switch BagFiles.resolve(name, in: root) {
        case .success(let url):
            do { return try BagFiles.read(url) }
            catch { throw ComparisonError.unreadable("\(root.path): \(name) cannot be read: \(error)") }
        case .failure(let problem):
            throw ComparisonError.unreadable("\(root.path) is not a capture: \(name) is \(problem)")
        }
    }

    /// Each response record's `WARC-Payload-Digest` (as hex SHA-256 when it is one), by target URI;
    /// blocks are skipped, never held.
    static func payloadDigests(warc path: String) throws -> [String: String] {
        let reader = try WARCReader(path: path)
        var digests: [String: String] = [:]
        while let info = try reader.next(block: { _ in }) {
            guard info.type == "response", let uri = info.targetURI,
                  let digest = info.header.fields.last(where: { $0.name.lowercased() == "warc-payload-digest" })?.value else { continue }
            digests[uri] = digest
            if digests.count > 100_000 { break }
        }
        return digests
    }
}

/// Why two captures could not be compared.
public enum ComparisonError: Error, CustomStringConvertible, Sendable {
    /// A folder that is not a readable capture.
    case unreadable(String)
    /// The two captures are of different posts.
    case differentPosts(String)

    public var description: String {
        switch self {
        case .unreadable(let message): return message
        case .differentPosts(let message): return message
        }
    }
}
