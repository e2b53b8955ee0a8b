@testable import Capture
import Testing

@Suite("The gate between the screenshot and the PDF")
struct GateTests {
    @Test("opened before the wait, the wait returns at once")
    func openedFirst() async throws {
        let gate = Gate()
        gate.open()
        await #expect(throws: Never.self) { try await gate.wait() }
    }

    @Test("opened while waiting, the wait returns")
    func openedLater() async throws {
        let gate = Gate()
        let waiter = Task { try await gate.wait(); return true }
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        #expect(try await waiter.value)
    }

    @Test("a waiter that is cancelled fails with CancellationError, before or while waiting")
    func cancelled() async throws {
        let gate = Gate()
        let waiting = Task { try await gate.wait() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let late = Task {
            while !Task.isCancelled { await Task.yield() }
            try await gate.wait()
        }
        late.cancel()
        await #expect(throws: CancellationError.self) { try await late.value }
        // A gate opened afterwards does not resume the cancelled waiter a second time.
        gate.open()
    }
}
