import Crypto
import Foundation
import ZIPFoundation

/// One thing wrong in a WACZ, named by the file inside it.
public struct WACZProblem: Sendable, Equatable, CustomStringConvertible {
    /// The path inside the package (`archive/data.warc.gz`), or the package's own path.
    public let resource: String
    public let detail: String
    public var description: String { "\(resource): \(detail)" }
}

/// The outcome of checking a WACZ.
public struct WACZCheckReport: Sendable {
    public let path: String
    public let resourcesChecked: Int
    public let problems: [WACZProblem]
    /// Record-level problems of each WARC inside, when asked for.
    public let warcProblems: [WARCProblem]
    public var passed: Bool { problems.isEmpty && warcProblems.isEmpty }
}

/// Checks a WACZ as `exhibit verify` will: datapackage-digest.json against datapackage.json,
/// every listed resource's SHA-256 and size against its bytes, the files WACZ 1.1.1 requires,
/// the WARCs stored uncompressed, and optionally each WARC record by record.
public enum WACZChecker {
    /// The largest datapackage.json or datapackage-digest.json read (a hostile one cannot fill memory).
    static let maxManifestBytes = 16 << 20

    public static func check(path: String, checkRecords: Bool = true) -> WACZCheckReport {
        var problems = [WACZProblem]()
        var warcProblems = [WARCProblem]()
        var checked = 0
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            return WACZCheckReport(path: path, resourcesChecked: 0, problems: [WACZProblem(resource: path, detail: "not a readable ZIP: \(error)")], warcProblems: [])
        }
        func read(_ name: String) -> Data? {
            guard let entry = archive[name] else { problems.append(WACZProblem(resource: name, detail: "missing")); return nil }
            guard entry.uncompressedSize <= UInt64(maxManifestBytes) else {
                problems.append(WACZProblem(resource: name, detail: "larger than \(maxManifestBytes) bytes")); return nil
            }
            var data = Data()
            do { _ = try archive.extract(entry, skipCRC32: true) { data.append($0) } } catch {
                problems.append(WACZProblem(resource: name, detail: "cannot be read: \(error)")); return nil
            }
            return data
        }
        guard let datapackage = read("datapackage.json") else {
            return WACZCheckReport(path: path, resourcesChecked: 0, problems: problems, warcProblems: [])
        }
        if let digestData = read("datapackage-digest.json") {
            let digest = (try? JSONSerialization.jsonObject(with: digestData)) as? [String: Any]
            let actual = WARCDigest.hex(SHA256.hash(data: datapackage))
            if digest?["path"] as? String != "datapackage.json" || (digest?["hash"] as? String).flatMap(WARCDigest.sha256Bytes) != WARCDigest.fromHex(actual) {
                problems.append(WACZProblem(resource: "datapackage-digest.json", detail: "does not state datapackage.json's SHA-256 (\(actual))"))
            }
        }
        guard let manifest = (try? JSONSerialization.jsonObject(with: datapackage)) as? [String: Any],
              let resources = manifest["resources"] as? [[String: Any]] else {
            problems.append(WACZProblem(resource: "datapackage.json", detail: "is not a data package with resources"))
            return WACZCheckReport(path: path, resourcesChecked: 0, problems: problems, warcProblems: [])
        }
        if manifest["wacz_version"] as? String != "1.1.1" {
            problems.append(WACZProblem(resource: "datapackage.json", detail: "wacz_version is not 1.1.1"))
        }
        var listed = Set<String>()
        for resource in resources {
            guard let name = resource["path"] as? String, let hash = resource["hash"] as? String else {
                problems.append(WACZProblem(resource: "datapackage.json", detail: "a resource has no path or hash")); continue
            }
            listed.insert(name)
            guard let entry = archive[name] else { problems.append(WACZProblem(resource: name, detail: "listed but missing")); continue }
            var hasher = SHA256()
            var bytes: UInt64 = 0
            let isWARC = name.hasPrefix("archive/")
            var copy: (handle: FileHandle, path: String)?
            if isWARC && checkRecords { copy = temporaryCopy() }
            do {
                _ = try archive.extract(entry, skipCRC32: true) { chunk in
                    hasher.update(data: chunk)
                    bytes += UInt64(chunk.count)
                    try copy?.handle.write(contentsOf: chunk)
                }
            } catch {
                problems.append(WACZProblem(resource: name, detail: "cannot be read: \(error)"))
            }
            checked += 1
            let actual = WARCDigest.hex(hasher.finalize())
            if WARCDigest.sha256Bytes(of: hash) != WARCDigest.fromHex(actual) {
                problems.append(WACZProblem(resource: name, detail: "its SHA-256 is \(actual), datapackage.json says \(hash)"))
            }
            if let expected = resource["bytes"] as? NSNumber, expected.uint64Value != bytes {
                problems.append(WACZProblem(resource: name, detail: "it has \(bytes) bytes, datapackage.json says \(expected)"))
            }
            if isWARC && entry.isCompressed {
                problems.append(WACZProblem(resource: name, detail: "a WARC must be stored, not compressed again"))
            }
            if let copy {
                try? copy.handle.close()
                warcProblems += WARCChecker.check(path: copy.path).problems
                unlink(copy.path)
            }
        }
        for required in ["indexes/index.cdx", "pages/pages.jsonl"] where archive[required] == nil && !listed.contains(required) {
            problems.append(WACZProblem(resource: required, detail: "missing"))
        }
        if !listed.contains(where: { $0.hasPrefix("archive/") }) {
            problems.append(WACZProblem(resource: "archive/", detail: "no WARC is listed"))
        }
        for entry in archive where entry.type == .file && !listed.contains(entry.path)
            && !["datapackage.json", "datapackage-digest.json"].contains(entry.path) {
            problems.append(WACZProblem(resource: entry.path, detail: "in the package but not listed in datapackage.json"))
        }
        return WACZCheckReport(path: path, resourcesChecked: checked, problems: problems, warcProblems: warcProblems)
    }

    private static func temporaryCopy() -> (handle: FileHandle, path: String)? {
        var template = Array((NSTemporaryDirectory() + "/exhibit-wacz-warc-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else { return nil }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (FileHandle(fileDescriptor: descriptor, closeOnDealloc: true), path)
    }
}
