import ArgumentParser
import Capture
import DevTools
import Foundation
import PrivateNetwork

/// How a page becomes a bag: every option `capture` and `batch` share, so a batch line is captured
/// exactly as `exhibit capture` would capture it.
struct CaptureSettings: ParsableArguments {
    @OptionGroup var page: PageOptions

    @Option(help: "Device scale factor: 1, 2 or 3.")
    var scale: Double = 1

    @Option(help: "PDF paper size: a4 or letter.")
    var paper: String = "a4"

    @Option(help: "PDF layout: paginated (on --paper) or single (one page as wide as the viewport, at most 200 inches tall, continued on further pages).")
    var pdf: String = "paginated"

    @Option(help: "Media emulated while printing the PDF: screen (print stylesheets cannot hide the thread) or print.")
    var pdfMedia: String = "screen"

    @Flag(help: "Make no PDF.")
    var noPdf = false

    @Flag(help: "Keep the bytes of the page's data: URIs (inlined avatars and images) in data/media/, named by their SHA-256; post.json records each by media type, size and hash either way.")
    var keepInlineMedia = false

    @Flag(inversion: .prefixedNo,
          help: "Record the page's HTTP traffic, with the screenshot, PDF and post.json, as a WARC web archive in data/archive.warc.gz (cookies and credentials redacted). On by default.")
    var warc = true

    @Option(help: ArgumentHelp("Largest response body kept in the web archive (bytes, or with K, M, G); longer ones are cut and marked WARC-Truncated: length.",
                               valueName: "size"))
    var maxRecordSize: String = "1G"

    @Option(help: ArgumentHelp("Most requests the web archive records; past it they are counted as dropped, and the capture says so.",
                               valueName: "count"))
    var maxArchiveRequests: Int = CaptureOptions.defaultMaxArchivedRequests

    @Flag(help: "Also pack that archive, with its CDXJ index and page list, as a WACZ 1.1.1 package in data/archive.wacz (implies --warc).")
    var wacz = false

    @Flag(help: "Also ask the platform's own public API about the post (Mastodon statuses and context, Bluesky getPostThread, Reddit's .json, YouTube oEmbed), keep its answers in data/api/ and compare them with the page.")
    var api = false

    @Option(name: .customLong("api-base"), help: ArgumentHelp("The API's root instead of the platform's (a self-hosted AppView, a proxy, a replica): e.g. https://public.api.bsky.app.", valueName: "url"))
    var apiBase: String?

    @Option(name: .customLong("api-timeout"), help: "Seconds each API request gets.")
    var apiTimeout: Double = 15

    @Flag(help: "Remove links to javascript:, file:, smb: and data: targets (and launch actions) from page.pdf before hashing; they are recorded in capture.json either way.")
    var pdfStripUnsafeLinks = false

    @Option(help: "Tallest page captured, in CSS px; taller (or endlessly growing) pages are cut there and marked truncated.")
    var maxHeight: Int = 200_000

    @Option(help: "Widest page captured, in CSS px; wider pages are cut there and marked truncated.")
    var maxWidth: Int = 16_384

    @Option(help: "Capture only the bounding box of the element this CSS selector matches (e.g. the thread container).")
    var clipSelector: String?

    @Flag(help: "Fail when the blank-band guard finds a flat band over visible content, or when the post's author, time or text cannot be read (the capture is kept as .partial).")
    var strict = false

    @Option(help: "Platform profile to use (see exhibit profiles); default: chosen by URL, else generic.")
    var profile: String?

    @Option(help: "Folder of profile files (default: $EXHIBIT_PROFILES, ./Profiles, or Profiles/ of the source checkout).")
    var profiles: String?

    @Option(name: .customLong("page-kind"), help: "Capture the page as a post (with its thread) or as an account page (header and timeline); default: by the profile's URL patterns.")
    var pageKind: String?

    @Option(help: "Source-Organization written to bag-info.txt.")
    var sourceOrganization: String?

    @Option(help: "Browser executable (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @Option(help: ArgumentHelp("How to drive the browser Exhibit starts: websocket (a port on 127.0.0.1, the default) or pipe (no port at all; for hosts other people log in to).", valueName: "websocket|pipe"))
    var transport: String?

    @OptionGroup var account: BrowserAccountOptions

    @OptionGroup(title: "Who, why, and archival metadata") var archival: ArchivalOptions

    @Option(help: "Proxy for the browser (Chromium --proxy-server).")
    var proxy: String?

    @Flag(help: "Let the browser reach loopback, private, link-local, cloud metadata and other special-purpose addresses (the demo, tests, intranet pages); refused by default.")
    var allowPrivate = false

    @Option(name: .customLong("allow-private-address"), help: ArgumentHelp("Let the browser reach this one private address (an intranet host), repeatable; an IP address, not a name.", valueName: "address"))
    var allowPrivateAddress: [String] = []

    @Option(help: "User agent string for the browser.")
    var userAgent: String?

    @Option(name: .customLong("browser-arg"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Extra Chromium flag, repeatable (e.g. --browser-arg=--lang=nl).", valueName: "arg"))
    var browserArg: [String] = []

    @Option(name: .customLong("tsa"), help: ArgumentHelp("RFC 3161 timestamp authority URL, repeatable (default: $EXHIBIT_TSA, comma-separated).", valueName: "url"))
    var tsa: [String] = []

    @Option(help: "Seconds each timestamp authority gets to answer.")
    var tsaTimeout: Double = 15

    @Flag(help: "Exit 1 when no timestamp authority grants a timestamp (the capture is kept either way).")
    var requireTimestamp = false

    @Option(name: .customLong("tsa-roots"), help: ArgumentHelp("PEM file of the roots a TSA's token must chain to, repeatable (default: the system TLS root bundle; narrower is better).", valueName: "pem"))
    var tsaRoots: [String] = []

    @Option(help: "Ed25519 private key (from exhibit keygen) that signs manifest-sha256.txt.")
    var signKey: String?

    func validate() throws {
        guard [1.0, 2.0, 3.0].contains(scale) else { throw ValidationError("--scale must be 1, 2 or 3") }
        guard maxHeight >= 1 else { throw ValidationError("--max-height must be at least 1") }
        guard (1...65_535).contains(maxWidth) else { throw ValidationError("--max-width must be from 1 to 65535") }
        if let clipSelector, clipSelector.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--clip-selector needs a CSS selector")
        }
        guard CaptureOptions.Paper(rawValue: paper.lowercased()) != nil else { throw ValidationError("--paper must be a4 or letter") }
        guard ["paginated", "single"].contains(pdf.lowercased()) else { throw ValidationError("--pdf must be paginated or single") }
        guard CaptureOptions.PDFMedia(rawValue: pdfMedia.lowercased()) != nil else { throw ValidationError("--pdf-media must be screen or print") }
        if let browser, !FileManager.default.isExecutableFile(atPath: browser) {
            throw ValidationError("browser not found: \(browser) does not exist or is not executable")
        }
        guard LaunchedBrowser.Transport(rawValue: (transport ?? "websocket").lowercased()) != nil else {
            throw ValidationError("--transport must be websocket or pipe")
        }
        try TimestampAuthorities.validate(TimestampAuthorities.resolve(tsa))
        if requireTimestamp, TimestampAuthorities.resolve(tsa).isEmpty {
            throw ValidationError("--require-timestamp needs at least one --tsa (or EXHIBIT_TSA)")
        }
        if let apiBase {
            guard let base = URLComponents(string: apiBase), ["http", "https"].contains(base.scheme?.lowercased() ?? ""), base.host?.isEmpty == false,
                  base.query == nil, base.fragment == nil else {
                throw ValidationError("--api-base must be an http(s) URL without query or fragment, not '\(apiBase)'")
            }
            if !api { throw ValidationError("--api-base needs --api") }
        }
        guard apiTimeout > 0, apiTimeout <= 600 else { throw ValidationError("--api-timeout must be between 0 and 600 seconds") }
        for address in allowPrivateAddress where IPAddress(address) == nil {
            throw ValidationError("--allow-private-address '\(address)' is not an IP address (e.g. 10.1.2.3 or fd00::5)")
        }
        if let signKey, !FileManager.default.isReadableFile(atPath: signKey) {
            throw ValidationError("signing key \(signKey) cannot be read")
        }
    }

    /// The checks that depend on how the browser is reached and whether a session is used.
    func validate(browserURLs: [String], carriesSession: Bool) throws {
        if browser != nil, !browserURLs.isEmpty { throw ValidationError("--browser and --browser-url exclude each other") }
        for browserURL in browserURLs where !(browserURL.hasPrefix("ws://") || browserURL.hasPrefix("http://")) {
            throw ValidationError("--browser-url must start with ws:// or http://")
        }
        let chosen = LaunchedBrowser.Transport(rawValue: (transport ?? "websocket").lowercased()) ?? .webSocket
        if chosen == .webSocket, transport != nil, carriesSession {
            throw ValidationError("--transport websocket cannot carry a session: any local user could read its cookies through the browser's DevTools port; a capture with --session or --cookies uses the pipe")
        }
        if !browserURLs.isEmpty {
            if chosen == .pipe { throw ValidationError("--transport pipe needs a browser Exhibit starts; --browser-url attaches over a WebSocket") }
            if account.browserUser != nil || account.allowRootBrowser {
                throw ValidationError("--browser-user and --allow-root-browser are for a browser Exhibit starts, not one attached with --browser-url")
            }
        }
    }

    /// `1048576`, `512K`, `500M`, `1G` (powers of 1024) as bytes; nil for anything else or an overflow.
    static func byteCount(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let shifts: [Character: UInt64] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var digits = Substring(trimmed)
        var shift: UInt64 = 0
        if let last = digits.last, let found = shifts[last] { shift = found; digits = digits.dropLast() }
        if digits.last == "I" || trimmed.hasSuffix("B") { return nil }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let number = UInt64(digits) else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : value
    }

    /// The capture's options for `url`; a bad size or limit is a usage error.
    func options(url: String, out: String) throws -> CaptureOptions {
        var options = CaptureOptions(url: url)
        options.outputDirectory = out
        page.apply(to: &options)
        options.deviceScaleFactor = scale
        options.paper = CaptureOptions.Paper(rawValue: paper.lowercased()) ?? .a4
        options.pdfLayout = noPdf ? .none : (CaptureOptions.PDFLayout(rawValue: pdf.lowercased()) ?? .paginated)
        options.pdfMedia = CaptureOptions.PDFMedia(rawValue: pdfMedia.lowercased()) ?? .screen
        options.limits.maxHeight = maxHeight
        options.limits.maxWidth = maxWidth
        options.clipSelector = clipSelector
        options.strict = strict
        options.profile = profile
        options.pageKind = pageKind
        options.profilesFolder = profiles
        options.sourceOrganization = sourceOrganization
        options.proxy = proxy
        options.userAgent = userAgent
        options.browserArguments = browserArg
        options.timestampAuthorities = TimestampAuthorities.resolve(tsa)
        options.timestampTimeout = tsaTimeout
        options.pdfStripUnsafeLinks = pdfStripUnsafeLinks
        options.keepInlineMedia = keepInlineMedia
        options.recordWARC = warc || wacz
        guard let recordLimit = Self.byteCount(maxRecordSize), recordLimit > 0 else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "--max-record-size '\(maxRecordSize)' is not a size (e.g. 1G, 500M, 1048576)")
        }
        options.maxRecordSize = recordLimit
        guard maxArchiveRequests > 0 else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "--max-archive-requests must be at least 1 (it is \(maxArchiveRequests))")
        }
        options.maxArchivedRequests = maxArchiveRequests
        options.packageWACZ = wacz
        options.api = api
        options.apiBase = apiBase
        options.apiTimeout = apiTimeout
        options.requireTimestamp = requireTimestamp
        options.tsaRoots = tsaRoots
        options.signingKey = signKey
        options.allowPrivateAddresses = allowPrivate
        options.allowedPrivateAddresses = allowPrivateAddress
        try archival.apply(to: &options)
        return options
    }

    /// The browser to use: attached at `browserURL`, or launched. A browser holding a session is
    /// driven over a pipe: a DevTools port on 127.0.0.1 would let any local user read the
    /// session's cookies while the capture runs.
    /// `preferPipe`: a pipe unless `--transport` says otherwise (a batch's browser: a batch killed
    /// with SIGKILL cannot end its browser, but the pipe closes with it and Chromium then quits).
    func provider(browserURL: String?, carriesSession: Bool, preferPipe: Bool = false, trace: ProtocolTrace?) -> any BrowserProvider {
        if let browserURL { return AttachedBrowser(url: browserURL, trace: trace) }
        let chosen = transport.flatMap { LaunchedBrowser.Transport(rawValue: $0.lowercased()) } ?? (carriesSession || preferPipe ? .pipe : .webSocket)
        return LaunchedBrowser(executable: browser, proxy: proxy, userAgent: userAgent, extraArguments: browserArg, trace: trace,
                               transport: chosen, browserUser: account.browserUser, allowRootBrowser: account.allowRootBrowser)
    }
}
