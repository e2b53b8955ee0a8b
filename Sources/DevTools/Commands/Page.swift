/// Commands and events of the CDP `Page` domain.
public enum PageCommands {
    /// `Page.enable`.
    public struct Enable: DevToolsCommand {
        public static let method = "Page.enable"
        public typealias Result = NoResult
        public init() {}
    }

    /// `Page.setLifecycleEventsEnabled`: turns on `Page.lifecycleEvent` (load, networkIdle, ...).
    public struct SetLifecycleEventsEnabled: DevToolsCommand {
        public static let method = "Page.setLifecycleEventsEnabled"
        public typealias Result = NoResult
        public let enabled: Bool
        public init(enabled: Bool = true) { self.enabled = enabled }
    }

    /// `Page.navigate`. `errorText` is set when the navigation failed at the network level.
    public struct Navigate: DevToolsCommand {
        public static let method = "Page.navigate"
        public struct Result: Decodable, Sendable {
            public let frameId: String
            public let loaderId: String?
            public let errorText: String?
        }
        public let url: String
        public init(url: String) { self.url = url }
    }

    /// `Page.getFrameTree`, reduced to the main frame.
    /// `Page.javascriptDialogOpening`: an `alert`, `confirm`, `prompt` or `beforeunload` dialog that
    /// blocks the page until answered.
    public struct JavascriptDialogOpening: Decodable, Sendable {
        public let url: String
        public let message: String
        public let type: String
        public let defaultPrompt: String?
    }

    /// `Page.handleJavaScriptDialog`: answers the open dialog (`accept: false` dismisses it; a
    /// dismissed `beforeunload` keeps the page where it is).
    public struct HandleJavaScriptDialog: DevToolsCommand {
        public static let method = "Page.handleJavaScriptDialog"
        public typealias Result = NoResult
        public let accept: Bool
        public init(accept: Bool) { self.accept = accept }
    }

    /// `Page.getFrameTree`: every frame this session's process renders, with its parent and
    /// children. A frame rendered by another process (an out-of-process iframe) is reached through
    /// its own target's session; its frame id is that target's id.
    public struct GetFrameTree: DevToolsCommand {
        public static let method = "Page.getFrameTree"
        public struct Result: Decodable, Sendable { public let frameTree: Tree }
        public struct Tree: Decodable, Sendable {
            public let frame: Frame
            public let childFrames: [Tree]?
        }
        public struct Frame: Decodable, Sendable {
            public let id: String
            /// The parent frame's id; for the root of an out-of-process frame's session, the frame
            /// in the other process that holds it.
            public let parentId: String?
            public let url: String
        }
        public init() {}
    }

    /// `Page.setDocumentContent`: replaces a frame's document with the given HTML, loaded from
    /// no URL, so the browser needs no access to the file it came from.
    public struct SetDocumentContent: DevToolsCommand {
        public static let method = "Page.setDocumentContent"
        public typealias Result = NoResult
        public let frameId: String
        public let html: String
        public init(frameId: String, html: String) {
            self.frameId = frameId
            self.html = html
        }
    }

    /// `Page.createIsolatedWorld`: a JavaScript world that shares the page's DOM but none of its
    /// scripts' globals or prototypes, so page scripts cannot tamper with what runs there.
    public struct CreateIsolatedWorld: DevToolsCommand {
        public static let method = "Page.createIsolatedWorld"
        public struct Result: Decodable, Sendable { public let executionContextId: Int }
        public let frameId: String
        public let worldName: String
        public let grantUniveralAccess = false
        public init(frameId: String, worldName: String) { self.frameId = frameId; self.worldName = worldName }
    }

    /// A rectangle in CSS pixels.
    public struct Rect: Codable, Sendable {
        public let x: Double, y: Double, width: Double, height: Double
    }

    /// `Page.getLayoutMetrics`: `cssContentSize` is the document size in CSS pixels.
    public struct GetLayoutMetrics: DevToolsCommand {
        public static let method = "Page.getLayoutMetrics"
        public struct Result: Decodable, Sendable {
            public let cssContentSize: Rect
            public struct Viewport: Decodable, Sendable { public let clientWidth: Double; public let clientHeight: Double }
            public let cssLayoutViewport: Viewport
        }
        public init() {}
    }

    /// The region of `Page.captureScreenshot`, in document coordinates.
    public struct Clip: Codable, Sendable {
        public let x: Double, y: Double, width: Double, height: Double, scale: Double
        public init(x: Double, y: Double, width: Double, height: Double, scale: Double = 1) {
            self.x = x; self.y = y; self.width = width; self.height = height; self.scale = scale
        }
    }

    /// `Page.captureScreenshot`: returns base64 PNG data.
    public struct CaptureScreenshot: DevToolsCommand {
        public static let method = "Page.captureScreenshot"
        public struct Result: Decodable, Sendable { public let data: String }
        public let format = "png"
        public let clip: Clip?
        public let captureBeyondViewport: Bool
        public let fromSurface = true
        /// Faster, larger PNG encoding: right when the caller decodes the image straight away.
        public let optimizeForSpeed: Bool
        public init(clip: Clip?, captureBeyondViewport: Bool = true, optimizeForSpeed: Bool = false) {
            self.clip = clip
            self.captureBeyondViewport = captureBeyondViewport
            self.optimizeForSpeed = optimizeForSpeed
        }
    }

    /// `Page.printToPDF` streamed (`ReturnAsStream`); read the stream with ``IOCommands/Read``.
    public struct PrintToPDF: DevToolsCommand {
        public static let method = "Page.printToPDF"
        public struct Result: Decodable, Sendable { public let stream: String? }
        public let printBackground: Bool
        public let paperWidth: Double
        public let paperHeight: Double
        public let landscape: Bool
        public let generateTaggedPDF: Bool
        public let generateDocumentOutline: Bool
        public let transferMode = "ReturnAsStream"
        /// Margins in inches; nil keeps Chromium's default (1 cm).
        public let marginTop: Double?
        public let marginBottom: Double?
        public let marginLeft: Double?
        public let marginRight: Double?
        /// Never the page's own `@page` size: the paper is the one asked for, whatever the page says.
        public let preferCSSPageSize = false
        /// How much the page is scaled onto the paper (Chromium takes 0.1 to 2); the page is laid
        /// out `1 / scale` times as wide as the printable width.
        public let scale: Double
        public init(paperWidth: Double, paperHeight: Double, printBackground: Bool = true, landscape: Bool = false,
                    tagged: Bool = true, outline: Bool = true, margins: Double? = nil, scale: Double = 1) {
            self.scale = scale
            self.marginTop = margins
            self.marginBottom = margins
            self.marginLeft = margins
            self.marginRight = margins
            self.paperWidth = paperWidth
            self.paperHeight = paperHeight
            self.printBackground = printBackground
            self.landscape = landscape
            self.generateTaggedPDF = tagged
            self.generateDocumentOutline = outline
        }
    }

    /// Parameters of the `Page.lifecycleEvent` event.
    public struct LifecycleEvent: Decodable, Sendable {
        public let frameId: String
        public let loaderId: String
        public let name: String
    }
}

extension PageCommands {
    /// `Page.addScriptToEvaluateOnNewDocument`: runs `source` in every new document of the page
    /// (its frames included) before the document's own scripts, in the isolated world `worldName`
    /// when one is given (the page cannot see or change it there).
    public struct AddScriptToEvaluateOnNewDocument: DevToolsCommand {
        public static let method = "Page.addScriptToEvaluateOnNewDocument"
        public struct Result: Decodable, Sendable { public let identifier: String }
        public let source: String
        public let worldName: String?
        public init(source: String, worldName: String?) {
            self.source = source
            self.worldName = worldName
        }
    }

    /// `Page.removeScriptToEvaluateOnNewDocument`.
    public struct RemoveScriptToEvaluateOnNewDocument: DevToolsCommand {
        public static let method = "Page.removeScriptToEvaluateOnNewDocument"
        public typealias Result = NoResult
        public let identifier: String
        public init(identifier: String) { self.identifier = identifier }
    }

    /// `Page.startScreencast`: the page's frames as JPEG images, each sent as ``ScreencastFrame``
    /// and held back until the previous one is acknowledged.
    public struct StartScreencast: DevToolsCommand {
        public static let method = "Page.startScreencast"
        public typealias Result = NoResult
        public let format = "jpeg"
        public let quality: Int
        public let maxWidth: Int
        public let maxHeight: Int
        public init(quality: Int = 70, maxWidth: Int, maxHeight: Int) {
            self.quality = quality
            self.maxWidth = maxWidth
            self.maxHeight = maxHeight
        }
    }

    /// `Page.stopScreencast`.
    public struct StopScreencast: DevToolsCommand {
        public static let method = "Page.stopScreencast"
        public typealias Result = NoResult
        public init() {}
    }

    /// Parameters of the `Page.screencastFrame` event.
    public struct ScreencastFrame: Decodable, Sendable {
        public struct Metadata: Decodable, Sendable {
            /// The viewport the frame shows, in CSS pixels: input coordinates are in this space.
            public let deviceWidth: Double
            public let deviceHeight: Double
        }
        /// Base64 JPEG.
        public let data: String
        public let metadata: Metadata
        public let sessionId: Int
    }

    /// `Page.screencastFrameAck`: lets the next frame come.
    public struct ScreencastFrameAck: DevToolsCommand {
        public static let method = "Page.screencastFrameAck"
        public typealias Result = NoResult
        public let sessionId: Int
        public init(sessionId: Int) { self.sessionId = sessionId }
    }

    /// Parameters of the `Page.frameNavigated` event, reduced to what is read.
    public struct FrameNavigated: Decodable, Sendable {
        public struct Frame: Decodable, Sendable {
            public let id: String
            public let parentId: String?
            public let url: String
            public let securityOrigin: String?
        }
        public let frame: Frame
    }
}
