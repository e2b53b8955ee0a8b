import LiveView
import Testing

/// Reads a live view's inputs as they come, so a test can wait for the ones it caused.
actor InputTap {
    private(set) var received: [LiveInput] = []
    private(set) var finished = false
    private var reader: Task<Void, Never>?

    static func reading(_ server: LiveViewServer) async -> InputTap {
        let tap = InputTap()
        await tap.start(server.inputs)
        return tap
    }

    private func start(_ stream: AsyncStream<LiveInput>) {
        reader = Task { [weak self] in
            for await input in stream { await self?.append(input) }
            await self?.finish()
        }
    }

    private func append(_ input: LiveInput) { received.append(input) }
    private func finish() { finished = true }

    /// Forgets what came so far.
    func clear() { received = [] }

    /// Waits until `done` holds for what has come (or the stream ended); returns what has come.
    func wait(timeout: Duration = .seconds(20), until done: @Sendable ([LiveInput]) -> Bool) async throws -> [LiveInput] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !done(received) && !finished {
            guard clock.now < deadline else {
                Issue.record("inputs so far: \(received)")
                throw TimedOut(what: "inputs")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return received
    }

    /// What has come, less mouse moves (which the page sends as it likes).
    func withoutMoves() -> [LiveInput] { received.filter { !$0.isMove } }
}

extension LiveInput {
    var isMove: Bool {
        if case .mouse(let action) = self { return action.kind == .moved }
        return false
    }

    var mouse: MouseAction? {
        if case .mouse(let action) = self { return action }
        return nil
    }

    var key: KeyAction? {
        if case .key(let action) = self { return action }
        return nil
    }
}

/// A wait that ran out.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}
