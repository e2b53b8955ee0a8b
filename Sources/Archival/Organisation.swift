import Crypto
import Foundation
import TOMLKit

/// An organisation's archival settings, set once in a file (`exhibit org init`) and used by every
/// capture: who the archive creator is, how captures are classified and appraised, what limits
/// their use, where they are stored, and the BagIt contact fields.
///
/// The file is TOML (`.toml`) or JSON (`.json`); both have the same keys. Unknown keys are refused
/// (a misspelt `waardring` would otherwise drop a setting without a word), and each missing or bad
/// field is named with the MDTO element or bag field it feeds.
public struct Organisation: Sendable, Codable, Equatable {
    /// True while the file still holds `org init`'s example values; every capture then warns.
    public var voorbeeldwaarden: Bool
    /// Write MDTO sidecars and the PREMIS log with every capture, as `--mdto` does.
    public var mdto: Bool
    /// The default operator (`--operator`, `$EXHIBIT_OPERATOR` override it).
    public var operatorName: String?
    /// The default language of the posts (an xsd:language tag such as `nl`), for MDTO `taal`.
    public var taal: String
    public var archiefvormer: Archiefvormer
    public var classificatie: Classificatie
    /// `V` (tijdelijk te bewaren), `B` (blijvend te bewaren) or `N` (nader te bepalen).
    public var waardering: Waardering
    /// An xsd:duration such as `P10Y`; written only with waardering V, as MDTO allows.
    public var bewaartermijn: String?
    public var beperkingGebruik: BeperkingGebruik
    public var opslag: Opslag
    public var bagit: BagItContact

    public struct Archiefvormer: Sendable, Codable, Equatable {
        public var naam: String
        /// An OIN (20 digits) or a TOOI identifier.
        public var identificatie: String
        /// Where the identifier comes from: `OIN`, `TOOI`, …
        public var bron: String
    }

    public struct Classificatie: Sendable, Codable, Equatable {
        public var label: String
        public var code: String
        /// The begrippenlijst the classification comes from (the organisation's process list).
        public var begrippenlijst: String
    }

    public enum Waardering: String, Sendable, Codable, Equatable {
        case V, B, N
        /// The label of the MDTO list Begrippenlijst Waarderingen MDTO.
        public var label: String {
            switch self {
            case .V: "Tijdelijk te bewaren"
            case .B: "Blijvend te bewaren"
            case .N: "Nader te bepalen"
            }
        }

        /// `V`, `B`, `N`, or the words (`nog niet bepaald`, `nader te bepalen`, `blijvend`, …).
        public init?(text: String) {
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "v", "tijdelijk te bewaren", "tijdelijk": self = .V
            case "b", "blijvend te bewaren", "blijvend": self = .B
            case "n", "nog niet bepaald", "nader te bepalen": self = .N
            default: return nil
            }
        }
    }

    public struct BeperkingGebruik: Sendable, Codable, Equatable {
        /// A term of Begrippenlijst BeperkingGebruikTypeLijst MDTO (`Geen beperking`, `Nader te
        /// bepalen`, `Overig`) or of the list named in ``begrippenlijst``.
        public var type: String
        public var begrippenlijst: String
        public var nadereBeschrijving: String?
    }

    public struct Opslag: Sendable, Codable, Equatable {
        /// ISO 3166-1 alpha-2 country where captures are stored and processed.
        public var land: String
        /// Whether that country is in the European Economic Area; checked against ``land``.
        public var eer: Bool
        public var omschrijving: String?
    }

    public struct BagItContact: Sendable, Codable, Equatable {
        public var sourceOrganization: String
        public var contactName: String
        public var contactEmail: String
    }

    /// The EU's 27 members and Iceland, Liechtenstein and Norway.
    public static let eeaCountries: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
        "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    ]

    /// Every key the file may hold, with what it feeds (for error messages and the README).
    public static let fields: [(key: String, required: Bool, feeds: String)] = [
        ("voorbeeldwaarden", false, "a warning on every capture while true"),
        ("mdto", false, "MDTO sidecars and premis.xml with every capture (as --mdto)"),
        ("operator", false, "capture.json custody.operator, bag-info Contact-Name, MDTO Opname eventVerantwoordelijkeActor, PREMIS agent"),
        ("taal", false, "MDTO <taal> when the post states no language"),
        ("archiefvormer.naam", true, "MDTO <archiefvormer>/<verwijzingNaam>"),
        ("archiefvormer.identificatie", true, "MDTO <archiefvormer>/<verwijzingIdentificatie>/<identificatieKenmerk>"),
        ("archiefvormer.bron", true, "MDTO <archiefvormer>/<verwijzingIdentificatie>/<identificatieBron>"),
        ("classificatie.label", true, "MDTO <classificatie>/<begripLabel>"),
        ("classificatie.code", true, "MDTO <classificatie>/<begripCode>"),
        ("classificatie.begrippenlijst", true, "MDTO <classificatie>/<begripBegrippenlijst>/<verwijzingNaam>"),
        ("waardering", true, "MDTO <waardering> (V, B or N)"),
        ("bewaartermijn", false, "MDTO <bewaartermijn>/<termijnLooptijd> (required with waardering V)"),
        ("beperkingGebruik.type", true, "MDTO <beperkingGebruik>/<beperkingGebruikType>/<begripLabel>"),
        ("beperkingGebruik.begrippenlijst", false, "MDTO <beperkingGebruik>/<beperkingGebruikType>/<begripBegrippenlijst>"),
        ("beperkingGebruik.nadereBeschrijving", false, "MDTO <beperkingGebruik>/<beperkingGebruikNadereBeschrijving>"),
        ("opslag.land", true, "capture.json archival.storage and the PREMIS storage note (no MDTO element)"),
        ("opslag.eer", true, "capture.json archival.storage (inside or outside the EEA)"),
        ("opslag.omschrijving", false, "capture.json archival.storage"),
        ("bagit.sourceOrganization", true, "bag-info.txt Source-Organization"),
        ("bagit.contactName", true, "bag-info.txt Contact-Name (after the operator)"),
        ("bagit.contactEmail", true, "bag-info.txt Contact-Email"),
    ]

    /// A bad organisation file or override, in one line.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    // MARK: Reading

    /// Reads and checks the file; `overrides` (`key=value`, as `--org-set` gives them) replace
    /// the file's values before the check.
    public static func load(_ url: URL, overrides: [(String, String)] = []) throws -> (Organisation, sha256: String) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw Problem("organisation file \(url.path) cannot be read: \(error.localizedDescription)") }
        guard data.count <= 1 << 20 else { throw Problem("organisation file \(url.path) is over 1 MiB; it is not an organisation file") }
        var table = try parse(data, name: url.lastPathComponent)
        for (key, value) in overrides { try set(&table, key: key, text: value) }
        let organisation = try check(table, source: url.path)
        return (organisation, FileHash.sha256(data))
    }

    /// The file's keys as a dictionary, from TOML or JSON by the file's extension.
    static func parse(_ data: Data, name: String) throws -> [String: Any] {
        let lower = name.lowercased()
        if lower.hasSuffix(".json") {
            guard let object = try? JSONSerialization.jsonObject(with: data), let table = object as? [String: Any] else {
                throw Problem("organisation file \(name) is not a JSON object")
            }
            return table
        }
        guard lower.hasSuffix(".toml") else { throw Problem("organisation file \(name) must end in .toml or .json") }
        guard let text = String(data: data, encoding: .utf8) else { throw Problem("organisation file \(name) is not UTF-8") }
        do {
            let toml = try TOMLTable(string: text)
            let json = toml.convert(to: .json)
            guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)), let table = object as? [String: Any] else {
                throw Problem("organisation file \(name) could not be read as a table")
            }
            return table
        } catch let error as TOMLParseError {
            throw Problem("organisation file \(name) is not valid TOML (line \(error.source.begin.line), column \(error.source.begin.column)): \(error.description)")
        }
    }

    /// Sets one dotted key (`archiefvormer.naam=…`); an unknown key is refused.
    static func set(_ table: inout [String: Any], key: String, text: String) throws {
        guard fields.contains(where: { $0.key == key }) else {
            throw Problem("--org-set: unknown field '\(key)' (known: \(fields.map(\.key).joined(separator: ", ")))")
        }
        var value: Any = text
        if ["voorbeeldwaarden", "mdto", "opslag.eer"].contains(key) {
            if ["true", "ja", "yes", "1"].contains(text.lowercased()) { value = true }
            if ["false", "nee", "no", "0"].contains(text.lowercased()) { value = false }
        }
        let parts = key.split(separator: ".").map(String.init)
        if parts.count == 1 { table[key] = value; return }
        var inner = table[parts[0]] as? [String: Any] ?? [:]
        inner[parts[1]] = value
        table[parts[0]] = inner
    }

    /// Checks every field and builds the settings.
    static func check(_ table: [String: Any], source: String) throws -> Organisation {
        let known = Set(fields.map(\.key))
        let sections = Set(fields.map(\.key).filter { $0.contains(".") }.map { String($0.split(separator: ".")[0]) })
        for (key, value) in table where !key.hasPrefix("_") {
            if let inner = value as? [String: Any] {
                guard sections.contains(key) else { throw Problem("organisation file \(source): unknown section '\(key)' (known: \(sections.sorted().joined(separator: ", ")))") }
                for innerKey in inner.keys where !innerKey.hasPrefix("_") && !known.contains("\(key).\(innerKey)") {
                    throw Problem("organisation file \(source): unknown field '\(key).\(innerKey)'")
                }
            } else if !known.contains(key) || key.contains(".") {
                throw Problem("organisation file \(source): unknown field '\(key)'" + (key.contains(".") ? " (write it as \(key.split(separator: ".")[1]) under [\(key.split(separator: ".")[0])])" : ""))
            }
        }
        func feeds(_ key: String) -> String { fields.first { $0.key == key }?.feeds ?? "" }
        func raw(_ key: String) -> Any? {
            let parts = key.split(separator: ".").map(String.init)
            return parts.count == 1 ? table[key] : (table[parts[0]] as? [String: Any])?[parts[1]]
        }
        func string(_ key: String) throws -> String? {
            guard let value = raw(key) else { return nil }
            guard let text = value as? String else { throw Problem("organisation file \(source): \(key) must be text (it feeds \(feeds(key)))") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
        func required(_ key: String) throws -> String {
            guard let text = try string(key) else { throw Problem("organisation file \(source): \(key) is missing or empty (it feeds \(feeds(key)))") }
            return text
        }
        func bool(_ key: String, default value: Bool?) throws -> Bool {
            guard let found = raw(key) else {
                if let value { return value }
                throw Problem("organisation file \(source): \(key) is missing (it feeds \(feeds(key)))")
            }
            // JSON's 1 and 0 arrive as numbers that would pass as Bool: only true and false count.
            guard let flag = found as? Bool, (found as? NSNumber).map({ String(cString: $0.objCType) == "c" }) ?? true else {
                throw Problem("organisation file \(source): \(key) must be true or false")
            }
            return flag
        }
        let waarderingText = try required("waardering")
        guard let waardering = Waardering(text: waarderingText) else {
            throw Problem("organisation file \(source): waardering '\(waarderingText)' is not V, B or N (nog niet bepaald); it feeds \(feeds("waardering"))")
        }
        let bewaartermijn = try string("bewaartermijn")
        if let bewaartermijn, !isDuration(bewaartermijn) {
            throw Problem("organisation file \(source): bewaartermijn '\(bewaartermijn)' is not an xsd:duration such as P10Y or P6M (it feeds \(feeds("bewaartermijn")))")
        }
        if waardering == .V, bewaartermijn == nil {
            throw Problem("organisation file \(source): waardering V (tijdelijk te bewaren) needs a bewaartermijn such as P10Y (it feeds \(feeds("bewaartermijn")))")
        }
        let landText = try required("opslag.land")
        let land = landText.uppercased()
        guard landText.count == 2, landText.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) }) else {
            throw Problem("organisation file \(source): opslag.land '\(land)' is not an ISO 3166 two-letter country code")
        }
        let eer = try bool("opslag.eer", default: nil)
        if eer != eeaCountries.contains(land) {
            throw Problem("organisation file \(source): opslag.eer is \(eer) but \(land) is \(eeaCountries.contains(land) ? "in" : "outside") the EEA")
        }
        let email = try required("bagit.contactEmail")
        guard email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil else {
            throw Problem("organisation file \(source): bagit.contactEmail '\(email)' is not an e-mail address")
        }
        let taal = try string("taal") ?? "nl"
        guard isLanguage(taal) else { throw Problem("organisation file \(source): taal '\(taal)' is not a language tag such as nl or en") }
        let organisation = Organisation(
            voorbeeldwaarden: try bool("voorbeeldwaarden", default: false), mdto: try bool("mdto", default: false),
            operatorName: try string("operator"), taal: taal,
            archiefvormer: .init(naam: try required("archiefvormer.naam"), identificatie: try required("archiefvormer.identificatie"),
                                 bron: try required("archiefvormer.bron")),
            classificatie: .init(label: try required("classificatie.label"), code: try required("classificatie.code"),
                                 begrippenlijst: try required("classificatie.begrippenlijst")),
            waardering: waardering, bewaartermijn: bewaartermijn,
            beperkingGebruik: .init(type: try required("beperkingGebruik.type"),
                                    begrippenlijst: try string("beperkingGebruik.begrippenlijst") ?? "Begrippenlijst BeperkingGebruikTypeLijst MDTO",
                                    nadereBeschrijving: try string("beperkingGebruik.nadereBeschrijving")),
            opslag: .init(land: land, eer: eer, omschrijving: try string("opslag.omschrijving")),
            bagit: .init(sourceOrganization: try required("bagit.sourceOrganization"), contactName: try required("bagit.contactName"),
                         contactEmail: email))
        // Every text is checked once more for what XML cannot carry.
        for (key, text) in organisation.texts where XMLTag.hasUnwritableCharacters(text) {
            throw Problem("organisation file \(source): \(key) holds a control character")
        }
        return organisation
    }

    var texts: [(String, String)] {
        [("bagit.contactEmail", bagit.contactEmail), ("opslag.land", opslag.land), ("opslag.omschrijving", opslag.omschrijving ?? ""),
         ("beperkingGebruik.begrippenlijst", beperkingGebruik.begrippenlijst), ("taal", taal), ("bewaartermijn", bewaartermijn ?? ""),
         ("archiefvormer.naam", archiefvormer.naam), ("archiefvormer.identificatie", archiefvormer.identificatie), ("archiefvormer.bron", archiefvormer.bron),
         ("classificatie.label", classificatie.label), ("classificatie.code", classificatie.code), ("classificatie.begrippenlijst", classificatie.begrippenlijst),
         ("beperkingGebruik.type", beperkingGebruik.type), ("beperkingGebruik.nadereBeschrijving", beperkingGebruik.nadereBeschrijving ?? ""),
         ("bagit.sourceOrganization", bagit.sourceOrganization), ("bagit.contactName", bagit.contactName), ("operator", operatorName ?? "")]
    }

    /// xsd:duration, positive: `P10Y`, `P1Y6M`, `P30D`, `PT12H`.
    public static func isDuration(_ text: String) -> Bool {
        // A term of nothing at all (P0Y) is no term.
        text.contains(where: { ("1"..."9").contains($0) }) && text.range(of: #"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"#, options: .regularExpression) != nil
    }

    /// xsd:language: `nl`, `en-GB`, `fy`.
    public static func isLanguage(_ text: String) -> Bool {
        text.range(of: #"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"#, options: .regularExpression) != nil
    }

    enum CodingKeys: String, CodingKey {
        case voorbeeldwaarden, mdto, operatorName = "operator", taal, archiefvormer, classificatie, waardering, bewaartermijn,
             beperkingGebruik, opslag, bagit
    }
}

enum FileHash {
    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
