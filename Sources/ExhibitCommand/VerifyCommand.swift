import Archival
import ArgumentParser
import Capture
import DevTools
import Evidence
import Foundation
import TrustedTime

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a capture offline: bag completeness, SHA-256 and SHA-512 of every file, the web archive record by record, every timestamp, the signature.",
        discussion: "Exit codes: 0 valid; 1 invalid (each failing file is named with the reason); 2 unreadable or not a capture.")

    @Argument(help: "The capture folder.")
    var folder: String

    @Option(help: "PEM file of extra trusted TSA roots, repeatable (the system bundle is always trusted).")
    var trustRoots: [String] = []

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Require a valid signature by this key: its public key PEM file, or its fingerprint (SHA256:…).",
                               valueName: "file|fingerprint"))
    var expectKey: String?

    @Flag(help: "Invalid unless at least one trusted timestamp verifies.")
    var requireTimestamp = false

    @Option(name: .customLong("archive"), help: ArgumentHelp("A web archive this capture was paired with (exhibit pair), to check against the SHA-256 its pairing records; repeatable.", valueName: "file"))
    var archives: [String] = []

    @Flag(help: "Add this verification, with its outcome, time and operator, as a PREMIS validation event to the capture's premis.xml (made if absent); only premis.xml's lines of the tag manifests are rewritten.")
    var record = false

    @Option(name: .customLong("operator"), help: ArgumentHelp("Who verified, for --record (default: $EXHIBIT_OPERATOR, then the organisation file's operator).", valueName: "name"))
    var operatorName: String?

    @Option(help: ArgumentHelp("Organisation file whose operator is the default for --record (default: $EXHIBIT_ORG).", valueName: "file"))
    var org: String?

    func run() async throws {
        var roots = TimeStampVerifier.systemRoots
        do { roots += try TimeStampVerifier.roots(fromPEMFiles: trustRoots) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "\(error)") }
        let expected: String?
        do { expected = try expectKey.map(BagSigner.fingerprint(ofKeyOrFingerprint:)) }
        catch { throw CommandFailure(code: Exhibit.Code.usage, message: "--expect-key: \(error)") }
        let report = await BagVerifier(root: URL(fileURLWithPath: folder), trustRoots: roots, expectedKey: expected,
                                       requireTimestamp: requireTimestamp, archives: archives.map { URL(fileURLWithPath: $0) }).verify()
            .adding(ArchivalCheck.checks(bag: URL(fileURLWithPath: folder)))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            // What the capture says it shows, for orientation; the checks below say whether to believe it.
            if let record = try? JSONDecoder().decode(CaptureRecord.self, from: Data(contentsOf: URL(fileURLWithPath: folder)
                .appendingPathComponent("data/capture.json"))) {
                say(TerminalText.safe("capture \(record.captureId): \(record.requestedURL) at \(record.startedAt), \(record.profile.platform): \(record.completeness.summary)"))
            }
            // Each check is one line whatever its subject holds: a file name cannot add a line or overwrite one.
            for check in report.checks { say("\(check.ok ? "ok  " : "FAIL") \(TerminalText.safe(check.subject)): \(TerminalText.safe(check.detail))") }
            let failed = report.checks.filter { !$0.ok }.count
            switch report.verdict {
            case .valid:
                var verdict = "verdict: VALID (\(report.checks.count) checks passed"
                verdict += report.timestamps.isEmpty ? "; no trusted timestamp" : "; \(report.timestamps.count) trusted timestamp(s), earliest \(report.timestamps.map(\.genTime).min() ?? "")"
                if let fingerprint = report.signerFingerprint { verdict += "; signed by \(fingerprint)" }
                say(TerminalText.safe(verdict) + ")")
            case .invalid: print("verdict: INVALID (\(failed) of \(report.checks.count) checks failed)")
            case .unreadable: print("verdict: UNREADABLE (not a capture)")
            }
        }
        if record, report.verdict != .unreadable {
            try recordValidation(report)
        }
        switch report.verdict {
        case .valid: return
        case .invalid: throw ExitCode(1)
        case .unreadable: throw ExitCode(2)
        }
    }

    /// Appends the validation event to premis.xml. A premis.xml that no longer matches its tag
    /// manifest line is not touched: rehashing it would bless whatever changed it.
    func recordValidation(_ report: VerificationReport) throws {
        let root = URL(fileURLWithPath: folder)
        let environment = ProcessInfo.processInfo.environment
        let orgFile = org ?? environment["EXHIBIT_ORG"].flatMap { $0.isEmpty ? nil : $0 }
        let organisation = try orgFile.map { file in
            do { return try Organisation.load(URL(fileURLWithPath: file)).0 }
            catch let problem as Organisation.Problem { throw CommandFailure(code: Exhibit.Code.usage, message: problem.description) }
        }
        let person = operatorName ?? environment["EXHIBIT_OPERATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? organisation?.operatorName
        guard let captureRecord = (try? BagFiles.resolve("data/capture.json", in: root).get()).flatMap({ try? BagFiles.read($0) })
            .flatMap({ try? JSONDecoder().decode(CaptureRecord.self, from: $0) }) else {
            throw CommandFailure(code: Exhibit.Code.failed, message: "--record: data/capture.json cannot be read; nothing recorded")
        }
        let exhibit = PREMIS.Agent.exhibit(version: ExhibitVersion.current)
        let failed = report.checks.filter { !$0.ok }
        var agents = [exhibit]
        var links = [(exhibit.identifier, "executing program")]
        if let person {
            agents.append(.person(person))
            links.append((PREMIS.Agent.person(person).identifier, "implementer"))
        }
        let event = PREMIS.Event(
            code: "val", type: "validation", time: UTCTime.milliseconds(Date()),
            detail: "exhibit verify: BagIt completeness, SHA-256 and SHA-512 of every file, web archive, timestamps, signature, MDTO sidecars",
            outcome: report.verdict == .valid ? "success" : "failure",
            outcomeDetail: report.verdict == .valid ? "VALID: \(report.checks.count) checks passed" + (report.timestamps.isEmpty ? "" : ", \(report.timestamps.count) trusted timestamp(s)")
                : "INVALID: " + failed.prefix(10).map { "\($0.subject): \($0.detail)" }.joined(separator: "; "),
            agents: links)
        let premisURL = root.appendingPathComponent(PREMIS.file)
        var attributes = stat()
        let exists = lstat(premisURL.path, &attributes) == 0
        // Each tag manifest's line for premis.xml, when it has one.
        let listed = ["tagmanifest-sha256.txt", "tagmanifest-sha512.txt"].map { name -> String? in
            let manifest = (try? BagFiles.read(try BagFiles.resolve(name, in: root).get())).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return manifest.split(separator: "\n").first { $0.hasSuffix("  premis.xml") }.map { String($0.prefix { $0 != " " }) }
        }
        let document: Data
        if exists {
            guard (attributes.st_mode & S_IFMT) == S_IFREG else {
                throw CommandFailure(code: Exhibit.Code.failed, message: "--record: premis.xml is not a regular file; nothing recorded")
            }
            let data = try BagFiles.read(premisURL)
            let digest = try FileDigest(regularFileAt: premisURL)
            // Both manifests must vouch for the log as it is: rehashing a changed one would hide the change.
            guard listed[0] == digest.sha256, listed[1] == digest.sha512 else {
                throw CommandFailure(code: Exhibit.Code.failed, message: "--record: premis.xml does not match its lines in tagmanifest-sha256.txt and tagmanifest-sha512.txt; it is not rewritten (that would hide the change)")
            }
            do { document = try PREMIS.appending(event, agents: agents, to: data) }
            catch { throw CommandFailure(code: Exhibit.Code.failed, message: "--record: premis.xml cannot be read (\(error)); nothing recorded") }
        } else {
            // A log the capture made, or the manifests list, and that is gone now is not replaced by a new one.
            if listed.contains(where: { $0 != nil }) || captureRecord.archival?.tagFiles.contains(PREMIS.file) == true {
                throw CommandFailure(code: Exhibit.Code.failed, message: "--record: premis.xml is missing although the capture made it; a new log would hide that, so nothing is recorded")
            }
            let data = root.appendingPathComponent("data")
            let files = captureRecord.files.map { ($0.name, $0.mediaType) } + [("capture.json", "application/json")]
            let objects = try files.map { name, mediaType -> XMLTag in
                let url = try BagFiles.resolve("data/" + name, in: root).get()
                let digest = try FileDigest(regularFileAt: url)
                return PREMIS.object(MDTO.File(name: name, size: digest.size, sha256: digest.sha256, digestedAt: event.time,
                                               format: FormatIdentifier.identify(data.appendingPathComponent(name), mediaType: mediaType)),
                                     captureId: captureRecord.captureId)
            }
            document = Data(PREMIS.document(objects: objects, events: [event], agents: agents).document.utf8)
        }
        do {
            try document.write(to: premisURL, options: .atomic)
            try BagWriter(root: root).updateTagManifestEntries(for: [PREMIS.file])
        } catch {
            throw CommandFailure(code: Exhibit.Code.failed, message: "--record: cannot write premis.xml: \(error)")
        }
        say("recorded: PREMIS validation event (\(event.outcome)) at \(event.time) in premis.xml")
    }
}

struct TimestampCommand: AsyncParsableCommand, LogLevelChoosing {
    static let configuration = CommandConfiguration(
        commandName: "timestamp",
        abstract: "Add RFC 3161 timestamps to an existing capture (payload files are never touched).",
        discussion: "The bag is checked first; a bag whose files no longer match their manifests is not stamped. Exit 0 when at least one TSA granted a timestamp, 1 otherwise, 2 when the folder is not a capture.")

    @Argument(help: "The capture folder.")
    var folder: String

    @Option(name: .customLong("tsa"), help: ArgumentHelp("Timestamp authority URL, repeatable (default: $EXHIBIT_TSA).", valueName: "url"))
    var tsa: [String] = []

    @Option(help: "Seconds each timestamp authority gets to answer.")
    var tsaTimeout: Double = 15

    @Option(name: .customLong("tsa-roots"), help: ArgumentHelp("PEM file of the roots a token must chain to, repeatable (default: the system TLS root bundle).", valueName: "pem"))
    var tsaRoots: [String] = []

    @Option(help: "Browser that prints the updated report.pdf (default: $EXHIBIT_BROWSER, then /usr/lib/chromium/chromium, chromium, google-chrome).")
    var browser: String?

    @OptionGroup var account: BrowserAccountOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        let urls = TimestampAuthorities.resolve(tsa)
        guard !urls.isEmpty else { throw ValidationError("give at least one --tsa URL (or set EXHIBIT_TSA)") }
        try TimestampAuthorities.validate(urls)
    }

    func run() async throws {
        let root = URL(fileURLWithPath: folder)
        let checker = BagChecker(root: root)
        guard checker.looksLikeBag else {
            throw CommandFailure(code: Exhibit.Code.usage, message: "\(folder) is not a capture (no bagit.txt, manifest-sha256.txt or data/)")
        }
        let problems = (try? checker.problems()) ?? []
        // A later stamp must not lend a new date to files that no longer match their manifest.
        if let first = problems.first(where: { !$0.subject.hasPrefix("timestamps/") && $0.subject != "bag-info.txt" && !$0.subject.hasPrefix("tagmanifest") }) {
            throw CommandFailure(code: Exhibit.Code.failed, message: "not stamping \(folder): \(first)")
        }
        // bag-info.txt is rewritten by the stamp, so it is exempt above; its custody fields and the
        // archival tag files must still be what capture.json gives, or the new tag manifests would
        // cover a change.
        if let first = ArchivalCheck.checks(bag: root).first(where: { !$0.ok }) {
            throw CommandFailure(code: Exhibit.Code.failed, message: "not stamping \(folder): \(first)")
        }
        // The report lists the timestamps, so it is made again (HTML and PDF) with the new token.
        // A capture made before Exhibit wrote reports has none, and its record lacks what one shows.
        let hasReport = FileManager.default.fileExists(atPath: root.appendingPathComponent(CaptureReport.htmlFile).path)
        let record = try? JSONDecoder().decode(CaptureRecord.self, from: Data(contentsOf: root.appendingPathComponent("data/capture.json")))
        let remakesReport = hasReport || record != nil
        let browser = self.browser
        let account = self.account
        let outcome: StampOutcome
        do {
            // The same tail a capture seals itself with: stamp, report, tag manifests once.
            outcome = try await Seal.addTimestamps(bag: root, tsas: TimestampAuthorities.resolve(tsa), timeout: tsaTimeout,
                                                   trustRoots: try Seal.trustRoots(tsaRoots),
                                                   report: remakesReport ? { bag in
                do { try await PairCommand.writeReport(bag: bag, browser: browser, account: account) }
                catch { throw ReportNotRewritten(cause: error) }
            } : nil)
        } catch let error as ReportNotRewritten {
            throw CommandFailure(code: Exhibit.Code.failed,
                message: "the timestamp is stored, but the report could not be rewritten (run exhibit timestamp again with a working --browser): \(error.cause)")
        } catch {
            throw CommandFailure(code: Exhibit.Code.failed, message: "cannot stamp \(folder): \(error)")
        }
        for stamp in outcome.trusted { say("timestamp \(stamp.genTime) by \(stamp.tsaName) stored in \(stamp.response)") }
        for stamp in outcome.untrusted {
            tell("exhibit: warning: \(TerminalText.safe(stamp.response)) from \(TerminalText.safe(stamp.tsa)) does not verify and is kept as untrusted: \(TerminalText.safe(stamp.untrustedBecause ?? ""))\n")
        }
        for failure in outcome.failures {
            tell("exhibit: warning: \(TerminalText.safe(failure.reason))\n")
        }
        if outcome.trusted.isEmpty {
            throw CommandFailure(code: Exhibit.Code.failed, message: outcome.untrusted.isEmpty
                ? "no timestamp authority granted a timestamp; the capture is unchanged apart from bag-info.txt (and premis.xml, when it has one) saying so"
                : "no timestamp obtained verifies against the trust roots; the tokens are kept as untrusted")
        }
        if remakesReport {
            print("report rewritten: \(CaptureReport.htmlFile), \(CaptureReport.pdfFile)")
        } else {
            print("no report written: this capture was made by an Exhibit version without capture reports")
        }
    }
}

/// The token is stored and covered, but the report showing it could not be made again.
private struct ReportNotRewritten: Error { let cause: any Error }

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair for signing captures (PEM: <name>.key, <name>.pub.pem).")

    @Option(help: "Path and base name of the key files.")
    var out: String = "exhibit-signing"

    func run() throws {
        do {
            let pair = try BagSigner.generateKeyPair(base: out)
            print("private key: \(pair.privateKey) (keep it secret; mode 0600)")
            print("public key:  \(pair.publicKey)")
            print("fingerprint: \(pair.fingerprint)")
        } catch {
            throw CommandFailure(code: Exhibit.Code.failed, message: "\(error)")
        }
    }
}
