import Foundation

/// All profiles of a `Profiles/` folder, and the choice of one for a URL.
public struct ProfileCatalog: Sendable {
    /// The profiles, sorted by name, with the file each came from.
    public let entries: [Entry]
    public let folder: URL

    public struct Entry: Sendable {
        public let profile: Profile
        public let file: URL
        /// SHA-256 of the file's bytes, recorded in capture.json so the rules used can be identified.
        public let sha256: String

        /// The same file's entry with its rules changed in memory (`session check` does not expand threads).
        public func replacingProfile(_ profile: Profile) -> Entry { Entry(profile: profile, file: file, sha256: sha256) }
    }

    /// How a profile was chosen, as recorded in capture.json.
    public enum Choice: String, Sendable, Codable {
        case option = "--profile"
        case urlPattern = "url pattern"
        case fallback = "fallback (no pattern matched)"
    }

    /// Loads every `*.json` in `folder`. Any bad file stops the load with its error: a capture
    /// must not run with a profile quietly missing.
    public static func load(folder: URL, digest: (Data) -> String) throws -> ProfileCatalog {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw ProfileError(file: folder.path, field: "(folder)", problem: "cannot be read")
        }
        var entries: [Entry] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let file = folder.appendingPathComponent(name)
            let data: Data
            do { data = try Data(contentsOf: file) } catch { throw ProfileError(file: name, field: "(file)", problem: "cannot be read") }
            let profile = try ProfileLoader.parse(data, file: name)
            guard profile.name + ".json" == name else {
                throw ProfileError(file: name, field: "name", problem: "is \"\(profile.name)\" but the file is \(name); they must agree")
            }
            entries.append(Entry(profile: profile, file: file, sha256: digest(data)))
        }
        guard entries.contains(where: { $0.profile.name == "generic" }) else {
            throw ProfileError(file: folder.path, field: "(folder)", problem: "has no generic.json, the fallback for pages no profile matches")
        }
        return ProfileCatalog(entries: entries, folder: folder)
    }

    /// The profile named `name`, if any.
    public func named(_ name: String) -> Entry? { entries.first { $0.profile.name == name } }

    /// The most specific profile (other than generic) whose pattern matches, else generic.
    public func choose(for url: String) -> (Entry, Choice) {
        if let best = candidates(for: url).first { return (best, .urlPattern) }
        // load() guarantees generic is present.
        return (named("generic") ?? entries[0], .fallback)
    }

    /// Every profile other than generic with a pattern (of a post or an account page) that matches `url`, the most specific
    /// first: the one whose pattern matched the longest stretch of the URL, then the one with the
    /// longer pattern, then by name (so the choice never depends on the order files were listed).
    public func candidates(for url: String) -> [Entry] {
        let range = NSRange(url.startIndex..., in: url)
        let scored = entries.filter { $0.profile.name != "generic" }.compactMap { entry -> (Entry, Int, Int)? in
            // Account pages are the profile's too; post patterns and account patterns compete alike.
            let matches = (entry.profile.matches + (entry.profile.account?.matches ?? [])).compactMap { pattern -> (Int, Int)? in
                guard let regex = try? NSRegularExpression(pattern: pattern),
                      let match = regex.firstMatch(in: url, range: range) else { return nil }
                return (match.range.length, pattern.count)
            }
            guard let best = matches.max(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }) else { return nil }
            return (entry, best.0, best.1)
        }
        return scored.sorted { a, b in
            a.1 != b.1 ? a.1 > b.1 : a.2 != b.2 ? a.2 > b.2 : a.0.profile.name < b.0.profile.name
        }.map(\.0)
    }

    /// The profiles whose embed-frame patterns (``Profile/frames``) match a frame's `url`, the most
    /// specific first as in ``candidates(for:)``, each with the pattern that matched.
    public func frameCandidates(for url: String) -> [(entry: Entry, pattern: String)] {
        let range = NSRange(url.startIndex..., in: url)
        let scored = entries.compactMap { entry -> (Entry, String, Int)? in
            let matches = (entry.profile.frames?.matches ?? []).compactMap { pattern -> (String, Int)? in
                guard let regex = try? NSRegularExpression(pattern: pattern),
                      let match = regex.firstMatch(in: url, range: range) else { return nil }
                return (pattern, match.range.length)
            }
            guard let best = matches.max(by: { $0.1 == $1.1 ? $0.0.count < $1.0.count : $0.1 < $1.1 }) else { return nil }
            return (entry, best.0, best.1)
        }
        return scored.sorted { a, b in
            a.2 != b.2 ? a.2 > b.2 : a.1.count != b.1.count ? a.1.count > b.1.count : a.0.profile.name < b.0.profile.name
        }.map { ($0.0, $0.1) }
    }

    /// Where the profiles are: `$EXHIBIT_PROFILES`, else `Profiles/` in the working folder, else
    /// `Profiles/` next to (or above) the executable, as in a source checkout.
    public static func defaultFolder(executable: String = CommandLine.arguments[0]) -> URL? {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["EXHIBIT_PROFILES"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let here = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("Profiles")
        if fm.fileExists(atPath: here.appendingPathComponent("generic.json").path) { return here }
        let resolved = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable
        var folder = URL(fileURLWithPath: resolved).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent("Profiles")
            if fm.fileExists(atPath: candidate.appendingPathComponent("generic.json").path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }
}
