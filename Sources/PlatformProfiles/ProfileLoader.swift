import Foundation

/// Reads and checks a profile file. Every problem is reported with the file, the field's path
/// (e.g. `extract.fields.text[0].pattern`) and what is wrong with it.
public enum ProfileLoader {
    /// Loads one profile file.
    public static func load(file: URL) throws -> Profile {
        let name = file.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw ProfileError(file: name, field: "(file)", problem: "cannot be read")
        }
        return try parse(data, file: name)
    }

    /// Parses and checks a profile from its bytes; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> Profile {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
            throw ProfileError(file: file, field: "(file)", problem: "is not valid JSON: \(detail)")
        }
        let r = Reader(file: file)
        let top = try r.object(root, "(top level)", allowed: ["format", "formatVersion", "name", "platform", "notes", "verified", "matches",
                                                              "consent", "hide", "walls", "expand", "extract", "frames", "account",
                                                              "viewer", "viewerIs"])
        let format = try r.string(top, "format")
        guard format == "exhibit-profile" else { throw r.error("format", "must be \"exhibit-profile\", not \"\(format)\"") }
        let version = try r.int(top, "formatVersion")
        guard version == 1 else { throw r.error("formatVersion", "version \(version) is not supported (this Exhibit reads version 1)") }
        let name = try r.string(top, "name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw r.error("name", "must be letters, digits, '-' or '_'")
        }
        let matches = try r.strings(top, "matches")
        for (i, pattern) in matches.enumerated() { try r.regex(pattern, "matches[\(i)]") }

        var consent: Profile.Consent?
        if let value = top["consent"] {
            let c = try r.object(value, "consent", allowed: ["dialog", "reject", "accept"])
            consent = .init(dialog: try r.optionalString(c, "dialog", path: "consent.dialog"),
                            reject: try r.elementRules(c["reject"], "consent.reject"),
                            accept: try r.elementRules(c["accept"], "consent.accept"))
        }
        var hide: [Profile.HideRule] = []
        if let value = top["hide"] {
            guard let list = value as? [Any] else { throw r.error("hide", "must be a list") }
            for (i, item) in list.enumerated() {
                let path = "hide[\(i)]"
                let o = try r.object(item, path, allowed: ["selector", "text", "flags", "reason"])
                let (text, flags) = try r.pageRegex(o, "text", path: path)
                hide.append(.init(selector: try r.selector(o, "selector", path: "\(path).selector"), text: text, flags: flags,
                                  reason: try r.string(o, "reason", path: "\(path).reason")))
            }
        }
        var walls: Profile.Walls?
        if let value = top["walls"] {
            let w = try r.object(value, "walls", allowed: ["login", "removed"])
            walls = .init(login: try r.elementRules(w["login"], "walls.login"), removed: try r.elementRules(w["removed"], "walls.removed"))
        }
        var expand: Profile.Expansion?
        if let value = top["expand"] {
            let e = try r.object(value, "expand", allowed: ["click", "scroll", "maxRounds", "maxReplies", "maxSeconds"])
            let scroll = try r.optionalBool(e, "scroll", path: "expand.scroll") ?? false
            let rounds = try r.int(e, "maxRounds", path: "expand.maxRounds")
            let replies = try r.int(e, "maxReplies", path: "expand.maxReplies")
            let seconds = try r.number(e, "maxSeconds", path: "expand.maxSeconds")
            guard (1...1000).contains(rounds) else { throw r.error("expand.maxRounds", "must be between 1 and 1000") }
            guard (1...100_000).contains(replies) else { throw r.error("expand.maxReplies", "must be between 1 and 100000") }
            guard seconds > 0, seconds <= 3600 else { throw r.error("expand.maxSeconds", "must be more than 0 and at most 3600") }
            expand = .init(click: try r.elementRules(e["click"], "expand.click"), scroll: scroll,
                           maxRounds: rounds, maxReplies: replies, maxSeconds: seconds)
        }
        var verified: Profile.Verified?
        if let value = top["verified"] {
            let v = try r.object(value, "verified", allowed: ["date", "pages"])
            let date = try r.string(v, "date", path: "verified.date")
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "UTC")
            parser.dateFormat = "yyyy-MM-dd"
            guard date.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#, options: .regularExpression) != nil, parser.date(from: date) != nil else {
                throw r.error("verified.date", "must be a date as YYYY-MM-DD, not \"\(date)\"")
            }
            let pages = try r.strings(v, "pages", path: "verified.pages")
            guard !pages.isEmpty else { throw r.error("verified.pages", "needs at least one page the profile was checked against") }
            verified = .init(date: date, pages: pages)
        }
        guard let extractValue = top["extract"] else { throw r.error("extract", "is required") }
        let x = try r.object(extractValue, "extract", allowed: ["post", "replies", "nesting", "fields", "media", "exclude", "threadEnd",
                                                                       "removed", "postKey", "repliesInFrame"])
        let post = try r.strings(x, "post", path: "extract.post")
        guard !post.isEmpty else { throw r.error("extract.post", "needs at least one selector") }
        let replies = try r.optionalString(x, "replies", path: "extract.replies")
        var nesting = Profile.Nesting(by: .none)
        if let value = x["nesting"] {
            let n = try r.object(value, "extract.nesting", allowed: ["by", "container"])
            let name = try r.string(n, "by", path: "extract.nesting.by")
            guard let by = Profile.NestingMode(rawValue: name) else {
                throw r.error("extract.nesting.by", "must be none, container or replyingTo, not \"\(name)\"")
            }
            let container = try r.optionalString(n, "container", path: "extract.nesting.container")
            if by == .container, container == nil { throw r.error("extract.nesting.container", "is required when nesting.by is container") }
            nesting = .init(by: by, container: container)
        }
        guard let fieldsValue = x["fields"] else { throw r.error("extract.fields", "is required") }
        guard let fieldsObject = fieldsValue as? [String: Any] else { throw r.error("extract.fields", "must be an object") }
        var fields: [String: [Profile.FieldRule]] = [:]
        for (key, value) in fieldsObject {
            let path = "extract.fields.\(key)"
            guard Profile.fieldNames.contains(key) else {
                throw r.error(path, "is not a known field (known: \(Profile.fieldNames.sorted().joined(separator: ", ")))")
            }
            fields[key] = try r.fieldRules(value, path)
        }
        if nesting.by == .replyingTo, fields["replyingTo"] == nil {
            throw r.error("extract.fields.replyingTo", "is required when nesting.by is replyingTo")
        }
        var media: [Profile.MediaRule] = []
        if let value = x["media"] {
            guard let list = value as? [Any] else { throw r.error("extract.media", "must be a list") }
            for (i, item) in list.enumerated() {
                let o = try r.object(item, "extract.media[\(i)]", allowed: ["selector", "type"])
                let type = try r.string(o, "type", path: "extract.media[\(i)].type")
                guard ["image", "video"].contains(type) else { throw r.error("extract.media[\(i)].type", "must be image or video") }
                media.append(.init(selector: try r.selector(o, "selector", path: "extract.media[\(i)].selector"), type: type))
            }
        }
        let exclude = try r.markRules(x["exclude"], "extract.exclude")
        let removed = try r.markRules(x["removed"], "extract.removed")
        let threadEnd = try r.elementRules(x["threadEnd"], "extract.threadEnd")
        var postKey: Profile.PostKey?
        if let value = x["postKey"] {
            let o = try r.object(value, "extract.postKey", allowed: ["attribute", "pattern", "flags"])
            let (pattern, flags) = try r.pageRegex(o, "pattern", path: "extract.postKey")
            guard let pattern, let flags else { throw r.error("extract.postKey.pattern", "is required") }
            let attribute = try r.string(o, "attribute", path: "extract.postKey.attribute")
            guard !attribute.isEmpty, !attribute.contains(where: \.isWhitespace) else {
                throw r.error("extract.postKey.attribute", "must be an attribute name, e.g. data-post")
            }
            postKey = .init(attribute: attribute, pattern: pattern, flags: flags)
        }
        let repliesInFrame = x["repliesInFrame"] == nil ? [] : try r.strings(x, "repliesInFrame", path: "extract.repliesInFrame")
        let frames = try top["frames"].map { try parseFrames($0, name: name, file: file) }
        var profile = Profile(format: format, formatVersion: version, name: name, platform: try r.string(top, "platform"),
                       notes: try r.optionalString(top, "notes", path: "notes"), matches: matches, verified: verified, consent: consent, hide: hide,
                       walls: walls, expand: expand,
                       extract: .init(post: post, replies: replies, nesting: nesting, fields: fields, media: media,
                                      exclude: exclude, threadEnd: threadEnd, removed: removed, postKey: postKey,
                                      repliesInFrame: repliesInFrame),
                       frames: frames)
        profile.account = try top["account"].map { try r.account($0) }
        // The same rules as a field's, checked the same way: the capture reads them with the code
        // that reads fields.
        profile.viewer = try top["viewer"].map { try r.fieldRules($0, "viewer") }
        if let viewer = profile.viewer, let i = viewer.firstIndex(where: { $0.scope != nil }) {
            throw r.error((top["viewer"] is [Any] ? "viewer[\(i)]" : "viewer") + ".scope",
                          "is not for viewer rules: they are always read from the whole page")
        }
        if let kind = try r.optionalString(top, "viewerIs", path: "viewerIs") {
            guard let parsed = Profile.ViewerKind(rawValue: kind) else { throw r.error("viewerIs", "must be \"handle\" or \"name\", not \"\(kind)\"") }
            guard profile.viewer != nil else { throw r.error("viewerIs", "says what the viewer rules read, but the profile has none") }
            profile.viewerIs = parsed
        }
        return profile
    }

    /// `frames`: URL patterns of the platform's embed frames, each anchored to a scheme and host, and
    /// optionally the embed's own `extract` section, checked exactly as the profile's.
    private static func parseFrames(_ value: Any, name: String, file: String) throws -> Profile.Frames {
        let r = Reader(file: file)
        let o = try r.object(value, "frames", allowed: ["matches", "extract"])
        let matches = try r.strings(o, "matches", path: "frames.matches")
        guard !matches.isEmpty else { throw r.error("frames.matches", "needs at least one pattern") }
        for (i, pattern) in matches.enumerated() {
            try r.regex(pattern, "frames.matches[\(i)]")
            // Unanchored, `/embed/` would match any frame, one the page made itself included.
            guard pattern.hasPrefix("^https://") || pattern.hasPrefix("^https?://") || pattern.hasPrefix("^http://") else {
                throw r.error("frames.matches[\(i)]", "must start with ^https:// or ^https?:// (anchored at the frame URL's start, then its host)")
            }
        }
        guard let rules = o["extract"] else { return .init(matches: matches) }
        // The embed's rules are an `extract` section like the profile's, checked by the same code.
        let wrapper: [String: Any] = ["format": "exhibit-profile", "formatVersion": 1, "name": name, "platform": name,
                                      "matches": [String](), "extract": rules]
        do {
            let data = try JSONSerialization.data(withJSONObject: wrapper)
            return .init(matches: matches, extract: try parse(data, file: file).extract)
        } catch let error as ProfileError {
            throw ProfileError(file: file, field: "frames." + error.field, problem: error.problem)
        }
    }

    /// Small typed accessors that name the field path in every error.
    private struct Reader {
        let file: String

        /// Rules that mark an item (`exclude`, `removed`): an element it holds, or one it lacks.
        func markRules(_ value: Any?, _ field: String) throws -> [Profile.ExcludeRule] {
            guard let value else { return [] }
            guard let list = value as? [Any] else { throw error(field, "must be a list") }
            return try list.enumerated().map { i, item in
                let path = "\(field)[\(i)]"
                let o = try object(item, path, allowed: ["selector", "text", "flags", "missing", "reason"])
                let (text, flags) = try pageRegex(o, "text", path: path)
                let rule = Profile.ExcludeRule(selector: try optionalString(o, "selector", path: "\(path).selector"), text: text, flags: flags,
                                               missing: try optionalString(o, "missing", path: "\(path).missing"),
                                               reason: try string(o, "reason", path: "\(path).reason"))
                guard (rule.selector == nil) != (rule.missing == nil) else {
                    throw error(path, "needs either a selector (an element that marks the item) or missing (an element every thread item has)")
                }
                if rule.text != nil && rule.selector == nil { throw error("\(path).text", "is only for a rule with a selector") }
                return rule
            }
        }

        /// The account-page section: URL patterns, header, header fields, timeline entries and their fields.
        func account(_ value: Any) throws -> Profile.Account {
            let a = try object(value, "account", allowed: ["matches", "header", "fields", "posts", "postFields", "scrolls"])
            let matches = try strings(a, "matches", path: "account.matches")
            guard !matches.isEmpty else { throw error("account.matches", "needs at least one URL pattern of an account page") }
            for (i, pattern) in matches.enumerated() { try regex(pattern, "account.matches[\(i)]") }
            let header = a["header"] == nil ? [] : try strings(a, "header", path: "account.header")
            let posts = try selector(a, "posts", path: "account.posts")
            func rules(_ key: String, known: Set<String>) throws -> [String: [Profile.FieldRule]] {
                guard let value = a[key] else { throw error("account.\(key)", "is required") }
                guard let object = value as? [String: Any] else { throw error("account.\(key)", "must be an object") }
                var result: [String: [Profile.FieldRule]] = [:]
                for (name, rule) in object {
                    guard known.contains(name) else {
                        throw error("account.\(key).\(name)", "is not a known field (known: \(known.sorted().joined(separator: ", ")))")
                    }
                    result[name] = try fieldRules(rule, "account.\(key).\(name)")
                }
                return result
            }
            let fields = try rules("fields", known: Profile.accountFieldNames)
            let postFields = try rules("postFields", known: Profile.timelineFieldNames)
            let scrolls = a["scrolls"] == nil ? 2 : try int(a, "scrolls", path: "account.scrolls")
            guard (0...20).contains(scrolls) else { throw error("account.scrolls", "must be between 0 and 20 (a timeline is not scrolled to its end)") }
            return .init(matches: matches, header: header, fields: fields, posts: posts, postFields: postFields, scrolls: scrolls)
        }

        func error(_ path: String, _ problem: String) -> ProfileError { ProfileError(file: file, field: path, problem: problem) }

        func object(_ value: Any, _ path: String, allowed: Set<String>) throws -> [String: Any] {
            guard let object = value as? [String: Any] else { throw error(path, "must be an object") }
            if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
                let prefix = path == "(top level)" ? "" : "\(path)."
                throw error(prefix + unknown, "is not a known field (known here: \(allowed.sorted().joined(separator: ", ")))")
            }
            return object
        }
        func string(_ object: [String: Any], _ key: String, path: String? = nil) throws -> String {
            guard let value = object[key] else { throw error(path ?? key, "is required") }
            guard let string = value as? String else { throw error(path ?? key, "must be a string") }
            return string
        }
        func optionalString(_ object: [String: Any], _ key: String, path: String) throws -> String? {
            guard let value = object[key] else { return nil }
            guard let string = value as? String, !string.isEmpty else { throw error(path, "must be a non-empty string") }
            return string
        }
        func selector(_ object: [String: Any], _ key: String, path: String) throws -> String {
            let value = try string(object, key, path: path)
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw error(path, "must be a CSS selector, not empty") }
            return value
        }
        func strings(_ object: [String: Any], _ key: String, path: String? = nil) throws -> [String] {
            guard let value = object[key] else { throw error(path ?? key, "is required") }
            if let single = value as? String { return [single] }
            guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else { throw error(path ?? key, "must be a string or a list of strings") }
            return list.compactMap { $0 as? String }
        }
        func int(_ object: [String: Any], _ key: String, path: String? = nil) throws -> Int {
            guard let value = object[key] else { throw error(path ?? key, "is required") }
            guard let number = value as? NSNumber, !isBoolean(value), number.doubleValue == Double(number.intValue) else {
                throw error(path ?? key, "must be a whole number")
            }
            return number.intValue
        }
        func number(_ object: [String: Any], _ key: String, path: String) throws -> Double {
            guard let value = object[key] else { throw error(path, "is required") }
            guard let number = value as? NSNumber, !isBoolean(value) else { throw error(path, "must be a number") }
            return number.doubleValue
        }
        func optionalBool(_ object: [String: Any], _ key: String, path: String) throws -> Bool? {
            guard let value = object[key] else { return nil }
            guard isBoolean(value), let flag = value as? Bool else { throw error(path, "must be true or false") }
            return flag
        }
        /// JSON true/false, told apart from numbers (on Linux, `1 is Bool` holds for an NSNumber).
        func isBoolean(_ value: Any) -> Bool {
            String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
        }
        /// URL patterns run in Exhibit itself, so they are checked with its own (ICU) regex engine.
        func regex(_ pattern: String, _ path: String) throws {
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw self.error(path, "is not a valid regular expression: \(pattern)")
            }
        }
        /// A regex that runs in the page (`text`, `pattern`) and its flags. Such a regex is compiled
        /// where it runs, by the browser, before the profile acts (see `check-regexes.js`): Exhibit's
        /// own engine would accept what V8 refuses (`(?i)`) and read `\p{L}` differently. Here only
        /// its flags are checked: stated, each once, from `imsu`, and always with `u`.
        func pageRegex(_ object: [String: Any], _ key: String, path: String) throws -> (String?, String?) {
            let source = try optionalString(object, key, path: "\(path).\(key)")
            let flags = try optionalString(object, "flags", path: "\(path).flags")
            guard let source else {
                if flags != nil { throw error("\(path).flags", "is only for a rule with \(key)") }
                return (nil, nil)
            }
            guard !source.isEmpty else { throw error("\(path).\(key)", "must not be empty") }
            guard let flags else { throw error("\(path).flags", "is required with \(key): JavaScript regex flags, with u (e.g. \"iu\")") }
            guard flags.allSatisfy({ "imsu".contains($0) }), Set(flags).count == flags.count, flags.contains("u") else {
                throw error("\(path).flags", "must be letters of imsu, each once, including u (every profile regex runs with u), not \"\(flags)\"")
            }
            return (source, flags)
        }
        func elementRules(_ value: Any?, _ path: String) throws -> [Profile.ElementRule] {
            guard let value else { return [] }
            guard let list = value as? [Any] else { throw error(path, "must be a list") }
            return try list.enumerated().map { i, item in
                let o = try object(item, "\(path)[\(i)]", allowed: ["selector", "text", "flags"])
                let (text, flags) = try pageRegex(o, "text", path: "\(path)[\(i)]")
                return .init(selector: try selector(o, "selector", path: "\(path)[\(i)].selector"), text: text, flags: flags)
            }
        }
        func fieldRules(_ value: Any, _ path: String) throws -> [Profile.FieldRule] {
            let list: [Any] = (value as? [Any]) ?? [value]
            guard !list.isEmpty else { throw error(path, "needs at least one rule") }
            return try list.enumerated().map { i, item in
                let at = value is [Any] ? "\(path)[\(i)]" : path
                if let selector = item as? String { return .init(selector: selector) }
                let o = try object(item, at, allowed: ["selector", "attribute", "pattern", "flags", "scope"])
                let (pattern, flags) = try pageRegex(o, "pattern", path: at)
                let scope = try optionalString(o, "scope", path: "\(at).scope")
                if let scope, !["item", "document"].contains(scope) { throw error("\(at).scope", "must be item or document") }
                let rule = Profile.FieldRule(selector: try optionalString(o, "selector", path: "\(at).selector"),
                                             attribute: try optionalString(o, "attribute", path: "\(at).attribute"),
                                             pattern: pattern, flags: flags, scope: scope)
                if rule.selector == nil && rule.attribute == nil && rule.pattern == nil {
                    throw error(at, "needs a selector, an attribute or a pattern")
                }
                return rule
            }
        }
    }
}
