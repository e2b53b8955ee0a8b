import Foundation

/// Runs the steps of one capture: times each one into the ``CaptureContext``, reports it, caps its
/// waits, and turns any failure into a ``CaptureError`` that names the step and the URL, keeps the
/// original error as its cause, and points at the partial folder when it holds anything.
struct StepRunner: Sendable {
    let context: CaptureContext
    let folder: PartialFolder

    /// What running out of time on a capped wait means for the capture.
    enum Expiry: Sendable {
        /// Carry on, with this warning in the record.
        case warn(String)
        /// Stop the capture with this message.
        case fail(String)
    }

    /// Runs `step`: times it (from `since`, when its work began earlier in another task), reports
    /// its detail line, and wraps any error. Returns the step's value.
    func run<T>(_ step: CaptureStep, since: Duration? = nil, _ body: () async throws -> (T, String)) async throws -> T {
        let start = since ?? context.elapsed
        do {
            let (value, detail) = try await body()
            context.timed(.init(step: step, start: start, end: context.elapsed))
            context.report(step, detail)
            return value
        } catch {
            context.timed(.init(step: step, start: start, end: context.elapsed))
            throw failure(step, error)
        }
    }

    /// A step that is not timed in `capture.json` (it runs after the record is sealed): reported,
    /// and its errors wrapped like any other.
    func untimed<T>(_ step: CaptureStep, _ body: () async throws -> (T, String)) async throws -> T {
        do {
            let (value, detail) = try await body()
            context.report(step, detail)
            return value
        } catch {
            throw failure(step, error)
        }
    }

    /// The one way a wait is capped: `wait` is given the seconds it may take and says whether what
    /// it waited for happened; if not, the capture warns or fails as `expiry` says.
    @discardableResult
    func cap(_ seconds: Double, in step: CaptureStep, _ expiry: @autoclosure () -> Expiry,
             _ wait: (Double) async throws -> Bool) async throws -> Bool {
        if try await wait(seconds) { return true }
        switch expiry() {
        case .warn(let message): context.warn(step, message)
        case .fail(let message): throw CaptureError.failed(step, url: context.url.absoluteString, message)
        }
        return false
    }

    /// Wraps an error of `step`; a ``CaptureError`` already made by a step passes as it is.
    func failure(_ step: CaptureStep, _ error: any Error) -> CaptureError {
        if let error = error as? CaptureError { return error }
        var message = (error as? StepProblem)?.message ?? "\(error)"
        // A write that fails because the disk filled says so in terms no library message uses.
        if let free = Self.freeBytes(at: folder.output.path), free < 1 << 20 {
            message += " (the disk of \(folder.output.path) is full: \(free) bytes free)"
        }
        return CaptureError.failed(step, url: context.url.absoluteString, message, underlying: error is StepProblem ? nil : error)
    }

    /// Bytes an unprivileged writer may still use on the file system holding `path`; nil when unknown.
    static func freeBytes(at path: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    /// Runs the whole capture; whatever fails, an empty partial folder is removed and a non-empty
    /// one is named in the error, so nothing is left looking complete and nothing captured is lost.
    func owningFolder<T>(_ body: () async throws -> T) async throws -> T {
        defer { folder.settled() }
        do {
            return try await body()
        } catch var error as CaptureError {
            if error.kind == .usage {
                try? FileManager.default.removeItem(at: folder.root)
            } else if error.partialFolder == nil {
                error.partialFolder = folder.keptPath()
            }
            throw error
        } catch {
            var wrapped = CaptureError.failed(.launch, url: context.url.absoluteString, "\(error)", underlying: error)
            wrapped.partialFolder = folder.keptPath()
            throw wrapped
        }
    }
}
