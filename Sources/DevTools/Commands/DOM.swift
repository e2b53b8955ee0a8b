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
}
