import Foundation

extension CaptureRecord.Viewer {
    /// The states `viewer.state` takes.
    enum State {
        static let loggedOut = "logged out"
        static let loggedIn = "logged in"
        /// A session was set and no login wall shows, but nothing on the page confirms a login.
        static let notConfirmed = "session used, not confirmed"
        static let walled = "login wall despite session"
    }

    /// Who looked, from the session given (if any), what it set, and what the page showed: its
    /// login wall and the account the profile's viewer rules read. Each doubt is a warning: the
    /// account comes from the page, which may claim anything.
    ///
    /// - `browserMayBeLoggedIn`: the browser was attached (`--browser-url`) and may hold a login of
    ///   its own; a browser Exhibit launched starts with an empty profile and cannot.
    static func make(session: SessionUse?, restored: RestoreSession.Output?, outcome: ProfileOutcome, hasViewerRules: Bool,
                     browserMayBeLoggedIn: Bool, pageOrigin: String?, context: CaptureContext) -> CaptureRecord.Viewer {
        let account = outcome.viewer?.label, selector = outcome.viewer?.selector
        guard let session else {
            guard let account else { return .init(state: State.loggedOut, account: nil, accountSelector: nil, session: nil) }
            if browserMayBeLoggedIn {
                return .init(state: State.loggedIn, account: account, accountSelector: selector, session: nil)
            }
            // A fresh profile holds no login: whatever the page shows as its viewer, it made up.
            context.warn(.profile, "the page shows '\(account)' as its logged-in account although the browser held no login (fresh profile, no session): recorded as logged out")
            return .init(state: State.loggedOut, account: nil, accountSelector: nil, session: nil)
        }
        let record = session.record(at: context.started, restored: restored, pageOrigin: pageOrigin)
        if outcome.loginWall != nil {
            context.warn(.profile, "the page shows its login wall although \(session.label) was used: it has expired or was logged out; \(session.renewal)")
            return .init(state: State.walled, account: account, accountSelector: selector, session: record)
        }
        guard let account else {
            context.warn(.profile, hasViewerRules
                ? "\(session.label) was used but the page shows no logged-in account (the profile's viewer rules read nothing): who the page was shown to is not confirmed"
                : "\(session.label) was used but the profile has no viewer rules: who the page was shown to is not confirmed")
            return .init(state: State.notConfirmed, account: nil, accountSelector: nil, session: record)
        }
        if let made = record.accountWhenMade, made != account {
            context.warn(.profile, "the page shows '\(account)' as its logged-in account, but \(session.label) was made as '\(made)'")
        }
        return .init(state: State.loggedIn, account: account, accountSelector: selector, session: record)
    }

    /// One line for the report and the summary.
    public var line: String {
        guard let session else {
            return state == State.loggedOut ? "Captured logged out"
                : "Captured logged in as \(account ?? "an unknown account") (the attached browser's own login; no session given)"
        }
        let made = session.created.map { ", made \($0.prefix(10))" } ?? ""
        let named = session.name.map { "session \($0)" }
            ?? "\(session.given == SessionUse.Given.cookies.rawValue ? "cookie file" : "session file") \(session.fileName)"
        switch state {
        case State.walled:
            return "Captured with \(named)\(made), but the page shows its login wall: the session no longer logs in"
        case State.notConfirmed:
            return "Captured with \(named)\(made); the page shows no logged-in account, so the login is not confirmed"
        default:
            return "Captured logged in as \(account ?? "an unknown account") (\(named)\(made))"
        }
    }
}
