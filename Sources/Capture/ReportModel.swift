import Evidence
import Foundation
import PlatformProfiles

/// Everything the capture report shows, as plain values, for `Resources/report.mustache`.
///
/// The model holds no HTML: the template escapes every value it prints. Nor does it hold an empty
/// value: where something is unknown, the model holds the words that say so (a ``Field`` marked
/// missing), so no cell of the report can render blank.
struct ReportModel {
    /// A value, or the words saying why there is none (the template shows those emphasised).
    struct Field: Equatable {
        var text: String
        /// True when ``text`` says why the value is missing rather than being the value.
        var missing: Bool

        /// `value` as it is, or `wording` when it is absent or only white space.
        init(_ value: String?, or wording: String) {
            if let value, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                (text, missing) = (value, false)
            } else {
                (text, missing) = (wording, true)
            }
        }
    }

    struct Action {
        var at: String
        var kind: String
        var label: Field
        var detail: String?
        var selector: Field
    }

    /// One essential characteristic, under its category (Content, Context, Form, Behaviour, Structure).
    struct Characteristic {
        var category: String
        var name: String
        var captured: Bool
        var detail: Field
    }

    struct Warning {
        var step: String
        var message: String
    }

    /// One request the network policy refused, or an address it found reached too late to refuse.
    struct Blocked {
        var url: String
        var address: Field
        var rule: String
        var resourceType: String
        /// What the stage means, in words.
        var stage: String
    }

    /// One line of manifest-sha256.txt, with the file's size on disk and its media type.
    struct File {
        var path: String
        var size: Field
        var mediaType: String
        var sha256: String
    }

    struct Timestamps {
        /// SHA-256 of manifest-sha256.txt, the bytes every token stamps.
        var stampedSHA256: String
        var tokens: [Token]
    }

    /// A token kept in the bag that did not verify when it was taken: never shown as a timestamp.
    struct UntrustedToken {
        var response: String
        var tsa: String
        var reason: String
    }

    struct Token {
        var authority: Field
        var tsa: String
        var genTime: String
        var serialNumber: String
        var policy: String
        var response: String
    }

    var captureId: String
    /// "Capture report", and for an account page the account it shows.
    var heading: String
    /// The labels of the rows that differ between a post and an account page.
    var authorLabel = "Author"
    var publishedLabel = "Published"
    var textLabel = "Post text"
    var repliesLabel = "Replies"
    /// An account page's timeline, one row per visible post, in page order.
    var hasTimeline = false
    var timeline: [TimelineRow] = []
    struct TimelineRow {
        var position: Int
        var url: Field
        var published: Field
        var marks: Field
        var text: Field
    }
    var state: String
    var summary: String
    /// Who made the capture, for which matter and why: the report's first lines, when given.
    var custody: [CustodyRow] = []
    var hasCustody = false
    struct CustodyRow { var label: String; var value: String }

    // What was captured
    var requestedURL: String
    var finalURL: String
    var httpStatus: String
    var statusText: Field
    var server: String
    var pageTitle: Field
    var platform: String
    var availability: String
    var author: Field
    var published: Field
    var postText: Field
    var replies: Field

    // When: UTC as recorded, and the same instant in the capture machine's own zone.
    var startedAt: String
    var startedLocally: String
    var endedAt: String
    var endedLocally: String
    var pageTimeZone: String
    /// Who looked: "Captured logged in as @handle (session NAME, made DATE)" or "Captured logged out".
    var viewer: String

    // How
    var software: String
    var browser: String
    var userAgent: String
    var operatingSystem: String
    var viewport: String
    var locale: String
    var options: String
    var preparation: String
    /// What the capture browser could reach, and how much was refused.
    var network: String
    /// Nil without a PDF, or for a PDF Exhibit did not stamp: the row is left out.
    var pdfMetadata: String?
    /// How the paginated PDF was fitted to the paper; nil (the row left out) when it was printed at
    /// scale 1 or not at all.
    var pdfScale: String?
    // Server and certificate: the captured document's server and the chain its origin presented.
    var serverRows: [Row] = []
    var hasChain = false
    var chain: [ChainCertificate] = []
    struct Row {
        var label: String
        var value: Field
    }
    /// One certificate of the chain, leaf first.
    struct ChainCertificate {
        var position: String
        var subject: Field
        var issuer: Field
        var validFrom: Field
        var validTo: Field
        var atCapture: Field
        var sha256: String
    }
    // Mustache cannot test an array for being empty, so the table and its "none" line need the flag.
    var hasActions: Bool
    var actions: [Action]

    var characteristics: [Characteristic]
    var hasWarnings: Bool
    var warnings: [Warning]
    var hasBlocked: Bool
    var blocked: [Blocked]

    /// The post's area of the screenshot, then the PDF's first page.
    var pictures: [CaptureReport.Picture]

    var files: [File]

    /// Why there is no trusted timestamp; nil when there are tokens.
    var noTimestamp: String?
    var untrusted: [UntrustedToken]
    var timestamps: Timestamps?
    /// The Ed25519 key's fingerprint, when the payload manifest is signed.
    var signatureKey: String?

    /// Web archives other tools made that this capture is paired with (`exhibit pair`).
    struct Pairing {
        var file: String
        var archive: String
        var sha256: String
        var summary: String
    }
    var hasPairings = false
    var pairings: [Pairing] = []
}

extension ReportModel {
    /// The model of the bag at `root`, from its own files (capture.json, post.json, the manifest,
    /// bag-info.txt and the timestamps), making the thumbnails first unless they are given.
    init(bag root: URL, thumbnails: CaptureReport.Thumbnails?) throws {
        let decoder = JSONDecoder()
        let data = root.appendingPathComponent("data")
        let record = try decoder.decode(CaptureRecord.self, from: Data(contentsOf: data.appendingPathComponent("capture.json")))
        // post.json is missing from captures made before profiles existed; the report says "no post data".
        let post = try? decoder.decode(PostData.self, from: Data(contentsOf: data.appendingPathComponent("post.json")))
        let pictures = try thumbnails ?? CaptureReport.makeThumbnails(bag: root, screenshot: record.screenshot,
                                                                      viewportHeight: record.viewport.height, post: post, pdf: record.pdf)
        self.init(record: record, post: post, timestamps: (try? BagStamper(root: root).existingRecords()) ?? [],
                  manifest: (try? String(contentsOf: root.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)) ?? "",
                  bagInfo: (try? String(contentsOf: root.appendingPathComponent("bag-info.txt"), encoding: .utf8)) ?? "",
                  thumbnails: pictures, bag: root)
        pairings = PairingRecord.files(in: root).map { file in
            guard let pairing = try? PairingRecord.read(file, in: root) else {
                return Pairing(file: file, archive: "(unreadable)", sha256: "", summary: "\(file) cannot be read as a pairing record")
            }
            return Pairing(file: file, archive: "\(pairing.archive.fileName) (\(pairing.archive.format), \(pairing.archive.bytes) bytes"
                             + (pairing.archive.includedAs.map { ", in the bag as \($0)" } ?? ", not in the bag") + ")",
                           sha256: pairing.archive.sha256, summary: pairing.summary)
        }
        hasPairings = !pairings.isEmpty
    }

    /// The model from decoded values; `root` is where the manifest's files are, to give their sizes.
    init(record: CaptureRecord, post: PostData?, timestamps stamps: [TimestampRecord], manifest: String, bagInfo: String,
         thumbnails: CaptureReport.Thumbnails, bag root: URL) {
        let item = post?.post
        captureId = record.captureId
        state = record.state.rawValue + (record.completeness.postRecognised ? "" : " · post not recognised")
        summary = record.completeness.summary

        requestedURL = record.requestedURL
        finalURL = record.finalURL + (record.redirects.isEmpty ? "" : " (after \(record.redirects.count) redirect(s))")
        httpStatus = String(record.http.status)
        statusText = Field(record.http.statusText, or: "no status text")
        let address = record.http.remoteAddress.map { "\($0.ip) port \($0.port)" } ?? "not reported by the browser"
        let tls = record.http.tls.map { "\($0.protocolName), \($0.cipher); certificate for \($0.subjectName) issued by \($0.issuer), valid \($0.validFrom) to \($0.validTo)" }
        server = address + " · " + (record.http.protocolName ?? "protocol not reported") + " · "
            + (tls ?? (record.finalURL.hasPrefix("https:") ? "TLS details not reported" : "not encrypted (plain HTTP)"))
        pageTitle = Field(record.pageTitle, or: "the page has no title")
        platform = "\(record.profile.platform) (profile \(record.profile.name), chosen by \(record.profile.chosenBy))"
        availability = record.completeness.availability.rawValue
        viewer = record.viewer?.line ?? "not recorded (the capture was made before Exhibit recorded the viewer)"
        author = Field([item?.author.displayName, item?.author.handle.map { "@\($0)" }].compactMap { $0 }.joined(separator: " "),
                       or: "not found on the page")
        let when = item?.published
        published = Field([when?.shown.map { "shown as “\($0)”" }, when?.iso.map { "\($0) (\(when?.precision.rawValue ?? ""))" }, when?.note]
                            .compactMap { $0 }.joined(separator: "; "), or: "not found on the page")
        postText = Field(item?.text, or: "not found on the page")
        replies = Field(post.map { p in "\(p.replyCount.captured) captured" + (p.replyCount.shown.map { "; the page shows “\($0)”" } ?? "; the page shows no count") },
                        or: "no post data")
        heading = "Capture report"
        custody = [("Operator", record.custody?.operatorName), ("Case", record.custody?.caseReference),
                   ("Purpose", record.custody?.purpose), ("Note", record.custody?.note),
                   ("Archive creator", record.archival.map { "\($0.settings.organisation.archiefvormer.naam) (\($0.settings.organisation.archiefvormer.bron) \($0.settings.organisation.archiefvormer.identificatie))" })]
            .compactMap { label, value in value.map { CustodyRow(label: label, value: $0) } }
        hasCustody = !custody.isEmpty

        let local = TimeZone(identifier: record.host.localTimeZone) ?? .current
        startedAt = record.startedAt
        startedLocally = Self.localTime(record.startedAt, in: local)
        endedAt = record.endedAt
        endedLocally = Self.localTime(record.endedAt, in: local)
        pageTimeZone = record.timeZone

        software = "\(record.exhibit.name) \(record.exhibit.version)"
        browser = "\(record.browser.product) (revision \(record.browser.revision), \(record.browser.mode.rawValue))"
            + Self.howRun(record.browser)
        userAgent = record.browser.userAgent
        operatingSystem = "\(record.host.operatingSystem), \(record.host.kernel), \(record.host.architecture), host \(record.host.hostName)"
        viewport = "\(record.viewport.width) × \(record.viewport.height) CSS px, device scale factor \(record.viewport.deviceScaleFactor)"
        locale = record.locale
        options = Self.optionsLine(record.options)
        preparation = Self.preparationLine(record.preparation)
        network = Self.networkLine(record.network)
        pdfMetadata = record.pdf.flatMap { pdf in
            pdf.metadata.map { "Stamped by Exhibit with \($0.stampedBy): Title, Subject, Keywords, Creator, creation date. SHA-256 as printed by the browser: \(pdf.sha256AsPrinted)" }
        }
        pdfScale = record.pdf.flatMap { pdf in
            guard let scale = pdf.scale, scale != 1 else { return nil }
            return "Printed at scale \(scale) (\(Int((scale * 100).rounded())) %): " + (pdf.scaleReason ?? "")
                + (pdf.cutWidth.map { ". The PDF may lack up to \($0) CSS px on the right of the page" } ?? "")
        }
        hasActions = !record.actions.isEmpty
        actions = record.actions.map {
            Action(at: $0.at, kind: $0.kind.rawValue, label: Field($0.label, or: "(no label)"), detail: $0.detail, selector: Field($0.selector, or: "(none)"))
        }

        let c = record.completeness
        characteristics = [("Content", c.content), ("Context", c.context), ("Form", c.form), ("Behaviour", c.behaviour), ("Structure", c.structure)]
            .flatMap { category, items in
                items.map { Characteristic(category: category, name: $0.name, captured: $0.captured, detail: Field($0.detail, or: "no detail")) }
            }
        hasWarnings = !record.warnings.isEmpty
        warnings = record.warnings.map { Warning(step: $0.step.rawValue, message: $0.message) }
        let refused = record.network?.blocked ?? []
        hasBlocked = !refused.isEmpty
        blocked = refused.map {
            Blocked(url: $0.url, address: Field($0.address, or: "none: the name itself is refused"), rule: $0.rule,
                    resourceType: $0.resourceType, stage: Self.stageWords($0.stage))
        }
        pictures = [thumbnails.post, thumbnails.pdf]
        files = Self.payloadFiles(manifest: manifest, record: record, bag: root)

        let trusted = stamps.filter { $0.trusted != false }
        untrusted = stamps.filter { $0.trusted == false }.map {
            UntrustedToken(response: $0.response, tsa: $0.tsa, reason: $0.untrustedBecause ?? "it does not verify")
        }
        if let first = trusted.first {
            noTimestamp = nil
            timestamps = Timestamps(stampedSHA256: first.stampedSHA256, tokens: trusted.map {
                Token(authority: Field($0.tsaName, or: "unnamed TSA"), tsa: $0.tsa, genTime: $0.genTime, serialNumber: $0.serialNumber,
                      policy: $0.policy, response: $0.response)
            })
        } else {
            let status = bagInfo.split(separator: "\n").first { $0.hasPrefix("Timestamp-Status:") }
                .map { String($0.dropFirst("Timestamp-Status:".count)).trimmingCharacters(in: .whitespaces) }
            noTimestamp = record.options.timestampAuthorities.isEmpty ? "none was requested for this capture."
                : !untrusted.isEmpty ? "the token(s) obtained do not verify against the trust roots (listed below)."
                : "none was granted yet (\(status ?? "pending"))."
            timestamps = nil
        }
        signatureKey = record.signature?.publicKeyFingerprint
        describeServer(record)
        if let post, let line = post.timeline { describeAccount(post, timeline: line) }
    }

    /// An ISO 8601 UTC time in `zone`, named; the recorded text itself when it does not parse.
    static func localTime(_ iso: String, in zone: TimeZone) -> String {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = parser.date(from: iso) else { return iso }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS ZZZZZ"
        return "\(formatter.string(from: date)) (\(zone.identifier))"
    }

    static func optionsLine(_ o: CaptureOptions) -> String {
        [
            "PDF: \(o.pdfLayout.rawValue)" + (o.pdfLayout == .paginated ? " on \(o.paper.rawValue)" : "") + ", \(o.pdfMedia.rawValue) media",
            "max height \(o.limits.maxHeight) CSS px", o.clipSelector.map { "clip to \($0)" } ?? "whole page",
            o.strict ? "strict" : "not strict", o.proxy.map { "proxy \($0)" } ?? "no proxy",
            o.timestampAuthorities.isEmpty ? "no TSA requested" : "TSAs: " + o.timestampAuthorities.joined(separator: ", "),
        ].joined(separator: "; ")
    }

    static func networkLine(_ network: CaptureRecord.Network?) -> String {
        guard let network else { return "not recorded (the capture predates the network policy)" }
        switch network.privateAddresses {
        case .allowed:
            return "private addresses allowed (--allow-private): loopback, private, link-local and other special-purpose "
                + "addresses could be reached, and no request was checked"
        case .refused:
            let refused = network.blocked.filter { $0.stage == .request }.count
            let reached = network.blocked.count - refused
            return ["loopback, private, link-local, cloud metadata and other special-purpose addresses refused (rule set \(network.rules))",
                    network.allowedAddresses.isEmpty ? nil : "except " + network.allowedAddresses.joined(separator: ", "),
                    network.responseAddressesChecked ? "each response's remote address checked"
                        : "responses' remote addresses not checked (a proxy connects for the browser)",
                    refused == 0 ? "no request refused" : "\(refused) request(s) refused",
                    reached == 0 ? nil : "\(reached) refused address(es) reached, too late to stop (listed below)"]
                .compactMap { $0 }.joined(separator: "; ")
        }
    }

    static func stageWords(_ stage: CaptureRecord.BlockStage) -> String {
        switch stage {
        case .request: return "refused before it was sent"
        case .response: return "answered from a refused address (too late to stop)"
        case .websocket: return "WebSocket, recorded (cannot be stopped)"
        }
    }

    static func preparationLine(_ prep: CaptureRecord.Preparation) -> String {
        var sweeps = "scroll sweep of \(prep.sweepSteps) step(s) to y=\(prep.sweepReachedY) (\(prep.sweepStoppedBecause))"
            + (prep.sweepPhase.map { ", \($0)" } ?? "")
        if let again = prep.sweepAfterProfile {
            sweeps += "; swept again after the profile, \(again.steps) step(s) to y=\(again.reachedY) (\(again.stoppedBecause))"
        } else if let reason = prep.sweepAfterProfileReason {
            sweeps += "; second sweep \(reason)"
        }
        return "\(prep.lazyImagesMadeEager) lazy image(s) made eager; \(sweeps); animations frozen with injected CSS (SHA-256 \(prep.injectedCSSSHA256)), removed before dom.html"
    }

    /// The payload as the manifest lists it (a line that is not "hash  path" is skipped), each file
    /// with its size as it is now on disk.
    static func payloadFiles(manifest: String, record: CaptureRecord, bag root: URL) -> [File] {
        let types = Dictionary(record.files.map { ($0.name, $0.mediaType) }, uniquingKeysWith: { a, _ in a })
        return manifest.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            let path = parts[1].trimmingCharacters(in: .whitespaces)
            let name = path.hasPrefix("data/") ? String(path.dropFirst(5)) : path
            let size = (try? BagFiles.resolve(BagWriter.decodePath(path), in: root).get())
                .flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? NSNumber }?.stringValue
            // capture.json cannot list itself in record.files (its own hash would change it).
            let type = types[name] ?? (name == "capture.json" ? "application/json" : "application/octet-stream")
            return File(path: path, size: Field(size, or: "missing"), mediaType: type, sha256: parts[0])
        }
    }
}

extension ReportModel {
    /// The same report with each picture as a `data:` URL read from the bag at `root` (refused
    /// like any bag path if it lies outside, or is no regular file), for printing by a browser
    /// that cannot read the bag's folder. A picture that cannot be read says so instead.
    func inliningPictures(from root: URL) -> ReportModel {
        var inlined = self
        inlined.pictures = pictures.map { picture in
            guard let image = picture.image else { return picture }
            guard case .success(let file) = BagFiles.resolve(image.path, in: root),
                  let bytes = try? BagFiles.read(file) else {
                return .missing("\(image.alt): the picture \(image.path) could not be read back")
            }
            var copy = picture
            copy.image?.path = "data:image/png;base64," + bytes.base64EncodedString()
            return copy
        }
        return inlined
    }
}

extension ReportModel {
    /// Who ran the browser and how Exhibit reached it, as the record states it (nothing for an
    /// attached browser, whose account Exhibit cannot know, or for an older record).
    static func howRun(_ browser: CaptureRecord.Browser) -> String {
        var parts: [String] = []
        if let account = browser.account {
            parts.append("run as \(account.user) (uid \(account.uid))" + (account.switchedFromRoot ? ", started by root" : ""))
            parts.append(account.sandbox ? "sandbox on" : "sandbox OFF")
        }
        if let transport = browser.transport {
            parts.append(transport == .pipe ? "DevTools over a pipe" : "DevTools over a WebSocket on \(browser.endpoint)")
        }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: "; ")
    }
}

extension ReportModel {
    /// An account page is no post: its name heads the report, its rows say what the header and
    /// timeline held, and nothing speaks of replies.
    mutating func describeAccount(_ post: PostData, timeline line: PostData.Timeline) {
        let account = post.account
        let name = [account?.displayName, account?.handle.map { $0.hasPrefix("@") || $0.hasPrefix("u/") ? $0 : "@\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        heading = "Capture report: account " + (name.isEmpty ? "not recognised" : name)
        authorLabel = "Account"
        author = Field(name, or: "no account header found on the page")
        publishedLabel = "Counts"
        let counts = [("followers", account?.counts.followers), ("following", account?.counts.following), ("posts in total", account?.counts.posts)]
            .compactMap { label, count in count.map { "\(label): “\($0.shown)”" + ($0.value.map { " = \($0)" } ?? "") } }
        published = Field(counts.joined(separator: "; "), or: "no counts found on the page")
        textLabel = "Bio"
        postText = Field(account?.bio, or: "not found on the page")
        repliesLabel = "Timeline"
        replies = Field(line.note, or: "no timeline")
        hasTimeline = !line.entries.isEmpty
        timeline = line.entries.enumerated().map { index, entry in
            let marks = [entry.pinned == true ? (entry.markers?["pinned"] ?? "pinned") : nil,
                         entry.repost == true ? (entry.markers?["repost"] ?? "repost") : nil].compactMap { $0 }.joined(separator: "; ")
            let when = [entry.published.shown.map { "“\($0)”" }, entry.published.iso.map { "\($0) (\(entry.published.precision.rawValue))" }]
                .compactMap { $0 }.joined(separator: " ")
            return TimelineRow(position: index + 1, url: Field(entry.url, or: "no URL found"), published: Field(when, or: "no time shown"),
                               marks: Field(marks, or: "not marked"), text: Field(entry.text.map { $0.count > 200 ? String($0.prefix(200)) + "…" : $0 }, or: "no text"))
        }
    }
}

extension ReportModel {
    /// The captured document's server (address, HTTP version, TLS) and its origin's chain as the
    /// browser received it, from capture.json's `networkProvenance`.
    mutating func describeServer(_ record: CaptureRecord) {
        guard let provenance = record.networkProvenance else {
            serverRows = [Row(label: "Recorded", value: Field(nil, or: "not recorded: the capture did not record its traffic (--warc); "
                + "the Server row above is what the browser reported for the page"))]
            return
        }
        guard let main = provenance.mainDocument, let origin = provenance.origins.first(where: { $0.origin == main.origin }) else {
            serverRows = [Row(label: "Main document", value: Field(nil, or: "no response for the captured URL was recorded"))]
            return
        }
        let server = main.server
        serverRows = [
            Row(label: "Server address", value: Field(server.ip.map { ip in "\(ip) port " + (server.port.map(String.init) ?? "not reported") },
                                                      or: "not reported by the browser (a response from its cache)")),
            Row(label: "HTTP version", value: Field(server.httpVersion, or: "not reported by the browser")),
        ]
        if let hops = main.redirects {
            serverRows.append(Row(label: "Redirects before it", value: Field(hops.map { hop in
                "\(hop.url) (\(hop.status)) from " + (hop.ip.map { "\($0) port \(hop.port.map(String.init) ?? "?")" } ?? "an unreported address")
            }.joined(separator: "; "), or: "none")))
        }
        guard let tls = origin.tls else {
            serverRows.append(Row(label: "TLS", value: Field("no TLS (plain HTTP)", or: "")))
            return
        }
        let connection = tls.connections.first
        serverRows.append(Row(label: "TLS", value: Field(connection.map { c in
            [c.protocol, c.cipher, c.mac.flatMap { $0.isEmpty ? nil : "MAC \($0)" },
             [c.keyExchange, c.keyExchangeGroup].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ").nilIfEmpty.map { "key exchange \($0)" },
             c.serverSignatureAlgorithm.map { "server signature \($0)" }].compactMap { $0 }.joined(separator: ", ")
                + (tls.connections.count > 1 ? " (\(tls.connections.count) different connection settings for this origin, all in capture.json)" : "")
        }, or: "the browser reported no TLS details")))
        serverRows.append(Row(label: "Certificate Transparency", value: Field(connection.map { c in
            let ct = c.certificateTransparency
            return "Chromium's verdict: \(ct.compliance ?? "not given"); " + (ct.scts.isEmpty ? "no SCTs" : "\(ct.scts.count) SCT(s): "
                + ct.scts.map { "\($0.logDescription ?? $0.logId ?? "unnamed log") (\($0.origin ?? "origin not given"), \($0.status ?? "status not given"))" }
                    .joined(separator: "; "))
        }, or: "not reported by the browser")))
        serverRows.append(Row(label: "Certificate chain", value: Field(tls.chainFile.map { file in
            "data/\(file), \(tls.chain.count) certificate(s) as the browser received them, leaf first; Exhibit records them and does not judge whether they are trusted"
                + (tls.chainProblem.map { " (\($0))" } ?? "")
        }, or: tls.chainProblem ?? "not recorded")))
        let others = provenance.origins.count - 1
        if others > 0 {
            serverRows.append(Row(label: "Other origins", value: Field("\(others) more origin(s) answered the page; each with its addresses, "
                + "HTTP versions and chain in capture.json (networkProvenance) and data/tls/", or: "")))
        }
        hasChain = !tls.chain.isEmpty
        chain = tls.chain.enumerated().map { index, certificate in
            ChainCertificate(position: index == 0 ? "1 (leaf)" : String(index + 1),
                             subject: Field(certificate.subject, or: certificate.problem ?? "unreadable certificate"),
                             issuer: Field(certificate.issuer, or: "unreadable"), validFrom: Field(certificate.notBefore, or: "unreadable"),
                             validTo: Field(certificate.notAfter, or: "unreadable"), atCapture: Field(certificate.atCapture, or: "unknown"),
                             sha256: certificate.sha256)
        }
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
