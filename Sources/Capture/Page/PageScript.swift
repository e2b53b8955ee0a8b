import DevTools
import Evidence
import Foundation

/// One of the JavaScript files in `Resources/` (a single function with a doc comment), and how to
/// call it: `PageScript.sweep.call(arguments: [limits])` is an expression that runs the function with its
/// arguments passed as JSON, so nothing from a profile or an option is ever spliced into code.
/// Every call also sees `documentHeight` (`document-height.js`), the one definition of the page's
/// height that all steps share.
struct PageScript: Sendable {
    /// The file's name without `.js`.
    let name: String
    /// The file's text: one function.
    let source: String

    static let documentHeight = load("document-height")
    static let documentWidth = load("document-width")
    static let pageRules = load("page-rules")
    static let sweep = load("sweep")
    static let fontsReady = load("fonts-ready")
    static let imagesReady = load("images-ready")
    static let freeze = load("freeze")
    static let unfreeze = load("unfreeze")
    static let scrollToTop = load("scroll-to-top")
    static let contentBoxes = load("content-boxes")
    static let elementBox = load("element-box")
    static let documentIsEmpty = load("document-is-empty")
    static let imagesDecoded = load("images-decoded")
    static let checkRegexes = load("check-regexes")
    static let watchMutations = load("watch-mutations")
    static let mutationCount = load("mutation-count")
    /// The box a frame's element shows it in (called on the element, see ``FramePost``).
    static let frameBox = load("frame-box")
    /// Installs `globalThis.exhibit` in the isolated world.
    static let install = load("install")

    /// Every script, for the test that compiles each one in the browser.
    static let all = [documentHeight, documentWidth, pageRules, sweep, fontsReady, imagesReady, freeze, unfreeze, scrollToTop, contentBoxes, elementBox,
                      documentIsEmpty, imagesDecoded, checkRegexes, watchMutations, mutationCount, frameBox, install]

    /// The scripts ship inside the binary's resource bundle; one that is missing is a broken
    /// installation, named in the error the first page evaluation gives.
    private static func load(_ name: String) -> PageScript {
        let source = Bundle.module.url(forResource: name, withExtension: "js", subdirectory: "Resources")
            .flatMap { try? String(contentsOf: $0, encoding: .utf8) }
        return PageScript(name: name, source: source ?? "function missing() { throw new Error('Exhibit resource \(name).js is missing'); }")
    }

    /// An expression that calls the function with `arguments`, each encoded as JSON.
    func call(arguments: [any Encodable]) -> String {
        "(() => { const documentHeight = (\(Self.documentHeight.source)); return (\(source))(\(Self.argumentList(arguments))); })()"
    }

    /// Arguments as a JavaScript argument list, each a JSON literal.
    static func argumentList(_ arguments: [any Encodable]) -> String {
        arguments.map { json($0) }.joined(separator: ", ")
    }

    /// SHA-256 of the script's text, recorded where capture.json names a script.
    var sha256: String { FileDigest.sha256Hex(Array(source.utf8)) }

    /// A value as a JavaScript literal (JSON); `null` if it cannot be encoded.
    static func json(_ value: any Encodable) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}

extension PageSession {
    /// Runs a page script in the page's main world (or in `contextId`) and decodes what it returns.
    func run<Value: Decodable & Sendable>(_ script: PageScript, _ arguments: any Encodable..., awaitPromise: Bool = false,
                                          contextId: Int? = nil, timeout: Duration = .seconds(30)) async throws -> Value? {
        try await evaluate(script.call(arguments: arguments), awaitPromise: awaitPromise, contextId: contextId, timeout: timeout)
    }
}
