import Foundation
import Testing
import ExhibitTestSupport
@testable import WebArchive

/// Archives cut short, bit-flipped or written to exhaust a reader: every one is reported, none
/// traps, and no more than a bounded amount is ever read into memory.
@Suite struct WARCHostileInputTests {
    @Test func truncatedAndBitFlippedArchivesAreReportedNeverTrapped() throws {
        let folder = try scratchFolder("fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder, maxRecordSize: 3500)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sample.path)))
        let mutant = folder.appendingPathComponent("mutant.warc.gz")
        var flagged = 0
        try forEachDamagedCopy(of: original, rounds: 300, seed: 15) { bytes in
            try Data(bytes).write(to: mutant)
            let report = WARCChecker.check(path: mutant.path)
            if !report.passed { flagged += 1 }
        }
        // A cut or a flip may land where nothing checks it (a gzip header's modification time),
        // but almost every one must be caught.
        #expect(flagged > 270, "only \(flagged) of 300 damaged archives were reported")
    }

    @Test func aTruncatedArchiveNamesWhereItWasCut() throws {
        let folder = try scratchFolder("cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let original = try Data(contentsOf: URL(fileURLWithPath: sample.path))
        let third = sample.records[3]
        try original.prefix(Int(third.offset) + Int(third.length) / 2).write(to: URL(fileURLWithPath: sample.path))
        let report = WARCChecker.check(path: sample.path)
        #expect(report.recordsRead == 3)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.kind == .unreadable)
        #expect(report.problems.first?.offset == third.offset)
        #expect(report.problems.first?.detail.contains("cut short") == true)
    }

    @Test(arguments: [
        ("a lying Content-Length", "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 999999999\r\n\r\nshort\r\n\r\n", "more than a file of this size can hold"),
        ("a Content-Length a little too long", "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 20\r\n\r\nshort\r\n\r\n", "cut short"),
        ("a negative Content-Length", "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: -5\r\n\r\n\r\n\r\n", "Content-Length"),
        ("a Content-Length too short", "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 2\r\n\r\nshort\r\n\r\n", "CRLF CRLF"),
        ("no version line", "HTTP/1.1 200 OK\r\n\r\n", "WARC/1.1"),
        ("a header line without a colon", "WARC/1.1\r\nWARC-Type resource\r\n\r\n", "without a name"),
        ("a header that never ends", "WARC/1.1\r\nWARC-Type: resource\r\n", "cut short"),
    ])
    func malformedPlainRecordsAreErrorsNamingTheFile(name: String, text: String, expected: String) throws {
        let folder = try scratchFolder("plain")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bad.warc").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let report = WARCChecker.check(path: path)
        #expect(report.problems.count == 1, "\(name)")
        #expect(report.problems.first?.detail.contains(expected) == true, "\(name): \(report.problems)")
        #expect(report.problems.first?.detail.contains(path) == true, "\(name)")
    }

    @Test func aHugeHeaderIsRefusedBeforeItFillsMemory() throws {
        let folder = try scratchFolder("header")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("header.warc.gz").path
        // 4 MiB of one header line (four times the cap), compressed to a few kilobytes. Kept small
        // because the memory test beside it reads the whole process's peak resident set.
        var plain = Array("WARC/1.1\r\nX-Long: ".utf8)
        plain += [UInt8](repeating: 0x61, count: 4 << 20)
        try Data(gzipMember(plain)).write(to: URL(fileURLWithPath: path))
        let report = WARCChecker.check(path: path)
        #expect(report.problems.first?.detail.contains("longer than") == true, "\(report.problems)")
    }

    @Test func aPlainWARCReadsAsTheGzippedOneDoes() throws {
        let folder = try scratchFolder("plain-copy")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sample.path)))
        var plain = [UInt8]()
        for record in sample.records { plain += gunzipMember(Array(file[Int(record.offset)..<Int(record.offset + record.length)])) }
        let plainPath = folder.appendingPathComponent("archive.warc").path
        try Data(plain).write(to: URL(fileURLWithPath: plainPath))
        let report = WARCChecker.check(path: plainPath)
        #expect(report.passed, "\(report.problems)")
        #expect(report.recordsRead == sample.records.count)
    }
}
