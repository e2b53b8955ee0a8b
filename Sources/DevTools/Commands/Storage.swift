/// Commands of the CDP `Storage` and `DOMStorage` domains: a browser context's cookies, and an
/// origin's `localStorage`. Their values are credentials: a protocol trace redacts them
/// (``TraceRedaction``).
public enum StorageCommands {
    /// A cookie as `Storage.getCookies` gives it and `Storage.setCookies` takes it.
    public struct Cookie: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
        public var domain: String
        public var path: String
        /// Seconds since the epoch; -1 (or absent when setting) for a session cookie.
        public var expires: Double?
        public var httpOnly: Bool?
        public var secure: Bool?
        /// `Strict`, `Lax` or `None`.
        public var sameSite: String?
        public init(name: String, value: String, domain: String, path: String, expires: Double?,
                    httpOnly: Bool?, secure: Bool?, sameSite: String?) {
            self.name = name; self.value = value; self.domain = domain; self.path = path
            self.expires = expires; self.httpOnly = httpOnly; self.secure = secure; self.sameSite = sameSite
        }
    }

    /// `Storage.getCookies`: every cookie of one browser context.
    public struct GetCookies: DevToolsCommand {
        public static let method = "Storage.getCookies"
        public struct Result: Decodable, Sendable { public let cookies: [Cookie] }
        public let browserContextId: String?
        public init(browserContextId: String?) { self.browserContextId = browserContextId }
    }

    /// `Storage.setCookies` into one browser context (sent on the browser connection, not a page).
    public struct SetCookies: DevToolsCommand {
        public static let method = "Storage.setCookies"
        public typealias Result = NoResult
        public let cookies: [Cookie]
        public let browserContextId: String?
        public init(cookies: [Cookie], browserContextId: String?) {
            self.cookies = cookies
            self.browserContextId = browserContextId
        }
    }
}

/// Commands of the CDP `DOMStorage` domain, on a page session.
public enum DOMStorageCommands {
    /// `DOMStorage.enable`.
    public struct Enable: DevToolsCommand {
        public static let method = "DOMStorage.enable"
        public typealias Result = NoResult
        public init() {}
    }

    /// Which storage: an origin's `localStorage` (or `sessionStorage`).
    public struct StorageId: Encodable, Sendable {
        public let securityOrigin: String
        public let isLocalStorage: Bool
        public init(securityOrigin: String, isLocalStorage: Bool = true) {
            self.securityOrigin = securityOrigin
            self.isLocalStorage = isLocalStorage
        }
    }

    /// `DOMStorage.getDOMStorageItems`: `[key, value]` pairs. Chromium answers only for an origin
    /// one of the page's frames shows.
    public struct GetItems: DevToolsCommand {
        public static let method = "DOMStorage.getDOMStorageItems"
        public struct Result: Decodable, Sendable { public let entries: [[String]] }
        public let storageId: StorageId
        public init(storageId: StorageId) { self.storageId = storageId }
    }
}
