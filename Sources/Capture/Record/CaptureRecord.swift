import Archival
import Evidence
import Foundation
import PlatformAPI

/// The contents of `data/capture.json`: what was captured, when, how, and with which files.
///
/// Versioned by ``schema`` and ``schemaVersion``; fields are only ever added within a version.
/// The JSON Schema is `Schemas/capture.schema.json`, described field by field in the README.
public struct CaptureRecord: Codable, Sendable {
    /// Always `exhibit-capture`.
    public var schema = "exhibit-capture"
    /// Version of this layout; 1 for now.
    public var schemaVersion = 1
    /// Random UUID identifying this capture (also bag-info `External-Identifier`).
    public var captureId: String
    /// `complete`, or `partial` when a limit cut something (the warnings say what).
    public var state: CaptureState
    public var requestedURL: String
    public var finalURL: String
    /// Redirects of the main document before ``finalURL``, in order.
    public var redirects: [Redirect]
    public var http: HTTP
    public var pageTitle: String
    /// UTC, ISO 8601 with milliseconds.
    public var startedAt: String
    public var endedAt: String
    public var browser: Browser
    public var viewport: Viewport
    public var locale: String
    public var timeZone: String
    public var exhibit: Software
    public var host: Host
    public var options: CaptureOptions
    /// What the capture browser was allowed to reach, and every request the network policy
    /// refused. Absent in records made before the policy existed.
    public var network: Network?
    public var preparation: Preparation
    public var screenshot: Screenshot
    /// Nil with --no-pdf.
    public var pdf: PDF?
    /// Each step with its start (UTC) and duration.
    public var steps: [Step]
    public var warnings: [Warning]
    /// How the capture is to be timestamped. The results cannot live here: the token stamps
    /// manifest-sha256.txt, which holds this file's hash, so they go into tag files.
    public var timestamp: TimestampPlan
    /// The signature to be made over manifest-sha256.txt, when a key was given.
    public var signature: SignaturePlan?
    /// The platform profile used, and how it was chosen.
    public var profile: ProfileUse
    /// Every interaction with the page, in order: consent clicks, expansion clicks and scrolls,
    /// elements hidden. Nothing the profile did to the page is left out.
    public var actions: [Action]
    /// How the thread was expanded and why expansion stopped.
    public var expansion: Expansion
    /// The guideline's essential characteristics: what was captured, what was not, and why.
    public var completeness: Completeness
    /// Every other payload file, hashed after its last write. capture.json itself is covered by the bag manifests.
    public var files: [File]
    /// Who looked: logged out, or the session given and the account the page shows. Absent in
    /// records made before sessions existed.
    public var viewer: Viewer? = nil
    /// The web archive of the page's traffic (`--warc`); absent without it, and in older records.
    public var archive: Archive? = nil
    /// Which servers answered, at which addresses, and each HTTPS origin's certificate chain;
    /// recorded with the traffic (`--warc`), absent without it and in older records.
    public var networkProvenance: NetworkProvenance? = nil
    /// What the platform's own API said about the post (`--api`), and how it compares with the
    /// page; absent without `--api` and in older records.
    public var api: PlatformAPIRecord? = nil
    /// The batch line this capture was made for (`exhibit batch`, `exhibit collect`); absent for a
    /// single capture and in older records.
    public var batch: BatchLine? = nil
    /// The account collection this capture belongs to (`exhibit collect`): the account page's own
    /// capture, or a post it listed, naming the account's capture. Absent otherwise.
    public var collection: CollectionUse? = nil
    /// Who made the capture, for which matter and why (`--operator`, `--case`, `--purpose`,
    /// `--note`); absent when none was given, and in older records.
    public var custody: Custody? = nil
    /// The organisation's archival settings used (`--org`), and the MDTO and PREMIS tag files
    /// written from them; absent without an organisation file, and in older records.
    public var archival: ArchivalUse? = nil

    /// A capture's place in an account collection.
    public struct CollectionUse: Codable, Sendable, Equatable {
        /// The collection's id (its list is `collect-<id>.jsonl` in the output folder).
        public var id: String
        /// `account` for the capture of the account page itself, `post` for a post it listed.
        public var role: String
        public var accountURL: String
        /// The account page's capture and its folder's name (role `post`).
        public var accountCaptureId: String?
        public var accountFolder: String?
        /// The window asked for (`--since`, `--until`), ISO 8601 UTC.
        public var since: String
        public var until: String?
        /// The post's time as the account page listed it (role `post`).
        public var listedPublished: String?
        /// Where the account's capture lists the posts it led to, with their captures (role `account`):
        /// a tag file written once the list is made and again once they are captured.
        public var postsFile: String?

        public init(id: String, role: String, accountURL: String, accountCaptureId: String? = nil, accountFolder: String? = nil,
                    since: String, until: String?, listedPublished: String? = nil, postsFile: String? = nil) {
            self.id = id; self.role = role; self.accountURL = accountURL; self.accountCaptureId = accountCaptureId
            self.accountFolder = accountFolder; self.since = since; self.until = until; self.listedPublished = listedPublished
            self.postsFile = postsFile
        }
    }

    /// Which line of which batch a capture is, so a bag found on its own leads back to the list
    /// it was made from and to the journal that says what happened to the other lines.
    public struct BatchLine: Codable, Sendable, Equatable {
        /// The batch's id; its journal is `batch-<id>.jsonl` in the output folder.
        public var id: String
        /// The line of the batch file, from 1.
        public var line: Int
        /// The line's own `id` column, when the file gave one.
        public var lineId: String?
        /// The batch file's name and SHA-256 as it was read (`-` for standard input).
        public var file: String
        public var fileSHA256: String
        /// Which attempt at the line this capture was (1 for the first).
        public var attempt: Int
        /// `K/N` when the batch was split with `--shard`.
        public var shard: String?
        public init(id: String, line: Int, lineId: String?, file: String, fileSHA256: String, attempt: Int, shard: String?) {
            self.id = id; self.line = line; self.lineId = lineId; self.file = file; self.fileSHA256 = fileSHA256
            self.attempt = attempt; self.shard = shard
        }
    }

    /// What `data/archive.warc.gz` holds, in counts; header names only, never a value.
    public struct Archive: Codable, Sendable {
        /// The file's name under `data/`.
        public var file: String
        /// Every WARC record written, warcinfo, resources and metadata included.
        public var records: Int
        /// Requests recorded, one per hop of a redirect chain.
        public var requests: Int
        /// Responses recorded.
        public var responses: Int
        /// Responses whose body was cut or left out (`WARC-Truncated: length`).
        public var bodiesTruncated: Int
        /// Requests with no response in the archive.
        public var requestsFailed: Int
        /// Each of those, with the browser's error.
        public var failed: [FailedRequest]
        /// Headers whose values were replaced by `[redacted sha256:<hex>]`, by name, with how often.
        public var redactedHeaders: [RedactedHeader]
        /// The WACZ package of the same archive (`--wacz`), its name under `data/`; nil without it.
        public var wacz: String? = nil
        /// WebSockets the page opened: the archive has no record of their frames.
        public var webSockets: [String]? = nil
        /// The largest body kept (`--max-record-size`); longer ones are cut.
        public var maxRecordSize: UInt64? = nil
        /// Requests not recorded because the page made more than `--max-archive-requests`; nil when none.
        public var requestsDropped: Int? = nil

        public struct FailedRequest: Codable, Sendable {
            public var url: String
            public var error: String
        }

        public struct RedactedHeader: Codable, Sendable {
            public var name: String
            public var count: Int
        }
    }

    /// What a page shows depends on who looks (blocks, private accounts, personalisation): the
    /// viewer is part of the capture's context. Names, domains and origins only, never a value.
    public struct Viewer: Codable, Sendable {
        /// `logged out`; `logged in` (the page shows the account: with a session, or in an attached
        /// browser); `session used, not confirmed` (a session set, no wall, but no account shown);
        /// or `login wall despite session` (the session no longer logs in).
        public var state: String
        /// The logged-in account as the page shows it, read by the profile's `viewer` rules; nil
        /// when they found none (a warning says so when a session was given) or the profile has none.
        public var account: String?
        /// The selector of the viewer rule that read ``account``.
        public var accountSelector: String?
        /// The session given, if any.
        public var session: SessionRecord?

        public struct SessionRecord: Codable, Sendable {
            /// The session's name in the session folder (`--session NAME`); nil for a file.
            public var name: String?
            /// `--session NAME`, `--session FILE` or `--cookies FILE`.
            public var given: String
            /// The file's name (not its folder: that names a person's home).
            public var fileName: String
            /// `Playwright storageState`, `Netscape cookies.txt` or `Cookie-Editor JSON`.
            public var format: String
            /// SHA-256 of the session file as read: it identifies the session without revealing it.
            public var sha256: String
            /// When `exhibit session create` made it (nil for files made elsewhere).
            public var created: String?
            public var loginURL: String?
            /// The account the login page showed when the session was made.
            public var accountWhenMade: String?
            /// Every cookie of the session by name and domain; `expired` ones were not set.
            public var cookies: [CookieName]
            /// Each origin's `localStorage` item names; `restored` when it is the captured page's
            /// origin, whose items were set before the page's scripts ran.
            public var localStorage: [StorageNames]
            /// How many of the session's cookies belong to other sites and were neither set nor listed.
            public var cookiesLeftOut: Int?
        }
        public struct CookieName: Codable, Sendable {
            public var name: String
            public var domain: String
            public var path: String
            public var expired: Bool?
        }
        public struct StorageNames: Codable, Sendable {
            public var origin: String
            public var names: [String]
            public var restored: Bool
        }
    }

    public struct TimestampPlan: Codable, Sendable {
        /// The TSAs asked, in order (empty: none requested).
        public var requestedFrom: [String]
        /// What each token stamps: `manifest-sha256.txt` (the SHA-256 of every payload file).
        public var stamps: String
        /// `pending` when TSAs were requested (their answers come after this file is sealed), else `not requested`.
        public var stateWhenBagged: String
        /// Where the outcome is recorded: bag-info.txt (Timestamp-Status, Timestamp) and timestamps/timestamps.json.
        public var resultsIn: [String]
    }
    public struct SignaturePlan: Codable, Sendable {
        public var algorithm: String
        public var publicKeyFingerprint: String
        public var signs: String
        public var files: [String]
    }
    public struct Redirect: Codable, Sendable { public var url: String; public var status: Int; public var location: String? }
    /// The network policy of the capture: whether loopback, private, link-local and other
    /// special-purpose addresses were refused, by which rule set, and what was refused.
    public struct Network: Codable, Sendable {
        /// `refused` (the default) or `allowed` (`--allow-private`).
        public var privateAddresses: PrivateAddresses
        /// Exact addresses let through although private (`--allow-private-address`).
        public var allowedAddresses: [String]
        /// The rule set's name and version, e.g. `exhibit-private-addresses/1`.
        public var rules: String
        /// Every rule of that set, as `name range`.
        public var ranges: [String]
        /// Whether each response's remote address was checked too (not behind a proxy, where it is
        /// the proxy's, and not when nothing is refused).
        public var responseAddressesChecked: Bool
        /// Every request refused (stage `request`), and every address reached although refused
        /// (stages `response` and `websocket`, which the browser cannot be stopped at), in order.
        public var blocked: [BlockedRequest]
    }
    /// Whether private addresses were refused.
    public enum PrivateAddresses: String, Codable, Sendable, CaseIterable { case refused, allowed }
    /// One request the network policy refused, or one address it found reached too late to refuse.
    public struct BlockedRequest: Codable, Sendable {
        public var url: String
        public var host: String
        /// The address that matched the rule; absent when the name itself was refused.
        public var address: String?
        /// The rule, e.g. `loopback 127.0.0.0/8`.
        public var rule: String
        /// Chromium's resource type: `Document`, `Image`, `XHR`, `Fetch`, `WebSocket`, …
        public var resourceType: String
        public var stage: BlockStage
    }
    /// Where a refused address was found: `request`, before anything was sent (the request failed);
    /// `response`, only in the address the browser connected to (recorded, too late to stop);
    /// `websocket`, a WebSocket, which cannot be paused (recorded, not stopped).
    public enum BlockStage: String, Codable, Sendable, CaseIterable { case request, response, websocket }
    public struct HTTP: Codable, Sendable {
        public var status: Int
        public var statusText: String
        public var protocolName: String?
        public var mimeType: String
        public var headers: [String: String]
        public var remoteAddress: RemoteAddress?
        public var tls: TLS?
    }
    public struct RemoteAddress: Codable, Sendable { public var ip: String; public var port: Int }
    public struct TLS: Codable, Sendable {
        public var protocolName: String
        public var cipher: String
        public var subjectName: String
        public var issuer: String
        public var validFrom: String
        public var validTo: String
    }
    public struct Browser: Codable, Sendable {
        public var product: String
        public var revision: String
        public var protocolVersion: String
        public var userAgent: String
        public var mode: BrowserMode
        /// The full command line, when launched.
        public var commandLine: [String]?
        /// The DevTools endpoint (loopback when launched), or `pipe` for `--transport pipe`.
        public var endpoint: String
        /// How Exhibit drove the browser; nil in records made before this was recorded.
        public var transport: Transport?
        /// Who the launched browser ran as; nil when attached (someone else's browser) and in
        /// records made before this was recorded.
        public var account: Account?

        /// The DevTools transport.
        public enum Transport: String, Codable, Sendable, CaseIterable { case websocket, pipe }
        /// The user a launched browser ran as and whether Chromium's sandbox was on.
        public struct Account: Codable, Sendable, Equatable {
            public var user: String
            public var uid: UInt32
            /// False only for a root browser (`--allow-root-browser`) or an explicit `--browser-arg=--no-sandbox`.
            public var sandbox: Bool
            /// True when Exhibit ran as root and started the browser as this other user.
            public var switchedFromRoot: Bool

            public init(user: String, uid: UInt32, sandbox: Bool, switchedFromRoot: Bool) {
                self.user = user
                self.uid = uid
                self.sandbox = sandbox
                self.switchedFromRoot = switchedFromRoot
            }
        }
    }
    public struct Viewport: Codable, Sendable { public var width: Int; public var height: Int; public var deviceScaleFactor: Double }
    public struct Software: Codable, Sendable { public var name: String; public var version: String }
    public struct Host: Codable, Sendable {
        public var hostName: String
        public var operatingSystem: String
        public var kernel: String
        public var architecture: String
        /// The capture machine's own time zone (the page is given `timeZone`), e.g. `Europe/Amsterdam`.
        public var localTimeZone: String
    }
    public struct Screenshot: Codable, Sendable {
        public var file: String
        /// Top-left of the captured region in document CSS px (non-zero with --clip-selector).
        public var x: Int
        public var y: Int
        public var cssWidth: Int
        public var cssHeight: Int
        /// Height of the document (or clip element) as measured; larger than cssHeight when truncated.
        public var documentHeight: Int
        public var pixelWidth: Int
        public var pixelHeight: Int
        public var truncated: Bool
        /// Width of the document (or clip element) as measured, when it was wider than --max-width
        /// and cut there; absent when the whole width was captured.
        public var documentWidth: Int?
        public var clipSelector: String?
        /// Tile height and each tile's [y, height], in CSS px relative to the region.
        public var tileHeight: Int
        public var tiles: [[Int]]
        /// Captures started (the height is re-measured after the first and last tile; a change restarts).
        public var attempts: Int
        /// What Exhibit embedded in the PNG: an iTXt chunk `exhibit:provenance` with this SHA-256 of its UTF-8 text.
        public var provenance: Provenance
        /// Bands of one flat colour taller than two viewports where the page has visible content.
        public var blankBands: [BlankBand]
        /// PDQ of the whole screenshot, computed row by row as it was written; nil in older records.
        public var pdq: PerceptualHashRecord? = nil
        /// PDQ of the post's rectangle in the screenshot, for comparing two captures of one post.
        public var postPDQ: PerceptualHashRecord? = nil
    }

    /// A PDQ perceptual hash of (part of) the screenshot.
    public struct PerceptualHashRecord: Codable, Sendable, Equatable {
        public var algorithm = "PDQ"
        /// 64 hex digits, most significant word first, as the reference prints a hash.
        public var hash: String
        /// 0 to 100; under 50 the reference calls a hash unreliable (a nearly uniform image).
        public var quality: Int
        /// The part of `screenshot.png` hashed, in its pixels; nil for the whole screenshot.
        public var rectangle: PixelRectangle? = nil

        public struct PixelRectangle: Codable, Sendable, Equatable {
            public var x: Int, y: Int, width: Int, height: Int
        }
    }
    public struct Provenance: Codable, Sendable {
        public var chunk: String
        public var keyword: String
        public var sha256: String
    }
    public struct BlankBand: Codable, Sendable {
        public var fromY: Int
        public var toY: Int
        public var colour: String
    }
    /// What Exhibit did to the page before capturing it, so nothing is altered silently.
    public struct Preparation: Codable, Sendable {
        /// `img[loading=lazy]` switched to eager at run time (also `--blink-settings=lazyLoadEnabled=false`).
        public var lazyImagesMadeEager: Int
        /// The scroll sweep: steps of 80 % of the viewport, how long, how far, and why it stopped.
        public var sweepSteps: Int
        public var sweepSeconds: Double
        public var sweepReachedY: Int
        public var sweepStoppedBecause: String
        /// When the sweep above ran: while the page settled, from its `load` event on, so that
        /// whatever the scrolling loads is part of what the settle waits for.
        public var sweepPhase: String?
        /// A second sweep, after the platform profile changed the page (clicks, scrolls, hidden
        /// elements, a consent answer); nil when the profile changed nothing.
        public var sweepAfterProfile: Sweep?
        /// Why the second sweep ran, or why none was needed.
        public var sweepAfterProfileReason: String?
        /// CSS injected to stop animations, transitions and the caret, and its SHA-256. It is removed
        /// again before dom.html is saved, so dom.html holds the page's own DOM.
        public var injectedCSS: String
        public var injectedCSSSHA256: String
    }
    /// One sweep-scroll: steps of 80 % of the viewport, how long, how far, and why it stopped.
    public struct Sweep: Codable, Sendable {
        public var steps: Int
        public var seconds: Double
        public var reachedY: Int
        public var stoppedBecause: String
    }
    public struct PDF: Codable, Sendable {
        public var file: String
        /// `paginated` or `single`.
        public var layout: String
        /// Paper of the paginated PDF (`a4`, `letter`); for `single`, `viewport width`.
        public var paper: String
        /// Media emulated while printing: `screen` (default) or `print`.
        public var media: String
        public var pageCount: Int
        public var pageSizesPoints: [[Double]]
        /// SHA-256 of the PDF exactly as Chromium printed it, before Exhibit stamped its metadata.
        public var sha256AsPrinted: String
        /// The text of the post and of every reply (from post.json), looked for in the PDF's text.
        public var textCheck: TextCheck
        /// The document information Exhibit wrote into the PDF with poppler, before hashing it.
        public var metadata: Metadata?
        /// Links in the PDF to targets a reader should not follow blindly (`javascript:`, `file:`,
        /// `smb:`, `data:`, launch actions), as "page N: target"; absent when there are none.
        public var unsafeLinks: [String]?
        /// True when those links were removed before hashing (`--pdf-strip-unsafe-links`).
        public var unsafeLinksRemoved: Bool?
        /// The paginated PDF's print scale: 1 when the page fitted the paper's printable width, less
        /// when it was scaled down to fit (never below 0.1, Chromium's least). Nil for `single`
        /// (one page as wide as the viewport) and in records made before this was recorded.
        public var scale: Double?
        /// The document's laid-out width in CSS px (its scroll width, at least the viewport's),
        /// measured in the media printed, just before printing.
        public var contentWidth: Int?
        /// The paper's width less its margins, in CSS px (96 a inch): what fits at scale 1.
        public var printableWidth: Int?
        /// Why the scale is what it is, in words.
        public var scaleReason: String?
        /// CSS px of the document's width beyond the paper's right edge even at the least scale, so
        /// possibly not in the PDF (at most: Chromium may shrink the page further by itself); absent
        /// when nothing can have been cut.
        public var cutWidth: Int?
        /// The page's own `@page` rules that set the paper size or margins `!important`, which
        /// Exhibit's `@page` rule cannot override: the PDF's margins may then differ from the 1 cm
        /// the scale was worked out for. Absent when there are none.
        public var pageRulesKept: [String]?
    }
    public struct TextCheck: Codable, Sendable {
        public var itemsChecked: Int
        public var found: Int
        /// Each item whose text poppler did not find, named (e.g. "reply 12 by @anouk").
        public var missing: [String]
    }
    public struct Metadata: Codable, Sendable {
        public var stampedBy: String
        public var title: String
        public var subject: String
        public var keywords: String
        public var creator: String
        public var creationDate: String
    }
    public struct ProfileUse: Codable, Sendable {
        public var name: String
        public var platform: String
        public var file: String
        /// SHA-256 of the profile file as used.
        public var sha256: String
        /// `--profile`, `url pattern`, or the generic fallback.
        public var chosenBy: String
        /// Other profiles whose URL patterns match the page too (the more specific one is used);
        /// nil when none does, and in records made before this was recorded.
        public var alsoMatched: [String]?
        /// The date the profile says it was last checked against real and fixture pages; nil when
        /// it does not say (and in records made before this was recorded).
        public var verified: String?
        /// SHA-256 of the script Exhibit installs in its isolated world (the same for every capture of a version).
        public var scriptSHA256: String
        /// Where that script runs: an isolated world, so page scripts cannot alter what it reads.
        public var world: String
        /// `post` (a post with its thread) or `account` (an account page: its header and timeline);
        /// nil in records made before account pages were read.
        public var pageKind: String? = nil
        /// The embed frame the post was read in, and the profile used there; nil when the post
        /// was read from the page itself.
        public var frame: FrameUse? = nil
    }
    /// A post read inside an embed frame (see ``ProfileUse/frame``).
    public struct FrameUse: Codable, Sendable {
        /// The frame's URL, as the browser loaded it.
        public var url: String
        /// The profile whose frame pattern matched it, its file and that file's SHA-256.
        public var name: String
        public var platform: String
        public var file: String
        public var sha256: String
        /// The frame pattern that matched.
        public var pattern: String
        /// Why the frame was read, in words.
        public var reason: String
        /// Whether the frame ran in a process of its own (a site other than the page's).
        public var outOfProcess: Bool
        /// Other frames that matched a frame pattern and were not read; nil when none.
        public var otherFrames: [String]?
    }
    public struct Action: Codable, Sendable {
        /// UTC, ISO 8601 with milliseconds.
        public var at: String
        public var kind: ActionKind
        public var selector: String?
        /// The element's visible label (aria-label or text), as it was when acted on.
        public var label: String?
        /// Expansion round, for clicks and scrolls during expansion.
        public var round: Int?
        public var detail: String?
    }
    public struct Expansion: Codable, Sendable {
        public var rounds: Int
        public var clicks: Int
        public var scrolls: Int
        public var seconds: Double
        public var stoppedBecause: String
        /// True when expansion did not finish: a limit of the profile stopped it, or controls were
        /// clicked round after round without loading anything. The thread may be cut.
        public var limitReached: Bool
    }
    public struct Found: Codable, Sendable { public var selector: String; public var label: String }
    /// One step: when it started (UTC, within the capture's own start and end), how long it took,
    /// and the steps that ran at the same time, if any.
    public struct Step: Codable, Sendable {
        public var name: CaptureStep
        public var startedAt: String
        public var seconds: Double
        /// Steps that ran at the same time as this one (the PDF is printed while the screenshot's
        /// last tile is written); absent when none did.
        public var overlaps: [CaptureStep]?
    }
    public struct Warning: Codable, Sendable { public var step: CaptureStep; public var message: String }

    /// Whether the capture shows all it set out to show.
    public enum CaptureState: String, Codable, Sendable, CaseIterable {
        case complete
        /// A limit cut something, a band is blank, the post is not available or not recognised
        /// (author, time or text missing), the replies found do not match the page's count, the page
        /// did not settle or changed while captured, or expansion stopped at a limit.
        case partial
    }
    /// How the browser was obtained.
    public enum BrowserMode: String, Codable, Sendable, CaseIterable { case launched, attached }
    /// What Exhibit did to the page.
    public enum ActionKind: String, Codable, Sendable, CaseIterable {
        case consentReject = "consent-reject", consentAccept = "consent-accept", click, scroll, hide
        /// A consent page that loaded the post anew when answered; the label is the new URL.
        case navigation
        /// A JavaScript dialog (alert, confirm, prompt, beforeunload) the page opened, dismissed at
        /// once; the label is its text, the detail its kind.
        case dialog
    }
    public struct File: Codable, Sendable {
        public var name: String
        public var mediaType: String
        public var size: UInt64
        public var sha256: String
        /// The format read from the file's bytes (PRONOM), when MDTO sidecars are written.
        public var format: FileFormat? = nil
    }
}

/// The machine the capture ran on.
enum HostInfo {
    static func current() -> CaptureRecord.Host {
        var uts = utsname()
        uname(&uts)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let pretty = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        return CaptureRecord.Host(hostName: ProcessInfo.processInfo.hostName,
                                  operatingSystem: pretty ?? field(uts.sysname),
                                  kernel: "\(field(uts.sysname)) \(field(uts.release))",
                                  architecture: field(uts.machine),
                                  localTimeZone: TimeZone.current.identifier)
    }
}

/// Exhibit's own name and version, as recorded in every capture.
public enum ExhibitVersion {
    public static let name = "Exhibit"
    public static let current = "0.1.0"
}
