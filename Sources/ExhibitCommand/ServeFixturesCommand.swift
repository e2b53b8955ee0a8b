import ArgumentParser
import FixtureServer
import Foundation

struct ServeFixturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-fixtures",
        abstract: "Serve the bundled fixture pages on 127.0.0.1 and print the base URL; runs until stopped.")

    @Option(help: "Folder to serve.")
    var root: String = "Fixtures"

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: Int = 0

    func run() async throws {
        let server: FixtureServer
        do { server = try await FixtureServer.start(root: URL(fileURLWithPath: root), port: port) }
        catch { throw CommandFailure(code: Exhibit.Code.failed, message: "cannot serve fixtures: \(error)") }
        // Unbuffered: scripts read this line while the server keeps running.
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        try await server.wait()
    }
}
