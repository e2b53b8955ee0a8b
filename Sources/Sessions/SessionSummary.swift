import Foundation

/// What `exhibit session list` shows of one saved session: where it logs in and whether it is
/// still fresh, never a cookie or storage value.
public struct SessionSummary: Sendable, Equatable, Encodable {
    public let name: String
    /// When Exhibit saved it; nil for a file Exhibit did not make (or one that would not load).
    public let created: Date?
    /// Cookie domains (without the leading dot) and storage origins, each once, sorted.
    public let origins: [String]
    public let account: String?
    public let cookieCount: Int
    /// Cookies with an expiry time that has passed.
    public let expiredCookies: Int
    /// For a file that would not load, its one-line error; nil otherwise.
    public let problem: String?

    public init(name: String, state: SessionState, now: Date = Date()) {
        self.name = name
        created = state.exhibit?.created
        let domains = state.cookies.map { $0.domain.hasPrefix(".") ? String($0.domain.dropFirst()) : $0.domain }
        origins = Array(Set(domains + state.origins.map(\.origin))).sorted()
        account = state.exhibit?.account
        cookieCount = state.cookies.count
        expiredCookies = state.expiredCookies(at: now).count
        problem = nil
    }

    /// A saved session that would not load, and why.
    public init(name: String, problem: SessionError) {
        self.name = name
        created = nil
        origins = []
        account = nil
        cookieCount = 0
        expiredCookies = 0
        self.problem = problem.description
    }

    private enum CodingKeys: String, CodingKey { case name, created, origins, account, cookieCount, expiredCookies, problem }

    /// `created` as in the session file (ISO 8601 UTC); absent values as `null`, so every entry of
    /// `exhibit session list --json` has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(created.map(ISOTime.string), forKey: .created)
        try container.encode(origins, forKey: .origins)
        try container.encode(account, forKey: .account)
        try container.encode(cookieCount, forKey: .cookieCount)
        try container.encode(expiredCookies, forKey: .expiredCookies)
        try container.encode(problem, forKey: .problem)
    }
}

/// A cookie named without its value, for summaries and messages.
public struct CookieLabel: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let domain: String

    public init(name: String, domain: String) {
        self.name = name
        self.domain = domain
    }

    public var description: String { "\(name) (\(domain))" }
}

extension SessionState {
    /// Cookies with an expiry time before `date`; session cookies (-1) never count.
    public func expiredCookies(at date: Date) -> [SessionCookie] {
        let now = date.timeIntervalSince1970
        return cookies.filter { $0.expires != -1 && $0.expires < now }
    }

    /// Each cookie's name and domain, in the file's order: what may be shown of the cookies.
    public var cookieSummary: [CookieLabel] { cookies.map { CookieLabel(name: $0.name, domain: $0.domain) } }
}
