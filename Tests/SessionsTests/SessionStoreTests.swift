import Crypto
import Foundation
import Sessions
import Testing

/// Where sessions live and who may read them: the store's folder, saving, loading, listing and
/// deleting, and the permission rules for files given by path.
@Suite("session store")
struct SessionStoreTests {
    typealias Support = SessionTestSupport

    static let state = SessionState(cookies: Support.cookies,
                                    origins: [OriginStorage(origin: "https://example.com", localStorage: [StorageItem(name: "token", value: "t0k3n")])],
                                    exhibit: SessionInfo(created: Date(timeIntervalSince1970: 1_796_166_900), loginURL: "https://example.com/login",
                                                         account: "@investigator"))

    @Test("save makes the folder 0700 and the file 0600, and what is saved loads as it was")
    func saveAndLoad() throws {
        let root = Support.folder()
        let store = SessionStore(directory: root.appendingPathComponent("a/b/sessions"))
        let file = try store.save(Self.state, as: "example")
        #expect(file == store.directory.appendingPathComponent("example.json"))
        #expect(Support.mode(store.directory.path) == 0o700)
        #expect(Support.mode(file.path) == 0o600)
        let loaded = try store.load("example")
        #expect(loaded.name == "example" && loaded.format == .storageState && loaded.path == file.path)
        #expect(loaded.state == Self.state)
    }

    @Test("sha256 is of the exact bytes of the file")
    func digest() throws {
        let folder = Support.folder()
        for (name, text) in [("s.json", Support.storageStateText), ("c.txt", Support.netscapeText), ("e.json", Support.cookieEditorText)] {
            let file = Support.write(text, to: name, in: folder)
            let loaded = try SessionStore.loadCookieFile(file.path)
            let expected = SHA256.hash(data: try Data(contentsOf: file)).map { String(format: "%02x", $0) }.joined()
            #expect(loaded.sha256 == expected)
            #expect(loaded.name == nil && loaded.path == file.path)
        }
    }

    @Test("a file group or others can read or write is refused, by name, by path and as --cookies", arguments: [0o644, 0o640, 0o604, 0o620, 0o602, 0o666])
    func unsafeFile(mode: Int) throws {
        let store = SessionStore(directory: Support.folder())
        let file = try store.save(Self.state, as: "loose")
        chmod(file.path, mode_t(mode))
        let how = mode & 0o044 != 0 ? "readable" : "writable"
        let expected = "session file \(file.path) is \(how) by others (mode 0\(String(mode, radix: 8))); run: chmod 600 \(file.path)"
        for load in [{ try store.load("loose") }, { try store.load(file.path) }] {
            let error = Support.error(load)
            #expect(error?.kind == .unsafePermissions)
            #expect(error?.description == expected)
        }
        let cookies = Support.error { try SessionStore.loadCookieFile(file.path) }
        #expect(cookies?.kind == .unsafePermissions)
        #expect(cookies?.description.hasPrefix("cookie file \(file.path) is \(how) by others") == true)
    }

    @Test("a link is followed: its target's mode decides, and the message names the target to chmod")
    func symlink() throws {
        let folder = Support.folder()
        let target = Support.write(Support.netscapeText, to: "target.txt", in: folder, mode: 0o644)
        let link = folder.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let error = Support.error { try SessionStore.loadCookieFile(link.path) }
        #expect(error?.kind == .unsafePermissions)
        #expect(error?.description == "cookie file \(link.path) (a link to \(target.path)) is readable by others (mode 0644); run: chmod 600 \(target.path)")
        chmod(target.path, 0o600)
        #expect(try SessionStore.loadCookieFile(link.path).state.cookies == Support.cookies)
    }

    @Test("a folder, a FIFO or a missing file is unreadable, named by its path, and a FIFO does not hang")
    func notRegular() throws {
        let folder = Support.folder()
        let directory = folder.appendingPathComponent("dir.json")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let fifo = folder.appendingPathComponent("fifo.txt")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let cases = [(directory.path, "is not a regular file but a folder"), (fifo.path, "is not a regular file but a FIFO"),
                     (folder.appendingPathComponent("missing.json").path, "no such file"), ("/dev/null", "is not a regular file but a device")]
        for (path, phrase) in cases {
            let error = Support.error { try SessionStore.loadCookieFile(path) }
            #expect(error?.kind == .unreadable)
            #expect(error?.description.contains(path) == true && error?.description.contains(phrase) == true, "\(error?.description ?? "")")
        }
    }

    @Test("a store folder others can enter is refused for every use, with the chmod that fixes it")
    func unsafeFolder() throws {
        let store = SessionStore(directory: Support.folder())
        try store.save(Self.state, as: "one")
        chmod(store.directory.path, 0o755)
        let expected = "session folder \(store.directory.path) is open to others (mode 0755); run: chmod 700 \(store.directory.path)"
        let uses: [() throws -> Void] = [
            { _ = try store.load("one") },
            { _ = try store.list() },
            { _ = try store.save(Self.state, as: "two") },
            { try store.delete("one") },
        ]
        for use in uses {
            let error = Support.error(use)
            #expect(error?.kind == .unsafePermissions)
            #expect(error?.description == expected)
        }
        #expect(Support.mode(store.directory.path) == 0o755, "refused, not silently changed")
        #expect(!FileManager.default.fileExists(atPath: store.file(for: "two").path))
    }

    @Test("an unknown name lists the known names, or says how to make the first")
    func unknownName() throws {
        let empty = SessionStore(directory: Support.folder().appendingPathComponent("none"))
        let first = Support.error { try empty.load("foo") }
        #expect(first?.kind == .unknownName)
        #expect(first?.description == "unknown session 'foo'; no sessions in \(empty.directory.path) — make one with 'exhibit session create NAME --url LOGIN_URL'")
        let store = SessionStore(directory: Support.folder())
        try store.save(Self.state, as: "b")
        try store.save(Self.state, as: "a")
        Support.write("not a session", to: "notes.md", in: store.directory)
        let error = Support.error { try store.load("foo") }
        #expect(error?.kind == .unknownName)
        #expect(error?.description == "unknown session 'foo'; known sessions: a, b")
    }

    @Test("names and paths: what is neither is a bad name", arguments: [
        ("bsky", true), ("x.com-2", true), ("A_1", true), (String(repeating: "a", count: 64), true),
        (String(repeating: "a", count: 65), false), ("", false), (".hidden", false), ("-x", false), ("a..b", false),
        ("a b", false), ("a/b", false), ("x.json", false), ("x.TXT", false), ("é", false), ("a\nb", false),
    ])
    func names(text: String, isName: Bool) {
        #expect(SessionStore.isName(text) == isName)
    }

    @Test("load: a path is read as a file; a bad name is refused as neither")
    func loadPathOrName() throws {
        let folder = Support.folder()
        Support.write(Support.netscapeText, to: "cookies.txt", in: folder)
        let store = SessionStore(directory: Support.folder())
        #expect(try store.load(folder.appendingPathComponent("cookies.txt").path).format == .netscape)
        let error = Support.error { try store.load("my session") }
        #expect(error?.kind == .badName)
        #expect(error?.description.contains("nor a path") == true)
        let save = Support.error { try store.save(Self.state, as: "../escape") }
        #expect(save?.kind == .badName)
    }

    @Test("save of a taken name without replace is refused and leaves the old file; with replace it replaces it")
    func exists() throws {
        let store = SessionStore(directory: Support.folder())
        let file = try store.save(Self.state, as: "s")
        let before = try Data(contentsOf: file)
        var other = Self.state
        other.cookies.removeLast()
        let error = Support.error { try store.save(other, as: "s") }
        #expect(error?.kind == .exists)
        #expect(try Data(contentsOf: file) == before)
        try store.save(other, as: "s", replace: true)
        #expect(try store.load("s").state == other)
        #expect(Support.mode(file.path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == ["s.json"], "no temporary file left")
    }

    @Test("a save that fails leaves no partial or temporary file")
    func failedSave() throws {
        let store = SessionStore(directory: Support.folder())
        // The name is taken by a folder: the rename fails after the temporary file was written.
        try FileManager.default.createDirectory(at: store.file(for: "s"), withIntermediateDirectories: false)
        let error = Support.error { try store.save(Self.state, as: "s", replace: true) }
        #expect(error?.kind == .unwritable)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == ["s.json"])
        // A state no browser could use is refused before anything is written.
        var bad = Self.state
        bad.cookies[0].value = "x\r\nSet-Cookie: admin=1"
        let refused = Support.error { try store.save(bad, as: "bad") }
        #expect(refused?.kind == .malformed)
        #expect(!FileManager.default.fileExists(atPath: store.file(for: "bad").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == ["s.json"])
    }

    @Test("delete removes that session's file only; an unknown name is refused")
    func delete() throws {
        let store = SessionStore(directory: Support.folder())
        try store.save(Self.state, as: "keep")
        try store.save(Self.state, as: "gone")
        Support.write("x", to: "gone.txt", in: store.directory)
        try store.delete("gone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).sorted() == ["gone.txt", "keep.json"])
        let error = Support.error { try store.delete("gone") }
        #expect(error?.kind == .unknownName)
        #expect(error?.description == "unknown session 'gone'; known sessions: keep")
    }

    @Test("list: sites, account, expired cookies, and a file that will not load with its problem")
    func list() throws {
        let store = SessionStore(directory: Support.folder())
        #expect(try SessionStore(directory: store.directory.appendingPathComponent("absent")).list().isEmpty)
        try store.save(Self.state, as: "full")
        try store.save(SessionState(cookies: [Support.cookies[1]]), as: "plain")
        Support.write("{\"cookies\": [{\"name\": \"n\"}]}", to: "broken.json", in: store.directory)
        Support.write("{}", to: "loose.json", in: store.directory, mode: 0o644)
        let summaries = try store.list(now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(summaries.map(\.name) == ["broken", "full", "loose", "plain"])
        let full = summaries[1]
        #expect(full.created == Date(timeIntervalSince1970: 1_796_166_900))
        #expect(full.origins == ["api.example.org", "example.com", "https://example.com", "www.example.com"])
        #expect(full.account == "@investigator")
        #expect(full.cookieCount == 4 && full.expiredCookies == 2 && full.problem == nil)
        #expect(summaries[3].created == nil && summaries[3].account == nil && summaries[3].expiredCookies == 1)
        #expect(summaries[0].problem == "\(store.file(for: "broken").path) cookie 1 has no 'value'")
        #expect(summaries[2].problem?.contains("is readable by others (mode 0644)") == true)
    }

    @Test("the folder: $EXHIBIT_SESSIONS, else $XDG_DATA_HOME, else ~/.local/share")
    func folderFromEnvironment() {
        #expect(SessionStore(environment: ["EXHIBIT_SESSIONS": "/s", "XDG_DATA_HOME": "/x", "HOME": "/h"]).directory.path == "/s")
        #expect(SessionStore(environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]).directory.path == "/x/exhibit/sessions")
        #expect(SessionStore(environment: ["XDG_DATA_HOME": "relative", "HOME": "/h"]).directory.path == "/h/.local/share/exhibit/sessions")
        #expect(SessionStore(environment: ["EXHIBIT_SESSIONS": "", "HOME": "/h"]).directory.path == "/h/.local/share/exhibit/sessions")
    }
}

@Suite("session files owned by someone else, or in a folder others can write")
struct SessionOwnershipTests {
    @Test("a session file or store folder of another user is refused with the chown that fixes it; a file in a world-writable folder without the sticky bit is refused")
    func ownerAndParent() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-owner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let state = SessionState(cookies: [SessionCookie(name: "a", value: "secret-value-1", domain: "example.org")], origins: [], exhibit: nil)
        let file = root.appendingPathComponent("s.json")
        try SessionFile.encode(state).write(to: file)
        chmod(file.path, 0o600)
        #expect(throws: Never.self) { _ = try SessionStore(directory: root).load(file.path) }
        if geteuid() == 0 {
            chown(file.path, 65534, 65534)
            do { _ = try SessionStore(directory: root).load(file.path); Issue.record("a file of another user was accepted") }
            catch { #expect("\(error)".contains("belongs to user id 65534") && "\(error)".contains("chown"), "\(error)") }
            chown(file.path, 0, 0)
        }
        let open = root.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        let inOpen = open.appendingPathComponent("s.json")
        try SessionFile.encode(state).write(to: inOpen)
        chmod(inOpen.path, 0o600)
        do { _ = try SessionStore(directory: root).load(inOpen.path); Issue.record("a file in a world-writable folder was accepted") }
        catch { #expect("\(error)".contains("which others can write"), "\(error)") }
        chmod(open.path, 0o1777)
        #expect(throws: Never.self) { _ = try SessionStore(directory: root).load(inOpen.path) }
    }
}
