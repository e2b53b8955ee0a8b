import DevTools
import Foundation

/// What `exhibit session check` found: whether the page shows its login wall or a logged-in account.
public struct SessionCheckResult: Sendable {
    public let url: String
    public let profile: String
    /// The login wall's label, when the page shows one.
    public let loginWall: String?
    /// The logged-in account, when the profile's viewer rules read one.
    public let account: String?
    /// Whether the profile has viewer rules at all.
    public let profileReadsViewer: Bool

    /// Logged in: no login wall, and the account shown. A profile without viewer rules cannot
    /// confirm a login, so it never says logged in.
    public var loggedIn: Bool { loginWall == nil && account != nil }

    /// One line for the person.
    public func line(session label: String) -> String {
        if let loginWall { return "not logged in: \(url) shows its login wall ('\(loginWall)') with \(label)" }
        if let account { return "logged in as \(account) on \(url) with \(label)" }
        if profileReadsViewer { return "not logged in: \(url) shows no login wall but no logged-in account either (profile \(profile)) with \(label)" }
        return "not confirmed: no login wall on \(url) with \(label), but the \(profile) profile has no viewer rules to read which account is logged in"
    }
}

extension CapturePipeline {
    /// Loads the page with the session as a capture would (fresh context, cookies and storage set
    /// before the page is asked for, navigate, settle, consent, walls) and reports whether it is
    /// logged in. Nothing is kept.
    public func checkSession() async throws -> SessionCheckResult {
        let url: URL
        do { url = try TargetURL.validate(options.url) } catch { throw CaptureError.usage("\(error)") }
        let plan = try await plan(url)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let context = CaptureContext(url: url, progress: progress)
        let runner = StepRunner(context: context, folder: try PartialFolder(in: try Self.prepareOutput(scratch.path), captureId: context.captureId))
        defer { runner.folder.settled() }
        // Only whether the wall or the account shows matters: the thread is not expanded.
        var rules = plan.profile.profile
        rules.expand = nil
        let checking = Plan(profile: plan.profile.replacingProfile(rules), choice: plan.choice, alsoMatched: plan.alsoMatched, policy: plan.policy, resolver: plan.resolver,
                            catalog: plan.catalog, pageKind: .post, session: plan.session)
        let capture = checking.capture(options: options, runner: runner, signingKey: nil)
        return try await capture.withBrowser(browser) { browser, pages, _ in
            try await capture.withProfiledPage(browser: browser, pages: pages) { loaded in
                let outcome = loaded.profiled.outcome
                return SessionCheckResult(url: url.absoluteString, profile: plan.profile.profile.name,
                                          loginWall: outcome.loginWall?.label, account: outcome.viewer?.label,
                                          profileReadsViewer: !(plan.profile.profile.viewer ?? []).isEmpty)
            }
        }
    }
}
