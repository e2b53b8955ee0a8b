import DevTools
import Foundation

/// Navigate: the page's domains and emulation first (so the main document's response and its
/// lifecycle events are seen), then `Page.navigate`.
struct Navigate {
    /// The document the navigation started.
    struct Output: Sendable {
        let loaderId: String
        let frameId: String
        /// What the session put into the context; nil without one.
        let restored: RestoreSession.Output?
    }

    let page: CapturePage
    /// The browser's own user agent, used unless the options give one.
    let browserUserAgent: String
    /// The login session to set on the page's context before it is asked for.
    var session: SessionUse? = nil

    func run() async throws -> Output {
        let session = page.session, options = page.options
        _ = try await session.send(PageCommands.Enable())
        _ = try await session.send(PageCommands.SetLifecycleEventsEnabled())
        _ = try await session.send(RuntimeCommands.Enable())
        _ = try await session.send(NetworkCommands.Enable())
        _ = try await session.send(EmulationCommands.SetDeviceMetricsOverride(
            width: options.viewportWidth, height: options.viewportHeight, deviceScaleFactor: options.deviceScaleFactor))
        _ = try await session.send(EmulationCommands.SetTimezoneOverride(timezoneId: options.timeZone))
        _ = try await session.send(EmulationCommands.SetLocaleOverride(locale: options.locale.replacingOccurrences(of: "-", with: "_")))
        _ = try await session.send(EmulationCommands.SetUserAgentOverride(
            userAgent: options.userAgent ?? browserUserAgent, acceptLanguage: options.locale))
        var restored: RestoreSession.Output?
        if let use = self.session { restored = try await RestoreSession(session: session, use: use, context: page.context).run() }
        let frame = try await session.send(PageCommands.GetFrameTree()).frameTree.frame
        page.activity.watchMainFrame(frame.id)
        let navigation = try await session.send(PageCommands.Navigate(url: page.url), timeout: .seconds(options.limits.loadSeconds + 10))
        // A refused redirect hop fails the navigation with net::ERR_BLOCKED_BY_CLIENT; the policy says why.
        try page.failIfRefused()
        if let errorText = navigation.errorText, !errorText.isEmpty {
            throw StepProblem(Self.explain(errorText))
        }
        guard let loaderId = navigation.loaderId else { throw StepProblem("the browser started no new document") }
        return Output(loaderId: loaderId, frameId: frame.id, restored: restored)
    }

    /// Chromium's net error names, said plainly.
    static func explain(_ errorText: String) -> String {
        let plain: [String: String] = [
            "net::ERR_CONNECTION_REFUSED": "connection refused (nothing listens on that port)",
            "net::ERR_NAME_NOT_RESOLVED": "the host name does not resolve",
            "net::ERR_NAME_RESOLUTION_FAILED": "the host name could not be resolved",
            "net::ERR_ADDRESS_UNREACHABLE": "the address is unreachable",
            "net::ERR_CONNECTION_TIMED_OUT": "the connection timed out",
            "net::ERR_INTERNET_DISCONNECTED": "no network connection",
            "net::ERR_CERT_AUTHORITY_INVALID": "the site's TLS certificate is not trusted",
        ]
        return plain[errorText].map { "\($0) [\(errorText)]" } ?? errorText
    }
}
