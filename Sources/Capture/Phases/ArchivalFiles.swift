import Archival
import Evidence
import Foundation
import PlatformProfiles

/// The MDTO sidecars and the PREMIS log of a sealed capture, written as tag files after the
/// timestamps (so the log can name them) and before the tag manifests (so they are covered).
/// The payload is read, never written.
struct ArchivalFiles {
    let root: URL
    let record: CaptureRecord
    /// Every payload file, capture.json included, with the size and SHA-256 it was hashed with.
    let payload: [CaptureRecord.File]
    let settings: ArchivalSettings
    let stamps: StampOutcome
    let signerFingerprint: String?

    /// The tag files a capture with these settings writes, known before they are written so that
    /// `capture.json` can list them.
    static func names(payload: [String], replies: Int) -> [String] {
        [MDTO.postPath] + (0..<replies).map(MDTO.replyPath) + payload.map(MDTO.bestandPath) + [PREMIS.file]
    }

    /// The post as read (`data/post.json`), when there is one.
    static func post(in root: URL) -> PostData? {
        try? JSONDecoder().decode(PostData.self, from: Data(contentsOf: root.appendingPathComponent("data/post.json")))
    }

    var custody: Custody? { record.custody }

    /// A URL the page gave, kept only when it is http(s): the page decides what it says.
    static func webURL(_ text: String) -> String? {
        guard let scheme = URLComponents(string: text)?.scheme?.lowercased(), ["http", "https"].contains(scheme) else { return nil }
        return text
    }
    var operatorName: String {
        custody?.operatorName ?? settings.organisation.operatorName ?? "niet opgegeven (geen --operator)"
    }

    /// The files as the sidecars describe them: every payload file, capture.json last.
    func files() -> [MDTO.File] {
        payload.map { file in
            MDTO.File(name: file.name, size: file.size, sha256: file.sha256, digestedAt: record.endedAt,
                      format: record.files.first { $0.name == file.name }?.format
                        ?? FormatIdentifier.identify(root.appendingPathComponent("data").appendingPathComponent(file.name), mediaType: file.mediaType))
        }
    }

    func mdtoPost(files: [MDTO.File]) -> MDTO.Post {
        let post = Self.post(in: root)
        let item = post?.post
        let replies = settings.mdtoReplies ? (post?.allReplies ?? []) : []
        if post?.kind == "account", let account = post?.account {
            let times = (post?.timeline?.entries ?? []).compactMap(\.published.iso).sorted()
            var page = MDTO.Post(
                captureId: record.captureId, platform: record.profile.platform, url: record.finalURL, platformId: nil,
                authorName: account.displayName, authorHandle: account.handle, authorURL: account.url.flatMap(Self.webURL), published: nil, publishedExact: false,
                text: nil, language: nil, capturedAt: record.startedAt, operatorName: operatorName,
                software: "\(record.exhibit.name) \(record.exhibit.version) in \(record.browser.product)",
                result: "\(record.state.rawValue): \(record.completeness.summary)",
                caseReference: custody?.caseReference, purpose: custody?.purpose, note: custody?.note,
                replyCount: 0, files: files, replies: [], organisation: settings.organisation)
            page.accountPage = .init(visible: post?.timeline?.visible ?? 0, oldest: times.first, newest: times.last)
            page.hasWebArchive = record.archive != nil
            return page
        }
        var result = MDTO.Post(
            captureId: record.captureId, platform: record.profile.platform, url: record.finalURL,
            platformId: item?.id, authorName: item?.author.displayName, authorHandle: item?.author.handle, authorURL: item?.author.profileURL.flatMap(Self.webURL),
            published: item?.published.iso, publishedExact: item?.published.precision == .exact, text: item?.text, language: item?.language,
            capturedAt: record.startedAt, operatorName: operatorName,
            software: "\(record.exhibit.name) \(record.exhibit.version) in \(record.browser.product)",
            result: "\(record.state.rawValue): \(record.completeness.summary)",
            caseReference: custody?.caseReference, purpose: custody?.purpose, note: custody?.note,
            replyCount: post?.replyCount.captured ?? 0, files: files,
            replies: replies.map { MDTO.Reply(platformId: $0.id, url: $0.url.flatMap(Self.webURL), author: $0.author.displayName ?? $0.author.handle,
                                              published: $0.published.iso, text: $0.text) },
            organisation: settings.organisation)
        result.hasWebArchive = record.archive != nil
        return result
    }

    /// Every MDTO sidecar, by its path in the bag: a function of the payload alone, so that
    /// `verify` can make them again and compare.
    func documents() -> [(String, String)] {
        let files = files()
        let post = mdtoPost(files: files)
        var documents: [(String, String)] = [(MDTO.postPath, MDTO.post(post).document)]
        for index in post.replies.indices { documents.append((MDTO.replyPath(index), MDTO.reply(post, index: index).document)) }
        for file in files { documents.append((MDTO.bestandPath(file.name), MDTO.bestand(file, post: post).document)) }
        return documents
    }

    /// Writes every sidecar and `premis.xml`; returns their paths, relative to the bag.
    func write() throws -> [String] {
        var written = documents()
        written.append((PREMIS.file, premis(files: files()).document))
        for (path, text) in written {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .withoutOverwriting)
        }
        return written.map(\.0)
    }

    /// The capture's events, from the record and the stamps.
    func premis(files: [MDTO.File]) -> XMLTag {
        let exhibit = PREMIS.Agent.exhibit(version: record.exhibit.version)
        let browser = PREMIS.Agent(type: "software", identifier: "software:\(record.browser.product)", name: record.browser.product,
                                   version: record.browser.revision)
        let person = PREMIS.Agent.person(operatorName)
        let storage = settings.organisation.opslag
        let organisation = PREMIS.Agent(type: "organization", identifier: "organization:\(settings.organisation.archiefvormer.bron):\(settings.organisation.archiefvormer.identificatie)",
                                        name: settings.organisation.archiefvormer.naam,
                                        note: "Opslag en verwerking: \(storage.land) (\(storage.eer ? "binnen" : "buiten") de EER)" + (storage.omschrijving.map { "; \($0)" } ?? ""))
        var agents = [exhibit, browser, person, organisation]
        let everyFile = files.map { MDTO.fileId(record.captureId, $0.name) }
        var events: [PREMIS.Event] = [
            .init(code: "cap", type: "capture", time: record.startedAt,
                  detail: "\(record.requestedURL) loaded in \(record.browser.product) and captured by Exhibit as a full-page PNG, PDF, DOM and post.json"
                    + (record.archive != nil ? " with a WARC of its traffic" : ""),
                  outcome: record.state == .complete ? "success" : "partial", outcomeDetail: record.completeness.summary,
                  agents: [(exhibit.identifier, "executing program"), (browser.identifier, "executing program"), (person.identifier, "implementer"),
                           (organisation.identifier, "authorizer")], objects: everyFile),
            .init(code: "mes", type: "message digest calculation", time: record.endedAt,
                  detail: "SHA-256 and SHA-512 of every payload file, in manifest-sha256.txt and manifest-sha512.txt",
                  outcome: "success", agents: [(exhibit.identifier, "executing program")], objects: everyFile),
        ]
        let unknown = files.filter { $0.format.puid == nil }
        events.append(.init(code: "for", type: "format identification", time: record.endedAt,
                            detail: "PRONOM PUIDs read from each file's signature by Exhibit's identifier",
                            outcome: unknown.isEmpty ? "success" : "warning",
                            outcomeDetail: unknown.isEmpty ? nil : "recorded by media type only: " + unknown.map(\.name).joined(separator: ", "),
                            agents: [(exhibit.identifier, "executing program")], objects: everyFile))
        if let signerFingerprint {
            events.append(.init(code: "dig", type: "digital signature generation", time: record.endedAt,
                                detail: "Ed25519 signature over manifest-sha256.txt (signature/)", outcome: "success",
                                outcomeDetail: "key \(signerFingerprint)", agents: [(exhibit.identifier, "executing program"), (person.identifier, "implementer")]))
        }
        let (stampEvents, tsas) = Self.stampEvents(stamps, exhibit: exhibit, fallbackTime: record.endedAt)
        events += stampEvents
        agents += tsas
        return PREMIS.document(objects: files.map { PREMIS.object($0, captureId: record.captureId) }, events: events, agents: agents)
    }

    /// One `timestamping` event per token granted or refused, with the TSA as an agent.
    static func stampEvents(_ stamps: StampOutcome, exhibit: PREMIS.Agent, fallbackTime: String) -> ([PREMIS.Event], [PREMIS.Agent]) {
        var events: [PREMIS.Event] = []
        var agents: [PREMIS.Agent] = []
        for stamp in stamps.stamped {
            let tsa = PREMIS.Agent(type: "organization", identifier: "tsa:\(stamp.tsa)", name: stamp.tsaName.isEmpty ? stamp.tsa : stamp.tsaName,
                                   note: "RFC 3161 time-stamping authority at \(stamp.tsa)")
            agents.append(tsa)
            events.append(.init(code: nil, type: "timestamping", time: stamp.genTime,
                                detail: "RFC 3161 time-stamp token over \(stamp.stamped) (SHA-256 \(stamp.stampedSHA256)), serial \(stamp.serialNumber), in \(stamp.response)",
                                outcome: stamp.trusted == false ? "failure" : "success",
                                outcomeDetail: stamp.trusted == false ? "the token does not verify: \(stamp.untrustedBecause ?? "")" : "verified against the trust roots when taken",
                                agents: [(tsa.identifier, "authorizer"), (exhibit.identifier, "executing program")]))
        }
        for failure in stamps.failures {
            let tsa = PREMIS.Agent(type: "organization", identifier: "tsa:\(failure.tsa)", name: failure.tsa)
            agents.append(tsa)
            events.append(.init(code: nil, type: "timestamping", time: fallbackTime, detail: "RFC 3161 time-stamp request over manifest-sha256.txt",
                                outcome: "failure", outcomeDetail: failure.reason, agents: [(tsa.identifier, "authorizer"), (exhibit.identifier, "executing program")]))
        }
        return (events, agents)
    }

    /// Adds the timestamping events of a later `exhibit timestamp` to an existing premis.xml; a
    /// capture without one is left without one.
    static func recordStamps(_ stamps: StampOutcome, in root: URL) throws {
        let url = root.appendingPathComponent(PREMIS.file)
        guard let data = try? BagFiles.read(url) else { return }
        let exhibit = PREMIS.Agent.exhibit(version: ExhibitVersion.current)
        let (events, agents) = stampEvents(stamps, exhibit: exhibit, fallbackTime: UTCTime.milliseconds(Date()))
        var document = data
        for event in events {
            document = try PREMIS.appending(event, agents: agents + [exhibit], to: document)
        }
        try document.write(to: url, options: .atomic)
    }
}
