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
    public let problems: [WARCProblem]
    public var passed: Bool { problems.isEmpty }
}

/// Checks every record's WARC-Block-Digest and WARC-Payload-Digest in one streaming pass, in the
/// way `warcio check` does, and names a record that fails by its target URI and record id.
public enum WARCChecker {
    /// Reads `path` to its end or to the first place it cannot be read; never throws for what
    /// the file holds, only reports it.
    public static func check(path: String) -> WARCCheckReport {
        var problems = [WARCProblem]()
        var recordsRead = 0, matched = 0
        let reader: WARCReader
        do { reader = try WARCReader(path: path) } catch {
            return WARCCheckReport(path: path, recordsRead: 0, digestsMatched: 0,
                                   problems: [WARCProblem(kind: .unreadable, offset: 0, recordID: nil, targetURI: nil, detail: "\(error)")])
        }
        while true {
            var block = SHA256()
            var payload = PayloadHasher()
            let info: WARCRecordInfo?
            do {
                info = try reader.next { chunk in
                    block.update(data: chunk)
                    payload.update(chunk)
                }
            } catch {
                problems.append(WARCProblem(kind: .unreadable, offset: (error as? WebArchiveError)?.offset ?? 0,
                                            recordID: nil, targetURI: nil, detail: "\(error)"))
                break
            }
            guard let info else { break }
            recordsRead += 1
            func problem(_ kind: WARCProblem.Kind, _ detail: String) {
                problems.append(WARCProblem(kind: kind, offset: info.offset, recordID: info.recordID, targetURI: info.targetURI, detail: detail))
            }
            let blockDigest = [UInt8](block.finalize())
            if let label = info.header["WARC-Block-Digest"] {
                if let expected = WARCDigest.sha256Bytes(of: label) {
                    if expected == blockDigest { matched += 1 } else {
                        problem(.blockDigest, "the header says \(label), the block hashes to \(WARCDigest.hex(blockDigest))")
                    }
                } else if !label.lowercased().hasPrefix("sha1:") {
                    problem(.missingDigest, "WARC-Block-Digest \(label) is not a SHA-256 this checker can read")
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
            if let expected = WARCDigest.sha256Bytes(of: label) {
                if expected == payloadDigest { matched += 1 } else {
                    problem(.payloadDigest, "the header says \(label), the payload hashes to \(WARCDigest.hex(payloadDigest))")
                }
            }
        }
        return WARCCheckReport(path: path, recordsRead: recordsRead, digestsMatched: matched, problems: problems)
    }
}

/// Hashes what follows an HTTP head's blank line, found across chunk boundaries; the head itself
/// is not kept, only the last three bytes seen while looking for CRLF CRLF.
struct PayloadHasher {
    private var hasher = SHA256()
    private var inPayload = false
    private var tail: [UInt8] = []
    private var headBytes = 0
    /// A head longer than this has no payload worth finding (and bounds the search).
    static let maxHead = 1 << 20

    mutating func update(_ chunk: ArraySlice<UInt8>) {
        if inPayload { hasher.update(data: chunk); return }
        guard headBytes < Self.maxHead else { return }
        var index = chunk.startIndex
        while index < chunk.endIndex {
            tail.append(chunk[index])
            if tail.count > 4 { tail.removeFirst() }
            index += 1
            headBytes += 1
            if tail == [0x0D, 0x0A, 0x0D, 0x0A] {
                inPayload = true
                hasher.update(data: chunk[index...])
                return
            }
        }
    }

    /// SHA-256 of the payload, or nil when no head end was found.
    func finalizeHTTP() -> [UInt8]? { inPayload ? [UInt8](hasher.finalize()) : nil }
}

extension WebArchiveError {
    /// The offset a reading error names, for reports.
    var offset: UInt64? {
        switch self {
        case .truncatedGzip(_, let offset), .corruptGzip(_, let offset, _), .malformedRecord(_, let offset, _),
             .truncatedRecord(_, let offset, _): return offset
        default: return nil
        }
    }
}
