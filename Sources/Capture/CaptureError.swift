/// Why a capture did not complete. The message names the failing step and the URL.
public enum CaptureError: Error, CustomStringConvertible, Sendable {
    /// Bad input detected before any work (exit code 2).
    case usage(String)
    /// A step failed (exit code 1). `partialFolder` holds what was written so far, if anything.
    case stepFailed(step: String, url: String, message: String, partialFolder: String?)

    /// True for errors in what the user asked, as opposed to failures while capturing.
    public var isUsage: Bool { if case .usage = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .usage(let message): return message
        case .stepFailed(let step, let url, let message, let partial):
            return "\(step) failed for \(url): \(message)" + (partial.map { " (incomplete output kept in \($0))" } ?? "")
        }
    }
}
