/// Why a capture did not complete. The message names the failing step and the URL; the error that
/// caused it is kept as ``underlying``, not flattened into the text only.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, from the user's point of view.
    public enum Kind: Sendable, Equatable {
        /// Bad input detected before any work (exit code 2): a URL, an option, a profile.
        case usage
        /// A step failed while capturing (exit code 1).
        case stepFailed
        /// The network policy refused the page, a redirect hop or a later navigation of it: a
        /// loopback, private, link-local or other special-purpose address (exit code 5).
        case refused
    }

    public let kind: Kind
    /// The step that failed; nil for bad input found before the capture started.
    public let step: CaptureStep?
    /// The page being captured, when the failure is about it.
    public let url: String?
    /// One line, without the step and URL (``description`` adds them).
    public let message: String
    /// The hidden `.partial` folder that holds what was written so far, when anything was.
    public internal(set) var partialFolder: String?
    /// The error that caused this one, if it came from a lower layer (DevTools, Evidence, poppler).
    public let underlying: (any Error)?

    /// True for errors in what the user asked, as opposed to failures while capturing.
    public var isUsage: Bool { kind == .usage }

    public static func usage(_ message: String) -> CaptureError {
        CaptureError(kind: .usage, step: nil, url: nil, message: message, partialFolder: nil, underlying: nil)
    }

    /// A profile that cannot run in the browser (a regex V8 refuses): bad input, though found at `step`.
    static func badProfile(_ message: String, step: CaptureStep, url: String) -> CaptureError {
        CaptureError(kind: .usage, step: step, url: url, message: message, partialFolder: nil, underlying: nil)
    }

    /// The page's document was refused by the network policy. `message` says where it led and by
    /// which rule; the description adds the step, the URL asked for and how to allow it.
    static func refused(url: String, message: String, address: String?) -> CaptureError {
        let hint = "pass --allow-private to capture private addresses"
            + (address.map { ", or --allow-private-address \($0) to allow this one" } ?? "")
        return CaptureError(kind: .refused, step: .navigate, url: url, message: message + "; " + hint, partialFolder: nil, underlying: nil)
    }

    static func failed(_ step: CaptureStep, url: String, _ message: String, underlying: (any Error)? = nil) -> CaptureError {
        CaptureError(kind: .stepFailed, step: step, url: url, message: message, partialFolder: nil, underlying: underlying)
    }

    public var description: String {
        switch kind {
        case .usage:
            return message
        case .stepFailed:
            return "\(step?.rawValue ?? "capture") failed for \(url ?? "the page"): \(message)"
                + (partialFolder.map { " (incomplete output kept in \($0))" } ?? "")
        case .refused:
            // "navigate http://a/ → redirect to http://127.0.0.1/ refused: loopback 127.0.0.1 (127.0.0.0/8); pass …"
            return "\(step?.rawValue ?? "capture") \(url ?? "the page") \(message)"
                + (partialFolder.map { " (incomplete output kept in \($0))" } ?? "")
        }
    }
}

/// A failure a phase states in its own words; ``StepRunner`` adds the step and the URL.
struct StepProblem: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
