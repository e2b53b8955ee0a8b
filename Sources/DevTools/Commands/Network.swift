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
        /// The HTTP version as Chromium names it: `http/1.1`, `h2`, `h3`, …
        public let `protocol`: String?
        /// `secure`, `insecure`, `neutral`, `info` or `insecure-broken`: how Chromium judged the
        /// connection (with `--ignore-certificate-errors-spki-list` an untrusted key still reads `secure`).
        public let securityState: String?
        /// The TLS connection a response came over. Only the first six fields are sent by every
        /// Chromium Exhibit has met; the rest are optional so older records and browsers decode.
        public struct SecurityDetails: Decodable, Sendable {
            public let `protocol`: String
            public let cipher: String
            public let subjectName: String
            public let issuer: String
            /// Seconds since the epoch.
            public let validFrom: Double
            public let validTo: Double
            /// Empty for TLS 1.3, whose key exchange is named by ``keyExchangeGroup``.
            public let keyExchange: String?
            public let keyExchangeGroup: String?
            /// Absent for AEAD ciphers.
            public let mac: String?
            /// Deprecated by Chromium (always 0 now); kept only because it is sent.
            public let certificateId: Int?
            public let sanList: [String]?
            public let signedCertificateTimestampList: [SignedCertificateTimestamp]?
            /// `compliant`, `not-compliant` or `unknown` (Chromium's Certificate Transparency verdict).
            public let certificateTransparencyCompliance: String?
            /// The TLS SignatureScheme code point the server signed the handshake with (e.g. 1027, 0x0403).
            public let serverSignatureAlgorithm: Int?
            public let encryptedClientHello: Bool?
        }
        /// One SCT Chromium saw for the connection's certificate. Every field is optional: a shape
        /// this type does not expect must not cost the whole response its record.
        public struct SignedCertificateTimestamp: Decodable, Sendable {
            public let status: String?
            /// Where it came from: `Embedded in certificate`, `TLS extension` or `OCSP response`.
            public let origin: String?
            public let logDescription: String?
            /// Hex.
            public let logId: String?
            /// Milliseconds (not seconds) since the epoch.
            public let timestamp: Double?
            public let hashAlgorithm: String?
            public let signatureAlgorithm: String?
            /// Hex.
            public let signatureData: String?
        }
        public let securityDetails: SecurityDetails?
        /// Bytes received for the head so far (the whole response's are in `Network.loadingFinished`).
        public let encodedDataLength: Double?
        /// True when the response came from the browser's memory or disk cache, not the network.
        public let fromDiskCache: Bool?
    }

    /// `Network.getCertificate`: the certificate chain the browser holds for an origin, as base64
    /// DER, leaf first (the protocol calls the list `tableNames`). Empty when it holds none.
    public struct GetCertificate: DevToolsCommand {
        public static let method = "Network.getCertificate"
        public struct Result: Decodable, Sendable {
            public let tableNames: [String]
        }
        public let origin: String
        public init(origin: String) { self.origin = origin }
    }

    /// Parameters of `Network.requestWillBeSent`.
    public struct RequestWillBeSent: Decodable, Sendable {
        public let requestId: String
        public let loaderId: String
        public let type: String?
        public let frameId: String?
        public struct Request: Decodable, Sendable {
            public let url: String
            public let method: String
            /// The headers Blink put on the request; cookies and the browser's own network-stack
            /// headers are only in ``RequestWillBeSentExtraInfo``.
            public let headers: [String: String]?
            /// True when the request has a body (a POST's form, a fetch's payload).
            public let hasPostData: Bool?
            /// The body in parts, each base64 (`bytes`); absent when it was too large to include.
            public let postDataEntries: [PostDataEntry]?
        }
        public struct PostDataEntry: Decodable, Sendable { public let bytes: String? }
        public let request: Request
        public let redirectResponse: Response?
        /// Seconds since the epoch when the request was made.
        public let wallTime: Double?
    }

    /// Parameters of `Network.requestWillBeSentExtraInfo`: the headers as the network stack sent
    /// them (`Cookie` included). One per hop of a redirect chain, in the hops' order; it may arrive
    /// before or after the hop's `requestWillBeSent`.
    public struct RequestWillBeSentExtraInfo: Decodable, Sendable {
        public let requestId: String
        public let headers: [String: String]
    }

    /// Parameters of `Network.responseReceivedExtraInfo`: the response head as received
    /// (`Set-Cookie` included, which `responseReceived` leaves out), one per hop with a response.
    public struct ResponseReceivedExtraInfo: Decodable, Sendable {
        public let requestId: String
        public let statusCode: Int
        public let headers: [String: String]
        /// The raw head of an HTTP/1.x response (status line included); nil over HTTP/2 and 3.
        public let headersText: String?
    }

    /// `Network.getResponseBody`: the body of a finished response, as the renderer still holds it
    /// (decoded: no `Content-Encoding`, no chunks).
    public struct GetResponseBody: DevToolsCommand {
        public static let method = "Network.getResponseBody"
        public struct Result: Decodable, Sendable {
            public let body: String
            public let base64Encoded: Bool
        }
        public let requestId: String
        public init(requestId: String) { self.requestId = requestId }
    }

    /// `Network.streamResourceContent`: from now on, each `Network.dataReceived` of this request
    /// carries its bytes, so a large body is taken chunk by chunk while the page still receives it
    /// (unlike `Fetch.takeResponseBodyAsStream`, which takes the body away from the page). The answer
    /// holds what had arrived before. Fails for a request that already finished loading.
    public struct StreamResourceContent: DevToolsCommand {
        public static let method = "Network.streamResourceContent"
        public struct Result: Decodable, Sendable {
            /// Base64 of the bytes received before streaming began.
            public let bufferedData: String
        }
        public let requestId: String
        public init(requestId: String) { self.requestId = requestId }
    }

    /// Parameters of `Network.dataReceived`; `data` (base64) only for a request being streamed.
    public struct DataReceived: Decodable, Sendable {
        public let requestId: String
        public let dataLength: Int
        public let data: String?
    }

    /// `Network.getRequestPostData`: a request's body when `requestWillBeSent` left it out (too large).
    public struct GetRequestPostData: DevToolsCommand {
        public static let method = "Network.getRequestPostData"
        public struct Result: Decodable, Sendable {
            public let postData: String
            public let base64Encoded: Bool?
        }
        public let requestId: String
        public init(requestId: String) { self.requestId = requestId }
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
        /// Bytes received over the network for the whole response (`loadingFinished` only).
        public let encodedDataLength: Double?
        /// True when the page or the browser cancelled the request (`loadingFailed` only).
        public let canceled: Bool?
        /// Why the browser blocked it, when it did (`loadingFailed` only), e.g. `inspector`.
        public let blockedReason: String?
    }

    /// Parameters of `Network.webSocketCreated`: a page opened a WebSocket (which `Fetch` cannot pause).
    public struct WebSocketCreated: Decodable, Sendable {
        public let requestId: String
        public let url: String
    }
}
