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
        try await run(exhibit, asGiven ? arguments : forFixtures(arguments), environment: environment)
    }

    /// `arguments` with `--allow-private` added to a capture (or batch) that does not say how private
    /// addresses are treated.
    static func forFixtures(_ arguments: [String]) -> [String] {
        let decided = !["capture", "batch", "collect"].contains(arguments.first) || arguments.contains { $0.hasPrefix("--allow-private") }
        return decided ? arguments : arguments + ["--allow-private"]
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

    /// A bag's data/capture.json checked against Schemas/capture.schema.json by Python jsonschema
    /// (not our own decoder); the output says "valid" when it passes.
    static func validateCaptureJSON(_ bag: URL) async throws -> Output {
        let schema = packageRoot.appendingPathComponent("Schemas/capture.schema.json").path
        return try await run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, bag.appendingPathComponent("data/capture.json").path, schema])
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

/// An `exhibit` process the test watches while it runs: its stderr is collected as it comes, so
/// the test can act at a given progress line (signal it, attack its browser) and then wait for it.
final class RunningExhibit: @unchecked Sendable {
    private let process = Process()
    private let errors = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    /// What the test writes to the process's standard input (see ``type(_:)``); empty unless
    /// `typing` was asked for.
    private let input = Pipe()

    /// Starts `exhibit` with `arguments`, with its own `TMPDIR` (where the browser's profile goes)
    /// and `environment` added; its standard input is empty, or, with `typing`, what ``type(_:)`` writes.
    init(_ arguments: [String], tmp: URL, environment: [String: String] = [:], typing: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: TestSupport.exhibit)
        process.arguments = TestSupport.forFixtures(arguments)
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }.merging(environment) { $1 }
        process.standardInput = typing ? input : FileHandle.nullDevice
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self else { return }
            self.lock.lock(); self.collected.append(chunk); self.lock.unlock()
        }
    }

    /// Writes `text` to the process's standard input (a person pressing Enter).
    func type(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: collected, as: UTF8.self) }
    var pid: Int32 { process.processIdentifier }

    /// Waits (up to five minutes: a loaded machine is slow, and acting before the moment the test
    /// is about tests something else) until stderr contains `text` or the process ends.
    func waitFor(_ text: String) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while !stderr.contains(text), ContinuousClock.now < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the exit; returns the exit status and all of stderr.
    func finish() async throws -> (Int32, String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [process] in process.waitUntilExit(); continuation.resume() }
        }
        try await Task.sleep(for: .milliseconds(100))
        errors.fileHandleForReading.readabilityHandler = nil
        return (process.terminationStatus, stderr)
    }
}
