import Foundation

/// MDTO 1.0.1 sidecars (Nationaal Archief, namespace `https://www.nationaalarchief.nl/mdto`):
/// one `informatieobject` for the captured post, one per reply when asked, and one `bestand` per
/// payload file. Every content model of the schema is a sequence, so each builder below writes its
/// elements in the schema's order; optional elements with no value are left out, never written
/// empty.
public enum MDTO {
    public static let namespace = "https://www.nationaalarchief.nl/mdto"
    /// The revision of what these builders write, recorded with each capture. Raise it with any
    /// change to a sidecar's bytes: `verify` compares a capture's sidecars byte for byte with
    /// those this code makes only when the revisions agree, and value for value otherwise.
    public static let revision = 1
    public static let schemaLocation = "https://www.nationaalarchief.nl/mdto https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"
    /// The `identificatieBron` of identifiers Exhibit assigns.
    public static let exhibitSource = "Exhibit capture-id"
    public static let fileSource = "Exhibit capture-id/bestand"

    /// A payload file as the sidecars describe it.
    public struct File: Sendable, Equatable {
        /// Path below `data/`, e.g. `screenshot.png`, `api/status.json`.
        public var name: String
        public var size: UInt64
        public var sha256: String
        /// When the digest was computed (xsd:dateTime).
        public var digestedAt: String
        public var format: FileFormat

        public init(name: String, size: UInt64, sha256: String, digestedAt: String, format: FileFormat) {
            self.name = name
            self.size = size
            self.sha256 = sha256
            self.digestedAt = digestedAt
            self.format = format
        }
    }

    /// A reply of the thread, for `--mdto-replies`.
    public struct Reply: Sendable, Equatable {
        public var platformId: String?
        public var url: String?
        public var author: String?
        /// ISO 8601, when read.
        public var published: String?
        public var text: String?
        public init(platformId: String?, url: String?, author: String?, published: String?, text: String?) {
            self.platformId = platformId
            self.url = url
            self.author = author
            self.published = published
            self.text = text
        }
    }

    /// Everything the post's information object is filled from.
    public struct Post: Sendable {
        public var captureId: String
        public var platform: String
        public var url: String
        public var platformId: String?
        /// The account holder: display name, handle, and the account's URL when known.
        public var authorName: String?
        public var authorHandle: String?
        public var authorURL: String?
        /// ISO 8601 publication time, and whether it was read exactly or estimated.
        public var published: String?
        public var publishedExact: Bool
        public var text: String?
        /// xsd:language of the post, when the page stated it.
        public var language: String?
        public var capturedAt: String
        public var operatorName: String
        /// `Exhibit 0.1.0 in Chromium/156…`.
        public var software: String
        /// `complete` or `partial`, with the completeness line.
        public var result: String
        public var caseReference: String?
        public var purpose: String?
        public var note: String?
        public var replyCount: Int
        public var files: [File]
        public var replies: [Reply]
        public var organisation: Organisation
        /// For an account page (its header and timeline) instead of a post: how many timeline
        /// entries were visible, and the oldest and newest times among them.
        public var accountPage: AccountPage? = nil
        /// True when the capture holds a web archive of the page's traffic.
        public var hasWebArchive = true

        public struct AccountPage: Sendable, Equatable {
            public var visible: Int
            public var oldest: String?
            public var newest: String?
            public init(visible: Int, oldest: String?, newest: String?) { self.visible = visible; self.oldest = oldest; self.newest = newest }
        }

        public init(captureId: String, platform: String, url: String, platformId: String?, authorName: String?, authorHandle: String?,
                    authorURL: String?, published: String?, publishedExact: Bool, text: String?, language: String?, capturedAt: String,
                    operatorName: String, software: String, result: String, caseReference: String?, purpose: String?, note: String?,
                    replyCount: Int, files: [File], replies: [Reply], organisation: Organisation) {
            self.captureId = captureId
            self.platform = platform
            self.url = url
            self.platformId = platformId
            self.authorName = authorName
            self.authorHandle = authorHandle
            self.authorURL = authorURL
            self.published = published
            self.publishedExact = publishedExact
            self.text = text
            self.language = language
            self.capturedAt = capturedAt
            self.operatorName = operatorName
            self.software = software
            self.result = result
            self.caseReference = caseReference
            self.purpose = purpose
            self.note = note
            self.replyCount = replyCount
            self.files = files
            self.replies = replies
            self.organisation = organisation
        }

        /// The author as one name: `Display Name (@handle)`, or whichever is known.
        var author: String {
            let name = authorName.flatMap { $0.isEmpty ? nil : $0 }
            let handle = authorHandle.flatMap { $0.isEmpty ? nil : $0 }
            switch (name, handle) {
            case let (n?, h?) where n != h: return "\(n) (\(h))"
            case let (n?, _): return n
            case let (nil, h?): return h
            default: return "onbekende auteur"
            }
        }

        /// ≤ 80 characters: author, platform, date, first words.
        public var naam: String {
            if accountPage != nil {
                let head = "Accountpagina \(oneLine(authorName ?? authorHandle ?? "onbekend account")) op \(platform), vastgelegd \(capturedAt.prefix(10))"
                return head.count <= 80 ? head : String(head.prefix(79)) + "…"
            }
            return MDTO.naam(author: authorName ?? authorHandle ?? "onbekende auteur", platform: platform, published: published, text: text)
        }
    }

    /// `Author op Platform, 2026-11-20: first words…`, cut to 80 characters on a word boundary.
    static func naam(author: String, platform: String, published: String?, text: String?) -> String {
        let date = published.map { String($0.prefix(10)) } ?? "datum onbekend"
        var head = "\(oneLine(author)) op \(platform), \(date)"
        if head.count > 60 { head = String(head.prefix(59)) + "…" }
        let words = oneLine(text ?? "")
        guard !words.isEmpty else { return head }
        let room = 80 - head.count - 2
        guard room > 4 else { return head }
        if words.count <= room { return head + ": " + words }
        var cut = String(words.prefix(room - 1))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > room / 2 { cut = String(cut[..<space]) }
        return head + ": " + cut + "…"
    }

    /// Whitespace runs (newlines included) as one space, control characters dropped.
    static func oneLine(_ text: String) -> String {
        text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" || $0 == "\t" }
            .map(String.init).joined()
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    // MARK: Builders

    static func root(_ child: XMLTag) -> XMLTag {
        XMLTag("MDTO", attributes: [("xmlns", namespace), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                        ("xsi:schemaLocation", schemaLocation)], [child])
    }

    static func identificatie(_ kenmerk: String, _ bron: String, tag: String = "identificatie") -> XMLTag {
        XMLTag(tag, [XMLTag("identificatieKenmerk", text: kenmerk), XMLTag("identificatieBron", text: bron)])
    }

    static func verwijzing(_ tag: String, _ naam: String, id: (String, String)? = nil) -> XMLTag {
        XMLTag(tag, [XMLTag("verwijzingNaam", text: naam), id.map { identificatie($0.0, $0.1, tag: "verwijzingIdentificatie") }])
    }

    static func begrip(_ tag: String, label: String, code: String? = nil, list: String) -> XMLTag {
        XMLTag(tag, [XMLTag("begripLabel", text: label), .optional("begripCode", code), verwijzing("begripBegrippenlijst", list)])
    }

    static func event(_ type: String, time: String?, actor: String?, result: String?) -> XMLTag {
        XMLTag("event", [begrip("eventType", label: type, list: "Begrippenlijst EventTypeLijst MDTO"),
                         .optional("eventTijd", time), actor.map { verwijzing("eventVerantwoordelijkeActor", $0) },
                         .optional("eventResultaat", result)])
    }

    /// The parts every information object of a capture shares, in schema order after `event`.
    static func appraisal(_ organisation: Organisation) -> [XMLTag?] {
        [begrip("waardering", label: organisation.waardering.label, code: organisation.waardering.rawValue, list: "Begrippenlijst Waarderingen MDTO"),
         organisation.waardering == .V ? organisation.bewaartermijn.map { XMLTag("bewaartermijn", [XMLTag("termijnLooptijd", text: $0)]) } : nil]
    }

    static func archiefvormer(_ organisation: Organisation) -> XMLTag {
        verwijzing("archiefvormer", organisation.archiefvormer.naam, id: (organisation.archiefvormer.identificatie, organisation.archiefvormer.bron))
    }

    static func beperkingGebruik(_ organisation: Organisation) -> XMLTag {
        XMLTag("beperkingGebruik", [begrip("beperkingGebruikType", label: organisation.beperkingGebruik.type, list: organisation.beperkingGebruik.begrippenlijst),
                                    .optional("beperkingGebruikNadereBeschrijving", organisation.beperkingGebruik.nadereBeschrijving)])
    }

    /// xsd:date of an ISO 8601 time, when it has one.
    static func date(_ iso: String?) -> String? {
        guard let iso, iso.count >= 10 else { return nil }
        let day = String(iso.prefix(10))
        return day.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil ? day : nil
    }

    /// xsd:dateTime of an ISO 8601 time with its zone, when it is one.
    static func dateTime(_ iso: String?) -> String? {
        guard let iso, iso.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil else { return nil }
        return iso
    }

    /// `mdto/post.mdto.xml`.
    public static func post(_ post: Post) -> XMLTag {
        let o = post.organisation
        var ids = [identificatie(post.captureId, exhibitSource)]
        if let id = post.platformId, !id.isEmpty { ids.append(identificatie(id, "\(post.platform) bericht-id")) }
        var description = post.accountPage.map { page in
            "Accountpagina van \(oneLine(post.author)) op \(post.platform) met de tijdlijn (\(page.visible) zichtbare berichten), "
                + "vastgelegd door Exhibit als volledige-pagina PNG en PDF met DOM en metagegevens\(post.hasWebArchive ? " en webarchief" : "")."
        } ?? ("Bericht van \(oneLine(post.author)) op \(post.platform) met de zichtbare draad (\(post.replyCount) reacties vastgelegd), "
            + "vastgelegd door Exhibit als volledige-pagina PNG en PDF met DOM en metagegevens\(post.hasWebArchive ? " en webarchief" : "").")
        if let c = post.caseReference { description += " Zaak: \(oneLine(c))." }
        if let p = post.purpose { description += " Doel: \(oneLine(p))." }
        if let n = post.note { description += " Notitie: \(oneLine(n))." }
        let published = post.publishedExact ? dateTime(post.published) ?? date(post.published) : date(post.published)
        var children: [XMLTag?] = ids + [
            XMLTag("naam", text: post.naam),
            begrip("aggregatieniveau", label: "Archiefstuk", list: "Begrippenlijst Aggregatieniveaus MDTO"),
            begrip("classificatie", label: o.classificatie.label, code: o.classificatie.code, list: o.classificatie.begrippenlijst),
            .optional("trefwoord", post.caseReference),
            XMLTag("omschrijving", text: description),
            XMLTag("raadpleeglocatie", [XMLTag("raadpleeglocatieOnline", text: post.url)]),
            post.accountPage == nil ? date(post.published).map { day in
                XMLTag("dekkingInTijd", [begrip("dekkingInTijdType", label: "Publicatiedatum bericht", list: "Begrippenlijst dekkingInTijdType Exhibit"),
                                         XMLTag("dekkingInTijdBegindatum", text: day)])
            } : date(post.accountPage?.oldest).map { day in
                XMLTag("dekkingInTijd", [begrip("dekkingInTijdType", label: "Periode zichtbare tijdlijn", list: "Begrippenlijst dekkingInTijdType Exhibit"),
                                         XMLTag("dekkingInTijdBegindatum", text: day), .optional("dekkingInTijdEinddatum", date(post.accountPage?.newest))])
            },
            XMLTag("taal", text: post.language.flatMap { Organisation.isLanguage($0) ? $0 : nil } ?? o.taal),
            post.accountPage == nil ? event("Publicatie", time: published, actor: post.author,
                                            result: post.publishedExact ? nil : "Publicatietijd geschat uit de getoonde relatieve tijd") : nil,
            event("Opname", time: post.capturedAt, actor: post.operatorName,
                  result: "Vastgelegd met \(post.software); \(post.result)"),
        ]
        children += appraisal(o)
        children += post.replies.indices.map { verwijzing("bevatOnderdeel", replyNaam(post, $0), id: (replyId(post, $0), exhibitSource)) }
        children += post.files.map { verwijzing("heeftRepresentatie", $0.name, id: (fileId(post.captureId, $0.name), fileSource)) }
        children.append(verwijzing("aanvullendeMetagegevens", "premis.xml"))
        children.append(archiefvormer(o))
        children.append(XMLTag("betrokkene", [
            begrip("betrokkeneTypeRelatie", label: "Accounthouder", list: "Begrippenlijst betrokkenen sociale media Exhibit"),
            verwijzing("betrokkeneActor", post.author, id: (post.authorURL ?? post.authorHandle).map { ($0, post.platform) }),
        ]))
        children.append(beperkingGebruik(o))
        return root(XMLTag("informatieobject", children))
    }

    static func replyId(_ post: Post, _ index: Int) -> String { "\(post.captureId)#reactie-\(index + 1)" }

    static func replyNaam(_ post: Post, _ index: Int) -> String {
        let reply = post.replies[index]
        return naam(author: reply.author ?? "onbekende auteur", platform: post.platform, published: reply.published, text: reply.text)
    }

    /// `mdto/reply-<n>.mdto.xml`, for `--mdto-replies`.
    public static func reply(_ post: Post, index: Int) -> XMLTag {
        let reply = post.replies[index]
        let o = post.organisation
        var children: [XMLTag?] = [identificatie(replyId(post, index), exhibitSource)]
        if let id = reply.platformId, !id.isEmpty { children.append(identificatie(id, "\(post.platform) bericht-id")) }
        children += [
            XMLTag("naam", text: replyNaam(post, index)),
            begrip("aggregatieniveau", label: "Archiefstuk", list: "Begrippenlijst Aggregatieniveaus MDTO"),
            begrip("classificatie", label: o.classificatie.label, code: o.classificatie.code, list: o.classificatie.begrippenlijst),
            XMLTag("omschrijving", text: "Reactie \(index + 1) in de draad van het bericht \(post.url), zichtbaar in de PNG en PDF van die vastlegging."),
            reply.url.map { XMLTag("raadpleeglocatie", [XMLTag("raadpleeglocatieOnline", text: $0)]) },
            date(reply.published).map { day in
                XMLTag("dekkingInTijd", [begrip("dekkingInTijdType", label: "Publicatiedatum bericht", list: "Begrippenlijst dekkingInTijdType Exhibit"),
                                         XMLTag("dekkingInTijdBegindatum", text: day)])
            },
            event("Publicatie", time: date(reply.published), actor: reply.author.flatMap { $0.isEmpty ? nil : oneLine($0) }, result: nil),
        ]
        children += appraisal(o)
        children.append(verwijzing("isOnderdeelVan", post.naam, id: (post.captureId, exhibitSource)))
        children.append(archiefvormer(o))
        if let author = reply.author, !oneLine(author).isEmpty {
            children.append(XMLTag("betrokkene", [
                begrip("betrokkeneTypeRelatie", label: "Auteur reactie", list: "Begrippenlijst betrokkenen sociale media Exhibit"),
                verwijzing("betrokkeneActor", oneLine(author)),
            ]))
        }
        children.append(beperkingGebruik(o))
        return root(XMLTag("informatieobject", children))
    }

    public static func fileId(_ captureId: String, _ name: String) -> String { "\(captureId)/data/\(name)" }

    /// `mdto/<file>.bestand.mdto.xml`.
    public static func bestand(_ file: File, post: Post, naam: String? = nil, identifier: String? = nil) -> XMLTag {
        let format = file.format.puid.map { puid in
            begrip("bestandsformaat", label: file.format.mediaType, code: puid, list: "PRONOM-register")
        } ?? begrip("bestandsformaat", label: file.format.mediaType, list: "IANA Media Types")
        return root(XMLTag("bestand", [
            identificatie(identifier ?? fileId(post.captureId, file.name), fileSource),
            XMLTag("naam", text: file.name),
            XMLTag("omvang", text: String(file.size)),
            format,
            XMLTag("checksum", [begrip("checksumAlgoritme", label: "SHA-256", list: "Begrippenlijst ChecksumAlgoritme MDTO"),
                                XMLTag("checksumWaarde", text: file.sha256), XMLTag("checksumDatum", text: file.digestedAt)]),
            verwijzing("isRepresentatieVan", naam ?? post.naam, id: (post.captureId, exhibitSource)),
        ]))
    }

    /// Where a sidecar lies in the bag, relative to its root.
    public static func bestandPath(_ name: String) -> String { "mdto/\(name).bestand.mdto.xml" }
    public static let postPath = "mdto/post.mdto.xml"
    public static func replyPath(_ index: Int) -> String { "mdto/reply-\(index + 1).mdto.xml" }

    /// What a `bestand` sidecar claims, read back for `verify`.
    public struct Claim: Sendable, Equatable {
        public var name: String
        public var size: UInt64?
        public var sha256: [String]
        public var representsId: String?
    }

    /// Reads a `bestand` sidecar; a failure says what is wrong with it.
    public static func readBestand(_ data: Data) throws -> Claim {
        let root = try XMLTagReader.read(data)
        guard root.name == "MDTO", let bestand = root.child("bestand"), root.isIn(namespace) else {
            throw XMLTagReader.Failure(description: "not an MDTO bestand in the namespace \(namespace)")
        }
        guard let name = bestand.child("naam")?.text, !name.isEmpty else { throw XMLTagReader.Failure(description: "no naam") }
        let sums = bestand.children("checksum").compactMap { sum -> String? in
            guard sum.child("checksumAlgoritme")?.child("begripLabel")?.text?.uppercased().replacingOccurrences(of: "-", with: "") == "SHA256" else { return nil }
            return sum.child("checksumWaarde")?.text?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        }
        return Claim(name: name, size: bestand.child("omvang")?.text.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }, sha256: sums,
                     representsId: bestand.child("isRepresentatieVan")?.child("verwijzingIdentificatie")?.child("identificatieKenmerk")?.text)
    }
}
