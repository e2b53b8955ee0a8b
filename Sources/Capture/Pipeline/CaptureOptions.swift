import Foundation
import PlatformAPI
import PrivateNetwork

/// Everything that shapes one capture, with its documented defaults in one place.
/// The values actually used are written into `capture.json` under `options`.
public struct CaptureOptions: Sendable, Codable {
    /// The page to capture (validated with ``TargetURL``).
    public var url: String
    /// Where the capture folder is created. Default `./Output`.
    public var outputDirectory: String = "Output"
    /// Viewport width in CSS pixels. Default 1280.
    public var viewportWidth: Int = 1280
    /// Viewport height in CSS pixels. Default 900. The page is never resized to its content.
    public var viewportHeight: Int = 900
    /// Device scale factor. Default 1.
    public var deviceScaleFactor: Double = 1
    /// Locale the page sees (`Emulation.setLocaleOverride`, `Accept-Language`). Default `en-US`.
    public var locale: String = "en-US"
    /// Time zone the page sees, so times shown on the page are reproducible. Default `UTC`.
    public var timeZone: String = "UTC"
    /// PDF paper size for the paginated PDF. Default A4.
    public var paper: Paper = .a4
    /// `paginated` (on `paper`), `single` (one page as wide as the viewport, at most 200 inches
    /// tall, continued on further pages), or `none` (no PDF). Default paginated.
    public var pdfLayout: PDFLayout = .paginated
    /// Media emulated while printing: `screen` by default, so that print stylesheets cannot hide
    /// the thread; `print` to get what the site prints.
    public var pdfMedia: PDFMedia = .screen
    /// Remove links to `javascript:`, `file:`, `smb:`, `data:` targets and launch actions from
    /// page.pdf before it is hashed (they are recorded either way).
    public var pdfStripUnsafeLinks: Bool = false
    /// Keep the bytes of the page's `data:` URIs in `data/media/`, named by their SHA-256
    /// (post.json records each by media type, size and hash either way).
    public var keepInlineMedia: Bool = false
    /// `Source-Organization` in bag-info.txt, when given.
    public var sourceOrganization: String?
    /// Browser proxy (`--proxy-server`), recorded here; applied by the browser provider.
    public var proxy: String?
    /// User agent, recorded here; applied by the browser provider and `Emulation.setUserAgentOverride`.
    public var userAgent: String?
    /// Extra Chromium flags, recorded here; applied by the browser provider.
    public var browserArguments: [String] = []
    /// Capture only this element's bounding box (a CSS selector), e.g. the thread container.
    public var clipSelector: String?
    /// Fail (exit 1, capture kept as .partial) when the blank-band guard finds a flat band over
    /// visible content, or when the post's author, time or text could not be read.
    public var strict = false
    /// RFC 3161 timestamp authorities asked to stamp `manifest-sha256.txt`, in order. Default none.
    public var timestampAuthorities: [String] = []
    /// Seconds each TSA gets to answer. Default 15.
    public var timestampTimeout: Double = 15
    /// Fail (exit 1) when no TSA grants a timestamp that verifies; the capture is kept either way.
    public var requireTimestamp = false
    /// PEM files of the roots a TSA's token must chain to (at its genTime) to be trusted when it is
    /// taken. Empty: the system's TLS root bundle, which trusts far more than TSAs; giving the roots
    /// of the TSAs you use is the recommended, narrower setting.
    public var tsaRoots: [String] = []
    /// Ed25519 private key (PKCS#8 PEM) that signs `manifest-sha256.txt`, when given. Its path is
    /// never written into `capture.json` (the record names the key by its fingerprint, under `signature`).
    public var signingKey: String?
    /// Platform profile to use by name (`exhibit profiles` lists them); nil: chosen by URL, else `generic`.
    public var profile: String?
    /// Folder of profile files; nil: `$EXHIBIT_PROFILES`, `./Profiles`, or `Profiles/` above the executable.
    public var profilesFolder: String?
    /// What the page is captured as: `post` or `account` (an account page with its timeline); nil:
    /// by the profile's URL patterns (an account pattern that matches, and no post pattern).
    public var pageKind: String?
    /// Let the browser reach loopback, private, link-local, cloud metadata and other
    /// special-purpose addresses (the demo, the tests, intranet pages). Default false: the page, every
    /// redirect and every request to such an address is refused.
    public var allowPrivateAddresses = false
    /// Exact addresses let through although private (an intranet host), e.g. `10.1.2.3` or `fd00::5`.
    public var allowedPrivateAddresses: [String] = []
    /// Record the page's HTTP traffic into `data/archive.warc.gz`. Default true (`--no-warc` turns it off).
    public var recordWARC = true
    /// The largest response body kept in the archive, in bytes; a longer one is cut and its record
    /// says `WARC-Truncated: length` (`--max-record-size`). Default 1 GiB.
    public var maxRecordSize: UInt64 = CaptureOptions.defaultMaxRecordSize
    public static let defaultMaxRecordSize: UInt64 = 1 << 30
    /// The most requests the archive records (`--max-archive-requests`); past it, requests are
    /// counted as dropped and the capture says so. A page that fires requests without end would
    /// otherwise grow the recorder's memory without bound. Default 20,000.
    public var maxArchivedRequests = CaptureOptions.defaultMaxArchivedRequests
    public static let defaultMaxArchivedRequests = 20_000
    /// Also pack that archive as `data/archive.wacz` (`--wacz`, which implies `--warc`). Default false.
    public var packageWACZ = false
    /// Also ask the platform's own public API about the post and keep its answers under
    /// `data/api/` (`--api`). Default false.
    public var api = false
    /// The API's root instead of the platform's (`--api-base`): a self-hosted AppView, a proxy, a
    /// replica on loopback.
    public var apiBase: String?
    /// Seconds for each API request (`--api-timeout`). Default 15.
    public var apiTimeout: Double = 15
    /// True when the page's traffic is recorded at all.
    var recordsTraffic: Bool { recordWARC || packageWACZ }
    /// Upper bounds of each wait, in seconds.
    public var limits: Limits = Limits()

    /// Caps on every wait. Running into one is recorded as a warning, never hidden.
    public struct Limits: Sendable, Codable {
        /// From `Page.navigate` to the `load` lifecycle event. Default 30 s.
        public var loadSeconds: Double = 30
        /// From `load` to `networkIdle`. Default 15 s.
        public var networkIdleSeconds: Double = 15
        /// Client-side quiet period (no request in flight for 500 ms). Default 15 s.
        public var quietSeconds: Double = 15
        /// `document.fonts.ready` and every image complete. Default 10 s.
        public var fontsAndImagesSeconds: Double = 10
        /// Tallest page captured, in CSS px; taller pages (and pages that keep growing) are cut here
        /// and marked truncated. Default 200,000.
        public var maxHeight: Int = 200_000
        /// Scroll sweep before capture (loads lazy and scroll-revealed content): at most this long. Default 60 s.
        public var sweepSeconds: Double = 60
        /// ... and at most this many steps of 80 % of the viewport. Default 1,000.
        public var sweepSteps: Int = 1_000
        /// Widest page captured, in CSS px; a wider page (a 2,000,000 px element) is cut here and
        /// marked truncated. Default 16,384.
        public var maxWidth: Int = 16_384
        public init() {}

        /// Each limit a record does not state (one written before the limit existed) keeps its default.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Limits()
            loadSeconds = try c.decodeIfPresent(Double.self, forKey: .loadSeconds) ?? d.loadSeconds
            networkIdleSeconds = try c.decodeIfPresent(Double.self, forKey: .networkIdleSeconds) ?? d.networkIdleSeconds
            quietSeconds = try c.decodeIfPresent(Double.self, forKey: .quietSeconds) ?? d.quietSeconds
            fontsAndImagesSeconds = try c.decodeIfPresent(Double.self, forKey: .fontsAndImagesSeconds) ?? d.fontsAndImagesSeconds
            maxHeight = try c.decodeIfPresent(Int.self, forKey: .maxHeight) ?? d.maxHeight
            sweepSeconds = try c.decodeIfPresent(Double.self, forKey: .sweepSeconds) ?? d.sweepSeconds
            sweepSteps = try c.decodeIfPresent(Int.self, forKey: .sweepSteps) ?? d.sweepSteps
            maxWidth = try c.decodeIfPresent(Int.self, forKey: .maxWidth) ?? d.maxWidth
        }
    }

    public enum PDFLayout: String, Sendable, Codable, CaseIterable { case paginated, single, none }
    public enum PDFMedia: String, Sendable, Codable, CaseIterable { case screen, print }

    /// PDF paper sizes.
    public enum Paper: String, Sendable, Codable, CaseIterable {
        case a4, letter
        /// Width and height in inches, as `Page.printToPDF` takes them.
        public var inches: (width: Double, height: Double) {
            switch self {
            case .a4: return (8.2677, 11.6929)
            case .letter: return (8.5, 11)
            }
        }
    }

    /// For the capture of an account page that a collection (`exhibit collect`) lists posts from:
    /// its timeline is scrolled back until it shows a post older than `since`, at most
    /// `maxScrolls` times, instead of the profile's `account.scrolls`. Nil otherwise.
    public var timelineWindow: TimelineWindow?

    /// How far back an account page's timeline is scrolled for a collection.
    public struct TimelineWindow: Codable, Sendable, Equatable {
        /// ISO 8601, UTC: the oldest time the collection wants.
        public var since: String
        public var until: String?
        public var maxScrolls: Int
        public init(since: String, until: String?, maxScrolls: Int) { self.since = since; self.until = until; self.maxScrolls = maxScrolls }
        var sinceDate: Date? { APICrossCheck.parseTime(since) }
    }

    /// Who made the capture, for which matter and why (`--operator`, `--case`, `--purpose`,
    /// `--note`); recorded as the record's `custody`, not under `options`.
    public var custody: Custody?
    /// The organisation's archival settings and whether to write MDTO sidecars and the PREMIS
    /// log; recorded as the record's `archival`, not under `options`.
    public var archival: ArchivalSettings?

    public init(url: String) { self.url = url }

    /// Options a record does not state (one written before the option existed) keep their defaults,
    /// so every capture Exhibit ever made can still be read, stamped and reported on.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CaptureOptions(url: "")
        url = try c.decode(String.self, forKey: .url)
        outputDirectory = try c.decodeIfPresent(String.self, forKey: .outputDirectory) ?? d.outputDirectory
        viewportWidth = try c.decodeIfPresent(Int.self, forKey: .viewportWidth) ?? d.viewportWidth
        viewportHeight = try c.decodeIfPresent(Int.self, forKey: .viewportHeight) ?? d.viewportHeight
        deviceScaleFactor = try c.decodeIfPresent(Double.self, forKey: .deviceScaleFactor) ?? d.deviceScaleFactor
        locale = try c.decodeIfPresent(String.self, forKey: .locale) ?? d.locale
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? d.timeZone
        paper = try c.decodeIfPresent(Paper.self, forKey: .paper) ?? d.paper
        pdfLayout = try c.decodeIfPresent(PDFLayout.self, forKey: .pdfLayout) ?? d.pdfLayout
        pdfMedia = try c.decodeIfPresent(PDFMedia.self, forKey: .pdfMedia) ?? d.pdfMedia
        sourceOrganization = try c.decodeIfPresent(String.self, forKey: .sourceOrganization)
        proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
        userAgent = try c.decodeIfPresent(String.self, forKey: .userAgent)
        browserArguments = try c.decodeIfPresent([String].self, forKey: .browserArguments) ?? d.browserArguments
        clipSelector = try c.decodeIfPresent(String.self, forKey: .clipSelector)
        timestampAuthorities = try c.decodeIfPresent([String].self, forKey: .timestampAuthorities) ?? d.timestampAuthorities
        timestampTimeout = try c.decodeIfPresent(Double.self, forKey: .timestampTimeout) ?? d.timestampTimeout
        tsaRoots = try c.decodeIfPresent([String].self, forKey: .tsaRoots) ?? d.tsaRoots
        signingKey = try c.decodeIfPresent(String.self, forKey: .signingKey)
        profile = try c.decodeIfPresent(String.self, forKey: .profile)
        profilesFolder = try c.decodeIfPresent(String.self, forKey: .profilesFolder)
        pageKind = try c.decodeIfPresent(String.self, forKey: .pageKind)
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? d.limits
        strict = try c.decodeIfPresent(Bool.self, forKey: .strict) ?? d.strict
        pdfStripUnsafeLinks = try c.decodeIfPresent(Bool.self, forKey: .pdfStripUnsafeLinks) ?? d.pdfStripUnsafeLinks
        keepInlineMedia = try c.decodeIfPresent(Bool.self, forKey: .keepInlineMedia) ?? d.keepInlineMedia
        requireTimestamp = try c.decodeIfPresent(Bool.self, forKey: .requireTimestamp) ?? d.requireTimestamp
        allowPrivateAddresses = try c.decodeIfPresent(Bool.self, forKey: .allowPrivateAddresses) ?? d.allowPrivateAddresses
        allowedPrivateAddresses = try c.decodeIfPresent([String].self, forKey: .allowedPrivateAddresses) ?? d.allowedPrivateAddresses
        // Options recorded before the archive existed, or before it became the default, had none.
        recordWARC = try c.decodeIfPresent(Bool.self, forKey: .recordWARC) ?? false
        maxRecordSize = try c.decodeIfPresent(UInt64.self, forKey: .maxRecordSize) ?? d.maxRecordSize
        maxArchivedRequests = try c.decodeIfPresent(Int.self, forKey: .maxArchivedRequests) ?? d.maxArchivedRequests
        packageWACZ = try c.decodeIfPresent(Bool.self, forKey: .packageWACZ) ?? d.packageWACZ
        api = try c.decodeIfPresent(Bool.self, forKey: .api) ?? d.api
        apiBase = try c.decodeIfPresent(String.self, forKey: .apiBase)
        apiTimeout = try c.decodeIfPresent(Double.self, forKey: .apiTimeout) ?? d.apiTimeout
        timelineWindow = try c.decodeIfPresent(TimelineWindow.self, forKey: .timelineWindow)
        custody = nil
        archival = nil
    }

    /// Custody and archival settings live in the record's own sections.
    private enum CodingKeys: String, CodingKey {
        case url, outputDirectory, viewportWidth, viewportHeight, deviceScaleFactor, locale, timeZone, paper, pdfLayout, pdfMedia,
             pdfStripUnsafeLinks, keepInlineMedia, sourceOrganization, proxy, userAgent, browserArguments, clipSelector, strict,
             timestampAuthorities, timestampTimeout, requireTimestamp, tsaRoots, signingKey, profile, profilesFolder, pageKind,
             allowPrivateAddresses, allowedPrivateAddresses, recordWARC, maxRecordSize, maxArchivedRequests, packageWACZ, api, apiBase,
             apiTimeout, limits, timelineWindow
    }

    /// The network policy these options ask for; an allowed address that is not an IP address is
    /// a usage error.
    package func networkPolicy() throws -> NetworkPolicy {
        let addresses = try allowedPrivateAddresses.map { text in
            guard let address = IPAddress(text.trimmingCharacters(in: .whitespaces)) else {
                throw CaptureError.usage("--allow-private-address '\(text)' is not an IP address (e.g. 10.1.2.3 or fd00::5)")
            }
            return address
        }
        return NetworkPolicy(allowsPrivateAddresses: allowPrivateAddresses, allowedAddresses: addresses)
    }

    /// True when the browser goes through a proxy: the proxy then resolves names and connects, and
    /// the remote address the browser reports is the proxy's.
    var usesProxy: Bool {
        proxy != nil || browserArguments.contains { $0.hasPrefix("--proxy-server") || $0.hasPrefix("--proxy-pac-url") }
    }

    /// The options as `capture.json` records them: where the signing key lies on the capture
    /// machine is nobody's business; which key signed is (the record's `signature` fingerprint).
    var asRecorded: CaptureOptions {
        var recorded = self
        recorded.signingKey = nil
        return recorded
    }
}
