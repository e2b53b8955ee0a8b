import DevTools
import Foundation
import PlatformProfiles

extension CapturePipeline {
    /// Loads the page as a capture would (launch, navigate, settle, consent, walls, overlays,
    /// expansion) and explains the profile's rules on it (`exhibit profiles explain`). No bag is
    /// made and nothing is kept: the scratch folder the steps need is removed afterwards.
    public func explain() async throws -> ProfileExplanation {
        let url: URL
        do { url = try TargetURL.validate(options.url) } catch { throw CaptureError.usage("\(error)") }
        let plan = try await plan(url)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-explain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let context = CaptureContext(url: url, progress: progress)
        let runner = StepRunner(context: context, folder: try PartialFolder(in: try Self.prepareOutput(scratch.path), captureId: context.captureId))
        defer { runner.folder.settled() }
        let capture = plan.capture(options: options, runner: runner, signingKey: nil)
        return try await capture.withBrowser(browser) { browser, pages, _ in
            try await capture.withProfiledPage(browser: browser, pages: pages) { loaded in
                try await runner.run(.extract) { () -> (ProfileExplanation, String) in
                    let explanation = try await ExplainProfile(loaded: loaded, entry: plan.profile, choice: plan.choice, context: context).run()
                    return (explanation, explanation.outcome.replies)
                }
            }
        }
    }
}

/// Runs the extraction with its trace on, surveys the profile's other rules on the page as it is,
/// and puts both together with what the runner did.
struct ExplainProfile {
    let loaded: ProfiledPage
    let entry: ProfileCatalog.Entry
    let choice: ProfileCatalog.Choice
    let context: CaptureContext

    /// What `exhibit.extract(spec, {})` says beyond the reading itself.
    struct Trace: Decodable, Sendable {
        struct PostSelector: Decodable, Sendable { let selector: String; let matched: Int; let visible: Int; let first: String?; let taken: Bool }
        struct Item: Decodable, Sendable { let `as`: String; let rule: String?; let path: String; let text: String }
        struct FieldRule: Decodable, Sendable {
            struct Post: Decodable, Sendable { let matched: Int; let value: String?; let path: String?; let taken: Bool }
            let post: Post?; let repliesMatched: Int; let repliesTaken: Int
        }
        struct ThreadEnd: Decodable, Sendable { let rule: Int; let path: String; let text: String }
        let post: [PostSelector]?
        let items: [Item]?
        /// Per field, per alternative (JavaScript arrays with holes where an alternative was never tried).
        let fields: [String: [FieldRule?]]?
        let media: [String: Int]?
        let removed: [String: Int]?
        let threadEnd: ThreadEnd?
    }
    struct Traced: Decodable, Sendable {
        let raw: RawExtraction
        let trace: Trace
        init(from decoder: any Decoder) throws {
            raw = try RawExtraction(from: decoder)
            enum Keys: String, CodingKey { case trace }
            trace = try decoder.container(keyedBy: Keys.self).decode(Trace.self, forKey: .trace)
        }
    }
    /// What `exhibit.survey` says of one rule.
    struct Survey: Decodable, Sendable {
        struct First: Decodable, Sendable { let label: String; let path: String }
        let matched: Int; let visible: Int; let hits: Int; let first: First?
    }

    func run() async throws -> ProfileExplanation {
        let profile = entry.profile
        let world = loaded.profiled.world
        guard let traced: Traced = try await world.call("extract", ExtractSpec(profile.extract), [String: String]()) else {
            throw StepProblem("the extraction script returned nothing")
        }
        let raw = traced.raw, trace = traced.trace
        let page = loaded.page
        let pageURL = loaded.activity.snapshot.documentResponses[loaded.profiled.loaderId]?.url ?? page.url
        let post = PostData.build(raw: raw, profile: profile, captureId: context.captureId, pageURL: pageURL, capturedAt: context.started,
                                  timeZone: TimeZone(identifier: page.options.timeZone) ?? .current,
                                  geometry: ScreenshotGeometry(x: 0, y: 0, width: Double(page.options.viewportWidth),
                                                               height: Double(page.options.limits.maxHeight), scale: 1))
        let actions = context.actions
        var rules: [ProfileExplanation.Rule] = []

        // The rules the runner used before extraction: what each finds now, and what was done by it.
        // `found`: what the runner found by these rules without acting (a wall it detected, and
        // which a hide rule may have hidden since), counted as used like an action.
        func survey(_ elementRules: [Profile.ElementRule], _ path: String, kinds: Set<CaptureRecord.ActionKind>,
                    found: [CaptureRecord.Found] = []) async throws {
            guard !elementRules.isEmpty else { return }
            let done = actions.filter { kinds.contains($0.kind) }.map { ["selector": $0.selector ?? "", "label": $0.label ?? ""] }
                + found.map { ["selector": $0.selector, "label": $0.label] }
            struct Answer: Decodable, Sendable { let survey: Survey; let used: Int }
            let answers: [Answer] = try await world.call("surveyWithActions", elementRules, done) ?? []
            for (index, (rule, answer)) in zip(elementRules, answers).enumerated() {
                rules.append(.init(path: "\(path)[\(index)]", selector: rule.selector, text: rule.text, onPage: answer.survey.hits, used: answer.used,
                                   first: answer.survey.first.map { "'\($0.label)' at \($0.path)" },
                                   selected: answer.survey.hits > 0 || answer.used > 0))
            }
        }
        if let consent = profile.consent {
            if let dialog = consent.dialog {
                let found: [Survey] = try await world.call("survey", [Profile.ElementRule(selector: dialog)]) ?? []
                let answered = actions.contains { $0.kind == .consentReject || $0.kind == .consentAccept }
                rules.append(.init(path: "consent.dialog", selector: dialog, text: nil, onPage: found.first?.matched, used: answered ? 1 : 0,
                                   first: found.first?.first?.path, selected: answered || (found.first?.matched ?? 0) > 0))
            }
            try await survey(consent.reject, "consent.reject", kinds: [.consentReject])
            try await survey(consent.accept, "consent.accept", kinds: [.consentAccept])
        }
        try await survey(profile.hide.map { Profile.ElementRule(selector: $0.selector, text: $0.text, flags: $0.flags) }, "hide", kinds: [.hide])
        if let walls = profile.walls {
            // The walls are looked for before the overlays are hidden: a login sheet a hide rule
            // hides afterwards was still found by its wall rule.
            let outcome = loaded.profiled.outcome
            try await survey(walls.login, "walls.login", kinds: [], found: outcome.loginWall.map { [$0] } ?? [])
            try await survey(walls.removed, "walls.removed", kinds: [], found: outcome.removed.map { [$0] } ?? [])
        }
        if let expand = profile.expand { try await survey(expand.click, "expand.click", kinds: [.click]) }

        // The extraction's own rules, from its trace.
        let items = (trace.items ?? []).map { ProfileExplanation.Item(counted: $0.as, rule: $0.rule, path: $0.path, text: $0.text) }
        for (index, selector) in profile.extract.post.enumerated() {
            let found = trace.post?.first { $0.selector == selector }
            rules.append(.init(path: "extract.post[\(index)]", selector: selector, text: nil, onPage: found?.visible, used: found?.taken == true ? 1 : 0,
                               first: found?.first, selected: (found?.visible ?? 0) > 0))
        }
        if let replies = profile.extract.replies {
            rules.append(.init(path: "extract.replies", selector: replies, text: nil, onPage: items.count,
                               used: items.filter { $0.counted == "reply" }.count, first: items.first?.path, selected: !items.isEmpty))
        }
        if profile.extract.nesting.by == .container, let container = profile.extract.nesting.container {
            let found: [Survey] = try await world.call("survey", [Profile.ElementRule(selector: container)]) ?? []
            rules.append(.init(path: "extract.nesting.container", selector: container, text: nil, onPage: found.first?.matched, used: 0,
                               first: found.first?.first?.path, selected: (found.first?.matched ?? 0) > 0))
        }
        var fields: [ProfileExplanation.Field] = []
        for name in profile.extract.fields.keys.sorted() {
            let alternatives = profile.extract.fields[name] ?? []
            let traced = trace.fields?[name] ?? []
            var explained: [ProfileExplanation.Field.Alternative] = []
            for (index, rule) in alternatives.enumerated() {
                let seen = index < traced.count ? traced[index] : nil
                let path = "extract.fields.\(name)[\(index)]"
                explained.append(.init(path: path, selector: rule.selector, attribute: rule.attribute, pattern: rule.pattern,
                                       postMatched: seen?.post?.matched ?? 0, postValue: seen?.post?.value, postElement: seen?.post?.path,
                                       takenForPost: seen?.post?.taken ?? false,
                                       repliesMatched: seen?.repliesMatched ?? 0, repliesTaken: seen?.repliesTaken ?? 0))
                let matched = (seen?.post?.matched ?? 0) + (seen?.repliesMatched ?? 0)
                rules.append(.init(path: path, selector: rule.selector, text: rule.pattern, onPage: matched, used: (seen?.post?.taken == true ? 1 : 0) + (seen?.repliesTaken ?? 0),
                                   first: seen?.post?.value, selected: matched > 0))
            }
            let value = Self.postValue(name, post.post)
            fields.append(.init(name: name, value: value, source: value == nil ? nil : (post.post?.sources?[name] ?? "page markup"), alternatives: explained))
        }
        for (index, rule) in profile.extract.media.enumerated() {
            let count = trace.media?[String(index)] ?? 0
            rules.append(.init(path: "extract.media[\(index)]", selector: rule.selector, text: nil, onPage: count, used: count, first: nil, selected: count > 0))
        }
        for (index, rule) in profile.extract.exclude.enumerated() {
            let count = items.filter { $0.rule?.hasPrefix("exclude[\(index)]") == true }.count
            rules.append(.init(path: "extract.exclude[\(index)]", selector: rule.selector ?? rule.missing.map { "missing \($0)" }, text: rule.text,
                               onPage: count, used: count, first: nil, selected: count > 0))
        }
        for (index, rule) in profile.extract.threadEnd.enumerated() {
            let found: [Survey] = try await world.call("survey", [Profile.ElementRule(selector: rule.selector)]) ?? []
            let ended = trace.threadEnd?.rule == index
            rules.append(.init(path: "extract.threadEnd[\(index)]", selector: rule.selector, text: rule.text, onPage: found.first?.matched,
                               used: ended ? 1 : 0, first: ended ? trace.threadEnd.map { "'\($0.text)' at \($0.path)" } : nil, selected: ended))
        }
        for (index, rule) in profile.extract.removed.enumerated() {
            let count = trace.removed?[String(index)] ?? 0
            rules.append(.init(path: "extract.removed[\(index)]", selector: rule.selector ?? rule.missing.map { "missing \($0)" }, text: rule.text,
                               onPage: count, used: count, first: nil, selected: count > 0))
        }
        for (index, selector) in profile.extract.repliesInFrame.enumerated() {
            let found: [Survey] = try await world.call("survey", [Profile.ElementRule(selector: selector)]) ?? []
            rules.append(.init(path: "extract.repliesInFrame[\(index)]", selector: selector, text: nil, onPage: found.first?.matched, used: 0,
                               first: found.first?.first?.path, selected: (found.first?.matched ?? 0) > 0))
        }

        let outcome = loaded.profiled.outcome
        let essentials = CompletenessReport.essentialsMissing(post.post)
        var warnings = raw.invalidSelectors.map { "invalid selector: \($0)" }
        warnings += context.warnings.map { "\($0.step.rawValue): \($0.message)" }
        var explanation = ProfileExplanation(
            url: page.context.url.absoluteString, finalURL: pageURL, profile: profile.name, profileFile: entry.file.lastPathComponent,
            chosenBy: choice.rawValue, actions: actions, consent: outcome.consent,
            loginWall: outcome.loginWall.map { "\($0.label) (\($0.selector))" }, removed: outcome.removed.map { "\($0.label) (\($0.selector))" },
            expansion: outcome.expansion, rules: rules, fields: fields, items: items,
            outcome: .init(postSelector: raw.postSelector, replies: CompletenessReport.replies(post), repliesFound: post.replyCount.captured,
                           ancestors: post.ancestors?.count ?? 0, excluded: post.excluded ?? [], essentialsMissing: essentials),
            warnings: warnings)
        explanation.viewer = outcome.viewer.map { "\($0.label) (\($0.selector))" }
        return explanation
    }

    /// The post's value of a field as post.json records it.
    static func postValue(_ name: String, _ item: PostData.Item?) -> String? {
        guard let item else { return nil }
        switch name {
        case "id": return item.id
        case "url": return item.url
        case "authorName": return item.author.displayName
        case "authorHandle": return item.author.handle
        case "authorURL": return item.author.profileURL
        case "avatarURL": return item.author.avatarURL
        case "published": return item.published.iso
        case "publishedShown": return item.published.shown
        case "text": return item.text
        case "language": return item.language
        case "replies": return item.counts.replies?.shown
        case "reposts": return item.counts.reposts?.shown
        case "likes": return item.counts.likes?.shown
        case "views": return item.counts.views?.shown
        default: return nil
        }
    }
}
