import Foundation
import Testing

/// SIGINT and SIGTERM through the binary, mid-capture: Chromium's whole process group ends, its
/// profile is removed, an empty partial folder goes and a non-empty one is kept and named, and the
/// exit code is 130 or 143.
@Suite("Interrupted captures end cleanly", .serialized, .timeLimit(.minutes(2)))
struct InterruptTests {
    /// Starts a capture with its own TMPDIR (where Chromium's profile folder goes), waits for a
    /// progress line containing `after`, sends `signal`, and returns the exit code and stderr.
    func interrupt(_ path: String, after: String, signal: Int32, tmp: URL, out: URL) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.exhibit)
        process.arguments = ["capture", try await TestSupport.baseURL() + path, "--out", out.path, "--allow-private"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp.path]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let collected = Collected()
        errors.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        let deadline = ContinuousClock.now + .seconds(60)
        while !collected.text.contains(after), ContinuousClock.now < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, signal)
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { process.waitUntilExit(); continuation.resume() }
        }
        try await Task.sleep(for: .milliseconds(100))
        errors.fileHandleForReading.readabilityHandler = nil
        return (process.terminationStatus, collected.text)
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }

    /// Chromium processes still running with a profile under `tmp`.
    func survivors(_ tmp: URL) async throws -> String {
        try await TestSupport.run("/usr/bin/pgrep", ["-af", "--", tmp.path]).stdout
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
