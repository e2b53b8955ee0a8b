import ArgumentParser
import CaptureComparison
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two captures of one post from their records: text, replies by id (added, removed, edited), counts, media by digest, and PDQ distances of the post's area and the whole screenshot.",
        discussion: "Exit codes: 0 no differences; 1 differences found; 2 usage error, a folder that is not a capture, or captures of two different posts.")

    @Argument(help: "The earlier capture folder.")
    var a: String

    @Argument(help: "The later capture folder.")
    var b: String

    @Flag(help: "Print the comparison as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write an HTML page with the two post areas side by side to this new file.", valueName: "file"))
    var html: String?

    func run() throws {
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
}
