/// Commands and events of the CDP `Network` domain.
public enum NetworkCommands {
    /// `Network.enable`.
    public struct Enable: DevToolsCommand {
        public static let method = "Network.enable"
        public typealias Result = NoResult
        public init() {}
    }

    /// A response as CDP reports it (the fields Exhibit records).
    public struct Response: Decodable, Sendable {
        public let url: String
        public let status: Int
        public let statusText: String
        public let headers: [String: String]
        public let mimeType: String
        public let remoteIPAddress: String?
        public let remotePort: Int?
        public let `protocol`: String?
        public struct SecurityDetails: Decodable, Sendable {
            public let `protocol`: String
            public let cipher: String
            public let subjectName: String
            public let issuer: String
            public let validFrom: Double
            public let validTo: Double
        }
        public let securityDetails: SecurityDetails?
    }

    /// Parameters of `Network.requestWillBeSent`.
    public struct RequestWillBeSent: Decodable, Sendable {
        public let requestId: String
        public let loaderId: String
        public let type: String?
        public let frameId: String?
        public struct Request: Decodable, Sendable { public let url: String; public let method: String }
        public let request: Request
        public let redirectResponse: Response?
    }

    /// Parameters of `Network.responseReceived`.
    public struct ResponseReceived: Decodable, Sendable {
        public let requestId: String
        public let loaderId: String
        public let type: String
        public let frameId: String?
        public let response: Response
    }

    /// Parameters of `Network.loadingFinished` and `Network.loadingFailed` (the id is all Exhibit needs).
    public struct LoadingEnded: Decodable, Sendable {
        public let requestId: String
        public let errorText: String?
    }

    /// Parameters of `Network.webSocketCreated`: a page opened a WebSocket (which `Fetch` cannot pause).
    public struct WebSocketCreated: Decodable, Sendable {
        public let requestId: String
        public let url: String
    }
}
