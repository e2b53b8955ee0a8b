/// The one page the server serves: markup here, its style in ``PageStyle``, its script in
/// ``PageScript``. Self-contained: the policy it is served with lets it load nothing from anywhere.
enum LiveViewPage {
    /// Element ids the script and the tests rely on.
    enum ID {
        static let view = "view"
        static let keys = "keys"
        static let done = "done"
        static let status = "status"
        static let connection = "connection"
        static let address = "address"
    }

    /// The page for `title`, its script and style allowed by `nonce`.
    static func html(title: String, nonce: String) -> String {
        let title = escape(title)
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(title) — Exhibit live view</title>
        <style nonce="\(nonce)">\(PageStyle.css)</style>
        </head>
        <body>
        <header>
          <h1>\(title)</h1>
          <form id="go" autocomplete="off">
            <label for="\(ID.address)">Address</label>
            <input id="\(ID.address)" type="text" inputmode="url" placeholder="https://…" spellcheck="false">
            <button type="submit">Go</button>
          </form>
          <button id="\(ID.done)" type="button">Done — save the session</button>
        </header>
        <main id="stage">
          <div id="frame">
            <img id="\(ID.view)" alt="Live view of the browser" draggable="false">
            <textarea id="\(ID.keys)" aria-label="Keyboard input for the browser" autocomplete="off"
              autocapitalize="off" spellcheck="false"></textarea>
          </div>
          <p id="waiting">Waiting for the browser's first picture…</p>
        </main>
        <footer>
          <span id="\(ID.connection)">Connecting…</span>
          <span id="\(ID.status)" role="status" aria-live="polite"></span>
          <span id="hint">Click the view to type into the browser.</span>
        </footer>
        <script nonce="\(nonce)">\(PageScript.javaScript)</script>
        </body>
        </html>

        """
    }

    /// Nothing may load or run but this page's own nonce-marked style and script, pictures made in
    /// the page (blob:), and the WebSocket back to this server under the names it answers to.
    static func contentSecurityPolicy(nonce: String, sockets authorities: [String]) -> String {
        let sockets = authorities.map { "ws://\($0)" }.joined(separator: " ")
        return "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; img-src blob:; "
            + "connect-src \(sockets); base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// `text` safe inside an element or a quoted attribute.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
