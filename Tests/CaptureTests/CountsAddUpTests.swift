@testable import Capture
import Foundation
import PlatformProfiles
import Testing

/// Issue 13, point 3: counts that add up, and a capture that says when it did not recognise the post.
@Suite("Counts that add up, and a post not recognised said everywhere", .hangGuard)
struct CountsAddUpTests {
    static func post(captured: Int, shown: Int?) throws -> PostData {
        let count = shown.map { "\"shown\": \"\($0)\", \"shownValue\": \($0)," } ?? ""
        let json = """
        {"schema": "exhibit-post", "schemaVersion": 1, "rectangles": "PNG pixels", "captureId": "c", "platform": "X", "profile": "x", "pageURL": "http://example.org/",
         "replyCount": {\(count) "captured": \(captured)}}
        """
        return try JSONDecoder().decode(PostData.self, from: Data(json.utf8))
    }

    @Test("never 'N of M' with N > M: how many more than the count, and that some may not be replies; fewer says how many were not captured")
    func moreOrFewerThanCounted() throws {
        #expect(CompletenessReport.replies(try Self.post(captured: 8, shown: 6))
                == "replies: 8 found where the page counts 6, 2 more than the count (some may not be replies)")
        #expect(CompletenessReport.replies(try Self.post(captured: 4, shown: 6)) == "replies 4 of 6 shown (2 not captured)")
        #expect(CompletenessReport.replies(try Self.post(captured: 6, shown: 6)) == "replies 6 of 6 shown")
        #expect(CompletenessReport.replies(try Self.post(captured: 3, shown: nil)) == "replies 3 (no count shown)")
    }

    @Test("a page whose post the profile does not recognise: captured, 'post not recognised' in the summary, the report and --json, exit 0 (1 with --strict)")
    func postNotRecognised() async throws {
        let out = TestSupport.temporaryFolder("unrecognised")
        let url = try await TestSupport.baseURL() + "/plain-forum/"
        let run = try await TestSupport.exhibit(["capture", url, "--profile", "x", "--out", out.path, "--quiet", "--json", "--no-pdf"])
        #expect(run.status == 0, "\(run.stderr)")
        struct Summary: Decodable { let folder: String; let state: String; let completeness: String; let postRecognised: Bool }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8))
        #expect(!summary.postRecognised && summary.state == "partial")
        #expect(summary.completeness.hasPrefix("post not recognised (missing: "), "\(summary.completeness)")
        let report = try String(contentsOfFile: summary.folder + "/report.html", encoding: .utf8)
        #expect(report.contains("post not recognised"))
        let strict = try await TestSupport.exhibit(["capture", url, "--profile", "x", "--out", out.path, "--quiet", "--no-pdf", "--strict"])
        #expect(strict.status == 1 && strict.stderr.contains("could not be read (--strict)"), "\(strict.stderr)")
    }
}
