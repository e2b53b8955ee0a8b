/// `DOM` domain: the document as the browser holds it, read without running any of the page's
/// JavaScript (a page can redefine `outerHTML` for its own scripts, not for the protocol).
public enum DOMCommands {
    /// `DOM.getDocument`: the root node (depth 0: its children are not sent).
    public struct GetDocument: DevToolsCommand {
        public static let method = "DOM.getDocument"
        public struct Result: Decodable, Sendable {
            public struct Node: Decodable, Sendable { public let nodeId: Int; public let backendNodeId: Int }
            public let root: Node
        }
        public let depth: Int
        public init(depth: Int = 0) { self.depth = depth }
    }

    /// `DOM.getOuterHTML` of a node: for the document node, its doctype and `<html>` serialised.
    public struct GetOuterHTML: DevToolsCommand {
        public static let method = "DOM.getOuterHTML"
        public struct Result: Decodable, Sendable { public let outerHTML: String }
        public let backendNodeId: Int
        public init(backendNodeId: Int) { self.backendNodeId = backendNodeId }
    }

    /// `DOM.getFrameOwner`: the `<iframe>` (or `<frame>`) element that holds a frame, asked of the
    /// session whose document holds that element.
    public struct GetFrameOwner: DevToolsCommand {
        public static let method = "DOM.getFrameOwner"
        public struct Result: Decodable, Sendable { public let backendNodeId: Int }
        public let frameId: String
        public init(frameId: String) { self.frameId = frameId }
    }

    /// `DOM.resolveNode`: a JavaScript reference to a node, in the given execution context (an
    /// isolated world, so that the page's scripts cannot have redefined what is called on it).
    public struct ResolveNode: DevToolsCommand {
        public static let method = "DOM.resolveNode"
        public struct Result: Decodable, Sendable {
            public struct Object: Decodable, Sendable { public let objectId: String? }
            public let object: Object
        }
        public let backendNodeId: Int
        public let executionContextId: Int?
        public init(backendNodeId: Int, executionContextId: Int?) {
            self.backendNodeId = backendNodeId
            self.executionContextId = executionContextId
        }
    }
}
