/// Commands of the CDP `Target` domain: browser contexts, pages and flattened sessions.
public enum TargetCommands {
    /// `Target.createBrowserContext`: a fresh, incognito-like cookie jar and storage.
    public struct CreateBrowserContext: DevToolsCommand {
        public static let method = "Target.createBrowserContext"
        public struct Result: Decodable, Sendable { public let browserContextId: String }
        public let disposeOnDetach: Bool
        public init(disposeOnDetach: Bool = true) { self.disposeOnDetach = disposeOnDetach }
    }

    /// `Target.disposeBrowserContext`: deletes the context and everything stored in it.
    public struct DisposeBrowserContext: DevToolsCommand {
        public static let method = "Target.disposeBrowserContext"
        public typealias Result = NoResult
        public let browserContextId: String
        public init(browserContextId: String) { self.browserContextId = browserContextId }
    }

    /// `Target.createTarget`: a new page in the given context.
    public struct CreateTarget: DevToolsCommand {
        public static let method = "Target.createTarget"
        public struct Result: Decodable, Sendable { public let targetId: String }
        public let url: String
        public let browserContextId: String?
        public init(url: String = "about:blank", browserContextId: String?) {
            self.url = url
            self.browserContextId = browserContextId
        }
    }

    /// `Target.attachToTarget` with `flatten: true`: commands for the page then carry a `sessionId`.
    public struct AttachToTarget: DevToolsCommand {
        public static let method = "Target.attachToTarget"
        public struct Result: Decodable, Sendable { public let sessionId: String }
        public let targetId: String
        public let flatten = true
        public init(targetId: String) { self.targetId = targetId }
    }

    /// `Target.getTargetInfo`: the target's title and URL as the browser knows them, not as the
    /// page's own scripts report them.
    public struct GetTargetInfo: DevToolsCommand {
        public static let method = "Target.getTargetInfo"
        public struct Result: Decodable, Sendable {
            public struct Info: Decodable, Sendable { public let targetId: String; public let title: String; public let url: String }
            public let targetInfo: Info
        }
        public let targetId: String
        public init(targetId: String) { self.targetId = targetId }
    }

    /// `Target.closeTarget`.
    public struct CloseTarget: DevToolsCommand {
        public static let method = "Target.closeTarget"
        public typealias Result = NoResult
        public let targetId: String
        public init(targetId: String) { self.targetId = targetId }
    }

    /// `Target.getBrowserContexts`: every context made with `createBrowserContext` that is still
    /// there (the default context is not listed).
    public struct GetBrowserContexts: DevToolsCommand {
        public static let method = "Target.getBrowserContexts"
        public struct Result: Decodable, Sendable { public let browserContextIds: [String] }
        public init() {}
    }

    /// `Target.getTargets`: every page, frame and worker target the browser has.
    public struct GetTargets: DevToolsCommand {
        public static let method = "Target.getTargets"
        public struct Result: Decodable, Sendable {
            public struct Info: Decodable, Sendable { public let targetId: String; public let type: String }
            public let targetInfos: [Info]
        }
        public init() {}
    }

    /// Parameters of the `Target.targetCrashed` event.
    public struct TargetCrashed: Decodable, Sendable {
        public let targetId: String
        public let status: String
        public let errorCode: Int
    }

    /// One entry of ``SetAutoAttach``'s filter: a target type to attach to (or, with `exclude`, not).
    public struct TargetFilter: Encodable, Sendable {
        public let type: String
        public let exclude: Bool
        public init(type: String, exclude: Bool = false) { self.type = type; self.exclude = exclude }
    }

    /// `Target.setAutoAttach` with `flatten: true`: attaches to the targets this one starts (its
    /// cross-site frames and its workers; on the browser, what `filter` names), each announced by
    /// ``AttachedToTarget`` on this session. With `waitForDebuggerOnStart` each new target waits
    /// until `Runtime.runIfWaitingForDebugger`, so it can be set up before it does anything.
    public struct SetAutoAttach: DevToolsCommand {
        public static let method = "Target.setAutoAttach"
        public typealias Result = NoResult
        public let autoAttach: Bool
        public let waitForDebuggerOnStart: Bool
        public let flatten = true
        public let filter: [TargetFilter]?
        public init(autoAttach: Bool = true, waitForDebuggerOnStart: Bool = true, filter: [TargetFilter]? = nil) {
            self.autoAttach = autoAttach
            self.waitForDebuggerOnStart = waitForDebuggerOnStart
            self.filter = filter
        }
    }

    /// Parameters of the `Target.attachedToTarget` event.
    public struct AttachedToTarget: Decodable, Sendable {
        public struct Info: Decodable, Sendable {
            public let targetId: String
            /// `iframe`, `worker`, `service_worker`, `shared_worker`, `page`, …
            public let type: String
            public let url: String
            public let browserContextId: String?
        }
        public let sessionId: String
        public let targetInfo: Info
        public let waitingForDebugger: Bool
    }

    /// `Target.detachFromTarget`: lets go of an attached target (a browser-wide attachment that
    /// turned out not to be Exhibit's).
    public struct DetachFromTarget: DevToolsCommand {
        public static let method = "Target.detachFromTarget"
        public typealias Result = NoResult
        public let sessionId: String
        public init(sessionId: String) { self.sessionId = sessionId }
    }

    /// Parameters of the `Target.detachedFromTarget` event.
    public struct DetachedFromTarget: Decodable, Sendable {
        public let sessionId: String
        public let targetId: String?
    }
}
