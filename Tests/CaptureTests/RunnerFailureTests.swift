@testable import Capture
import DevTools
import ExhibitTestSupport
import Foundation
import Testing

/// The runner's failure paths against a scripted browser (a loopback WebSocket peer that plays
/// Chromium's part), so each failure can be produced on purpose, without a real browser.
@Suite("The step runner's failure paths, with a scripted browser", .timeLimit(.minutes(1)))
struct RunnerFailureTests {
    static let browserResults = [
        "Browser.getVersion": #"{"protocolVersion":"1.3","product":"Chrome/0.0 scripted","revision":"0","userAgent":"scripted","jsVersion":"0"}"#,
        "Target.createBrowserContext": #"{"browserContextId":"C1"}"#,
        "Target.createTarget": #"{"targetId":"T1"}"#,
        "Target.attachToTarget": #"{"sessionId":"S1"}"#,
        "Page.getFrameTree": #"{"frameTree":{"frame":{"id":"F1","url":"about:blank"}}}"#,
        "Runtime.evaluate": #"{"result":{"type":"undefined"}}"#,
    ]

    func capture(results: [String: String], failing: Set<String>) async throws -> (CaptureError, [String], URL) {
        let log = ScriptedWebSocketServer.MethodLog()
        let server = try await ScriptedWebSocketServer.start(.browser(results: results, failing: failing, log: log))
        defer { Task { await server.stop() } }
        var options = TestSupport.fixtureOptions("http://127.0.0.1:9/post/1")
        options.outputDirectory = TestSupport.temporaryFolder("scripted").path
        options.profilesFolder = TestSupport.packageRoot.appendingPathComponent("Profiles").path
        do {
            _ = try await CapturePipeline(options: options, browser: AttachedBrowser(url: server.url)).run()
        } catch let error as CaptureError {
            return (error, log.all, URL(fileURLWithPath: options.outputDirectory))
        }
        Issue.record("the capture did not fail")
        throw CancellationError()
    }

    @Test("a CDP error at navigate fails the navigate step, names the URL, keeps the cause, and leaves nothing behind")
    func navigateFails() async throws {
        let (error, methods, output) = try await capture(results: Self.browserResults, failing: ["Page.navigate"])
        #expect(error.kind == .stepFailed && error.step == .navigate && error.url == "http://127.0.0.1:9/post/1")
        #expect(error.underlying is DevToolsError, "\(String(describing: error.underlying))")
        #expect("\(error)".hasPrefix("navigate failed for http://127.0.0.1:9/post/1: "), "\(error)")
        #expect("\(error)".contains("scripted failure of Page.navigate"))
        #expect(error.partialFolder == nil)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).isEmpty, "something was left in the output folder")
        // Nothing after the failing step ran, and the attached browser is left without Exhibit's context.
        #expect(!methods.contains("Page.captureScreenshot") && !methods.contains("Page.printToPDF"))
        #expect(methods.contains("Target.disposeBrowserContext"), "\(methods)")
    }

    @Test("a navigation that starts no document fails in the step's own words, with no underlying error")
    func noDocument() async throws {
        var results = Self.browserResults
        results["Page.navigate"] = #"{"frameId":"F1"}"#
        let (error, _, output) = try await capture(results: results, failing: [])
        #expect(error.step == .navigate && error.message == "the browser started no new document", "\(error)")
        #expect(error.underlying == nil)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).isEmpty)
    }
}
