import Crypto
import Foundation

/// One thing wrong in a WACZ, named by the file inside it.
public struct WACZProblem: Sendable, Equatable, CustomStringConvertible {
    /// The path inside the package (`archive/data.warc.gz`), or the package's own path for what
    /// is wrong with the ZIP as a whole.
    public let resource: String
    public let detail: String
    public var description: String { "\(resource): \(detail)" }
}

/// A WARC inside a WACZ and what checking it record by record found.
public struct WACZWARCReport: Sendable {
    /// Its path inside the package.
    public let entry: String
    public let report: WARCCheckReport
}

/// The outcome of checking a WACZ.
public struct WACZCheckReport: Sendable {
    public let path: String
    /// Resources listed in datapackage.json whose bytes were hashed.
    public let resourcesChecked: Int
    public let problems: [WACZProblem]
    /// Each WARC inside, checked record by record, when asked for.
    public let warcs: [WACZWARCReport]
    /// Record-level problems of every WARC inside.
    public var warcProblems: [WARCProblem] { warcs.flatMap(\.report.problems) }
    public var passed: Bool { problems.isEmpty && warcs.allSatisfy(\.report.passed) }
}

/// Checks a WACZ as `exhibit verify` does: datapackage-digest.json against datapackage.json,
/// every listed resource's SHA-256 and size against its bytes, the files WACZ 1.1.1 requires,
/// the WARCs stored uncompressed, and optionally each WARC record by record.
///
/// The package is read as hostile input with ``ZIPDirectory``: no entry is extracted, a stored
/// WARC is read in place (never copied, never held whole), a deflated entry is never inflated
/// past its declared size, and names, counts and offsets are checked before anything is read.
public enum WACZChecker {
    /// The largest datapackage.json or datapackage-digest.json read (a hostile one cannot fill memory).
    static let maxManifestBytes = 16 << 20

    /// Checks the package at `path`, not following a symlink in its last place.
    public static func check(path: String, checkRecords: Bool = true) -> WACZCheckReport {
        let file: FileSlice
        do { file = try FileSlice.open(path: path) } catch {
            return WACZCheckReport(path: path, resourcesChecked: 0, problems: [WACZProblem(resource: path, detail: "\(error)")], warcs: [])
        }
        return check(file: file.handle, path: path, checkRecords: checkRecords)
    }

    /// The same for a package the caller opened; `path` is for messages only.
    public static func check(file handle: FileHandle, path: String, checkRecords: Bool = true, budget: DecodeBudget? = nil) -> WACZCheckReport {
        var problems = [WACZProblem]()
        var warcs = [WACZWARCReport]()
        var checked = 0
        let directory: ZIPDirectory
        do { directory = try ZIPDirectory(file: handle, path: path) } catch {
            return WACZCheckReport(path: path, resourcesChecked: 0, problems: [WACZProblem(resource: path, detail: reason(error))], warcs: [])
        }
        func report() -> WACZCheckReport {
            WACZCheckReport(path: path, resourcesChecked: checked, problems: problems, warcs: warcs)
        }
        func read(_ name: String) -> Data? {
            guard let entry = directory[name] else { problems.append(WACZProblem(resource: name, detail: "missing")); return nil }
            guard entry.uncompressedSize <= UInt64(maxManifestBytes) else {
                problems.append(WACZProblem(resource: name, detail: "larger than \(maxManifestBytes) bytes")); return nil
            }
            var data = Data()
            do { try directory.read(entry) { data.append(contentsOf: $0) } } catch {
                problems.append(WACZProblem(resource: name, detail: "cannot be read: \(reason(error, entry: name))")); return nil
            }
            return data
        }
        guard let datapackage = read("datapackage.json") else { return report() }
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
            return report()
        }
        if manifest["wacz_version"] as? String != "1.1.1" {
            problems.append(WACZProblem(resource: "datapackage.json", detail: "wacz_version is not 1.1.1"))
        }
        guard resources.count <= ZIPDirectory.maxEntries else {
            problems.append(WACZProblem(resource: "datapackage.json", detail: "lists \(resources.count) resources, more than the package may hold"))
            return report()
        }
        var listed = Set<String>()
        for resource in resources {
            guard let name = resource["path"] as? String, let hash = resource["hash"] as? String else {
                problems.append(WACZProblem(resource: "datapackage.json", detail: "a resource has no path or hash")); continue
            }
            // Listed twice is read once: a list naming a large WARC ten thousand times must not
            // make the checker read it ten thousand times.
            guard listed.insert(name).inserted else {
                problems.append(WACZProblem(resource: name, detail: "listed more than once in datapackage.json")); continue
            }
            if let why = ZIPDirectory.unsafeName(name) {
                problems.append(WACZProblem(resource: name, detail: "listed in datapackage.json, but not a path inside the package (\(why))")); continue
            }
            guard let entry = directory[name] else { problems.append(WACZProblem(resource: name, detail: "listed but missing")); continue }
            let isWARC = name.hasPrefix("archive/")
            var sha256: String?, bytes: UInt64 = 0
            var crcProblem: String?
            if isWARC && !entry.isStored {
                problems.append(WACZProblem(resource: name, detail: "a WARC must be stored, not compressed again"))
            }
            if isWARC && entry.isStored && checkRecords {
                // Stored, so its bytes are a range of the package: read in place, hashed and
                // CRC-checked in the same pass that checks its records.
                var crc = ZIPCRC()
                let warc = WARCChecker.check(directory.slice(entry), budget: budget, tap: { crc.update($0) })
                warcs.append(WACZWARCReport(entry: name, report: warc))
                sha256 = warc.fileSHA256
                bytes = warc.fileBytes
                if sha256 == nil || bytes != entry.compressedSize {
                    problems.append(WACZProblem(resource: name, detail: "cannot be read to its end"))
                } else if crc.value != entry.crc32 {
                    crcProblem = "its CRC-32 is \(String(format: "%08x", crc.value)), the ZIP directory declares \(String(format: "%08x", entry.crc32))"
                }
            } else {
                var hasher = SHA256()
                do {
                    try directory.read(entry, budget: budget) { chunk in
                        hasher.update(data: chunk)
                        bytes += UInt64(chunk.count)
                    }
                    sha256 = WARCDigest.hex(hasher.finalize())
                } catch {
                    problems.append(WACZProblem(resource: name, detail: "cannot be read: \(reason(error, entry: name))"))
                }
            }
            checked += 1
            if let sha256, WARCDigest.sha256Bytes(of: hash) != WARCDigest.fromHex(sha256) {
                problems.append(WACZProblem(resource: name, detail: "its SHA-256 is \(sha256), datapackage.json says \(hash)"))
            } else if let crcProblem {
                // Bytes datapackage.json vouches for under a CRC the ZIP does not: a tool that trusts
                // the ZIP would refuse them, so the package is not sound either.
                problems.append(WACZProblem(resource: name, detail: crcProblem))
            }
            if sha256 != nil, let expected = resource["bytes"] as? NSNumber, expected.uint64Value != bytes {
                problems.append(WACZProblem(resource: name, detail: "it has \(bytes) bytes, datapackage.json says \(expected)"))
            }
        }
        // WACZ 1.1.1 takes the index as CDX(J), or compressed (`index.cdx.gz` with its `index.idx`), as py-wacz writes it.
        let indexes = ["indexes/index.cdx", "indexes/index.cdxj", "indexes/index.cdx.gz"]
        if !indexes.contains(where: { directory[$0] != nil || listed.contains($0) }) {
            problems.append(WACZProblem(resource: "indexes/index.cdx", detail: "missing (nor index.cdxj, nor index.cdx.gz)"))
        }
        if directory["pages/pages.jsonl"] == nil && !listed.contains("pages/pages.jsonl") {
            problems.append(WACZProblem(resource: "pages/pages.jsonl", detail: "missing"))
        }
        if !listed.contains(where: { $0.hasPrefix("archive/") }) {
            problems.append(WACZProblem(resource: "archive/", detail: "no WARC is listed"))
        }
        for entry in directory.entries where !entry.isDirectory && !listed.contains(entry.name)
            && !["datapackage.json", "datapackage-digest.json"].contains(entry.name) {
            problems.append(WACZProblem(resource: entry.name, detail: "in the package but not listed in datapackage.json"))
        }
        return report()
    }

    /// What went wrong, without the package's path (or the entry's name) a problem already names.
    private static func reason(_ error: any Error, entry: String? = nil) -> String {
        guard case .malformedPackage(_, let reason)? = error as? WebArchiveError else { return "\(error)" }
        if let entry, reason.hasPrefix(entry + ": ") { return String(reason.dropFirst(entry.count + 2)) }
        return reason
    }
}
