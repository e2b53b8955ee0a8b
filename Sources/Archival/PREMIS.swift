import Foundation

/// The PREMIS 3.0 event log of a capture (`premis.xml`, namespace `http://www.loc.gov/premis/v3`):
/// an object per payload file with its fixity and format, the events that made and checked the
/// files, and the agents that took part. Event types are the Library of Congress's preservation
/// vocabulary (`http://id.loc.gov/vocabulary/preservation/eventType`) where it has a term;
/// timestamping has none, and is written as `timestamping` with an RFC 3161 detail.
public enum PREMIS {
    public static let namespace = "http://www.loc.gov/premis/v3"
    public static let file = "premis.xml"

    public struct Agent: Sendable, Equatable {
        /// `software`, `person`, `organization`.
        public var type: String
        public var identifier: String
        public var name: String
        public var version: String?
        public var note: String?
        public init(type: String, identifier: String, name: String, version: String? = nil, note: String? = nil) {
            self.type = type
            self.identifier = identifier
            self.name = name
            self.version = version
            self.note = note
        }

        public static func exhibit(version: String) -> Agent {
            Agent(type: "software", identifier: "software:exhibit/\(version)", name: "Exhibit", version: version)
        }

        public static func person(_ name: String) -> Agent {
            Agent(type: "person", identifier: "person:\(name)", name: name)
        }
    }

    public struct Event: Sendable {
        /// The LOC code (`cap`, `mes`, `for`, `dig`, `val`, `mig`), or nil for a type it lacks.
        public var code: String?
        public var type: String
        public var time: String
        public var detail: String
        /// `success`, `failure`, `warning` …
        public var outcome: String
        public var outcomeDetail: String?
        /// Agent identifiers with their roles (`executing program`, `implementer`, `authorizer`).
        public var agents: [(String, String)]
        /// Object identifiers the event concerns; empty: every object.
        public var objects: [String]

        public init(code: String?, type: String, time: String, detail: String, outcome: String, outcomeDetail: String? = nil,
                    agents: [(String, String)], objects: [String] = []) {
            self.code = code
            self.type = type
            self.time = time
            self.detail = detail
            self.outcome = outcome
            self.outcomeDetail = outcomeDetail
            self.agents = agents
            self.objects = objects
        }
    }

    /// The PREMIS object of a payload file (`data/<name>` in the bag).
    public static func object(_ file: MDTO.File, captureId: String) -> XMLTag {
        let format: XMLTag = file.format.puid.map { puid in
            XMLTag("format", [
                XMLTag("formatDesignation", [XMLTag("formatName", text: file.format.name)]),
                XMLTag("formatRegistry", [XMLTag("formatRegistryName", text: "PRONOM"), XMLTag("formatRegistryKey", text: puid),
                                          XMLTag("formatRegistryRole", text: "specification")]),
                XMLTag("formatNote", text: "\(file.format.mediaType); \(file.format.evidence)"),
            ])
        } ?? XMLTag("format", [XMLTag("formatDesignation", [XMLTag("formatName", text: file.format.mediaType)]),
                               XMLTag("formatNote", text: "not identified in PRONOM: \(file.format.evidence)")])
        return XMLTag("object", attributes: [("xsi:type", "file")], [
            XMLTag("objectIdentifier", [XMLTag("objectIdentifierType", text: MDTO.fileSource),
                                        XMLTag("objectIdentifierValue", text: MDTO.fileId(captureId, file.name))]),
            XMLTag("objectCharacteristics", [
                XMLTag("compositionLevel", text: "0"),
                XMLTag("fixity", [
                    XMLTag("messageDigestAlgorithm", attributes: [("authority", "cryptographicHashFunctions"),
                                                      ("valueURI", "http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions/sha256")],
                           text: "SHA-256"),
                    XMLTag("messageDigest", text: file.sha256),
                    XMLTag("messageDigestOriginator", text: "Exhibit"),
                ]),
                XMLTag("size", text: String(file.size)),
                format,
            ]),
            XMLTag("originalName", text: "data/\(file.name)"),
        ])
    }

    static func event(_ event: Event) -> XMLTag {
        var typeAttributes: [(String, String)] = [("authority", "eventType")]
        if let code = event.code { typeAttributes.append(("valueURI", "http://id.loc.gov/vocabulary/preservation/eventType/\(code)")) }
        return XMLTag("event", [
            XMLTag("eventIdentifier", [XMLTag("eventIdentifierType", text: "UUID"),
                                       XMLTag("eventIdentifierValue", text: UUID().uuidString.lowercased())]),
            XMLTag("eventType", attributes: typeAttributes, text: event.type),
            XMLTag("eventDateTime", text: event.time),
            XMLTag("eventDetailInformation", [XMLTag("eventDetail", text: event.detail)]),
            XMLTag("eventOutcomeInformation", [
                XMLTag("eventOutcome", text: event.outcome),
                event.outcomeDetail.flatMap { $0.isEmpty ? nil : XMLTag("eventOutcomeDetail", [XMLTag("eventOutcomeDetailNote", text: $0)]) },
            ]),
        ] + event.agents.map { id, role in
            XMLTag("linkingAgentIdentifier", [XMLTag("linkingAgentIdentifierType", text: "Exhibit agent"),
                                              XMLTag("linkingAgentIdentifierValue", text: id), XMLTag("linkingAgentRole", text: role)])
        } + event.objects.map { id in
            XMLTag("linkingObjectIdentifier", [XMLTag("linkingObjectIdentifierType", text: MDTO.fileSource),
                                               XMLTag("linkingObjectIdentifierValue", text: id)])
        })
    }

    static func agent(_ agent: Agent) -> XMLTag {
        XMLTag("agent", [
            XMLTag("agentIdentifier", [XMLTag("agentIdentifierType", text: "Exhibit agent"), XMLTag("agentIdentifierValue", text: agent.identifier)]),
            XMLTag("agentName", text: agent.name),
            XMLTag("agentType", text: agent.type),
            .optional("agentVersion", agent.version),
            .optional("agentNote", agent.note),
        ])
    }

    /// The whole log.
    public static func document(objects: [XMLTag], events: [Event], agents: [Agent]) -> XMLTag {
        var unique: [Agent] = []
        for agent in agents where !unique.contains(where: { $0.identifier == agent.identifier }) { unique.append(agent) }
        return XMLTag("premis", attributes: [("xmlns", namespace), ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                                 ("xsi:schemaLocation", "\(namespace) https://www.loc.gov/standards/premis/v3/premis.xsd"), ("version", "3.0")],
                      objects + events.map(event) + unique.map(agent))
    }

    /// An existing log with one more event and any agents it did not name yet, as bytes. The
    /// log is not re-serialised: the new elements are inserted into its bytes (after its last
    /// event, and after its last agent), so nothing of it is lost or reworded. Fails when the file
    /// is not a PREMIS 3 log in Exhibit's form (the PREMIS namespace as the default, objects,
    /// events, agents and rights in that order), or when the result does not read back as that
    /// log with exactly this event added.
    public static func appending(_ event: Event, agents: [Agent], to data: Data) throws -> Data {
        let read = try XMLTagReader.read(data)
        guard read.name == "premis", read.qualifiedName == "premis", read.isIn(namespace), !read.children("object").isEmpty,
              isOrdered(read) else {
            throw XMLTagReader.Failure(description: "not a PREMIS 3 log in Exhibit's form (default namespace \(namespace), objects, events, agents, rights)")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw XMLTagReader.Failure(description: "not UTF-8") }
        // The new text is UTF-8; a log that declares another encoding would read it differently.
        if let declaration = text.range(of: "?>").map({ text[..<$0.upperBound] }), declaration.hasPrefix("<?xml"),
           let encoding = declaration.range(of: #"encoding\s*=\s*["']([^"']*)["']"#, options: .regularExpression),
           !declaration[encoding].lowercased().contains("utf-8") {
            throw XMLTagReader.Failure(description: "the log declares an encoding other than UTF-8")
        }
        let known = Set(read.children("agent").compactMap { $0.child("agentIdentifier")?.child("agentIdentifierValue")?.text })
        var newAgents: [Agent] = []
        for agent in agents where !known.contains(agent.identifier) && !newAgents.contains(where: { $0.identifier == agent.identifier }) {
            newAgents.append(agent)
        }
        let eventTag = self.event(event)
        let eventText = eventTag.fragment(depth: 1)
        let agentText = newAgents.map { self.agent($0).fragment(depth: 1) }.joined()
        func insert(_ fragment: String, after closing: String, orBefore opening: [String]) throws {
            if let range = text.range(of: closing, options: .backwards) {
                let lineEnd = text[range.upperBound...].firstIndex(of: "\n").map { text.index(after: $0) } ?? range.upperBound
                text.insert(contentsOf: (lineEnd == range.upperBound ? "\n" : "") + fragment, at: lineEnd)
                return
            }
            for marker in opening {
                if let range = text.range(of: marker) {
                    let lineStart = text[..<range.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? range.lowerBound
                    text.insert(contentsOf: fragment, at: lineStart)
                    return
                }
            }
            throw XMLTagReader.Failure(description: "no place for the new element")
        }
        try insert(eventText, after: "</event>", orBefore: ["<agent>", "<agent ", "<rights>", "<rights ", "</premis>"])
        if !agentText.isEmpty { try insert(agentText, after: "</agent>", orBefore: ["<rights>", "<rights ", "</premis>"]) }
        let result = Data(text.utf8)
        // The result must be the same log with exactly one more event (ours, last) and the agents.
        let check = try XMLTagReader.read(result)
        guard check.isIn(namespace), isOrdered(check), check.children("object") == read.children("object"),
              check.children("event").dropLast() == read.children("event")[...],
              let added = check.children("event").last, try XMLTagReader.read(Data(eventTag.fragment(depth: 0).utf8)) == added,
              check.children("agent").count == read.children("agent").count + newAgents.count else {
            throw XMLTagReader.Failure(description: "the log would not read back with the event appended")
        }
        return result
    }

    /// Objects, then events, then agents, then rights, and nothing else.
    static func isOrdered(_ root: XMLTag) -> Bool {
        let rank = ["object": 0, "event": 1, "agent": 2, "rights": 3]
        let ranks = root.children.map { rank[$0.name] ?? -1 }
        return !ranks.contains(-1) && ranks == ranks.sorted()
    }

    /// The validation events a log holds: time, outcome and detail, oldest first.
    public static func validations(in data: Data) -> [(time: String, outcome: String, detail: String)] {
        guard let read = try? XMLTagReader.read(data) else { return [] }
        return read.children("event").filter { $0.child("eventType")?.text == "validation" }.map {
            ($0.child("eventDateTime")?.text ?? "", $0.child("eventOutcomeInformation")?.child("eventOutcome")?.text ?? "",
             $0.child("eventDetailInformation")?.child("eventDetail")?.text ?? "")
        }
    }
}
