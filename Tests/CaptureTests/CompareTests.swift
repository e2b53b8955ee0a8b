import CaptureComparison
import Foundation
import Testing

/// `exhibit compare` through the binary, on two captures of `Fixtures/changing-thread/`, a
/// Mastodon-style post whose server gives its next version after `/_advance`: between the two
/// loads the post's text is edited, reply 7 removed, reply 12 edited, the reply count goes from 44
/// to 43 and the favourites from 1,234 to 1,301. Each change must be named from the records.
@Suite("exhibit compare: two captures of one post", .serialized, .hangGuard)
struct CompareTests {
    /// The capture before and after the thread changed.
    static let pair = Task { () throws -> (URL, URL) in
        let server = try await TestSupport.baseURL()
        func capture(_ name: String) async throws -> URL {
            let out = TestSupport.temporaryFolder(name)
            let run = try await TestSupport.exhibit(["capture", server + "/changing-thread/", "--profile", "mastodon", "--out", out.path, "--quiet"])
            guard run.status == 0, let folder = TestSupport.visibleFolders(in: out).first else { throw Failure("capture \(name): \(run.stderr)") }
            return out.appendingPathComponent(folder)
        }
        let before = try await capture("compare-a")
        let advance = try await TestSupport.run("/usr/bin/curl", ["-sf", server + "/_advance?folder=changing-thread"])
        guard advance.status == 0 else { throw Failure("advance: \(advance.stderr)") }
        return (before, try await capture("compare-b"))
    }

    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    @Test("the text edit, the removed and the edited reply, and the changed counts are each named; exit 1; the post's area is the same picture by PDQ")
    func changes() async throws {
        let (a, b) = try await Self.pair.value
        let run = try await TestSupport.exhibit(["compare", a.path, b.path])
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("one post: the same Mastodon post id 1790000000000000000"), "\(run.stdout)")
        #expect(lines.contains("6 difference(s):"), "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("  - the post's text changed: A “…eden starten in het voorjaar van 2027.") && $0.contains("B “…eden starten in het najaar van 2027.") })
        #expect(lines.contains("  - reply 1790000000000001007 (sannesmit) removed"))
        #expect(lines.contains { $0.hasPrefix("  - reply 1790000000000001012 edited: ") && $0.contains("[bewerkt] (reactie 12)") })
        #expect(lines.contains("  - replies shown: 44 → 43"))
        #expect(lines.contains("  - likes: 1,234 → 1,301"))
        #expect(lines.contains("  - replies captured: 44 → 43"))
        #expect(lines.contains("replies: 44 in A, 43 in B; 0 added, 1 removed, 1 edited"))
        #expect(lines.contains { $0.hasPrefix("media compared by WARC-Payload-Digest") })
        #expect(lines.contains { $0.hasPrefix("post area: PDQ distance ") && $0.contains("the same picture by PDQ") })

        let json = try await TestSupport.exhibit(["compare", a.path, b.path, "--json"])
        #expect(json.status == 1)
        let comparison = try JSONDecoder().decode(CaptureComparison.self, from: Data(json.stdout.utf8))
        #expect(comparison.replies.removed.map(\.id) == ["1790000000000001007"] && comparison.replies.added.isEmpty)
        #expect(comparison.replies.edited.map(\.id) == ["1790000000000001012"])
        #expect(comparison.counts.map(\.name) == ["replies shown", "likes", "replies captured"])
        #expect(comparison.text?.before?.contains("voorjaar") == true && comparison.text?.after?.contains("najaar") == true)
        #expect(comparison.media.isEmpty)
        let distance = try #require(comparison.postArea.distance)
        #expect(distance <= CaptureComparison.pdqMatchThreshold && comparison.postArea.hashA != comparison.postArea.hashB)
        #expect(comparison.wholeScreenshot.distance != nil)
    }

    @Test("--html writes one page with the two post areas side by side and every difference; an existing file is not overwritten")
    func html() async throws {
        let (a, b) = try await Self.pair.value
        let file = TestSupport.temporaryFolder("compare-html").appendingPathComponent("comparison.html")
        let run = try await TestSupport.exhibit(["compare", a.path, b.path, "--html", file.path])
        #expect(run.status == 1, "\(run.stderr)")
        let page = try String(contentsOf: file, encoding: .utf8)
        #expect(page.components(separatedBy: "<img alt=\"").count == 3 && page.components(separatedBy: "src=\"data:image/png;base64,").count == 3)
        #expect(page.contains("content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\""))
        #expect(page.contains("<li>reply 1790000000000001007 (sannesmit) removed</li>"))
        #expect(!page.contains("<script"))
        // Each embedded picture is a PNG that decodes: the post's area cut from each screenshot.
        for encoded in page.components(separatedBy: "src=\"data:image/png;base64,").dropFirst() {
            let png = try #require(Data(base64Encoded: String(encoded.prefix { $0 != "\"" })))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 1000)
        }
        let again = try await TestSupport.exhibit(["compare", a.path, b.path, "--html", file.path])
        #expect(again.status == 2 && again.stderr.contains("already exists"))
    }

    @Test("a capture compared with itself has no differences (exit 0, PDQ distance 0)")
    func same() async throws {
        let (a, _) = try await Self.pair.value
        let run = try await TestSupport.exhibit(["compare", a.path, a.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("no differences in text, replies, counts or media"))
        #expect(run.stdout.contains("post area: PDQ distance 0 of 256; identical hashes"))
    }

    @Test("two different posts, a folder that is not a capture, and a post.json changed after bagging: exit 2 with one line")
    func refused() async throws {
        let (a, b) = try await Self.pair.value
        let server = try await TestSupport.baseURL()
        let out = TestSupport.temporaryFolder("compare-other")
        let other = try await TestSupport.exhibit(["capture", server + "/reddit/", "--profile", "reddit", "--out", out.path, "--quiet", "--no-pdf", "--no-warc"])
        #expect(other.status == 0, "\(other.stderr)")
        let reddit = out.appendingPathComponent(try #require(TestSupport.visibleFolders(in: out).first))
        let different = try await TestSupport.exhibit(["compare", a.path, reddit.path])
        #expect(different.status == 2 && different.stderr == "exhibit: error: not the same post: A is a Mastodon capture, B a Reddit one\n", "\(different.stderr)")

        let notCapture = try await TestSupport.exhibit(["compare", a.path, TestSupport.temporaryFolder("empty").path])
        #expect(notCapture.status == 2 && notCapture.stderr.contains("is not a capture: its manifest-sha256.txt is missing or malformed"), "\(notCapture.stderr)")

        let copy = TestSupport.temporaryFolder("compare-tampered").appendingPathComponent("bag")
        _ = try await TestSupport.run("/bin/cp", ["-a", b.path, copy.path])
        let postFile = copy.appendingPathComponent("data/post.json")
        try Data(try String(contentsOf: postFile, encoding: .utf8).replacingOccurrences(of: "najaar", with: "voorjaar").utf8).write(to: postFile)
        let tampered = try await TestSupport.exhibit(["compare", a.path, copy.path])
        #expect(tampered.status == 2 && tampered.stderr.contains("data/post.json does not match manifest-sha256.txt (run exhibit verify)"), "\(tampered.stderr)")
    }
}
