/// Every step of a capture, by the name it has in progress lines, in `capture.json` (its step list
/// and its warnings) and in errors. No step is named anywhere else.
///
/// Most steps are timed by ``StepRunner``; `consent` and `expand` are parts of `profile` that have
/// warnings of their own; `bag`, `sign`, `timestamp` and `report` come after `capture.json` is sealed
/// and so are shown as progress only.
public enum CaptureStep: String, Codable, Sendable, CaseIterable {
    case launch, navigate, settle, profile, consent, expand, prepare, screenshot, pdf, extract
    case pdfCheck = "pdf-check"
    case dom, archive, api, metadata, bag, sign, timestamp, archival, report
}
