import Crypto
import Foundation
import ZIPFoundation

/// The page a WACZ opens on: the captured post.
public struct WACZPage: Sendable {
    public var url: String
    public var title: String?
    /// When it was captured (the WARC-Date of its response).
    public var date: Date

    public init(url: String, title: String?, date: Date) {
        self.url = url
        self.title = title
        self.date = date
    }
}

/// What the packager wrote, for the capture's record.
public struct WACZManifest: Sendable {
    /// Each file as datapackage.json lists it.
    public let resources: [(path: String, sha256: String, bytes: UInt64)]
    /// SHA-256 (hex) of datapackage.json, as datapackage-digest.json states it.
    public let datapackageSHA256: String
}

/// Packs one WARC into a WACZ 1.1.1 file: the WARC stored as it is (replay tools read records by
/// offset, which a recompressed entry would break), a CDXJ index, the page list, and
/// datapackage.json with every file's SHA-256 and size, itself hashed in datapackage-digest.json.
public enum WACZPackager {
    /// The WARC's path inside the package.
    public static let warcEntry = "archive/data.warc.gz"

    public static func package(warcPath: String, to waczPath: String, page: WACZPage, title: String, software: String,
                               created: Date = Date()) throws(WebArchiveError) -> WACZManifest {
        let index = CDXJIndexer.text(try CDXJIndexer.index(warcPath: warcPath, filename: "data.warc.gz"))
        let pageLine = JSONText.object([("id", .string(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))),
                                        ("url", .string(page.url)), ("ts", .string(WARCDate.warcDate(page.date))),
                                        ("title", .string(page.title ?? page.url))])
        let pages = JSONText.object([("format", .string("json-pages-1.0")), ("id", .string("pages")), ("title", .string("All Pages"))])
            + "\n" + pageLine + "\n"
        let warc = try fileDigest(warcPath)
        var resources: [(path: String, sha256: String, bytes: UInt64)] = [(warcEntry, warc.sha256, warc.bytes)]
        for (path, text) in [("indexes/index.cdx", index), ("pages/pages.jsonl", pages)] {
            resources.append((path, WARCDigest.hex(SHA256.hash(data: Data(text.utf8))), UInt64(text.utf8.count)))
        }
        let resourceList = "[" + resources.map { resource in
            JSONText.object([("name", .string((resource.path as NSString).lastPathComponent)), ("path", .string(resource.path)),
                             ("hash", .string("sha256:" + resource.sha256)), ("bytes", .number(resource.bytes))])
        }.joined(separator: ", ") + "]"
        let datapackage = JSONText.object([
            ("profile", .string("data-package")), ("resources", .raw(resourceList)), ("wacz_version", .string("1.1.1")),
            ("title", .string(title)), ("created", .string(WARCDate.warcDate(created))), ("software", .string(software)),
            ("mainPageURL", .string(page.url)), ("mainPageDate", .string(WARCDate.warcDate(page.date))),
        ]) + "\n"
        let datapackageHash = WARCDigest.hex(SHA256.hash(data: Data(datapackage.utf8)))
        let digestFile = JSONText.object([("path", .string("datapackage.json")), ("hash", .string("sha256:" + datapackageHash))]) + "\n"

        try? FileManager.default.removeItem(atPath: waczPath)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: waczPath), accessMode: .create)
            try archive.addEntry(with: warcEntry, fileURL: URL(fileURLWithPath: warcPath), compressionMethod: .none)
            for (path, text) in [("indexes/index.cdx", index), ("pages/pages.jsonl", pages),
                                 ("datapackage.json", datapackage), ("datapackage-digest.json", digestFile)] {
                let data = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<min(data.count, Int(position) + size))
                }
            }
        } catch { throw .unwritable(path: waczPath, reason: "\(error)") }
        return WACZManifest(resources: resources, datapackageSHA256: datapackageHash)
    }

    /// SHA-256 and size of a file, read in 1 MiB chunks.
    static func fileDigest(_ path: String) throws(WebArchiveError) -> (sha256: String, bytes: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: UInt64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch { throw .unreadable(path: path, reason: "\(error)") }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            bytes += UInt64(chunk.count)
        }
        return (WARCDigest.hex(hasher.finalize()), bytes)
    }
}
