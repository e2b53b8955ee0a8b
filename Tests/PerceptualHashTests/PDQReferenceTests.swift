import DevTools
import ExhibitTestSupport
import FixtureServer
import Foundation
import PerceptualHash
import PNGCodec
import Testing

/// Exhibit's PDQ against the reference implementation (Meta's C++ through its Python bindings,
/// `pdqhash` from PyPI in `.venv-pdq`, made by scripts/install-deps.sh), on twenty screenshots a
/// real browser takes of the fixture pages, at twenty sizes.
@Suite("PDQ perceptual hash, against the reference")
struct PDQReferenceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".venv-pdq/bin/python").path
    static var hasReference: Bool { FileManager.default.isExecutableFile(atPath: python) }

    static let pages = [
        "sample-thread/", "x/", "mastodon/", "bluesky/", "reddit/", "reddit-old/", "facebook/", "instagram/", "linkedin/",
        "threads/", "tiktok/", "youtube/", "telegram/", "article-page/", "bands/", "hostile-text/", "jsonld-thread/",
        "long-thread/", "plain-forum/", "three-columns/",
    ]

    /// The reference's hash of each PNG: 256 bits as 0/1 characters (bit 255 first) and the quality.
    static let reference = #"""
        import sys, numpy, pdqhash
        from PIL import Image
        for path in sys.argv[1:]:
            bits, quality = pdqhash.compute(numpy.asarray(Image.open(path).convert("RGB")))
            print("".join("1" if b else "0" for b in bits), quality)
        """#

    @Test("on twenty browser screenshots of twenty sizes, every hash, whole-image and row by row, is within 8 of 256 bits of the reference's, and the quality within 2",
          .enabled(if: hasReference, "the PDQ reference is absent (.venv-pdq; run scripts/install-deps.sh)"))
    func matchesTheReference() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-pdq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await FixtureServer.start(root: Self.packageRoot.appendingPathComponent("Fixtures"))
        let browser = try await LaunchedBrowser().open()
        var files: [String] = []
        do {
            let page = try await PageSession.open(on: browser.connection)
            for (index, path) in Self.pages.enumerated() {
                _ = try await page.send(PageCommands.Navigate(url: server.baseURL + "/" + path))
                try await Task.sleep(for: .milliseconds(700))
                // Sizes from 640 × 360 to 1280 × 2260: the filter's windows and the sampling differ.
                let clip = PageCommands.Clip(x: 0, y: 0, width: Double(640 + 32 * index), height: Double(360 + 100 * index))
                let shot = try await page.send(PageCommands.CaptureScreenshot(clip: clip))
                let file = folder.appendingPathComponent(String(format: "%02d.png", index))
                try #require(Data(base64Encoded: shot.data)).write(to: file)
                files.append(file.path)
            }
            await page.close()
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()

        let run = try await ProcessRunner.run(Self.python, ["-c", Self.reference] + files)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == files.count)
        var distances: [Int] = [], streamedDistances: [Int] = []
        for (file, line) in zip(files, lines) {
            let parts = line.split(separator: " ")
            let bits = Array(parts.first ?? "")
            let theirQuality = parts.count > 1 ? Int(parts[1]) ?? -1 : -1
            let image = try PNGImage(contentsOfFile: file)
            let ours = try #require(PDQHash.hash(rgba: image.rgba, width: image.width, height: image.height))
            #expect(bits.count == 256)
            // The bindings list the bits from the most significant (bit 255) down.
            let distance = (0..<min(256, bits.count)).filter { ours.bit(255 - $0) != (bits[$0] == "1") }.count
            distances.append(distance)
            #expect(distance <= 8, "\(file): \(distance) bits differ from the reference (\(ours))")
            // Row by row, as a screenshot is written: the same hash within a few bits.
            var accumulator = try #require(PDQAccumulator(width: image.width, height: image.height))
            image.rgba.withUnsafeBufferPointer { pixels in
                for y in 0..<image.height {
                    accumulator.add(row: UnsafeBufferPointer(rebasing: pixels[(y * image.width * 4)..<((y + 1) * image.width * 4)]), channels: 4)
                }
            }
            let streamed = try #require(accumulator.finish())
            let streamedDistance = (0..<min(256, bits.count)).filter { streamed.bit(255 - $0) != (bits[$0] == "1") }.count
            streamedDistances.append(streamedDistance)
            #expect(streamedDistance <= 8 && streamed.distance(to: ours) <= 4, "\(file): row by row \(streamedDistance) from the reference, \(streamed.distance(to: ours)) from the whole-image hash")
            #expect(abs(ours.quality - theirQuality) <= 2, "\(file): quality \(ours.quality), the reference's \(theirQuality)")
        }
        print("PDQ against the reference, bits differing per screenshot: \(distances); row by row: \(streamedDistances)")
        // Different pages hash far apart: the comparison above is not passing by accident.
        let hashes = try files.prefix(3).map { file in
            let image = try PNGImage(contentsOfFile: file)
            return try #require(PDQHash.hash(rgba: image.rgba, width: image.width, height: image.height))
        }
        #expect(hashes[0].distance(to: hashes[1]) > 40 && hashes[1].distance(to: hashes[2]) > 40,
                "\(hashes.map(\.description))")
    }

    @Test("the hex form reads back; a hash is at distance 0 from itself and 256 from its complement")
    func hexAndDistance() throws {
        var pixels = [UInt8](repeating: 255, count: 200 * 120 * 4)
        for y in 0..<120 { for x in 0..<200 where (x / 20 + y / 20) % 2 == 0 { for c in 0..<3 { pixels[(y * 200 + x) * 4 + c] = 0 } } }
        let hash = try #require(PDQHash.hash(rgba: pixels, width: 200, height: 120))
        #expect(PDQHash(hex: hash.description, quality: hash.quality) == hash)
        #expect(hash.distance(to: hash) == 0)
        let complement = try #require(PDQHash(hex: String(hash.description.map { c in
            String(15 - Int(String(c), radix: 16)!, radix: 16).first!
        }), quality: 0))
        #expect(hash.distance(to: complement) == 256)
        #expect(PDQHash(hex: "xyz", quality: 0) == nil && PDQHash(hex: String(repeating: "g", count: 64), quality: 0) == nil)
        #expect(PDQHash(hex: "+fff" + String(repeating: "0", count: 60), quality: 0) == nil)
        #expect(PDQHash.hash(rgba: [], width: 0, height: 0) == nil && PDQHash.hash(rgba: [1, 2], width: 10, height: 10) == nil)
    }
}
