import Foundation

/// A step of the capture as it happens, for the command line's progress lines.
public struct CaptureProgress: Sendable {
    /// Step name: launch, navigate, settle, screenshot, pdf, dom, metadata, bag.
    public let step: String
    /// Seconds since the capture started.
    public let elapsed: Double
    /// What happened, in a few words.
    public let detail: String
    /// True when this line is a warning.
    public let isWarning: Bool
}

/// Receives progress as each step ends.
public typealias ProgressHandler = @Sendable (CaptureProgress) -> Void
