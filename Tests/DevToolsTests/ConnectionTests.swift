import Foundation
import NIOPosix
import Testing
@testable import DevTools
import ExhibitTestSupport

/// A command the scripted server understands: it echoes the method name.
struct Probe: DevToolsCommand {
    static let method = "Test.probe"
    struct Result: Decodable, Sendable { let echo: String }
}

@Suite("DevTools connection against a scripted WebSocket peer", .timeLimit(.minutes(1)))
struct ConnectionTests {
    @Test("a response is routed to its caller and decoded")
    func routesResponses() async throws {
        let server = try await ScriptedWebSocketServer.start(.answer)
        defer { Task { await server.stop() } }
        let connection = try await DevToolsConnection.connect(to: server.url)
        async let first = connection.send(Probe())
        async let second = connection.send(Probe(), sessionId: "S1")
        let results = try await [first, second]
        #expect(results.map(\.echo) == ["Test.probe", "Test.probe"])
        await connection.close()
    }

    @Test("when the connection ends, every pending call fails at once, saying so")
    func pendingCallsFailOnClose() async throws {
        let server = try await ScriptedWebSocketServer.start(.closeAfter(3))
        defer { Task { await server.stop() } }
        let connection = try await DevToolsConnection.connect(to: server.url, defaultTimeout: .seconds(60))
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do { _ = try await connection.send(Probe()); return "answered" }
                    catch { return "\(error)" }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // Failed by the close, not by the 60 s timeout: the errors say so (no tighter wall-clock
        // bound, which a loaded machine could break for the wrong reason).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(outcomes.count == 3)
        for outcome in outcomes { #expect(outcome.contains("DevTools connection closed"), "\(outcome)") }
        // Later calls fail immediately too.
        await #expect(throws: DevToolsError.self) { try await connection.send(Probe()) }
    }

    @Test("a command with no answer times out instead of hanging")
    func commandsTimeOut() async throws {
        let server = try await ScriptedWebSocketServer.start(.silent)
        defer { Task { await server.stop() } }
        let connection = try await DevToolsConnection.connect(to: server.url)
        do {
            _ = try await connection.send(Probe(), timeout: .milliseconds(300))
            Issue.record("expected a timeout")
        } catch let error as DevToolsError {
            guard case .timeout(let method, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(method == "Test.probe")
            #expect("\(error)".contains("Test.probe got no answer"))
        }
        await connection.close()
    }

    @Test("a CDP error response becomes an error naming the method and the message")
    func cdpErrorsNameMethod() async throws {
        let server = try await ScriptedWebSocketServer.start(.cdpError)
        defer { Task { await server.stop() } }
        let connection = try await DevToolsConnection.connect(to: server.url)
        do {
            _ = try await connection.send(Probe())
            Issue.record("expected a protocol error")
        } catch let error as DevToolsError {
            #expect("\(error)" == "Test.probe failed: 'Test.probe' wasn't found (CDP error -32601)")
        }
        await connection.close()
    }

    @Test("events reach only the subscribers of their session, in order")
    func routesEventsBySession() async throws {
        // The server sends the events when the first command arrives, after these subscriptions.
        let eventServer = try await ScriptedWebSocketServer.start(.sessionEvents)
        defer { Task { await eventServer.stop() } }
        let connection = try await DevToolsConnection.connect(to: eventServer.url)
        let sessionA = await connection.events(sessionId: "A")
        let browserLevel = await connection.events(sessionId: nil)
        _ = try await connection.send(Probe())  // the events were sent before this answer
        struct N: Decodable { let n: Int }
        var seenA: [Int] = []
        for await event in sessionA {
            seenA.append(try event.decode(N.self).n)
            if seenA.count == 2 { break }
        }
        var seenBrowser: [Int] = []
        for await event in browserLevel {
            seenBrowser.append(try event.decode(N.self).n)
            break
        }
        #expect(seenA == [1, 3])
        #expect(seenBrowser == [5])
        await connection.close()
    }

    @Test("a ws URL that is not one is rejected before connecting")
    func rejectsBadURL() async throws {
        await #expect(throws: DevToolsError.self) { try await DevToolsConnection.connect(to: "http://127.0.0.1:1/") }
        do {
            _ = try await DevToolsConnection.connect(to: "ws://127.0.0.1:1/devtools/browser/x")
            Issue.record("expected a connect failure")
        } catch {
            #expect("\(error)".contains("could not open DevTools WebSocket ws://127.0.0.1:1/"))
        }
    }
    @Test("a peer that accepts the connection and never answers the upgrade is given up on, saying so")
    func silentUpgradeTimesOut() async throws {
        // Accepts and reads, never writes: what a stuck or hostile --browser-url looks like.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        let url = "ws://127.0.0.1:\(listener.localAddress?.port ?? 0)/devtools/browser/x"
        do {
            _ = try await WebSocketTransport.connect(to: url, timeout: .seconds(1))
            Issue.record("expected the upgrade to be given up")
        } catch {
            #expect("\(error)".contains("no answer to the WebSocket upgrade within 1 s"), "\(error)")
        }
    }
}

@Suite("The browser launch gate")
struct LaunchGateTests {
    @Test("a launch waiting its turn leaves the line when cancelled, and the slots still add up")
    func cancelledWaiterLeaves() async throws {
        let gate = LaunchGate(limit: 1)
        try await gate.enter()
        let waiter = Task { try await gate.enter() }
        while await gate.waitingCount == 0 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await gate.waitingCount == 0)
        // The one slot is still the first launch's: the next waits until it leaves, then enters.
        let next = Task { try await gate.enter() }
        while await gate.waitingCount == 0 { await Task.yield() }
        await gate.leave()
        try await next.value
        await gate.leave()
        try await gate.enter()
    }
}

@Suite("WebSocket size limit", .timeLimit(.minutes(1)))
struct SizeLimitTests {
    @Test("a message over the limit ends the stream with an error that says so, never silently")
    func oversizeIsAnError() async throws {
        let server = try await ScriptedWebSocketServer.start(.bigMessage(2 << 20))
        defer { Task { await server.stop() } }
        let transport = try await WebSocketTransport.connect(to: server.url, maxMessageSize: 1 << 20)
        try await transport.send(.init(string: #"{"id":1,"method":"Test.probe","params":{}}"#))
        var iterator = transport.messages.makeAsyncIterator()
        do {
            _ = try await iterator.next()
            Issue.record("expected the stream to fail")
        } catch {
            #expect("\(error)".contains("exceeded the WebSocket size limit"), "\(error)")
        }
    }
}

/// On its own, with a longer limit and event loops of its own: it moves half a gigabyte through
/// memory, which took 1.2 s here but 41 to over 60 s in a debug build on a busy CI machine. On
/// NIO's shared loops that stalled every other test's browser connection past its 10 s timeout.
@Suite("One huge WebSocket message", .timeLimit(.minutes(5)))
struct HugeMessageTests {
    @Test("a single WebSocket message larger than 256 MiB arrives whole")
    func carriesHugeMessage() async throws {
        let size = (256 << 20) + 4096
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let server = try await ScriptedWebSocketServer.start(.bigMessage(size), group: group)
        let transport = try await WebSocketTransport.connect(to: server.url, group: group)
        try await transport.send(.init(string: #"{"id":1,"method":"Test.probe","params":{}}"#))
        var iterator = transport.messages.makeAsyncIterator()
        let message = try await iterator.next()
        #expect(message?.readableBytes == size)
        #expect(message?.getString(at: message?.readerIndex ?? 0, length: 17) == #"{"method":"Test.b"#)
        await transport.close()
        await server.stop()
        try await group.shutdownGracefully()
    }
}
