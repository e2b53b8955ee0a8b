import Synchronization

/// Wakes the tasks that wait for something to change, instead of letting them poll: each change
/// bumps a version; a waiter reads the version, looks at what it waits for, and if that is not
/// there yet sleeps until the version moves past the one it read (or its deadline passes). A change
/// between the look and the sleep is never missed, because the version has already moved.
package final class ChangeSignal: Sendable {
    private struct State {
        var version: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    package init() {}

    /// The number of changes so far; read it before looking at the watched state.
    package var version: UInt64 { state.withLock { $0.version } }

    /// Call after each change of the watched state.
    package func signal() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.version &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once the version is past `version`, at `deadline`, or when the task is cancelled.
    package func wait(after version: UInt64, until deadline: ContinuousClock.Instant) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        let wake: @Sendable () -> Void = { self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume() }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.version != version || ContinuousClock.now >= deadline { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
        timer.cancel()
    }
}
