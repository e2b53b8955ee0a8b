import Foundation

/// One browser cookie, as Playwright's `storageState` writes it.
///
/// A cookie's value is a credential: ``description``, ``debugDescription`` and its mirror show the
/// name and domain only, so a cookie interpolated into a message or dumped while debugging cannot
/// leak the value.
public struct SessionCookie: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
    /// A leading dot (`.bsky.app`) makes it a domain cookie, sent to subdomains too; without one
    /// (`bsky.app`) it is host-only.
    public var domain: String
    public var path: String
    /// Epoch seconds; -1 for a session cookie (one that ends with the browser).
    public var expires: Double
    public var httpOnly: Bool
    public var secure: Bool
    /// `Strict`, `Lax` or `None`; nil when the source did not say.
    public var sameSite: String?

    public init(name: String, value: String, domain: String, path: String = "/", expires: Double = -1,
                httpOnly: Bool = false, secure: Bool = false, sameSite: String? = nil) {
        self.name = name
        self.value = value
        self.domain = domain
        self.path = path
        self.expires = expires
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
    }

    /// Whether the cookie ends with the browser rather than at a time.
    public var isSessionCookie: Bool { expires == -1 }
}

/// One `localStorage` entry of an origin.
///
/// Its value may be a token: like ``SessionCookie``, it never shows its value when printed.
public struct StorageItem: Codable, Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The `localStorage` of one origin (`https://bsky.app`): some sites keep their login there, not
/// in cookies.
public struct OriginStorage: Codable, Sendable, Equatable {
    public var origin: String
    public var localStorage: [StorageItem]

    public init(origin: String, localStorage: [StorageItem]) {
        self.origin = origin
        self.localStorage = localStorage
    }
}

/// What Exhibit records about a session it made, in the `exhibit` key of the file (Playwright
/// ignores the key, so the file stays loadable by Playwright). Only who and where, never a secret.
public struct SessionInfo: Codable, Sendable, Equatable {
    /// When the login was saved; written as ISO 8601 UTC to the second (`2026-12-01T23:15:00Z`).
    public var created: Date
    /// The page the investigator logged in on.
    public var loginURL: String
    /// The account logged in as (`@handle`), when known; written as `null` otherwise.
    public var account: String?

    public init(created: Date, loginURL: String, account: String?) {
        self.created = created
        self.loginURL = loginURL
        self.account = account
    }

    private enum CodingKeys: String, CodingKey { case created, loginURL, account }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .created)
        guard let created = ISOTime.date(text) else {
            throw DecodingError.dataCorruptedError(forKey: .created, in: container,
                                                   debugDescription: "not an ISO 8601 time such as 2026-12-01T23:15:00Z")
        }
        self.created = created
        loginURL = try container.decode(String.self, forKey: .loginURL)
        account = try container.decodeIfPresent(String.self, forKey: .account)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ISOTime.string(created), forKey: .created)
        try container.encode(loginURL, forKey: .loginURL)
        // Always present, null when unknown: a reader sees the account was not recorded, not forgotten.
        try container.encode(account, forKey: .account)
    }
}

/// A login: cookies and `localStorage` in Playwright's `storageState` shape, plus what Exhibit
/// recorded when it made the session (nil for a file from elsewhere).
public struct SessionState: Codable, Sendable, Equatable {
    public var cookies: [SessionCookie]
    public var origins: [OriginStorage]
    public var exhibit: SessionInfo?

    public init(cookies: [SessionCookie] = [], origins: [OriginStorage] = [], exhibit: SessionInfo? = nil) {
        self.cookies = cookies
        self.origins = origins
        self.exhibit = exhibit
    }
}
