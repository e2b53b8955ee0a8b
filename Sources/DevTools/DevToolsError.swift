/// Everything that can go wrong between Exhibit and a browser, each case naming the failing step.
public enum DevToolsError: Error, CustomStringConvertible, Sendable {
    /// No browser executable at the given path, or none found in the usual places.
    case browserNotFound(String)
    /// The account the browser would run as is not allowed or not there (root without
    /// `--allow-root-browser`, a missing `--browser-user`).
    case accountRefused(String)
    /// The browser process could not be started, or exited before giving its DevTools endpoint.
    case launchFailed(String, stderrTail: String)
    /// The browser process ended (crash, kill) while Exhibit was using it.
    case browserExited(status: Int32, stderrTail: String)
    /// A `--browser-url` that is neither `ws://` nor `http://`, or `/json/version` did not answer usefully.
    case badEndpoint(String)
    /// The WebSocket could not be opened.
    case connectFailed(url: String, reason: String)
    /// The WebSocket ended while commands were waiting for answers.
    case connectionClosed(String)
    /// The browser answered a command with a CDP error.
    case protocolError(method: String, code: Int, message: String)
    /// No answer to a command within its time limit.
    case timeout(method: String, seconds: Double)
    /// The caller stopped waiting (its task was cancelled).
    case cancelled(method: String)
    /// An answer that could not be decoded into the expected type.
    case badResponse(method: String, reason: String)

    public var description: String {
        switch self {
        case .browserNotFound(let detail): return "browser not found: \(detail)"
        case .accountRefused(let reason): return "browser account: \(reason)"
        case .launchFailed(let reason, let tail):
            return "browser launch failed: \(reason)" + (tail.isEmpty ? "" : "; browser stderr: \(tail)")
        case .browserExited(let status, let tail):
            return "browser process exited unexpectedly (status \(status))" + (tail.isEmpty ? "" : "; browser stderr: \(tail)")
        case .badEndpoint(let detail): return "bad browser endpoint: \(detail)"
        case .connectFailed(let url, let reason): return "could not open DevTools WebSocket \(url): \(reason)"
        case .connectionClosed(let reason): return "DevTools connection closed: \(reason)"
        case .protocolError(let method, let code, let message): return "\(method) failed: \(message) (CDP error \(code))"
        case .timeout(let method, let seconds): return "\(method) got no answer within \(formatSeconds(seconds)) s"
        case .badResponse(let method, let reason): return "\(method) answered with something unexpected: \(reason)"
        case .cancelled(let method): return "\(method) was abandoned before the browser answered"
        }
    }
}

func formatSeconds(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import Foundation
