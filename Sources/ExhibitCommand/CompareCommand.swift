import ArchivePairing
import ArgumentParser
import Capture
import CaptureComparison
import Evidence
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two captures of one post from their records: text, replies by id (added, removed, edited), counts, media by digest, and PDQ distances of the post's area and the whole screenshot.",
        discussion: "B may also be a WARC or WACZ another tool made of the same page: then the archive's records for the page and its body are compared with the capture's, as exhibit pair would record them, and nothing is written. Exit codes: 0 no differences; 1 differences found; 2 usage error, a folder that is not a capture, an archive that is damaged or holds no record for A's page, or captures of two different posts.")

    @Argument(help: "The earlier capture folder.")
    var a: String

    @Argument(help: "The later capture folder, or a WARC or WACZ of the same page.")
    var b: String

    @Flag(help: "Print the comparison as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write an HTML page with the two post areas side by side to this new file.", valueName: "file"))
    var html: String?

    func run() throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: b, isDirectory: &isFolder), !isFolder.boolValue {
            try compareWithArchive()
            return
        }
        if let html, FileManager.default.fileExists(atPath: html) {
            throw CommandFailure(code: Exhibit.Code.usage, message: "--html \(html) already exists; give a new file")
        }
        let comparison: CaptureComparison, first: CaptureSnapshot, second: CaptureSnapshot
        do {
            first = try CaptureSnapshot.load(URL(fileURLWithPath: a))
            second = try CaptureSnapshot.load(URL(fileURLWithPath: b))
            comparison = try CaptureComparison.compare(first, second)
        } catch let error as ComparisonError {
            throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)")
        }
        if let html {
            do { try Data(ComparisonReport.html(comparison, first, second).utf8).write(to: URL(fileURLWithPath: html), options: .withoutOverwriting) }
            catch { throw CommandFailure(code: Exhibit.Code.usage, message: "cannot write --html \(html): \(error.localizedDescription)") }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(comparison), as: UTF8.self))
        } else {
            print(TerminalText.safe(ComparisonReport.text(comparison), keepingNewlines: true), terminator: "")
        }
        if !comparison.differences.isEmpty { throw ExitCode(1) }
    }

    /// A capture against another tool's archive of its page: the pairing's findings, read only.
    /// An archive keeps traffic, not a rendering, so replies, counts and pictures are not compared.
    func compareWithArchive() throws {
        if html != nil { throw CommandFailure(code: Exhibit.Code.usage, message: "--html shows two renderings side by side; a web archive has none (compare two captures)") }
        let pairing: PairingRecord
        do { pairing = try ArchivePairer(bag: URL(fileURLWithPath: a), archive: URL(fileURLWithPath: b), include: false,
                                         exhibitVersion: ExhibitVersion.current).analyse().record }
        catch let error as PairingError {
            if case .badArchive(let message) = error, message.contains(" has no record for ") {
                throw CommandFailure(code: Exhibit.Code.usage, message: "not the same page: \(message)")
            }
            throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)")
        }
        let body = pairing.body
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(pairing), as: UTF8.self))
        } else {
            var lines = ["A: \(a) (\(pairing.capture.startedAt))", "B: \(pairing.archive.fileName) (\(pairing.archive.format), sha256 \(pairing.archive.sha256))",
                         pairing.summary]
            for record in pairing.records {
                lines.append("  \(record.type) \(record.targetURI) \(record.date ?? "no date")"
                             + (record.secondsFromCapture.map { String(format: " (%+.0f s from the capture)", $0) } ?? ""))
            }
            switch body.result {
            case "same": lines.append("the page's body is the one Exhibit received (sha256 \(body.exhibitSHA256 ?? ""))")
            case "different":
                lines.append("the page's body differs from the one Exhibit received: " + (body.difference ?? ""))
                if let inArchive = body.postTextInArchive { lines.append("the post's text (post.json) is \(inArchive ? "" : "not ")in the archive's body") }
            default: lines.append("bodies not compared: \(body.reason ?? "")")
            }
            lines.append("replies, counts and pictures are not compared: an archive keeps the traffic, not a rendering (capture it, or replay it and capture that)")
            print(TerminalText.safe(lines.joined(separator: "\n"), keepingNewlines: true))
        }
        if body.result == "different" { throw ExitCode(1) }
    }
}
