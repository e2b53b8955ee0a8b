import Logging

/// The DevTools layer's log: launch, attach and connection events, a command's timeout, and each
/// command at `trace` level. A global is created on first use, so a program's
/// `LoggingSystem.bootstrap`, done before it drives a browser, applies to it.
let devToolsLog = Logger(label: "exhibit.devtools")

