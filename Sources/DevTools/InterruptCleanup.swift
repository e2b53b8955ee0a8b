import Foundation
import Synchronization

/// What must not outlive an interrupted run: a launched browser's process group and profile, a
/// half-written capture folder. Each registers how to end it; on SIGINT or SIGTERM the command
/// runs them all, in the reverse order of registration, and exits. The actions are synchronous
/// and use only system calls, so they can run on the signal's queue while the capture's tasks are
/// stopped mid-step.
public enum InterruptCleanup {
    private struct State {
        var next = 0
        var actions: [(id: Int, action: @Sendable () -> Void)] = []
    }
    private static let state = Mutex(State())

    /// Registers `action`; returns the id that ``remove(_:)`` takes once it is no longer needed.
    @discardableResult
    public static func add(_ action: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.next += 1
            state.actions.append((state.next, action))
            return state.next
        }
    }

    public static func remove(_ id: Int) {
        state.withLock { $0.actions.removeAll { $0.id == id } }
    }

    private static let interrupting = Atomic<Bool>(false)

    /// Whether an interrupt is being handled: the browser it ends makes the capture fail too, and
    /// that failure must not exit first with its own code (1 instead of 130 or 143).
    public static var isInterrupting: Bool { interrupting.load(ordering: .acquiring) }

    /// When an interrupt is being handled, waits (up to 10 s) for its handler to end the process.
    public static func yieldToInterrupt() {
        guard isInterrupting else { return }
        for _ in 0..<100 { usleep(100_000) }
    }

    /// Runs every registered action once, newest first.
    public static func runAll() {
        interrupting.store(true, ordering: .releasing)
        let actions = state.withLock { state -> [(id: Int, action: @Sendable () -> Void)] in
            defer { state.actions = [] }
            return state.actions
        }
        for entry in actions.reversed() { entry.action() }
    }
}
