import Foundation

/// A page may itself show a credential of the session it was captured with (an inline CSRF token
/// equal to a cookie, a script that prints `document.cookie`). Exhibit never writes a value on its
/// own, but what the page shows is evidence and is kept as it is: so each page-derived file is
/// searched for the session's values, and a hit is a warning naming the file and the cookie or
/// storage item (never the value), so the capture is handled as the credential it holds.
struct SessionLeakCheck {
    let use: SessionUse
    let context: CaptureContext

    func run(files: [URL]) {
        let secrets = use.loaded.state.cookies.map { ("cookie '\($0.name)'", $0.value) }
            + use.loaded.state.origins.flatMap { origin in origin.localStorage.map { ("localStorage item '\($0.name)' of \(origin.origin)", $0.value) } }
        let searched = secrets.filter { $0.1.utf8.count >= 6 }
        guard !searched.isEmpty else { return }
        for file in files {
            guard let data = try? Data(contentsOf: file, options: .mappedIfSafe) else { continue }
            let found = searched.filter { data.range(of: Data($0.1.utf8)) != nil }.map(\.0)
            if !found.isEmpty {
                context.warn(.dom, "\(file.lastPathComponent) holds the value of the session's \(found.prefix(5).joined(separator: ", "))"
                             + (found.count > 5 ? " and \(found.count - 5) more" : "")
                             + ": the page itself shows a credential; this capture must be kept as privately as the session")
            }
        }
    }
}
