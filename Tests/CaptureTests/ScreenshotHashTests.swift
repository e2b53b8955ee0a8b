import Capture
import ExhibitTestSupport
import Foundation
import PerceptualHash
import Testing

/// The perceptual hashes a capture stores (issue 16, point 3): the whole screenshot's, made as its
/// rows were written, and the post area's, each checked against the reference implementation
/// (`pdqhash` in `.venv-pdq`) over the same pixels of the PNG on disk.
@Suite("Perceptual hashes in capture.json")
struct ScreenshotHashTests {
    static let python = TestSupport.packageRoot.appendingPathComponent(".venv-pdq/bin/python").path
    static var hasReference: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// The reference's hash of the PNG, or of a crop of it (x y width height), as 64 hex digits.
    static let reference = #"""
        import sys, numpy, pdqhash
        from PIL import Image
        image = Image.open(sys.argv[1]).convert("RGB")
        if len(sys.argv) > 2:
            x, y, w, h = map(int, sys.argv[2:6])
            image = image.crop((x, y, x + w, y + h))
        bits, quality = pdqhash.compute(numpy.asarray(image))
        print("%064x" % int("".join("1" if b else "0" for b in bits), 2), quality)
        """#

    @Test("the sample thread's screenshot and post area carry PDQ hashes equal, within 8 bits, to the reference's over the PNG",
          .enabled(if: hasReference, "the PDQ reference is absent (.venv-pdq; run scripts/install-deps.sh)"))
    func hashesMatchTheReference() async throws {
        let result = try await ArchiveRecordingTests.sample.value
        let screenshot = result.record.screenshot
        let png = result.folder.appendingPathComponent("data/screenshot.png").path
        let whole = try #require(screenshot.pdq)
        let post = try #require(screenshot.postPDQ, "no post area hash")
        let rect = try #require(post.rectangle)
        #expect(whole.algorithm == "PDQ" && whole.rectangle == nil && whole.quality >= 50)
        #expect(rect.width > 100 && rect.height > 50 && rect.y + rect.height <= screenshot.pixelHeight)
        for (hash, arguments) in [(whole, [png]), (post, [png, String(rect.x), String(rect.y), String(rect.width), String(rect.height)])] {
            let run = try await TestSupport.run(Self.python, ["-c", Self.reference] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let parts = run.stdout.split(separator: " ")
            let theirs = try #require(parts.first.flatMap { PDQHash(hex: String($0), quality: 0) }, "\(run.stdout)")
            let ours = try #require(PDQHash(hex: hash.hash, quality: hash.quality))
            #expect(ours.distance(to: theirs) <= 8, "\(arguments.dropFirst()): ours \(ours), the reference's \(theirs)")
        }
        // The post's area is not the whole page: the two hashes differ.
        let wholeHash = try #require(PDQHash(hex: whole.hash, quality: 0)), postHash = try #require(PDQHash(hex: post.hash, quality: 0))
        #expect(wholeHash.distance(to: postHash) > 30)
    }
}
