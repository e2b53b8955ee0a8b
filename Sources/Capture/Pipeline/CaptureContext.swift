import Evidence
import Foundation
import Synchronization

/// What the steps of one capture share, and nothing more: its identity and clock, the warnings and
/// page actions so far, and when each step ran. Steps that overlap (the PDF is printed while the
/// screenshot's last tile is written) run in different tasks, so the state is behind a lock.
final class CaptureContext: Sendable {
    let captureId: String
    let url: URL
    /// The capture's start: the wall-clock time and the monotonic instant taken together, so every
    /// step's start and end are this date plus a monotonic offset and cannot fall outside the capture.
    let started: Date
    let clock: ContinuousClock.Instant
    private let progress: ProgressHandler?

    /// When one step ran, as offsets from ``clock``.
    struct Timing: Sendable {
        let step: CaptureStep
        let start: Duration
        let end: Duration
    }

    private struct State {
        var warnings: [CaptureRecord.Warning] = []
        var actions: [CaptureRecord.Action] = []
        var timings: [Timing] = []
    }
    private let state = Mutex(State())

    init(url: URL, progress: ProgressHandler?, captureId: String = UUID().uuidString.lowercased()) {
        self.captureId = captureId
        self.url = url
        self.progress = progress
        self.clock = .now
        self.started = Date()
    }

    /// Time since the capture started.
    var elapsed: Duration { .now - clock }

    /// The wall-clock time of an offset from the start, as recorded (UTC, milliseconds).
    func utc(_ offset: Duration) -> String { UTCTime.milliseconds(started.addingTimeInterval(offset.seconds)) }

    var warnings: [CaptureRecord.Warning] { state.withLock { $0.warnings } }
    var actions: [CaptureRecord.Action] { state.withLock { $0.actions } }
    var timings: [Timing] { state.withLock { $0.timings } }

    func warn(_ step: CaptureStep, _ message: String) {
        state.withLock { $0.warnings.append(.init(step: step, message: message)) }
        report(step, message, isWarning: true)
    }

    /// Warns once: the same message a second time, from any step, adds nothing.
    func warnOnce(_ step: CaptureStep, _ message: String) {
        let isNew = state.withLock { state in
            guard !state.warnings.contains(where: { $0.message == message }) else { return false }
            state.warnings.append(.init(step: step, message: message))
            return true
        }
        if isNew { report(step, message, isWarning: true) }
    }

    func hasWarnings(_ step: CaptureStep) -> Bool { state.withLock { $0.warnings.contains { $0.step == step } } }

    /// Records an action on the page (a click, a scroll, an element hidden), at the current time.
    func act(_ kind: CaptureRecord.ActionKind, selector: String?, label: String?, round: Int? = nil, detail: String? = nil) {
        let action = CaptureRecord.Action(at: UTCTime.milliseconds(Date()), kind: kind, selector: selector, label: label,
                                          round: round, detail: detail)
        state.withLock { $0.actions.append(action) }
    }

    func timed(_ timing: Timing) { state.withLock { $0.timings.append(timing) } }

    func report(_ step: CaptureStep, _ detail: String, isWarning: Bool = false) {
        progress?(CaptureProgress(step: step, elapsed: elapsed.seconds, detail: detail, isWarning: isWarning))
    }

    /// The step list for `capture.json`, in the order the steps started, up to `end`; each step that
    /// ran at the same time as another names it under `overlaps`.
    /// `pending` is a step still running (the one that writes the record), recorded as ending at `end`.
    func stepRecords(until end: Duration, pending: Timing? = nil) -> [CaptureRecord.Step] {
        let timings = (self.timings + [pending].compactMap { $0 }).filter { $0.start <= end }.sorted { $0.start < $1.start }
        return timings.map { timing in
            let finished = min(timing.end, end)
            let others = timings.filter { $0.step != timing.step && $0.start < finished && timing.start < min($0.end, end) }
            return CaptureRecord.Step(name: timing.step, startedAt: utc(timing.start),
                                      seconds: ((finished - timing.start).seconds * 1000).rounded() / 1000,
                                      overlaps: others.isEmpty ? nil : others.map(\.step))
        }
    }
}

extension Duration {
    /// The duration as seconds, for progress lines and limits given in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
