import Foundation
import PlatformProfiles
import Testing

/// A profile's `viewer` rules (issue 14): field rules, checked as a field's are, whose regexes go to
/// the browser's check with the others.
@Suite("Viewer rules")
struct ViewerRuleTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Profiles")

    static func profile(viewer: String) -> String {
        #"{"format": "exhibit-profile", "formatVersion": 1, "name": "t", "platform": "T", "matches": [], "extract": {"post": ["a"], "fields": {}}, "viewer": "#
            + viewer + "}"
    }

    @Test("a list, a single rule or a plain selector; each pattern is listed for the browser's regex check, with one capture group asked for")
    func parsed() throws {
        let list = try ProfileLoader.parse(Data(Self.profile(viewer: #"[{"selector": "nav a", "attribute": "href", "pattern": "/([a-z]+)$", "flags": "u"}, "button span"]"#).utf8), file: "t.json")
        #expect(list.viewer == [.init(selector: "nav a", attribute: "href", pattern: "/([a-z]+)$", flags: "u"), .init(selector: "button span")])
        let regexes = list.pageRegexes.filter { $0.rule.hasPrefix("viewer") }
        #expect(regexes.map { [$0.rule, $0.source, $0.flags, "\($0.groups)"] } == [["viewer[0].pattern", "/([a-z]+)$", "u", "1"]])
        let single = try ProfileLoader.parse(Data(Self.profile(viewer: #""nav a""#).utf8), file: "t.json")
        #expect(single.viewer == [.init(selector: "nav a")])
    }

    @Test("a malformed viewer rule names the file and the field", arguments: [
        (#"[{"selector": "a", "pattern": "@(\\w+)"}]"#, "profile t.json: field 'viewer[0].flags': is required with pattern"),
        (#"[{"selector": "a", "pattern": "@(\\w+)", "flags": "g"}]"#, "profile t.json: field 'viewer[0].flags': must be letters of imsu"),
        (#"[{"selector": "a"}, {"selecter": "b"}]"#, "profile t.json: field 'viewer[1].selecter': is not a known field"),
        (#"[{"selector": "a", "scope": "document"}]"#, "profile t.json: field 'viewer[0].scope': is not for viewer rules"),
        (#"{"selector": "a", "scope": "item"}"#, "profile t.json: field 'viewer.scope': is not for viewer rules"),
        (#"[{"flags": "u"}]"#, "profile t.json: field 'viewer[0].flags': is only for a rule with pattern"),
        (#"[{}]"#, "profile t.json: field 'viewer[0]': needs a selector, an attribute or a pattern"),
        (#"[]"#, "profile t.json: field 'viewer': needs at least one rule"),
        (#"[{"selector": ""}]"#, "profile t.json: field 'viewer[0].selector': must be a non-empty string"),
    ])
    func malformed(viewer: String, message: String) {
        do { _ = try ProfileLoader.parse(Data(Self.profile(viewer: viewer).utf8), file: "t.json"); Issue.record("accepted: \(viewer)") } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test("the platforms with a logged-in fixture have viewer rules, each pattern with its flags; the others have none yet")
    func shipped() throws {
        let catalog = try ProfileCatalog.load(folder: Self.folder, digest: { "\($0.count)" })
        let withViewer = catalog.entries.filter { $0.profile.viewer != nil }.map(\.profile.name).sorted()
        #expect(withViewer == ["bluesky", "facebook", "instagram", "linkedin", "x"])
        for entry in catalog.entries {
            for rule in entry.profile.viewer ?? [] { #expect(rule.scope == nil && (rule.pattern == nil) == (rule.flags == nil), "\(entry.profile.name)") }
            // An embed shows no viewer: the page around it does.
            #expect(entry.profile.embed?.viewer == nil)
        }
    }

    @Test("viewerIs: a handle is recorded as @handle however the page writes it, a name as read; a bad value or one without viewer rules names the field")
    func viewerKinds() throws {
        let handle = try ProfileLoader.parse(Data(Self.profile(viewer: #""nav a""#).utf8), file: "t.json")
        #expect(handle.viewerAccount("inquiry") == "@inquiry" && handle.viewerAccount("@inquiry") == "@inquiry")
        let named = try ProfileLoader.parse(Data(Self.profile(viewer: #""nav a", "viewerIs": "name""#).utf8), file: "t.json")
        #expect(named.viewerIs == .name && named.viewerAccount("Jan Jansen") == "Jan Jansen")
        let noRules = Self.profile(viewer: #""nav a""#).replacingOccurrences(of: #""viewer": "nav a""#, with: #""viewerIs": "name""#)
        for (json, message) in [(Self.profile(viewer: #""nav a", "viewerIs": "email""#), "field 'viewerIs': must be \"handle\" or \"name\""),
                                (noRules, "field 'viewerIs': says what the viewer rules read, but the profile has none")] {
            do { _ = try ProfileLoader.parse(Data(json.utf8), file: "t.json"); Issue.record("accepted: \(json)") } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
