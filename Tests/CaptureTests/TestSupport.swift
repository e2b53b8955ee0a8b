import Capture
import DevTools
import ExhibitTestSupport
import Foundation
import FixtureServer
import Testing

/// Paths and shared services for the capture tests: one fixture server for the whole run, the
/// built `exhibit` binary, and processes run to completion with their output.
enum TestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Fixtures")

    /// The fixture server, started once and shared by every test.
    static let server = Task { try await FixtureServer.start(root: fixtures) }

    static func baseURL() async throws -> String { try await server.value.baseURL }

    /// `exhibit`, built next to the test bundle by `swift build --build-tests`.
    static var exhibit: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("exhibit").path
    }

    static func temporaryFolder(_ name: String = "out") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-test-\(name)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    typealias Output = ProcessRunner.Output

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Output {
        try await ProcessRunner.run(executable, arguments, environment: environment)
    }

    /// Runs `exhibit` with the given arguments. Every fixture lives on loopback, which the network
    /// policy refuses, so a capture gets `--allow-private` unless its arguments already say how
    /// private addresses are treated; `asGiven` runs them exactly as written (the policy's own tests).
    static func exhibit(_ arguments: [String], environment: [String: String]? = nil, asGiven: Bool = false) async throws -> Output {
        let decided = asGiven || arguments.first != "capture" || arguments.contains { $0.hasPrefix("--allow-private") }
        return try await run(exhibit, decided ? arguments : arguments + ["--allow-private"], environment: environment)
    }

    /// Options for capturing a page of a loopback fixture server: private addresses allowed, as
    /// every fixture lives on 127.0.0.1.
    static func fixtureOptions(_ url: String) -> CaptureOptions {
        var options = CaptureOptions(url: url)
        options.allowPrivateAddresses = true
        return options
    }

    /// Folders in `folder` that look like finished captures (not hidden).
    static func visibleFolders(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
    }

    /// The capture's record, after checking that every step lies within the capture.
    static func decodeRecord(_ folder: URL) throws -> CaptureRecord {
        let record = try JSONDecoder().decode(CaptureRecord.self, from: Data(contentsOf: folder.appendingPathComponent("data/capture.json")))
        #expect(record.stepTimeProblems().isEmpty, "\(record.stepTimeProblems())")
        return record
    }

    /// White space folded to single spaces, for comparing extracted text.
    static func normalised(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// The sample thread captured once through the library, shared by the tests that inspect it.
enum SampleCapture {
    static let result = Task { () throws -> CaptureResult in
        var options = TestSupport.fixtureOptions(try await TestSupport.baseURL() + "/sample-thread/")
        options.outputDirectory = TestSupport.temporaryFolder("sample").path
        options.sourceOrganization = "Gemeente Voorbeeld"
        return try await CapturePipeline(options: options, browser: LaunchedBrowser()).run()
    }
}
