import Foundation
import Testing
@testable import DevTools
import ExhibitTestSupport

/// The trace file itself: its lines, its mode, and what it does with a file in the way.
@Suite("Protocol trace file", .timeLimit(.minutes(1)))
struct ProtocolTraceTests {
    static func newPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-trace-\(UUID().uuidString).jsonl").path
    }

    static func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test("one JSON object a line: time, direction, session and the message, its result matched to its command")
    func writesLines() throws {
        let path = Self.newPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try ProtocolTrace(creatingFileAt: path)
        trace.record(.send, Data(#"{"id":7,"method":"Page.captureScreenshot","params":{},"sessionId":"S1"}"#.utf8))
        trace.record(.recv, Data(#"{"method":"Page.loadEventFired","params":{"timestamp":1},"sessionId":"S1"}"#.utf8))
        trace.record(.recv, Data(#"{"id":7,"result":{"data":"QUJD"},"sessionId":"S1"}"#.utf8))
        trace.record(.recv, Data("not json at all".utf8))
        trace.close()
        trace.record(.recv, Data(#"{"method":"After.close"}"#.utf8))

        let lines = try Self.lines(path)
        #expect(lines.count == 4)
        #expect(lines.map { $0["dir"] as? String } == ["send", "recv", "recv", "recv"])
        #expect(lines.map { $0["session"] as? String } == ["S1", "S1", "S1", nil])
        #expect(lines[3]["session"] is NSNull)
        let times = lines.compactMap { $0["t"] as? Double }
        #expect(times.count == 4 && times == times.sorted())
        for line in lines {
            let utc = try #require(line["utc"] as? String)
            #expect(utc.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(utc)")
        }
        let result = try #require((lines[2]["message"] as? [String: Any])?["result"] as? [String: Any])
        #expect(result["data"] as? String == "[omitted: 3 bytes]")
        #expect((lines[3]["message"] as? [String: Any])?["unparsed"] as? Int == 15)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("not json"))
        #expect(text.contains(#""t":0."#), "t is seconds with a fraction: \(text)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test("an existing file is never overwritten; a path that cannot be created says why")
    func refusesExistingFile() throws {
        let path = Self.newPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ProtocolTraceError.self) { try ProtocolTrace(creatingFileAt: path) }
        do { _ = try ProtocolTrace(creatingFileAt: path) } catch { #expect("\(error)".contains("already exists")) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
        do { _ = try ProtocolTrace(creatingFileAt: path + "-missing/trace.jsonl") }
        catch { #expect("\(error)".contains("No such file or directory"), "\(error)") }
    }

    @Test("a connection hands the trace each message it sends and receives, with its session")
    func connectionWritesTrace() async throws {
        let path = Self.newPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await ScriptedWebSocketServer.start(.answer)
        defer { Task { await server.stop() } }
        let connection = try await DevToolsConnection.connect(to: server.url, trace: try ProtocolTrace(creatingFileAt: path))
        _ = try await connection.send(Probe(), sessionId: "S1")
        _ = try await connection.send(Probe())
        await connection.close()

        let lines = try Self.lines(path)
        let summary = lines.map { line -> String in
            let message = line["message"] as? [String: Any]
            return "\(line["dir"] ?? "?") \(message?["id"] ?? "-") \(message?["method"] as? String ?? "result") \(line["session"] as? String ?? "browser")"
        }
        // The scripted peer answers without a sessionId (Chromium repeats it); the session is the message's own.
        #expect(summary == ["send 1 Test.probe S1", "recv 1 result browser", "send 2 Test.probe browser", "recv 2 result browser"])
    }
}
