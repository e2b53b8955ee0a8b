import ArgumentParser
import Foundation
import PNGCodec

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the provenance Exhibit embedded in a screenshot PNG (iTXt chunk exhibit:provenance).",
        discussion: "Exit codes: 0 printed; 1 the PNG has no Exhibit provenance; 2 not a readable PNG.")

    @Argument(help: "A screenshot.png written by Exhibit.")
    var file: String

    func run() throws {
        let texts: [String: String]
        do { texts = try PNGTextChunks.internationalText(inFile: file) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        guard let provenance = texts["exhibit:provenance"] else {
            throw CommandFailure(code: Exhibit.Code.failed, message: "\(file) has no exhibit:provenance chunk")
        }
        // Pretty-printed when it parses; the exact embedded text otherwise.
        if let object = try? JSONSerialization.jsonObject(with: Data(provenance.utf8)),
           let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            say(String(decoding: pretty, as: UTF8.self))
        } else {
            say(provenance)
        }
    }
}
