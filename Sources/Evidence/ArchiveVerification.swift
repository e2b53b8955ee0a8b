import Foundation
import WebArchive

/// `exhibit verify`'s checks of a capture's web archive: `data/archive.warc.gz` (`--warc`) and
/// `data/archive.wacz` (`--wacz`), and any other `.warc`, `.warc.gz` or `.wacz` in the payload.
///
/// The bag's manifests say a file changed; these checks say which record changed, and that the
/// archive is the one the capture's record describes. Each WARC is read record by record with
/// every block and payload digest compared; each WACZ has every resource datapackage.json lists
/// hashed, datapackage-digest.json compared, and the WARC inside read record by record in place.
/// The archive named by `capture.json` must also agree with it (records, responses, capture id)
/// and the WACZ's WARC must be the bag's WARC byte for byte, so another valid archive swapped in
/// is caught. The formats are read by `WebArchive`, written for hostile files (bounded memory,
/// no bomb inflated, no path outside the file); this type turns what they found into check lines.
struct ArchiveVerification {
    let root: URL
    /// The bag's regular files, as ``BagFiles/inventory(_:)`` found them.
    let files: [String]
    /// The inflation budget's floor; nil: the one a single file gets (tests lower it).
    var budgetFloor: UInt64? = nil

    /// The most lines one archive's failures take; the rest are counted in one more line.
    static let maxLines = 20
    static let maxLineCharacters = 2000

    /// What `data/capture.json` says about its archive, read field by field, so a record whose
    /// archive object is malformed is said so instead of making its other promises unreadable.
    struct Promise {
        var captureId: String?
        var warc: String?
        var wacz: String?
        var records: Int?
        var responses: Int?
        /// Why the archive object cannot be believed, when it cannot.
        var malformed: String?
    }

    func checks() -> [BagCheck] {
        let promise = readPromise()
        var checks: [BagCheck] = []
        if let malformed = promise.malformed {
            checks.append(BagCheck(subject: "data/capture.json", ok: false, detail: "its archive object \(malformed)"))
        }
        let namedWARC = promise.warc.map { "data/" + $0 }, namedWACZ = promise.wacz.map { "data/" + $0 }
        // What the record names is read as what it names it, whatever its name ends in; other
        // archives in the payload as their names say.
        var warcs = [namedWARC].compactMap { $0 }, waczs = [namedWACZ].compactMap { $0 }
        let named = Set(warcs + waczs)
        for file in files where file.hasPrefix("data/") && !named.contains(file) {
            if file.hasSuffix(".wacz") { waczs.append(file) }
            if file.hasSuffix(".warc") || file.hasSuffix(".warc.gz") { warcs.append(file) }
        }

        var warcDigests: [String: String] = [:]
        // Every archive is opened first, the careful way, and one inflation budget is made from the
        // sizes of those opened (a name that points outside the bag, or at /proc/kcore, adds nothing).
        let openedWARCs = warcs.compactMap { subject in open(subject, named: subject == namedWARC, into: &checks).map { (subject, $0) } }
        let openedWACZs = waczs.compactMap { subject in open(subject, named: subject == namedWACZ, into: &checks).map { (subject, $0) } }
        let budget = DecodeBudget(compressedBytes: (openedWARCs + openedWACZs).reduce(UInt64(0)) { total, opened in
            var status = stat()
            let size = fstat(opened.1.fileDescriptor, &status) == 0 ? UInt64(max(status.st_size, 0)) : 0
            return total.addingReportingOverflow(size).overflow ? .max : total + size
        }, floor: budgetFloor)
        for (subject, handle) in openedWARCs {
            let named = subject == namedWARC
            let report = WARCChecker.check(file: handle, path: subject, budget: budget)
            if let digest = report.fileSHA256 { warcDigests[subject] = digest }
            var failures = Self.recordFailures(report)
            if named { failures += agreement(report, promise, inside: nil) }
            checks += lines(subject, failures, notShown: report.problemsNotKept,
                            ok: "\(report.recordsRead) records, \(report.digestsMatched) digests match"
                                + (named ? Self.agreementSummary(promise) : ""))
        }
        for (subject, handle) in openedWACZs {
            let named = subject == namedWACZ
            let report = WACZChecker.check(file: handle, path: subject, budget: budget)
            var failures = report.problems.map { $0.resource == subject ? $0.detail : "\($0.resource): \($0.detail)" }
            var notShown = 0
            var summaries: [String] = []
            for inner in report.warcs {
                failures += Self.recordFailures(inner.report).map { "\(inner.entry): \($0)" }
                notShown += inner.report.problemsNotKept
                var summary = "\(inner.entry): \(inner.report.recordsRead) records, \(inner.report.digestsMatched) digests match"
                if named {
                    failures += agreement(inner.report, promise, inside: inner.entry)
                    if let warc = namedWARC, let expected = warcDigests[warc] {
                        if inner.report.fileSHA256 != expected {
                            failures.append("\(inner.entry) is not the same file as \(warc): SHA-256 \(inner.report.fileSHA256 ?? "(unread)") vs \(expected)")
                        } else {
                            summary += ", the same bytes as \(warc)"
                        }
                    }
                }
                summaries.append(summary)
            }
            checks += lines(subject, failures, notShown: notShown,
                            ok: "\(report.resourcesChecked) resources match datapackage.json, whose SHA-256 datapackage-digest.json states; "
                                + summaries.joined(separator: "; ") + (named ? Self.agreementSummary(promise) : ""))
        }
        return checks
    }

    /// Opens `subject` as every file of a hostile bag is opened (inside the bag, no symlink on the
    /// way, a regular file, without blocking), or says why it cannot be checked.
    private func open(_ subject: String, named: Bool, into checks: inout [BagCheck]) -> FileHandle? {
        let because = named ? "capture.json names it as the capture's web archive, but it is " : "cannot be checked: "
        switch BagFiles.resolve(subject, in: root) {
        case .failure(let problem):
            checks.append(BagCheck(subject: subject, ok: false, detail: because + "\(problem)"))
            return nil
        case .success(let url):
            do { return FileHandle(fileDescriptor: try BagFiles.openRegular(url).descriptor, closeOnDealloc: true) } catch {
                checks.append(BagCheck(subject: subject, ok: false, detail: "cannot be checked: \(error)"))
                return nil
            }
        }
    }

    /// One FAIL line for each failure (at most ``maxLines``, then one saying how many more), or
    /// one ok line when there is none. A line is cut at ``maxLineCharacters``: what it quotes
    /// (a target URI, a digest label, an entry name) comes from the file and can be a megabyte long.
    private func lines(_ subject: String, _ failures: [String], notShown: Int, ok: String) -> [BagCheck] {
        func clip(_ text: String) -> String { text.count > Self.maxLineCharacters ? text.prefix(Self.maxLineCharacters) + "…" : text }
        guard !failures.isEmpty || notShown > 0 else { return [BagCheck(subject: subject, ok: true, detail: clip(ok))] }
        var lines = failures.prefix(Self.maxLines).map { BagCheck(subject: subject, ok: false, detail: clip($0)) }
        let more = failures.count - lines.count + notShown
        if more > 0 { lines.append(BagCheck(subject: subject, ok: false, detail: "and \(more) more problem(s) not shown")) }
        return lines
    }

    /// One failure for each record that failed (its digests together), then one for where the
    /// file could not be read further.
    static func recordFailures(_ report: WARCCheckReport) -> [String] {
        var order: [UInt64] = []
        var byRecord: [UInt64: [WARCProblem]] = [:]
        var unreadable: [String] = []
        for problem in report.problems {
            if problem.kind == .unreadable {
                unreadable.append("unreadable at offset \(problem.offset): \(problem.detail)")
                continue
            }
            if byRecord[problem.offset] == nil { order.append(problem.offset) }
            byRecord[problem.offset, default: []].append(problem)
        }
        return order.compactMap { offset -> String? in
            guard let problems = byRecord[offset], let first = problems.first else { return nil }
            let record = "the record for \(first.targetURI ?? "(no target URI)") (\(first.recordID ?? "no record id"), offset \(offset))"
            let details = problems.map(\.detail).joined(separator: "; ")
            let digests = problems.filter { $0.kind != .missingDigest }.map(\.kind.rawValue)
            guard !digests.isEmpty else { return "\(record) has a digest that is not checked: \(details)" }
            return "\(digests.joined(separator: " and ")) of \(record) \(digests.count == 1 ? "does" : "do") not match: \(details)"
        } + unreadable
    }

    /// Where a WARC the record names disagrees with the record: another valid archive swapped in
    /// passes every digest, so its counts and its capture id must be this capture's.
    private func agreement(_ report: WARCCheckReport, _ promise: Promise, inside entry: String?) -> [String] {
        // Counts of a file that could not be read to its end say nothing more.
        guard !report.problems.contains(where: { $0.kind == .unreadable }) else { return [] }
        let what = entry.map { "\($0) holds" } ?? "holds"
        var failures: [String] = []
        if let records = promise.records, records != report.recordsRead {
            failures.append("\(what) \(report.recordsRead) records, capture.json says \(records)")
        }
        let responses = report.recordTypes["response", default: 0]
        if let expected = promise.responses, expected != responses {
            failures.append("\(what) \(responses) response records, capture.json says \(expected)")
        }
        if let captureId = promise.captureId {
            let named = report.warcinfo?["captureId"]
            if named != captureId {
                failures.append((entry.map { "\($0): " } ?? "") + "its warcinfo record "
                                + (named.map { "names capture \($0)" } ?? "names no capture") + ", capture.json is capture \(captureId)")
            }
        }
        return failures
    }

    /// "; as capture.json says: …", or nothing when the record states nothing to agree with.
    private static func agreementSummary(_ promise: Promise) -> String {
        let stated = [promise.records.map { "\($0) records" }, promise.responses.map { "\($0) responses" },
                      promise.captureId.map { "capture \($0)" }].compactMap { $0 }
        return stated.isEmpty ? "" : "; as capture.json says: " + stated.joined(separator: ", ")
    }

    /// capture.json's `captureId` and `archive` object. The record is covered by the manifests
    /// (and so by the timestamps and signature); it is read within the bag's limits.
    private func readPromise() -> Promise {
        var promise = Promise()
        guard let url = try? BagFiles.resolve("data/capture.json", in: root).get(), let data = try? BagFiles.read(url),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return promise }
        promise.captureId = record["captureId"] as? String
        guard let value = record["archive"], !(value is NSNull) else { return promise }
        guard let archive = value as? [String: Any] else { promise.malformed = "is not an object"; return promise }
        func name(_ key: String) -> String? {
            guard let value = archive[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { promise.malformed = "has a \(key) that is not a file name"; return nil }
            return text
        }
        func count(_ key: String) -> Int? {
            guard let value = archive[key] else { return nil }
            guard let number = value as? NSNumber, let count = Int(exactly: number.doubleValue), count >= 0 else {
                promise.malformed = "has a \(key) that is not a count"; return nil
            }
            return count
        }
        promise.warc = name("file")
        if promise.warc == nil && promise.malformed == nil { promise.malformed = "names no file" }
        promise.wacz = name("wacz")
        promise.records = count("records")
        promise.responses = count("responses")
        return promise
    }
}
