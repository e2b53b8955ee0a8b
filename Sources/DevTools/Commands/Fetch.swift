/// Commands and events of the CDP `Fetch` domain: requests paused before they are sent, to be let
/// through or failed.
///
/// Every paused request must be answered exactly once (``ContinueRequest`` or ``FailRequest``);
/// one left unanswered stalls the page's load for good.
public enum FetchCommands {
    /// Which requests to pause: `*` at the `Request` stage pauses every request, and every hop of
    /// a redirect again, before it goes to the network.
    public struct RequestPattern: Encodable, Sendable {
        public let urlPattern: String
        /// Only requests of this type (`Document`, `Media`, `Fetch`, …); nil: every type.
        public let resourceType: String?
        public let requestStage: String
        public init(urlPattern: String = "*", resourceType: String? = nil, requestStage: String = "Request") {
            self.urlPattern = urlPattern
            self.resourceType = resourceType
            self.requestStage = requestStage
        }
    }

    /// `Fetch.enable`: from now on, requests matching `patterns` wait for an answer.
    public struct Enable: DevToolsCommand {
        public static let method = "Fetch.enable"
        public typealias Result = NoResult
        public let patterns: [RequestPattern]
        public init(patterns: [RequestPattern] = [RequestPattern()]) { self.patterns = patterns }
    }

    /// `Fetch.continueRequest`: lets a paused request go on unchanged.
    public struct ContinueRequest: DevToolsCommand {
        public static let method = "Fetch.continueRequest"
        public typealias Result = NoResult
        public let requestId: String
        public init(requestId: String) { self.requestId = requestId }
    }

    /// `Fetch.failRequest`: fails a paused request with a network error the page sees
    /// (`BlockedByClient`: `net::ERR_BLOCKED_BY_CLIENT`; `NameNotResolved`, `AddressUnreachable`, …).
    public struct FailRequest: DevToolsCommand {
        public static let method = "Fetch.failRequest"
        public typealias Result = NoResult
        public let requestId: String
        public let errorReason: String
        public init(requestId: String, errorReason: String) {
            self.requestId = requestId
            self.errorReason = errorReason
        }
    }

    /// Parameters of `Fetch.requestPaused`. `request.url` is the URL as Chromium canonicalised it
    /// (`http://0x7f.1/` arrives as `http://127.0.0.1/`); `redirectedRequestId` is set on each hop
    /// of a redirect.
    public struct RequestPaused: Decodable, Sendable {
        public struct Request: Decodable, Sendable { public let url: String; public let method: String }
        public let requestId: String
        public let request: Request
        /// Absent for a request no frame made (the browser's own favicon fetch): a required field
        /// here made such a pause undecodable, and so never answered.
        public let frameId: String?
        public let resourceType: String
        /// The `Network` domain's id of the same request, when it has one.
        public let networkId: String?
        public let redirectedRequestId: String?
        /// Set when paused at the `Response` stage: the response's status and head, its body not yet read.
        public let responseStatusCode: Int?
        public let responseHeaders: [HeaderEntry]?
        /// Set when paused at the `Response` stage for a request that failed.
        public let responseErrorReason: String?
        public struct HeaderEntry: Decodable, Sendable { public let name: String; public let value: String }

        /// True when the pause is at the `Response` stage (the head received, the body not yet read).
        public var isResponseStage: Bool { responseStatusCode != nil || responseErrorReason != nil }
    }
}
