import Crypto
import Foundation

/// What was wrong with one record, or with the file at one place.
public struct WARCProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// WARC-Block-Digest does not match the block.
        case blockDigest = "block digest"
        /// WARC-Payload-Digest does not match the payload.
        case payloadDigest = "payload digest"
        /// A record Exhibit's archives always give a digest has none, or one in another algorithm.
        case missingDigest = "missing digest"
        /// The file could not be read past this point (truncated, corrupt gzip, malformed header).
        case unreadable
    }

    public let kind: Kind
    public let offset: UInt64
    public let recordID: String?
    public let targetURI: String?
    public let detail: String

    public var description: String {
        let who = [targetURI.map { "record for \($0)" }, recordID].compactMap { $0 }.joined(separator: " ")
        return "\(kind.rawValue) at offset \(offset)\(who.isEmpty ? "" : " (\(who))"): \(detail)"
    }
}

/// The outcome of checking a WARC file.
public struct WARCCheckReport: Sendable {
    public let path: String
    /// Records read whole, digests checked or not.
    public let recordsRead: Int
    /// Digests compared and found equal.
    public let digestsMatched: Int
    /// Records read, by their WARC-Type (`response`, `request`, …).
    public let recordTypes: [String: Int]
    /// The fields of the first record's block when it is a `warcinfo` record of at most 64 KiB
    /// whose block parses as `name: value` lines (who wrote the file, and for what capture).
    public let warcinfo: WARCFields?
    /// What was found wrong, at most ``WARCChecker/maxProblems`` of it.
    public let problems: [WARCProblem]
    /// Problems found beyond those kept in ``problems``: counted, not kept, so a file of a
    /// million bad records cannot fill memory.
    public let problemsNotKept: Int
    /// SHA-256 (lower-case hex) of every raw byte of the file, read in the same pass as the
    /// records; nil when the file could not be read to its end.
    public let fileSHA256: String?
    /// How many raw bytes the file holds.
    public let fileBytes: UInt64
    public var passed: Bool { problems.isEmpty && problemsNotKept == 0 }
}

/// Checks every record's WARC-Block-Digest and WARC-Payload-Digest in one streaming pass, in the
/// way `warcio check` does, and names a record that fails by its target URI and record id.
///
/// Written for hostile files: memory stays bounded whatever the file holds (records are streamed,
/// problems kept up to a cap), a gzipped file may not inflate past ``WARCByteSource/Expansion``,
/// and a digest in an algorithm other than SHA-256 counts as a digest not checked, never as one
/// that matched.
public enum WARCChecker {
    /// The most problems a report keeps; the rest are counted.
    public static let maxProblems = 100
    /// The largest warcinfo block read for ``WARCCheckReport/warcinfo``.
    static let maxWarcinfoBytes = 64 << 10

    /// Reads `path` (not following a symlink in its last place) to its end or to the first place
    /// it cannot be read; never throws for what the file holds, only reports it.
    public static func check(path: String) -> WARCCheckReport {
        let file: FileSlice
        do { file = try FileSlice.open(path: path) } catch { return unopened(path: path, error) }
        return check(file)
    }

    /// The same for a file the caller opened (a bag verifier opens it its own careful way);
    /// `path` is for messages only.
    public static func check(file handle: FileHandle, path: String, budget: DecodeBudget? = nil) -> WARCCheckReport {
        let file: FileSlice
        do { file = try FileSlice.whole(handle, path: path) } catch { return unopened(path: path, error) }
        return check(file, budget: budget)
    }

    private static func unopened(path: String, _ error: any Error) -> WARCCheckReport {
        WARCCheckReport(path: path, recordsRead: 0, digestsMatched: 0, recordTypes: [:], warcinfo: nil,
                        problems: [WARCProblem(kind: .unreadable, offset: 0, recordID: nil, targetURI: nil, detail: "\(error)")],
                        problemsNotKept: 0, fileSHA256: nil, fileBytes: 0)
    }

    /// Checks the bytes of `file` (a whole file, or a WARC's range inside a WACZ); `tap` sees
    /// every raw byte too, in order, so a caller can hash or CRC the range in the same pass.
    static func check(_ file: FileSlice, limit: Int = maxProblems, budget: DecodeBudget? = nil,
                      tap: ((ArraySlice<UInt8>) -> Void)? = nil) -> WARCCheckReport {
        var raw = SHA256()
        file.tap = { bytes in raw.update(data: bytes); tap?(bytes) }
        var problems = [WARCProblem]()
        var notKept = 0
        var recordsRead = 0, matched = 0
        var types: [String: Int] = [:]
        var warcinfo: WARCFields?
        func add(_ problem: WARCProblem) {
            if problems.count < limit { problems.append(problem) } else { notKept += 1 }
        }
        func finish() -> WARCCheckReport {
            // The rest of the file, when reading stopped early, so the raw hash covers every byte.
            let drained = (try? file.drain()) != nil
            file.tap = nil
            return WARCCheckReport(path: file.path, recordsRead: recordsRead, digestsMatched: matched, recordTypes: types,
                                   warcinfo: warcinfo, problems: problems, problemsNotKept: notKept,
                                   fileSHA256: drained ? WARCDigest.hex(raw.finalize()) : nil, fileBytes: file.consumed)
        }
        let reader: WARCReader
        do { reader = WARCReader(source: try WARCByteSource(file: file, budget: budget)) } catch {
            add(WARCProblem(kind: .unreadable, offset: 0, recordID: nil, targetURI: nil, detail: "\(error)"))
            return finish()
        }
        while true {
            var block = SHA256()
            var payload = PayloadHasher()
            var firstBlock: [UInt8]? = recordsRead == 0 ? [] : nil
            // Other tools' archives often state SHA-1 (warcio's and Heritrix's default): it is
            // computed too, for the records that state it.
            var blockSHA1: Insecure.SHA1?
            let info: WARCRecordInfo?
            do {
                info = try reader.next(seeing: { header in
                    if header["WARC-Block-Digest"].flatMap(WARCDigest.sha1Bytes) != nil { blockSHA1 = Insecure.SHA1() }
                    if header["WARC-Payload-Digest"].flatMap(WARCDigest.sha1Bytes) != nil { payload.sha1 = Insecure.SHA1() }
                }, block: { chunk in
                    block.update(data: chunk)
                    blockSHA1?.update(data: chunk)
                    payload.update(chunk)
                    if let kept = firstBlock {
                        firstBlock = kept.count + chunk.count <= maxWarcinfoBytes ? kept + chunk : nil
                    }
                })
            } catch {
                add(WARCProblem(kind: .unreadable, offset: (error as? WebArchiveError)?.offset ?? 0,
                                recordID: nil, targetURI: nil, detail: "\(error)"))
                break
            }
            guard let info else { break }
            recordsRead += 1
            types[info.type ?? "(none)", default: 0] += 1
            if recordsRead == 1, info.type == "warcinfo", let firstBlock { warcinfo = Self.fields(firstBlock) }
            func problem(_ kind: WARCProblem.Kind, _ detail: String) {
                add(WARCProblem(kind: kind, offset: info.offset, recordID: info.recordID, targetURI: info.targetURI, detail: detail))
            }
            let blockDigest = [UInt8](block.finalize())
            if let label = info.header["WARC-Block-Digest"] {
                if let expected = WARCDigest.sha256Bytes(of: label) {
                    if expected == blockDigest { matched += 1 } else {
                        problem(.blockDigest, "the header says \(label), the block hashes to \(WARCDigest.hex(blockDigest))")
                    }
                } else if let expected = WARCDigest.sha1Bytes(of: label), let sha1 = blockSHA1.map({ [UInt8]($0.finalize()) }) {
                    if expected == sha1 { matched += 1 } else {
                        problem(.blockDigest, "the header says \(label), the block's SHA-1 is \(WARCDigest.hex(sha1))")
                    }
                } else {
                    problem(.missingDigest, "WARC-Block-Digest \(label) is not a SHA-256 this checker can read, so the block is not checked")
                }
            } else if info.type != "warcinfo" {
                problem(.missingDigest, "no WARC-Block-Digest")
            }
            guard let label = info.header["WARC-Payload-Digest"], info.type != "revisit" else { continue }
            let isHTTP = (info.header["Content-Type"] ?? "").lowercased().hasPrefix("application/http")
            let payloadDigest: [UInt8]
            if isHTTP {
                guard let digest = payload.finalizeHTTP() else {
                    problem(.payloadDigest, "the block has no complete HTTP head, so the payload cannot be found")
                    continue
                }
                payloadDigest = digest
            } else {
                payloadDigest = blockDigest
            }
            if let expected = WARCDigest.sha1Bytes(of: label), let sha1 = isHTTP ? payload.finalizeHTTPSHA1() : blockSHA1.map({ [UInt8]($0.finalize()) }) {
                if expected == sha1 { matched += 1 } else {
                    problem(.payloadDigest, "the header says \(label), the payload's SHA-1 is \(WARCDigest.hex(sha1))")
                }
            } else if let expected = WARCDigest.sha256Bytes(of: label) {
                if expected == payloadDigest { matched += 1 } else {
                    problem(.payloadDigest, "the header says \(label), the payload hashes to \(WARCDigest.hex(payloadDigest))")
                }
            } else {
                problem(.missingDigest, "WARC-Payload-Digest \(label) is not a SHA-256 this checker can read, so the payload is not checked")
            }
        }
        return finish()
    }

    /// A warcinfo block's `name: value` lines; nil when they do not parse.
    static func fields(_ block: [UInt8]) -> WARCFields? {
        let lines = String(decoding: block, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        guard case .success(let fields) = WARCFields.parse(lines: lines) else { return nil }
        return fields
    }
}

/// Hashes what follows an HTTP head's blank line, found across chunk boundaries; the head itself
/// is not kept, only the last three bytes seen while looking for CRLF CRLF.
struct PayloadHasher {
    private var hasher = SHA256()
    /// Set when the record states a SHA-1 payload digest.
    var sha1: Insecure.SHA1?
    private var inPayload = false
    private var tail: [UInt8] = []
    private var headBytes = 0
    /// A head longer than this has no payload worth finding (and bounds the search).
    static let maxHead = 1 << 20

    mutating func update(_ chunk: ArraySlice<UInt8>) {
        if inPayload { hasher.update(data: chunk); sha1?.update(data: chunk); return }
        guard headBytes < Self.maxHead else { return }
        // The last three bytes seen, then this chunk up to the bound, searched with memchr: a
        // byte-by-byte Swift loop costs minutes on a gigabyte of records that have no HTTP head.
        let searched = chunk.prefix(Self.maxHead - headBytes)
        let window = tail + searched
        let found = window.withUnsafeBytes(Self.endOfHead)
        if let found {
            // The separator cannot lie wholly in the three bytes kept, or the last call had found it.
            inPayload = true
            hasher.update(data: chunk[(chunk.startIndex + found + 4 - tail.count)...])
            sha1?.update(data: chunk[(chunk.startIndex + found + 4 - tail.count)...])
            return
        }
        headBytes += searched.count
        tail = Array(window.suffix(3))
    }

    /// Where CRLF CRLF starts in `bytes`, or nil.
    static func endOfHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, bytes.count >= 4 else { return nil }
        var start = 0
        while start <= bytes.count - 4, let hit = memchr(base + start, 0x0D, bytes.count - 3 - start) {
            let index = UnsafeRawPointer(hit) - base
            if bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A { return index }
            start = index + 1
        }
        return nil
    }

    /// SHA-256 of the payload, or nil when no head end was found.
    func finalizeHTTP() -> [UInt8]? { inPayload ? [UInt8](hasher.finalize()) : nil }

    /// SHA-1 of the payload, when it was asked for and a head end was found.
    func finalizeHTTPSHA1() -> [UInt8]? { inPayload ? sha1.map { [UInt8]($0.finalize()) } : nil }
}

extension WebArchiveError {
    /// The offset a reading error names, for reports.
    var offset: UInt64? {
        switch self {
        case .truncatedGzip(_, let offset), .corruptGzip(_, let offset, _), .inflatesTooFar(_, let offset, _, _), .malformedRecord(_, let offset, _),
             .truncatedRecord(_, let offset, _): return offset
        default: return nil
        }
    }
}
