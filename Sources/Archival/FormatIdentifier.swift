import Foundation
import WebArchive

/// A file's format as a PRONOM PUID, read from the file's own bytes (its version included), not
/// assumed from its name: Chromium decides which PDF version it writes, and a PNG's version
/// depends on the chunks it carries.
///
/// The rules follow the PRONOM registry's signatures (The National Archives,
/// https://www.nationalarchives.gov.uk/PRONOM/, repository nationalarchives/pronom,
/// `signatures/<puid>`):
/// - fmt/11, fmt/12, fmt/13 PNG 1.0, 1.1, 1.2: the PNG signature and IHDR; 1.1 adds an iCCP,
///   sPLT or sRGB chunk, 1.2 an iTXt chunk (the highest version a file shows wins).
/// - fmt/14 … fmt/20, fmt/276, fmt/1129: PDF 1.0 … 1.6, 1.7, 2.0, by the `%PDF-1.n` header.
/// - fmt/471 HTML 5 (`<!DOCTYPE html>`), fmt/96 HTML without a version doctype.
/// - fmt/1355, fmt/1281: WARC 1.0, 1.1 by the first record's version line (gzip members are
///   opened: per-record gzip is WARC's own compression, ISO 28500:2017 annex D).
/// - fmt/1840 WACZ: a ZIP whose entries hold `datapackage.json`.
/// - fmt/817 JSON; fmt/101 XML 1.0.
/// - fmt/3, fmt/4 GIF 87a, 89a; fmt/42, fmt/43, fmt/44 JPEG JFIF 1.00, 1.01, 1.02.
/// Anything else is recorded by its media type only, with a warning.
public struct FileFormat: Sendable, Equatable, Codable {
    /// PRONOM unique identifier, e.g. `fmt/13`; nil when the format was not recognised.
    public var puid: String?
    /// PRONOM's name and version, e.g. `Portable Network Graphics 1.2`.
    public var name: String
    /// The media type, e.g. `image/png`.
    public var mediaType: String
    /// How the PUID was decided, in words (`PNG with an iTXt chunk`).
    public var evidence: String

    public init(puid: String?, name: String, mediaType: String, evidence: String) {
        self.puid = puid
        self.name = name
        self.mediaType = mediaType
        self.evidence = evidence
    }
}

public enum FormatIdentifier {
    /// The format of the file at `url`, whose declared media type is `mediaType`.
    public static func identify(_ url: URL, mediaType: String) -> FileFormat {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            return unknown(mediaType, "the file could not be read")
        }
        defer { try? handle.close() }
        // Enough for every signature used here but PNG chunks, which are walked by offset.
        let head = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return png(handle) }
        if head.starts(with: Array("%PDF-".utf8)) { return pdf(head) }
        if head.starts(with: [0x1F, 0x8B]) { return gzip(url, mediaType: mediaType) }
        if head.starts(with: Array("WARC/".utf8)) { return warc(head) }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return zip(url, mediaType: mediaType) }
        if head.starts(with: Array("GIF87a".utf8)) { return FileFormat(puid: "fmt/3", name: "Graphics Interchange Format 87a", mediaType: "image/gif", evidence: "GIF87a signature") }
        if head.starts(with: Array("GIF89a".utf8)) { return FileFormat(puid: "fmt/4", name: "Graphics Interchange Format 89a", mediaType: "image/gif", evidence: "GIF89a signature") }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return jpeg(head, mediaType: mediaType) }
        let text = String(decoding: head.prefix(2048), as: UTF8.self)
        let trimmed = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if trimmed.lowercased().hasPrefix("<!doctype html>") || trimmed.lowercased().hasPrefix("<!doctype html ") && !trimmed.lowercased().contains("dtd") {
            return FileFormat(puid: "fmt/471", name: "Hypertext Markup Language 5", mediaType: "text/html", evidence: "<!DOCTYPE html> without a DTD")
        }
        if mediaType == "text/html" || trimmed.lowercased().hasPrefix("<html") {
            return FileFormat(puid: "fmt/96", name: "Hypertext Markup Language", mediaType: "text/html", evidence: "HTML without an HTML5 doctype")
        }
        if trimmed.hasPrefix("<?xml") {
            return FileFormat(puid: "fmt/101", name: "Extensible Markup Language 1.0", mediaType: "application/xml", evidence: "XML declaration")
        }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("["), let data = try? Data(contentsOf: url),
           (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
            return FileFormat(puid: "fmt/817", name: "JSON Data Interchange Format", mediaType: "application/json", evidence: "parses as JSON")
        }
        return unknown(mediaType, "no PRONOM signature Exhibit knows matches")
    }

    static func unknown(_ mediaType: String, _ why: String) -> FileFormat {
        FileFormat(puid: nil, name: mediaType, mediaType: mediaType, evidence: why)
    }

    /// Walks the chunks: 1.2 with iTXt, 1.1 with iCCP, sPLT or sRGB, else 1.0.
    static func png(_ handle: FileHandle) -> FileFormat {
        var offset: UInt64 = 8
        var seen = Set<String>()
        while true {
            guard (try? handle.seek(toOffset: offset)) != nil, let header = try? handle.read(upToCount: 8), header.count == 8 else { break }
            let bytes = [UInt8](header)
            let length = UInt64(bytes[0]) << 24 | UInt64(bytes[1]) << 16 | UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            let type = String(decoding: bytes[4..<8], as: UTF8.self)
            seen.insert(type)
            if type == "IEND" { break }
            offset += 12 + length
        }
        guard seen.contains("IHDR") else { return unknown("image/png", "PNG signature without an IHDR chunk") }
        if seen.contains("iTXt") {
            return FileFormat(puid: "fmt/13", name: "Portable Network Graphics 1.2", mediaType: "image/png", evidence: "PNG with an iTXt chunk")
        }
        if let chunk = ["iCCP", "sPLT", "sRGB"].first(where: seen.contains) {
            return FileFormat(puid: "fmt/12", name: "Portable Network Graphics 1.1", mediaType: "image/png", evidence: "PNG with a \(chunk) chunk")
        }
        return FileFormat(puid: "fmt/11", name: "Portable Network Graphics 1.0", mediaType: "image/png", evidence: "PNG without 1.1 or 1.2 chunks")
    }

    static let pdfVersions: [String: String] = [
        "1.0": "fmt/14", "1.1": "fmt/15", "1.2": "fmt/16", "1.3": "fmt/17", "1.4": "fmt/18", "1.5": "fmt/19",
        "1.6": "fmt/20", "1.7": "fmt/276", "2.0": "fmt/1129",
    ]

    static func pdf(_ head: Data) -> FileFormat {
        let version = String(decoding: head.dropFirst(5).prefix(3), as: UTF8.self)
        guard let puid = pdfVersions[version] else { return unknown("application/pdf", "PDF header names version '\(version)', which PRONOM lists no PUID for") }
        return FileFormat(puid: puid, name: "Portable Document Format \(version)", mediaType: "application/pdf", evidence: "header %PDF-\(version)")
    }

    static func warc(_ head: Data) -> FileFormat {
        let line = String(decoding: head.prefix(16), as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        switch line.trimmingCharacters(in: .whitespaces) {
        case "WARC/1.0": return FileFormat(puid: "fmt/1355", name: "WARC 1.0", mediaType: "application/warc", evidence: "first record WARC/1.0")
        case "WARC/1.1": return FileFormat(puid: "fmt/1281", name: "WARC 1.1", mediaType: "application/warc", evidence: "first record WARC/1.1")
        default: return unknown("application/warc", "WARC version line '\(line)' is not 1.0 or 1.1")
        }
    }

    /// A gzip file is identified by what its first member holds: a WARC record, or else gzip.
    static func gzip(_ url: URL, mediaType: String) -> FileFormat {
        if let reader = try? WARCReader(path: url.path), let first = try? reader.next(block: { _ in }) {
            var format = warc(Data(((first.version.hasPrefix("WARC/") ? "" : "WARC/") + first.version + "\r\n").utf8))
            format.evidence += " (read through gzip, member by member)"
            return format
        }
        return FileFormat(puid: "x-fmt/266", name: "GZIP Format", mediaType: "application/gzip", evidence: "gzip signature")
    }

    /// A WACZ is a ZIP with `datapackage.json` among its entries (read from the central directory,
    /// whose entries carry their name at offset 46).
    static func zip(_ url: URL, mediaType: String) -> FileFormat {
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe) else { return unknown(mediaType, "the file could not be read") }
        let name = Array("datapackage.json".utf8)
        let bytes = [UInt8](data.suffix(min(data.count, 1 << 20)))
        var j = 0
        while j + 46 <= bytes.count {
            if bytes[j] == 0x50, bytes[j + 1] == 0x4B, bytes[j + 2] == 0x01, bytes[j + 3] == 0x02 {
                let length = Int(bytes[j + 28]) | Int(bytes[j + 29]) << 8
                if j + 46 + length <= bytes.count, Array(bytes[(j + 46)..<(j + 46 + length)]) == name {
                    return FileFormat(puid: "fmt/1840", name: "Web Archive Collection Zipped", mediaType: "application/wacz", evidence: "ZIP holding datapackage.json")
                }
            }
            j += 1
        }
        return FileFormat(puid: "x-fmt/263", name: "ZIP Format", mediaType: "application/zip", evidence: "ZIP signature")
    }

    static func jpeg(_ head: Data, mediaType: String) -> FileFormat {
        let bytes = [UInt8](head.prefix(20))
        // APP0 "JFIF\0" then major, minor version.
        if bytes.count >= 13, bytes[3] == 0xE0, Array(bytes[6..<11]) == [0x4A, 0x46, 0x49, 0x46, 0x00], bytes[11] == 1 {
            switch bytes[12] {
            case 0: return FileFormat(puid: "fmt/42", name: "JPEG File Interchange Format 1.00", mediaType: "image/jpeg", evidence: "JFIF 1.00 APP0")
            case 1: return FileFormat(puid: "fmt/43", name: "JPEG File Interchange Format 1.01", mediaType: "image/jpeg", evidence: "JFIF 1.01 APP0")
            case 2: return FileFormat(puid: "fmt/44", name: "JPEG File Interchange Format 1.02", mediaType: "image/jpeg", evidence: "JFIF 1.02 APP0")
            default: break
            }
        }
        return unknown("image/jpeg", "JPEG without a JFIF 1.00-1.02 header")
    }
}
