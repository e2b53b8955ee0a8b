import Foundation
import Testing

/// SIGINT and SIGTERM through the binary, mid-capture: Chromium's whole process group ends, its
/// profile is removed, an empty partial folder goes and a non-empty one is kept and named, and the
/// exit code is 130 or 143.
@Suite("Interrupted captures end cleanly", .serialized, .hangGuard)
struct InterruptTests {
    /// Starts a capture with its own TMPDIR (where Chromium's profile folder goes), waits for a
    /// progress line containing `after`, sends `signal`, and returns the exit code and stderr.
    func interrupt(_ path: String, after: String, signal: Int32, tmp: URL, out: URL) async throws -> (Int32, String) {
        let capture = try RunningExhibit(["capture", try await TestSupport.baseURL() + path, "--out", out.path], tmp: tmp)
        try await capture.waitFor(after)
        // The signal must come at the step the test is about, not earlier because the wait gave up.
        try #require(capture.stderr.contains(after), "the capture never reached '\(after)': \(capture.stderr)")
        kill(capture.pid, signal)
        return try await capture.finish()
    }

    /// Chromium processes still running with a profile under `tmp`, after up to 5 s: the process
    /// group is killed with SIGKILL, and on a loaded machine its processes take a moment to go.
    func survivors(_ tmp: URL) async throws -> String {
        var left = ""
        for _ in 0..<25 {
            left = try await TestSupport.run("/usr/bin/pgrep", ["-af", "--", tmp.path]).stdout
            if left.isEmpty { return left }
            try await Task.sleep(for: .milliseconds(200))
        }
        return left
    }

    @Test("interrupted while the page settles: exit 130 or 143, no browser process or profile left, the empty partial folder removed",
          arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func whileSettling(signal: Int32, code: Int32) async throws {
        let tmp = TestSupport.temporaryFolder("tmpdir"), out = TestSupport.temporaryFolder("interrupted")
        let (status, stderr) = try await interrupt("/slow-image/", after: "] navigate", signal: signal, tmp: tmp, out: out)
        #expect(status == code, "\(stderr)")
        #expect(stderr.contains("exhibit: interrupted by SIG"), "\(stderr)")
        #expect(try await survivors(tmp).isEmpty, "browser processes left running")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).isEmpty, "profile left behind")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).isEmpty, "an empty partial folder was left")
    }

    @Test("interrupted while printing: the partial folder with the screenshot is kept, hidden, and named on stderr")
    func whilePrinting() async throws {
        let tmp = TestSupport.temporaryFolder("tmpdir"), out = TestSupport.temporaryFolder("interrupted")
        let (status, stderr) = try await interrupt("/bands/?height=40000", after: "] screenshot", signal: SIGTERM, tmp: tmp, out: out)
        #expect(status == 143, "\(stderr)")
        #expect(try await survivors(tmp).isEmpty)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(left.count == 1 && left.first?.hasSuffix(".partial") == true && left.first?.hasPrefix(".") == true, "\(left)")
        if let partial = left.first {
            #expect(stderr.contains("incomplete output kept in \(out.appendingPathComponent(partial).path)"), "\(stderr)")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(partial).appendingPathComponent("data/screenshot.png").path))
        }
    }
}
