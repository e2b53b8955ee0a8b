import Archival
import Crypto
import DevTools
import Evidence
import Foundation
import PlatformAPI
import PlatformProfiles
import TrustedTime
import X509

/// Seal: the files become evidence, in one direction. `capture.json` is written (the record is
/// assembled here, once, with the state decided in one place), the bag's payload manifests and
/// bag-info, then the signature over `manifest-sha256.txt`, the timestamps over the same bytes, the
/// report that shows them, and last, once, the tag manifests over every tag file. Only then is the
/// folder renamed into place. `exhibit timestamp` runs the same tail (``addTimestamps``).
package struct Seal: Sendable {
    /// What the page phases found, for the record.
    struct Input: Sendable {
        let version: BrowserCommands.GetVersion.Result
        let browserMode: CaptureRecord.BrowserMode
        let commandLine: [String]?
        let endpoint: String
        let transport: CaptureRecord.Browser.Transport
        let account: CaptureRecord.Browser.Account?
        let response: NetworkCommands.Response?
        let redirects: [PageActivity.Redirect]
        let finalURL: String
        let title: String
        let preparation: CaptureRecord.Preparation
        let screenshot: CaptureRecord.Screenshot
        let pdf: CaptureRecord.PDF?
        let outcome: ProfileOutcome
        let completeness: CaptureRecord.Completeness
        /// Who looked: the session given and the account the page showed.
        let viewer: CaptureRecord.Viewer
        /// False when the page did not reach the settle rule within its caps, or changed while rendered.
        let settled: Bool
        let profile: ProfileCatalog.Entry
        let profileChoice: ProfileCatalog.Choice
        let alsoMatched: [String]
        /// The network policy and what it refused.
        let network: CaptureRecord.Network
        /// Files of the `data:` URIs kept by `--keep-inline-media`, relative to `data/`.
        let inlineFiles: [(name: String, mediaType: String)]
        /// The embed frame the post was read in, for `profile.frame`; nil when read from the page.
        var frame: CaptureRecord.FrameUse? = nil
        /// What `data/archive.warc.gz` holds, when `--warc` wrote it.
        var archive: CaptureRecord.Archive? = nil
        /// Who answered and with which certificates, recorded with the traffic; its chains are payload files.
        var servers: ServerProvenance? = nil
        /// The platform API's answers and comparison (`--api`); its answer files are payload files.
        var api: PlatformAPIRecord? = nil
        var batch: CaptureRecord.BatchLine? = nil
        var collection: CaptureRecord.CollectionUse? = nil
    }

    let runner: StepRunner
    let options: CaptureOptions
    let signingKey: Curve25519.Signing.PrivateKey?

    var context: CaptureContext { runner.context }
    var root: URL { runner.folder.root }

    /// Seals the bag and renames it into place. `report` writes the report's files (HTML and PDF)
    /// into the bag; it runs after the timestamps, so the report can show them.
    func run(_ input: Input, report: (URL) async throws -> Void) async throws -> CaptureResult {
        let (record, payload) = try await runner.run(.metadata) { () -> ((CaptureRecord, [PayloadFile]), String) in
            (try writeRecord(input), "capture.json")
        }
        try await runner.untimed(.bag) { () -> ((), String) in
            try BagWriter(root: root).write(payload: payload, info: Self.bagInfo(record), baggingDate: context.started, tagManifests: false)
            return ((), "\(payload.count) payload files, BagIt 1.0")
        }
        var fingerprint: String?
        if let signingKey {
            fingerprint = try await runner.untimed(.sign) { () -> (String, String) in
                let fingerprint = try BagSigner.sign(bag: root, with: signingKey, rewriteTagManifests: false)
                return (fingerprint, "Ed25519 over manifest-sha256.txt, key \(fingerprint)")
            }
        }
        var stamps = StampOutcome(stamped: [], failures: [])
        if !options.timestampAuthorities.isEmpty {
            stamps = try await runner.untimed(.timestamp) { () -> (StampOutcome, String) in
                let outcome = try await Self.stamp(bag: root, tsas: options.timestampAuthorities, timeout: options.timestampTimeout,
                                                   trustRoots: try Self.trustRoots(options.tsaRoots))
                for failure in outcome.failures { context.warn(.timestamp, failure.reason) }
                for token in outcome.untrusted {
                    context.warn(.timestamp, "the token from \(token.tsa) does not verify and is kept as untrusted: \(token.untrustedBecause ?? "")")
                }
                return (outcome, outcome.stamped.isEmpty ? "pending: no TSA answered; add one later with exhibit timestamp"
                        : outcome.stamped.map { "\($0.genTime) from \($0.tsa)" + ($0.trusted == false ? " (untrusted)" : " (verified)") }
                            .joined(separator: ", "))
            }
        }
        if let archival = options.archival, archival.mdto {
            try await runner.untimed(.archival) { () -> ((), String) in
                let written = try ArchivalFiles(root: root, record: record, payload: payload.map(\.asRecorded), settings: archival, stamps: stamps,
                                                signerFingerprint: fingerprint).write()
                return ((), "\(written.count - 1) MDTO 1.0.1 sidecars in mdto/ and the PREMIS 3 log premis.xml (tag files)")
            }
        }
        try await runner.untimed(.report) { () -> ((), String) in
            try await report(root)
            try Self.closeBag(root)
            return ((), "\(CaptureReport.htmlFile) and \(CaptureReport.pdfFile) (tag files, in tagmanifest-sha256.txt)")
        }
        let folder: URL
        do { folder = try runner.folder.moveIntoPlace(started: context.started, url: context.url, captureId: context.captureId) }
        catch { throw runner.failure(.bag, error) }
        if options.requireTimestamp && stamps.trusted.isEmpty {
            throw CaptureError.failed(.timestamp, url: context.url.absoluteString,
                (stamps.untrusted.isEmpty ? "no TSA granted a timestamp" : "no timestamp obtained verifies against the trust roots")
                + " (--require-timestamp); the capture is kept, timestamp pending, in \(folder.path)")
        }
        return CaptureResult(folder: folder, record: record, payload: payload, timestamps: stamps, signerFingerprint: fingerprint)
    }

    /// Hashes the payload, assembles the record and writes data/capture.json, then hashes it too.
    private func writeRecord(_ input: Input) throws -> (CaptureRecord, [PayloadFile]) {
        let start = context.elapsed
        var files: [PayloadFile] = []
        var names = [("screenshot.png", "image/png"), ("dom.html", "text/html"), ("post.json", "application/json")]
        if input.pdf != nil { names.insert(("page.pdf", "application/pdf"), at: 1) }
        names += input.inlineFiles.map { ($0.name, $0.mediaType) }
        // Written in full before Seal starts, so its hash is of its last write.
        if let archive = input.archive { names.append((archive.file, "application/warc")) }
        if let wacz = input.archive?.wacz { names.append((wacz, "application/wacz")) }
        names += input.servers?.files ?? []
        names += input.api?.files ?? []
        for (name, type) in names { files.append(try PayloadFile.hash(name, in: root, mediaType: type)) }
        var formats: [String: FileFormat] = [:]
        var archivalTagFiles: [String] = []
        if let archival = options.archival {
            if archival.organisation.voorbeeldwaarden {
                context.warn(.metadata, "the organisation file \(archival.organisationFile) still holds org init's example values (voorbeeldwaarden = true)")
            }
            if archival.mdto {
                for file in files {
                    let format = FormatIdentifier.identify(runner.folder.data.appendingPathComponent(file.name), mediaType: file.mediaType)
                    formats[file.name] = format
                    if format.puid == nil {
                        context.warn(.metadata, "the format of data/\(file.name) is not identified in PRONOM (\(format.evidence)); its MDTO sidecar names its media type \(file.mediaType) only")
                    }
                }
                let replies = archival.mdtoReplies ? (ArchivalFiles.post(in: root)?.allReplies.count ?? 0) : 0
                archivalTagFiles = ArchivalFiles.names(payload: files.map(\.name) + ["capture.json"], replies: replies)
            }
        }
        let end = context.elapsed
        var record = assemble(input, files: files, steps: context.stepRecords(until: end, pending: .init(step: .metadata, start: start, end: end)),
                              endedAt: context.utc(end))
        // A record that contradicts itself is never written: every step must lie within the capture.
        if let problem = record.stepTimeProblems().first { throw StepProblem("internal error, the record would be false: \(problem)") }
        for index in record.files.indices { record.files[index].format = formats[record.files[index].name] }
        record.custody = options.custody.flatMap { $0.isEmpty ? nil : $0 }
        record.archival = options.archival.map { settings in
            let storage = settings.organisation.opslag
            return .init(settings: settings, exampleValues: settings.organisation.voorbeeldwaarden, tagFiles: archivalTagFiles,
                         storage: "\(storage.land), \(storage.eer ? "inside" : "outside") the EEA" + (storage.omschrijving.map { ": \($0)" } ?? ""),
                         mdtoRevision: settings.mdto ? MDTO.revision : nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(record).write(to: runner.folder.data.appendingPathComponent("capture.json"))
        files.append(try PayloadFile.hash("capture.json", in: root, mediaType: "application/json"))
        return (record, files)
    }

    /// The record, from the phases' outputs and the context, in one place.
    func assemble(_ input: Input, files: [PayloadFile], steps: [CaptureRecord.Step], endedAt: String) -> CaptureRecord {
        let response = input.response
        let http = CaptureRecord.HTTP(
            status: response?.status ?? 0, statusText: response?.statusText ?? "",
            protocolName: response?.protocol, mimeType: response?.mimeType ?? "",
            headers: response?.headers ?? [:],
            remoteAddress: response?.remoteIPAddress.map { .init(ip: $0, port: response?.remotePort ?? 0) },
            tls: response?.securityDetails.map {
                .init(protocolName: $0.protocol, cipher: $0.cipher, subjectName: $0.subjectName, issuer: $0.issuer,
                      validFrom: UTCTime.milliseconds(Date(timeIntervalSince1970: $0.validFrom)),
                      validTo: UTCTime.milliseconds(Date(timeIntervalSince1970: $0.validTo)))
            })
        let profile = input.profile
        return CaptureRecord(
            captureId: context.captureId,
            state: .assess(screenshot: input.screenshot, pdf: input.pdf, completeness: input.completeness,
                           expansion: input.outcome.expansion, settled: input.settled),
            requestedURL: context.url.absoluteString, finalURL: input.finalURL,
            redirects: input.redirects.map { .init(url: $0.url, status: $0.status, location: $0.location) },
            http: http, pageTitle: input.title,
            startedAt: UTCTime.milliseconds(context.started), endedAt: endedAt,
            browser: .init(product: input.version.product, revision: input.version.revision,
                           protocolVersion: input.version.protocolVersion,
                           userAgent: options.userAgent ?? input.version.userAgent,
                           mode: input.browserMode, commandLine: input.commandLine, endpoint: input.endpoint,
                           transport: input.transport, account: input.account),
            viewport: .init(width: options.viewportWidth, height: options.viewportHeight, deviceScaleFactor: options.deviceScaleFactor),
            locale: options.locale, timeZone: options.timeZone,
            exhibit: .init(name: ExhibitVersion.name, version: ExhibitVersion.current),
            host: HostInfo.current(), options: options.asRecorded, network: input.network,
            preparation: input.preparation, screenshot: input.screenshot, pdf: input.pdf, steps: steps, warnings: context.warnings,
            timestamp: .init(requestedFrom: options.timestampAuthorities, stamps: "manifest-sha256.txt",
                             stateWhenBagged: options.timestampAuthorities.isEmpty ? "not requested" : "pending",
                             resultsIn: ["bag-info.txt", "timestamps/timestamps.json"]),
            signature: signingKey.map {
                .init(algorithm: "Ed25519", publicKeyFingerprint: BagSigner.fingerprint($0.publicKey),
                      signs: "manifest-sha256.txt", files: [BagSigner.signatureFile, BagSigner.publicKeyFile])
            },
            profile: .init(name: profile.profile.name, platform: profile.profile.platform,
                           file: "Profiles/" + profile.file.lastPathComponent, sha256: profile.sha256,
                           chosenBy: input.profileChoice.rawValue, alsoMatched: input.alsoMatched.isEmpty ? nil : input.alsoMatched,
                           verified: profile.profile.verified?.date,
                           scriptSHA256: PageScript.install.sha256,
                           world: "isolated world 'exhibit' (Page.createIsolatedWorld)",
                           pageKind: input.outcome.timeline != nil ? "account" : "post", frame: input.frame),
            actions: context.actions, expansion: input.outcome.expansion, completeness: input.completeness,
            files: files.map(\.asRecorded),
            viewer: input.viewer, archive: input.archive, networkProvenance: input.servers?.record, api: input.api,
            batch: input.batch, collection: input.collection)
    }

    /// bag-info.txt's fields, from the record alone, so that `verify` can rebuild them and see
    /// that none was changed (the custody fields are covered only by the tag manifest).
    static func bagInfo(_ record: CaptureRecord) -> [(String, String)] {
        var info: [(String, String)] = []
        let organisation = record.archival?.settings.organisation
        if let organization = record.options.sourceOrganization ?? organisation?.bagit.sourceOrganization { info.append(("Source-Organization", organization)) }
        // BagIt's Contact-Name is the person responsible for the content: the operator first, then
        // the organisation's contact.
        let operatorName = record.custody?.operatorName ?? organisation?.operatorName
        if let operatorName { info.append(("Contact-Name", operatorName)) }
        if let contact = organisation?.bagit.contactName, contact != operatorName { info.append(("Contact-Name", contact)) }
        if let email = organisation?.bagit.contactEmail { info.append(("Contact-Email", email)) }
        info.append(("External-Identifier", record.captureId))
        var description = "Evidential capture of \(record.requestedURL) by Exhibit \(record.exhibit.version)"
        if let purpose = record.custody?.purpose { description += "; purpose: \(purpose)" }
        info.append(("External-Description", description))
        if let reference = record.custody?.caseReference { info.append(("Internal-Sender-Identifier", reference)) }
        if let note = record.custody?.note { info.append(("Internal-Sender-Description", note)) }
        info.append(("Bag-Software-Agent", "Exhibit \(record.exhibit.version)"))
        if record.options.timestampAuthorities.isEmpty { info.append(("Timestamp-Status", "not requested")) }
        return info
    }

    // MARK: The tail shared with `exhibit timestamp`

    /// Asks the TSAs to stamp `manifest-sha256.txt`, verifying each token against `trustRoots` as
    /// it arrives; the tag manifests wait for ``closeBag(_:)``.
    static func stamp(bag root: URL, tsas: [String], timeout: Double, trustRoots: [Certificate]) async throws -> StampOutcome {
        try await BagStamper(root: root).stamp(tsas: tsas, timeout: timeout, rewriteTagManifests: false, trustRoots: trustRoots)
    }

    /// The roots a token must chain to: the PEM files given, or else the system's TLS root bundle.
    package static func trustRoots(_ pemFiles: [String]) throws -> [Certificate] {
        pemFiles.isEmpty ? TimeStampVerifier.systemRoots : try TimeStampVerifier.roots(fromPEMFiles: pemFiles)
    }

    /// The last write of a bag: the tag manifests, once, over every tag file.
    static func closeBag(_ root: URL) throws {
        try BagWriter(root: root).writeTagManifests()
    }

    /// Adds timestamps to a sealed capture the way a capture seals itself: stamp, then the report
    /// made again by `report` (when given and a token was granted), then the tag manifests, once.
    /// The payload is not touched.
    package static func addTimestamps(bag root: URL, tsas: [String], timeout: Double, trustRoots: [Certificate],
                                     report: ((URL) async throws -> Void)?) async throws -> StampOutcome {
        let outcome = try await stamp(bag: root, tsas: tsas, timeout: timeout, trustRoots: trustRoots)
        // The PREMIS log, when the capture has one, gains the new tokens (and refusals).
        try ArchivalFiles.recordStamps(outcome, in: root)
        guard !outcome.stamped.isEmpty else {
            try closeBag(root)
            return outcome
        }
        do { try await report?(root) } catch {
            // The token is kept and covered even when the report could not be made again.
            try closeBag(root)
            throw error
        }
        try closeBag(root)
        return outcome
    }
}

extension PayloadFile {
    /// The file as `capture.json` lists it.
    var asRecorded: CaptureRecord.File {
        .init(name: name, mediaType: mediaType, size: digest.size, sha256: digest.sha256)
    }
}

extension CaptureRecord.CaptureState {
    /// The one place a capture's state is decided: partial when the screenshot or the PDF was cut,
    /// or the screenshot has blank bands over content, when the post was not there to capture, when
    /// expansion stopped at a limit, or when the page never settled (it may have been captured while
    /// still changing).
    static func assess(screenshot: CaptureRecord.Screenshot, pdf: CaptureRecord.PDF? = nil, completeness: CaptureRecord.Completeness,
                       expansion: CaptureRecord.Expansion, settled: Bool) -> Self {
        screenshot.truncated || !screenshot.blankBands.isEmpty || pdf?.cutWidth != nil || completeness.availability != .available
            || expansion.limitReached || !settled || !completeness.postRecognised
            || (completeness.repliesBeyondCount ?? 0) != 0 ? .partial : .complete
    }
}

extension CaptureRecord {
    /// Each step whose start or end falls outside the capture's own start and end, or whose time
    /// cannot be read, in words; empty for a true record. Every capture checks its record with this
    /// before writing it, and the tests check every record they read.
    package func stepTimeProblems() -> [String] {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let start = parser.date(from: startedAt), let end = parser.date(from: endedAt) else {
            return ["the capture's startedAt '\(startedAt)' or endedAt '\(endedAt)' is not a UTC time"]
        }
        // Times are written to the millisecond (a start and an end each cut to it, a duration
        // rounded to it): allow for those roundings, and no more.
        let slack = 0.0025
        var problems: [String] = []
        for step in steps {
            guard let began = parser.date(from: step.startedAt) else {
                problems.append("step \(step.name.rawValue) starts at '\(step.startedAt)', not a UTC time")
                continue
            }
            let ended = began.addingTimeInterval(step.seconds)
            if step.seconds < 0 || began.timeIntervalSince(start) < -slack || ended.timeIntervalSince(end) > slack {
                problems.append("step \(step.name.rawValue) (\(step.startedAt), \(step.seconds) s) lies outside the capture (\(startedAt) to \(endedAt))")
            }
        }
        return problems
    }
}
