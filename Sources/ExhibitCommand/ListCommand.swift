import Archival
import ArgumentParser
import Capture
import Evidence
import Foundation
import TrustedTime

/// `exhibit list`: the captures in an output folder with their case, operator, URL, time and
/// verification state. The state is verified now (offline), not taken from a file that anyone
/// could have edited; the last `verify --record` in premis.xml is shown beside it.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the captures in an output folder: case, operator, URL, time, and whether each verifies now.",
        discussion: "Exit codes: 0 listed (whatever the captures' states); 2 the folder cannot be read.")

    @Option(help: ArgumentHelp("Only captures made for this case reference (--case).", valueName: "ref"))
    var `case`: String?

    @Option(help: ArgumentHelp("The output folder.", valueName: "dir"))
    var out: String = "Output"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "PEM file of extra trusted TSA roots, repeatable.")
    var trustRoots: [String] = []

    struct Row: Encodable {
        let folder: String
        let captureId: String
        let caseReference: String?
        let operatorName: String?
        let url: String
        let capturedAt: String
        let state: String
        let verification: String
        let lastRecordedVerification: String?

        enum CodingKeys: String, CodingKey {
            case folder, captureId, caseReference = "case", operatorName = "operator", url, capturedAt, state, verification, lastRecordedVerification
        }
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: out)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "cannot read the output folder \(out)")
        }
        var roots = TimeStampVerifier.systemRoots
        do { roots += try TimeStampVerifier.roots(fromPEMFiles: trustRoots) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        var rows: [Row] = []
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".partial") {
            let bag = folder.appendingPathComponent(name)
            // Anything that looks like a bag is listed, readable or not: a capture whose record was
            // damaged must show up as such, not vanish from the list.
            guard FileManager.default.fileExists(atPath: bag.appendingPathComponent("bagit.txt").path)
                || FileManager.default.fileExists(atPath: bag.appendingPathComponent("data/capture.json").path) else { continue }
            let record = (try? BagFiles.read(try BagFiles.resolve("data/capture.json", in: bag).get()))
                .flatMap { try? JSONDecoder().decode(CaptureRecord.self, from: $0) }
            if let wanted = self.case, record?.custody?.caseReference != wanted { continue }
            let report = await BagVerifier(root: bag, trustRoots: roots).verify().adding(ArchivalCheck.checks(bag: bag))
            let failed = report.checks.filter { !$0.ok }.count
            let verification = switch report.verdict {
            case .valid: "VALID" + (report.timestamps.isEmpty ? "" : " (timestamped \(report.timestamps.map(\.genTime).min() ?? ""))")
            case .invalid: "INVALID (\(failed) check\(failed == 1 ? "" : "s") failed)"
            case .unreadable: "UNREADABLE"
            }
            let recorded = (try? BagFiles.read(try BagFiles.resolve(PREMIS.file, in: bag).get())).flatMap { PREMIS.validations(in: $0).last }
            rows.append(Row(folder: name, captureId: record?.captureId ?? "(capture.json unreadable)", caseReference: record?.custody?.caseReference,
                            operatorName: record?.custody?.operatorName, url: record?.requestedURL ?? "-", capturedAt: record?.startedAt ?? "-",
                            state: record?.state.rawValue ?? "-", verification: record == nil && report.verdict == .valid ? "INVALID (capture.json unreadable)" : verification,
                            lastRecordedVerification: recorded.map { "\($0.outcome) at \($0.time) (claimed in premis.xml)" }))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        guard !rows.isEmpty else {
            print(self.case.map { "no capture in \(out) has case \($0)" } ?? "no captures in \(out)")
            return
        }
        let header = ["CASE", "OPERATOR", "CAPTURED (UTC)", "STATE", "VERIFIES NOW", "URL", "FOLDER"]
        let table = rows.map { [$0.caseReference ?? "-", $0.operatorName ?? "-", $0.capturedAt, $0.state, $0.verification, $0.url, $0.folder]
            .map { TerminalText.safe($0) } }
        let widths = header.indices.map { column in ([header] + table).map { $0[column].count }.max() ?? 0 }
        for line in [header] + table {
            say(line.indices.map { $0 == line.count - 1 ? line[$0] : line[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }
}
