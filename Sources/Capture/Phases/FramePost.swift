import DevTools
import Foundation
import PlatformProfiles

/// A post the page only embeds: when the page's own URL matches no platform profile (generic), its
/// frames are looked at, and the first whose URL matches a profile's frame pattern
/// (``Profile/frames``) and shows a post element by that profile's embed rules is where the post
/// is read. The frames are the browser's: their URLs come from the frame tree (`Page.getFrameTree`)
/// of the page's session and of each out-of-process frame's session (``FrameTargets``), never from
/// the page's scripts; a page can make frames of its own site, but not one of another site, so a
/// pattern naming the platform's host cannot be met by a frame the page forged. The frame is read
/// in an isolated world of its own, as the page is.
///
/// Rectangles read in the frame are in the frame's document; ``Output/translate(_:)`` moves them
/// into the top document's (where the PNG's are), through each frame element's content box up to
/// the top, and cuts them to what the frame shows.
struct FramePost {
    struct Output: Sendable {
        /// Exhibit's isolated world in the frame.
        let world: IsolatedWorld
        /// The profile's embed reading (``Profile/embed``).
        let profile: Profile
        let entry: ProfileCatalog.Entry
        let pattern: String
        let url: String
        /// Whether the frame has a process (a target) of its own.
        let outOfProcess: Bool
        /// Where the frame shows in the top document, CSS px; its visible part.
        let box: RawItem.Rect
        /// The frame's viewport origin in the top document, and its own document's scroll.
        let originX: Double, originY: Double, scrollX: Double, scrollY: Double
        /// Other frames whose URL matched a frame pattern, not read.
        let others: [String]

        /// `raw`'s rectangles moved from the frame's document into the top document's, each cut
        /// to the frame's visible box (what the screenshot can show of it).
        func translate(_ raw: RawExtraction) -> RawExtraction {
            func move(_ item: RawItem) -> RawItem {
                var item = item
                let r = item.rect
                let x = r.x - scrollX + originX, y = r.y - scrollY + originY
                let left = max(x, box.x), top = max(y, box.y)
                let right = min(x + r.width, box.x + box.width), bottom = min(y + r.height, box.y + box.height)
                item.rect = .init(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
                return item
            }
            var raw = raw
            raw.post = raw.post.map(move)
            raw.replies = raw.replies.map(move)
            raw.ancestors = raw.ancestors?.map(move)
            return raw
        }

        /// Whether the post's element reaches beyond what the frame shows.
        func cutsOff(_ raw: RawExtraction) -> Bool {
            guard let r = raw.post?.rect else { return false }
            let x = r.x - scrollX + originX, y = r.y - scrollY + originY
            return x < box.x - 0.5 || y < box.y - 0.5 || x + r.width > box.x + box.width + 0.5 || y + r.height > box.y + box.height + 0.5
        }
    }

    let page: CapturePage
    let frames: FrameTargets
    let catalog: ProfileCatalog
    /// The page's own isolated world (in its main frame) and that frame's id.
    let topWorld: IsolatedWorld
    let topFrameId: String
    let navigation: Navigate.Output

    private struct Node: Sendable {
        let id: String
        let parentId: String?
        let url: String
        let session: PageSession
        let outOfProcess: Bool
    }

    private struct Box: Decodable, Sendable { let x: Double; let y: Double; let width: Double; let height: Double }

    /// The frame to read, or nil when no frame matches a frame pattern with a post in it.
    func run() async throws -> Output? {
        let nodes = try await collect()
        var matched: [(node: Node, entry: ProfileCatalog.Entry, pattern: String)] = []
        for node in nodes where node.parentId != nil {
            guard let best = catalog.frameCandidates(for: node.url).first else { continue }
            matched.append((node, best.entry, best.pattern))
        }
        guard !matched.isEmpty else { return nil }
        var empty: [String] = []
        for (index, match) in matched.enumerated() {
            guard let embed = match.entry.profile.embed else { continue }
            let world = try await IsolatedWorld.open(match.node.session, frameId: match.node.id)
            var shown = false
            for selector in embed.extract.post where !shown {
                shown = try await world.call("exists", selector) ?? false
            }
            guard shown else { empty.append(match.node.url); continue }
            try await ApplyProfile(page: page, profile: embed, file: match.entry.file.lastPathComponent, navigation: navigation)
                .checkRegexes(in: world)
            let byId = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let place = try await viewport(of: match.node, nodes: byId)
            struct Scroll: Decodable, Sendable { let x: Double; let y: Double }
            let scroll: Scroll? = try await match.node.session.evaluate("({x: scrollX, y: scrollY})", contextId: world.contextId)
            let others = matched.enumerated().filter { $0.offset != index }.map { $0.element.node.url }
            if !others.isEmpty {
                page.context.warn(.extract, "the page embeds \(matched.count) frames that match a platform's embed pattern; only the post in "
                    + "\(match.node.url) was read, not those in \(others.joined(separator: ", "))")
            }
            return Output(world: world, profile: embed, entry: match.entry, pattern: match.pattern, url: match.node.url,
                          outOfProcess: match.node.outOfProcess, box: place.visible, originX: place.x, originY: place.y,
                          scrollX: scroll?.x ?? 0, scrollY: scroll?.y ?? 0, others: others)
        }
        page.context.warn(.extract, "frame(s) \(empty.joined(separator: ", ")) match a platform's embed pattern but show no post element "
            + "by its rules; the page's own markup was read instead")
        return nil
    }

    /// Every frame of the page, in document order: the page session's frame tree, with each
    /// out-of-process frame's subtree read from its own session where it sits.
    private func collect() async throws -> [Node] {
        let targets = Dictionary(frames.frames.map { ($0.targetId, $0) }, uniquingKeysWith: { first, _ in first })
        var nodes: [Node] = []
        var seen = Set<String>()
        func visit(_ tree: PageCommands.GetFrameTree.Tree, session: PageSession, parentId: String?, outOfProcess: Bool) async {
            let frame = tree.frame
            if let target = targets[frame.id], target.session.sessionId != session.sessionId {
                // The frame is rendered elsewhere: its subtree is its own session's. A frame that went
                // away meanwhile has nothing to read.
                guard let own = try? await target.session.send(PageCommands.GetFrameTree()) else { return }
                await visit(own.frameTree, session: target.session, parentId: parentId ?? own.frameTree.frame.parentId, outOfProcess: true)
                return
            }
            guard seen.insert(frame.id).inserted else { return }
            nodes.append(Node(id: frame.id, parentId: parentId, url: frame.url, session: session, outOfProcess: outOfProcess))
            for child in tree.childFrames ?? [] {
                await visit(child, session: session, parentId: frame.id, outOfProcess: false)
            }
        }
        let top = try await page.session.send(PageCommands.GetFrameTree())
        await visit(top.frameTree, session: page.session, parentId: nil, outOfProcess: false)
        // Out-of-process frames the page's tree does not list (held by another such frame).
        for target in frames.frames where !seen.contains(target.targetId) {
            guard let own = try? await target.session.send(PageCommands.GetFrameTree()),
                  let parentId = own.frameTree.frame.parentId else { continue }
            await visit(own.frameTree, session: target.session, parentId: parentId, outOfProcess: true)
        }
        return nodes
    }

    /// The frame's viewport in top-document CSS px: its origin (where its document's (0, 0) shows
    /// when unscrolled) and the part of it that shows, within every frame that holds it.
    private func viewport(of node: Node, nodes: [String: Node]) async throws -> (x: Double, y: Double, visible: RawItem.Rect) {
        guard let parentId = node.parentId else {
            let top: Box? = try await topWorld.session.evaluate("({x: scrollX, y: scrollY, width: 0, height: 0})", contextId: topWorld.contextId)
            guard let top else { throw StepProblem("could not read the page's scroll position") }
            // The top document is all on the PNG: what it shows is not cut by its viewport.
            return (top.x, top.y, .init(x: 0, y: 0, width: .greatestFiniteMagnitude / 4, height: .greatestFiniteMagnitude / 4))
        }
        guard let parent = nodes[parentId] else { throw StepProblem("the frame \(node.url) has a parent frame Exhibit cannot reach") }
        let outer = try await viewport(of: parent, nodes: nodes)
        let world: IsolatedWorld
        if parent.id == topFrameId { world = topWorld } else { world = try await IsolatedWorld.open(parent.session, frameId: parent.id) }
        let owner = try await parent.session.send(DOMCommands.GetFrameOwner(frameId: node.id))
        let object = try await parent.session.send(DOMCommands.ResolveNode(backendNodeId: owner.backendNodeId, executionContextId: world.contextId))
        guard let objectId = object.object.objectId else { throw StepProblem("the element of the frame \(node.url) could not be resolved") }
        let answer = try await parent.session.send(RuntimeCommands.CallFunctionOn<Box>(
            "function () { return (\(PageScript.frameBox.source)).call(this); }", objectId: objectId))
        guard answer.exceptionDetails == nil, let box = answer.result.value else {
            throw StepProblem("the box of the frame \(node.url) could not be read: \(answer.exceptionDetails?.text ?? "no value")")
        }
        let x = outer.x + box.x, y = outer.y + box.y
        let v = outer.visible
        let left = max(x, v.x), top = max(y, v.y)
        let right = min(x + box.width, v.x + v.width), bottom = min(y + box.height, v.y + v.height)
        return (x, y, .init(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top)))
    }
}
