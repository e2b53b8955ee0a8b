import DevTools
import Foundation

/// Answers the page's JavaScript dialogs the moment they open: an `alert`, `confirm`, `prompt` or
/// `beforeunload` blocks the page's main thread, so every later step would wait for it and fail.
/// Each is dismissed (a dismissed `beforeunload` keeps the page where it is) and recorded as a
/// `dialog` action with its text, so the record says what the page asked.
struct DialogGuard: Sendable {
    let session: PageSession
    let context: CaptureContext

    /// Starts answering; subscribe before the page is navigated, so no dialog is missed. The task
    /// ends when the session's events end; cancel it when the capture is done with the page.
    func start(_ events: AsyncStream<DevToolsEvent>) -> Task<Void, Never> {
        Task {
            for await event in events where event.method == "Page.javascriptDialogOpening" {
                guard let dialog = try? event.decode(PageCommands.JavascriptDialogOpening.self) else { continue }
                _ = try? await session.send(PageCommands.HandleJavaScriptDialog(accept: false), timeout: .seconds(10))
                context.act(.dialog, selector: nil, label: String(dialog.message.prefix(500)),
                            detail: "\(dialog.type) dialog opened by the page; dismissed at once (Page.handleJavaScriptDialog)")
            }
        }
    }
}
