import Evidence
import Foundation
import PNGCodec

/// A comparison as text for a terminal and as one self-contained HTML page (the two post areas
/// side by side, cut from each capture's screenshot, with every difference listed).
public enum ComparisonReport {
    public static func text(_ c: CaptureComparison) -> String {
        var lines = ["A: \(c.a.folder) (\(c.a.startedAt))", "B: \(c.b.folder) (\(c.b.startedAt))", "one post: \(c.samePost)"]
        if c.differences.isEmpty { lines.append("no differences in text, replies, counts or media") }
        else { lines.append("\(c.differences.count) difference(s):"); lines += c.differences.map { "  - " + $0 } }
        lines.append("replies: \(c.replies.capturedA) in A, \(c.replies.capturedB) in B; \(c.replies.added.count) added, \(c.replies.removed.count) removed, \(c.replies.edited.count) edited"
                     + (c.replies.withoutId > 0 ? "; \(c.replies.withoutId) without an id, not matched" : ""))
        lines.append("media compared by \(c.mediaComparedBy)")
        lines.append("post area: \(c.postArea.distance.map { "PDQ distance \($0) of 256; " } ?? "")\(c.postArea.reading)")
        lines.append("whole screenshot: \(c.wholeScreenshot.distance.map { "PDQ distance \($0) of 256; " } ?? "")\(c.wholeScreenshot.reading)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The page, with each capture's post area as a PNG embedded in it (at most 700 px tall each).
    public static func html(_ c: CaptureComparison, _ a: CaptureSnapshot, _ b: CaptureSnapshot) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func picture(_ s: CaptureSnapshot, _ label: String) -> String {
            guard let data = postArea(s) else { return "<p class=\"missing\">\(label): the post's area could not be cut from the screenshot</p>" }
            return "<img alt=\"\(label): the post's area\" src=\"data:image/png;base64,\(data.base64EncodedString())\">"
        }
        func side(_ s: CaptureComparison.Side, _ snapshot: CaptureSnapshot, _ label: String) -> String {
            "<figure><figcaption><b>\(label)</b> \(esc(s.startedAt))<br><code>\(esc(s.captureId))</code><br>\(esc(s.url))</figcaption>\(picture(snapshot, label))</figure>"
        }
        let list = c.differences.isEmpty ? "<p>No differences in text, replies, counts or media.</p>"
            : "<ol>" + c.differences.map { "<li>\(esc($0))</li>" }.joined() + "</ol>"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
            <title>Exhibit comparison of two captures</title>
            <style>body{font:15px/1.45 system-ui,sans-serif;margin:24px;color:#111}.sides{display:flex;gap:24px;align-items:flex-start}
            figure{margin:0;flex:1;min-width:0}img{max-width:100%;border:1px solid #ccc}figcaption{margin-bottom:8px;word-break:break-all}
            code{font-size:13px}li{margin:4px 0;word-break:break-word}.missing{color:#a00}</style></head><body>
            <h1>Two captures of one post</h1>
            <p>One post: \(esc(c.samePost)). Compared from the records (post.json, capture.json), not by eye.</p>
            <div class="sides">\(side(c.a, a, "A"))\(side(c.b, b, "B"))</div>
            <h2>Differences</h2>\(list)
            <h2>Replies</h2><p>\(c.replies.capturedA) in A, \(c.replies.capturedB) in B: \(c.replies.added.count) added, \(c.replies.removed.count) removed, \(c.replies.edited.count) edited.</p>
            <h2>How they look</h2><p>Post area: \(esc(c.postArea.distance.map { "PDQ distance \($0) of 256; " } ?? ""))\(esc(c.postArea.reading)).<br>
            Whole screenshot: \(esc(c.wholeScreenshot.distance.map { "PDQ distance \($0) of 256; " } ?? ""))\(esc(c.wholeScreenshot.reading)).</p>
            <p>Media compared by \(esc(c.mediaComparedBy)).</p>
            </body></html>

            """
    }

    /// The post's rectangle (as its PDQ was taken, else as post.json gives it) cut from the capture's
    /// screenshot, at most 700 px tall, as PNG bytes; nil when it cannot be read.
    static func postArea(_ s: CaptureSnapshot) -> Data? {
        let shot = s.record.screenshot
        let rect = shot.postPDQ?.rectangle.map { (x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
            ?? s.post.post?.rectangle.map { (x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
        guard let rect, rect.width > 0, rect.height > 0, !shot.file.contains("/"),
              let source = try? BagFiles.resolve("data/" + shot.file, in: s.folder).get() else { return nil }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-compare-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard (try? PNGThumbnail.write(from: source.path, x: rect.x, y: rect.y, width: rect.width, height: min(rect.height, 2800),
                                       maxWidth: 640, maxHeight: 700, to: temporary.path)) != nil else { return nil }
        return try? Data(contentsOf: temporary)
    }
}
