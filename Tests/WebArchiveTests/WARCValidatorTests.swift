import Foundation
import Testing
import ExhibitTestSupport
@testable import WebArchive

/// The archive judged by tools Exhibit did not write: webrecorder's warcio.
@Suite(.enabled(if: Validators.has("warcio"), Comment(rawValue: Validators.absent)))
struct WARCValidatorTests {
    @Test func warcioCheckPassesEveryDigest() throws {
        let folder = try scratchFolder("warcio-check")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder, maxRecordSize: 3500)
        let check = try ProcessRunner.run(Validators.tool("warcio"), ["check", "-v", sample.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // One verdict a record: every record's digests were checked and passed, none "not checked".
        #expect(check.stdout.components(separatedBy: "digest pass").count - 1 == sample.records.count, "\(check.stdout)")
        #expect(!check.stdout.contains("fail") && !check.stdout.contains("not checked") && !check.stdout.contains("no digest"), "\(check.stdout)")
    }

    @Test func warcioIndexFindsEveryRecordWhereTheWriterPutIt() throws {
        let folder = try scratchFolder("warcio-index")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let index = try ProcessRunner.run(Validators.tool("warcio"), ["index", "-f", "warc-type,warc-target-uri,offset,length", sample.path])
        #expect(index.status == 0, "\(index.stderr)")
        let lines = index.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(lines.count == sample.records.count)
        for (line, record) in zip(lines, sample.records) {
            #expect(line["warc-type"] == record.type)
            #expect(line["warc-target-uri"] == record.targetURI)
            #expect(line["offset"] == String(record.offset))
            #expect(line["length"] == String(record.length))
        }
    }

    @Test func warcioCheckFailsTheTamperedRecordAndSoDoesOurs() throws {
        let folder = try scratchFolder("warcio-tamper")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let image = try #require(sample.records.first { $0.targetURI == sample.imageURL && $0.type == "response" })
        try Tamper.changeOneBodyByte(of: image, in: sample.path)

        let ours = WARCChecker.check(path: sample.path)
        #expect(!ours.passed)
        #expect(ours.problems.map(\.targetURI) == [sample.imageURL, sample.imageURL])
        #expect(Set(ours.problems.map(\.kind)) == [.blockDigest, .payloadDigest])
        #expect(ours.problems.allSatisfy { $0.recordID == image.id && $0.description.contains(sample.imageURL) })

        let check = try ProcessRunner.run(Validators.tool("warcio"), ["check", "-v", sample.path])
        #expect(check.status != 0)
        #expect(check.stdout.contains("block digest failed"), "\(check.stdout)")
    }
}

/// Changes records in place the way someone editing an archive would: the member re-gzipped so
/// the gzip stays valid and only the WARC digests can tell.
enum Tamper {
    static func changeOneBodyByte(of record: WrittenRecord, in path: String) throws {
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let start = Int(record.offset), end = start + Int(record.length)
        var plain = gunzipMember(Array(file[start..<end]))
        // The last byte before the closing CRLF CRLF is the body's last byte.
        let index = plain.count - 5
        plain[index] ^= 0x01
        let rebuilt = Array(file[..<start]) + gzipMember(plain) + Array(file[end...])
        try Data(rebuilt).write(to: URL(fileURLWithPath: path))
    }
}
