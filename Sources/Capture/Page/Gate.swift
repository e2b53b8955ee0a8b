import Synchronization

/// A one-time go-ahead from one task to another: ``wait()`` returns once ``open()`` has been called,
/// before or after, and throws `CancellationError` if the waiting task is cancelled first.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var cancelled = false
        var waiter: CheckedContinuation<Void, Error>?
    }
    private let state = Mutex(State())

    func open() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Error>? in
            state.isOpen = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// A gate serves one waiter, once: after a cancelled wait it stays shut.
    func wait() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let outcome = state.withLock { state -> Result<Void, Error>? in
                    if state.isOpen { return .success(()) }
                    if state.cancelled { return .failure(CancellationError()) }
                    state.waiter = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Error>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
