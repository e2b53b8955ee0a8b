/// Commands of the CDP `Runtime` domain.
public enum RuntimeCommands {
    /// `Runtime.enable`.
    public struct Enable: DevToolsCommand {
        public static let method = "Runtime.enable"
        public typealias Result = NoResult
        public init() {}
    }

    /// `Runtime.runIfWaitingForDebugger`: lets a target attached with `waitForDebuggerOnStart` start.
    public struct RunIfWaitingForDebugger: DevToolsCommand {
        public static let method = "Runtime.runIfWaitingForDebugger"
        public typealias Result = NoResult
        public init() {}
    }

    /// `Runtime.evaluate` with `returnByValue`; the value is decoded as `Value`.
    public struct Evaluate<Value: Decodable & Sendable>: DevToolsCommand {
        public static var method: String { "Runtime.evaluate" }
        public struct Result: Decodable, Sendable {
            public struct Remote: Decodable, Sendable { public let type: String; public let value: Value? }
            public struct Exception: Decodable, Sendable {
                public let text: String
                public struct Thrown: Decodable, Sendable { public let description: String? }
                public let exception: Thrown?
            }
            public let result: Remote
            public let exceptionDetails: Exception?
        }
        public let expression: String
        public let returnByValue = true
        public let awaitPromise: Bool
        public let userGesture: Bool
        /// The execution context (e.g. an isolated world); nil: the page's main world.
        public let contextId: Int?
        public init(_ expression: String, awaitPromise: Bool = false, userGesture: Bool = false, contextId: Int? = nil) {
            self.expression = expression
            self.awaitPromise = awaitPromise
            self.userGesture = userGesture
            self.contextId = contextId
        }
    }

    /// `Runtime.callFunctionOn` with `returnByValue`: runs `functionDeclaration` with the object
    /// as `this` (in the object's execution context); the value is decoded as `Value`.
    public struct CallFunctionOn<Value: Decodable & Sendable>: DevToolsCommand {
        public static var method: String { "Runtime.callFunctionOn" }
        public typealias Result = Evaluate<Value>.Result
        public let functionDeclaration: String
        public let objectId: String
        public let returnByValue = true
        public init(_ functionDeclaration: String, objectId: String) {
            self.functionDeclaration = functionDeclaration
            self.objectId = objectId
        }
    }
}
