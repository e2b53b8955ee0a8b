import Archival
import Foundation

/// Who made a capture, for which matter, and why. Recorded in `capture.json` (`custody`),
/// `bag-info.txt` (`Contact-Name`, `Internal-Sender-Identifier`, `External-Description`,
/// `Internal-Sender-Description`), the report's first lines and the MDTO `Opname` event.
public struct Custody: Codable, Sendable, Equatable {
    /// The person who made the capture (`--operator`, `$EXHIBIT_OPERATOR`, the organisation file).
    public var operatorName: String?
    /// A matter, dossier or zaak number (`--case`).
    public var caseReference: String?
    /// The legal basis or reason (`--purpose`).
    public var purpose: String?
    /// Free text (`--note`).
    public var note: String?

    public init(operatorName: String?, caseReference: String?, purpose: String?, note: String?) {
        self.operatorName = operatorName
        self.caseReference = caseReference
        self.purpose = purpose
        self.note = note
    }

    public var isEmpty: Bool { operatorName == nil && caseReference == nil && purpose == nil && note == nil }

    enum CodingKeys: String, CodingKey {
        case operatorName = "operator", caseReference = "case", purpose, note
    }
}

/// The organisation's settings a capture uses, and what it writes from them.
public struct ArchivalSettings: Codable, Sendable, Equatable {
    public var organisation: Organisation
    /// The organisation file as given, and its SHA-256 when read.
    public var organisationFile: String
    public var organisationSHA256: String
    /// `key=value` overrides applied over the file (`--org-set`, `--waardering`, `--bewaartermijn`).
    public var overrides: [String]
    /// Write `mdto/` sidecars and `premis.xml`.
    public var mdto: Bool
    /// One MDTO information object per reply of the thread (`--mdto-replies`).
    public var mdtoReplies: Bool

    public init(organisation: Organisation, organisationFile: String, organisationSHA256: String, overrides: [String], mdto: Bool, mdtoReplies: Bool) {
        self.organisation = organisation
        self.organisationFile = organisationFile
        self.organisationSHA256 = organisationSHA256
        self.overrides = overrides
        self.mdto = mdto
        self.mdtoReplies = mdtoReplies
    }
}

extension CaptureRecord {
    /// The archival settings a capture used and the tag files it wrote from them.
    public struct ArchivalUse: Codable, Sendable {
        public var settings: ArchivalSettings
        /// True while the organisation file still held `org init`'s example values.
        public var exampleValues: Bool
        /// Tag files written from the settings: `mdto/…` sidecars and `premis.xml`, empty without MDTO.
        public var tagFiles: [String]
        /// Where captures are stored and processed, in words, and whether inside the EEA.
        public var storage: String
        /// ``MDTO/revision`` of the code that wrote the sidecars; absent in records made before it was recorded.
        public var mdtoRevision: Int? = nil
    }
}
