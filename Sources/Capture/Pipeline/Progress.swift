/// A step of the capture as it happens, for the command line's progress lines.
public struct CaptureProgress: Sendable {
    public let step: CaptureStep
    /// Seconds since the capture started.
    public let elapsed: Double
    /// What happened, in a few words.
    public let detail: String
    /// True when this line is a warning.
    public let isWarning: Bool
}

/// Receives progress as each step ends.
public typealias ProgressHandler = @Sendable (CaptureProgress) -> Void
