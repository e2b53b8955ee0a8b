/// Commands of the CDP `IO` domain: reading streams such as a streamed PDF.
public enum IOCommands {
    /// `IO.read`: the next chunk of a stream.
    public struct Read: DevToolsCommand {
        public static let method = "IO.read"
        public struct Result: Decodable, Sendable {
            public let data: String
            public let eof: Bool
            public let base64Encoded: Bool?
        }
        public let handle: String
        public let size: Int
        public init(handle: String, size: Int = 4 << 20) { self.handle = handle; self.size = size }
    }

    /// `IO.close`.
    public struct Close: DevToolsCommand {
        public static let method = "IO.close"
        public typealias Result = NoResult
        public let handle: String
        public init(handle: String) { self.handle = handle }
    }
}
