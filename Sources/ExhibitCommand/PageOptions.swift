import ArgumentParser
import Capture
import Foundation

/// The page as the browser shows it: viewport, locale and time zone. Shared by every command that
/// loads a page, so `capture` and `profiles explain` see the same page for the same flags.
struct PageOptions: ParsableArguments {
    @Option(help: "Viewport width in CSS pixels.")
    var width: Int = 1280

    @Option(help: "Viewport height in CSS pixels (the page is never resized to its content).")
    var height: Int = 900

    @Option(help: "Locale the page sees (also Accept-Language).")
    var locale: String = "en-US"

    @Option(help: "IANA time zone the page sees.")
    var timezone: String = "UTC"

    func validate() throws {
        guard width >= 100, width <= 10_000, height >= 100, height <= 10_000 else {
            throw ValidationError("--width and --height must be between 100 and 10000")
        }
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("unknown time zone '\(timezone)'") }
    }

    func apply(to options: inout CaptureOptions) {
        options.viewportWidth = width
        options.viewportHeight = height
        options.locale = locale
        options.timeZone = timezone
    }
}
