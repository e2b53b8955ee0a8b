/// Commands of the CDP `Browser` domain.
public enum BrowserCommands {
    /// `Browser.getVersion`: product, revision and user agent of the browser.
    public struct GetVersion: DevToolsCommand {
        public static let method = "Browser.getVersion"
        public struct Result: Decodable, Sendable {
            public let protocolVersion: String
            public let product: String
            public let revision: String
            public let userAgent: String
            public let jsVersion: String
        }
        public init() {}
    }

}
