import Foundation

extension Organisation {
    /// What `exhibit org init` writes: example values that pass every check, each marked
    /// VOORBEELD, and `voorbeeldwaarden = true` until the archivist has changed them.
    public static func template(json: Bool) -> String {
        json ? templateJSON : templateTOML
    }

    static let templateTOML = """
        # Exhibit organisation settings (exhibit org init). Every capture, batch and collect reads
        # this file when it is given with --org FILE or $EXHIBIT_ORG; --org-set KEY=VALUE and the
        # capture's own options (--operator, --waardering, --bewaartermijn) override single fields.
        #
        # Every value marked VOORBEELD is an example: replace it with your organisation's own, then
        # set voorbeeldwaarden = false. Until then every capture warns that it used example values.
        voorbeeldwaarden = true

        # Write MDTO 1.0.1 sidecars (mdto/) and the PREMIS 3 event log (premis.xml) with every
        # capture, as --mdto does.
        mdto = true

        # The default operator: the person who makes the captures (--operator, $EXHIBIT_OPERATOR).
        operator = "Medewerker informatiebeheer"   # VOORBEELD

        # The language of the posts when the post itself does not say (MDTO taal, xsd:language).
        taal = "nl"

        # MDTO waardering: V (tijdelijk te bewaren), B (blijvend te bewaren) or N (nog niet bepaald).
        waardering = "N"                            # VOORBEELD: decided by your selectielijst
        # MDTO bewaartermijn, an xsd:duration; required with waardering V, ignored otherwise.
        bewaartermijn = "P10Y"                      # VOORBEELD

        [archiefvormer]                             # MDTO archiefvormer
        naam = "Gemeente Voorbeeld"                 # VOORBEELD
        identificatie = "00000001001234567000"      # VOORBEELD: your OIN, or a TOOI identifier
        bron = "OIN"                                # OIN or TOOI

        [classificatie]                             # MDTO classificatie: the process the posts belong to
        label = "Communicatie en voorlichting"      # VOORBEELD
        code = "1.1"                                # VOORBEELD
        begrippenlijst = "Procesclassificatie Gemeente Voorbeeld"   # VOORBEELD: the list the code comes from

        [beperkingGebruik]                          # MDTO beperkingGebruik
        type = "Nader te bepalen"                   # Geen beperking, Nader te bepalen or Overig
        begrippenlijst = "Begrippenlijst BeperkingGebruikTypeLijst MDTO"
        nadereBeschrijving = "Bevat persoonsgegevens van derden (reacties, profielnamen); AVG en Auteurswet van toepassing."   # VOORBEELD

        [opslag]                                    # where captures are stored and processed
        land = "NL"                                 # ISO 3166 country code
        eer = true                                  # inside the European Economic Area (checked against land)
        omschrijving = "Eigen server van Gemeente Voorbeeld"   # VOORBEELD

        [bagit]                                     # bag-info.txt fields
        sourceOrganization = "Gemeente Voorbeeld"   # VOORBEELD
        contactName = "Team Informatiebeheer"       # VOORBEELD
        contactEmail = "informatiebeheer@voorbeeld.nl"   # VOORBEELD

        """

    static var templateJSON: String {
        // The same values as the TOML template; "_toelichting" keys are notes, ignored on reading.
        let object: [String: Any] = [
            "_toelichting": "Exhibit organisation settings (exhibit org init). Values marked VOORBEELD in the README's table are examples: replace them, then set voorbeeldwaarden to false. Keys starting with _ are notes.",
            "voorbeeldwaarden": true, "mdto": true, "operator": "Medewerker informatiebeheer", "taal": "nl",
            "archiefvormer": ["naam": "Gemeente Voorbeeld", "identificatie": "00000001001234567000", "bron": "OIN"],
            "classificatie": ["label": "Communicatie en voorlichting", "code": "1.1", "begrippenlijst": "Procesclassificatie Gemeente Voorbeeld"],
            "waardering": "N", "bewaartermijn": "P10Y",
            "beperkingGebruik": ["type": "Nader te bepalen", "begrippenlijst": "Begrippenlijst BeperkingGebruikTypeLijst MDTO",
                                 "nadereBeschrijving": "Bevat persoonsgegevens van derden (reacties, profielnamen); AVG en Auteurswet van toepassing."],
            "opslag": ["land": "NL", "eer": true, "omschrijving": "Eigen server van Gemeente Voorbeeld"],
            "bagit": ["sourceOrganization": "Gemeente Voorbeeld", "contactName": "Team Informatiebeheer", "contactEmail": "informatiebeheer@voorbeeld.nl"],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
