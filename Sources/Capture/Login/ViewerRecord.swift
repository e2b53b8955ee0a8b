import Foundation

extension CaptureRecord.Viewer {
    /// Who looked, from the session given (if any), what it set, and what the page showed: its
    /// login wall and the account the profile's viewer rules read. Each doubt is a warning.
    static func make(session: SessionUse?, restored: RestoreSession.Output?, outcome: ProfileOutcome,
                     hasViewerRules: Bool, context: CaptureContext) -> CaptureRecord.Viewer {
        let account = outcome.viewer?.label
        guard let session else {
            // An attached browser may be logged in on its own: the page says so even without a session.
            return .init(state: account == nil ? "logged out" : "logged in", account: account,
                         accountSelector: outcome.viewer?.selector, session: nil)
        }
        let record = session.record(at: context.started, restoredOrigins: restored?.origins ?? [])
        if outcome.loginWall != nil {
            context.warn(.profile, "the page shows its login wall although \(session.label) was used: it has expired or was logged out; \(session.renewal)")
            return .init(state: "login wall despite session", account: account, accountSelector: outcome.viewer?.selector, session: record)
        }
        if account == nil {
            context.warn(.profile, hasViewerRules
                ? "\(session.label) was used but the page shows no logged-in account (the profile's viewer rules read nothing): who the page was shown to is not confirmed"
                : "\(session.label) was used but the profile has no viewer rules: who the page was shown to is not confirmed")
        }
        return .init(state: "logged in", account: account, accountSelector: outcome.viewer?.selector, session: record)
    }

    /// One line for the report and the summary.
    public var line: String {
        let account = account.map { "as \($0)" }
        guard let session else {
            return state == "logged out" ? "Captured logged out"
                : "Captured logged in \(account ?? "") (the browser's own login; no session given)"
        }
        let made = session.created.map { ", made \($0.prefix(10))" } ?? ""
        let named = session.name.map { "session \($0)" } ?? "\(session.given == SessionUse.Given.cookies.rawValue ? "cookie file" : "session file") \(session.fileName)"
        switch state {
        case "login wall despite session":
            return "Captured with \(named)\(made), but the page shows its login wall: the session no longer logs in"
        default:
            return account.map { "Captured logged in \($0) (\(named)\(made))" }
                ?? "Captured with \(named)\(made); the page shows no logged-in account"
        }
    }
}
