import Evidence
import Foundation
import PlatformProfiles

/// Takes the `data:` URIs out of post.json. A real X page inlines its avatars: its post.json was
/// 787 KB, nearly all of it base64. Each URI becomes a reference to one ``PostData/InlineMedia``
/// entry (media type, size, SHA-256), and its bytes are kept once, named by their hash, only when
/// asked (`--keep-inline-media`).
struct InlineMediaExtractor {
    /// Where kept bytes go (`data/media/`), or nil when they are not kept.
    let folder: URL?
    private(set) var entries: [String: PostData.InlineMedia] = [:]
    private(set) var order: [String] = []
    /// Files written, relative to `data/`, with their media types.
    private(set) var written: [(name: String, mediaType: String)] = []
    private(set) var failure: Error?

    init(keepingIn folder: URL?) { self.folder = folder }

    /// The reference for `url` when it is a `data:` URI (nil when it is not, or cannot be read).
    mutating func reference(for url: String) -> String? {
        guard url.lowercased().hasPrefix("data:"), let (mediaType, bytes) = Self.decode(url) else { return nil }
        let hex = FileDigest.sha256Hex(bytes)
        let reference = "inline:sha256:\(hex)"
        if entries[hex] == nil {
            var file: String?
            if let folder {
                let name = "media/\(hex).\(Self.fileExtension(mediaType))"
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    try bytes.write(to: folder.appendingPathComponent("\(hex).\(Self.fileExtension(mediaType))"), options: .withoutOverwriting)
                    file = name
                    written.append((name, Self.safeMediaType(mediaType)))
                } catch { failure = failure ?? error }
            }
            entries[hex] = .init(reference: reference, mediaType: mediaType, bytes: bytes.count, sha256: hex, file: file)
            order.append(hex)
        }
        return reference
    }

    var list: [PostData.InlineMedia] { order.compactMap { entries[$0] } }

    /// `data:[<media type>][;params][;base64],<data>` (RFC 2397): the media type (default
    /// `text/plain`) and the bytes, base64 or percent-decoded.
    static func decode(_ uri: String) -> (String, Data)? {
        guard let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        let body = String(uri[uri.index(after: comma)...])
        var parts = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let isBase64 = parts.last?.lowercased() == "base64"
        if isBase64 { parts.removeLast() }
        let mediaType = parts.first.flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "text/plain"
        let bytes: Data?
        if isBase64 {
            let cleaned = (body.removingPercentEncoding ?? body).filter { !$0.isWhitespace }
            let padded = cleaned + String(repeating: "=", count: (4 - cleaned.count % 4) % 4)
            bytes = Data(base64Encoded: padded)
        } else {
            bytes = body.removingPercentEncoding.map { Data($0.utf8) }
        }
        return bytes.map { (mediaType, $0) }
    }

    /// A media type fit for the bag's record: the page's own text, if it looks like one.
    static func safeMediaType(_ type: String) -> String {
        type.range(of: #"^[a-z0-9.+-]+/[a-z0-9.+-]+$"#, options: .regularExpression) != nil ? type : "application/octet-stream"
    }

    static func fileExtension(_ mediaType: String) -> String {
        switch mediaType {
        case "image/png": return "png"
        case "image/jpeg", "image/jpg": return "jpg"
        case "image/gif": return "gif"
        case "image/webp": return "webp"
        case "image/svg+xml": return "svg"
        case "image/avif": return "avif"
        case "text/plain": return "txt"
        default: return "bin"
        }
    }
}
