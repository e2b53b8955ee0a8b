import ExhibitTestSupport
import Foundation
import Testing
@testable import Evidence

/// A throwaway folder with a `data/` payload.
struct TemporaryBag {
    let root: URL
    init(files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("exhibit-bag-\(UUID().uuidString)")
        for (name, contents) in files {
            let url = root.appendingPathComponent("data").appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
    }
    func payload() throws -> [PayloadFile] {
        try BagWriter.files(under: root.appendingPathComponent("data")).sorted().map {
            try PayloadFile.hash($0, in: root, mediaType: "text/plain")
        }
    }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("Evidence: digests and BagIt")
struct BagTests {
    @Test("streaming digests match the published SHA-256 and SHA-512 test vectors")
    func digestVectors() throws {
        let bag = try TemporaryBag(files: ["abc.txt": "abc"])
        defer { bag.remove() }
        let digest = try FileDigest(fileAt: bag.root.appendingPathComponent("data/abc.txt").path)
        #expect(digest.size == 3)
        #expect(digest.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(digest.sha512 == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    @Test("a digest over several chunks equals one over the whole")
    func multiChunk() throws {
        let bag = try TemporaryBag(files: ["big.txt": String(repeating: "0123456789abcdef", count: 200_000)])
        defer { bag.remove() }
        let digest = try FileDigest(fileAt: bag.root.appendingPathComponent("data/big.txt").path)
        #expect(digest.size == 3_200_000)
        let reference = try ProcessRunner.run("/usr/bin/sha256sum", [bag.root.appendingPathComponent("data/big.txt").path]).stdout.prefix(64)
        #expect(digest.sha256 == String(reference))
    }

    @Test("the writer produces RFC 8493 tag files, Payload-Oxum and both manifests, and the checker finds no problem")
    func writesValidBag() throws {
        let bag = try TemporaryBag(files: ["a.txt": "alpha", "sub/b.txt": "bravo!"])
        defer { bag.remove() }
        try BagWriter(root: bag.root).write(payload: try bag.payload(),
                                            info: [("Source-Organization", "Gemeente Voorbeeld"), ("External-Identifier", "id-1")],
                                            baggingDate: Date(timeIntervalSince1970: 1_795_000_000))
        let bagit = try String(contentsOf: bag.root.appendingPathComponent("bagit.txt"), encoding: .utf8)
        #expect(bagit == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        let info = try String(contentsOf: bag.root.appendingPathComponent("bag-info.txt"), encoding: .utf8)
        #expect(info.contains("Source-Organization: Gemeente Voorbeeld\n"))
        #expect(info.contains("External-Identifier: id-1\n"))
        #expect(info.contains("Payload-Oxum: 11.2\n"))
        #expect(info.contains("Bagging-Date: 2026-11-18\n"))
        let manifest = try String(contentsOf: bag.root.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.contains("  data/sub/b.txt\n"))
        let tags = try String(contentsOf: bag.root.appendingPathComponent("tagmanifest-sha256.txt"), encoding: .utf8)
        for name in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"] {
            #expect(tags.contains("  \(name)\n"))
        }
        #expect(try BagChecker(root: bag.root).problems().isEmpty)
    }

    @Test("a payload list that does not match the disk is refused, naming the file")
    func refusesMismatch() throws {
        let bag = try TemporaryBag(files: ["a.txt": "alpha", "b.txt": "bravo"])
        defer { bag.remove() }
        let payload = try bag.payload()
        #expect(throws: EvidenceError.self) {
            try BagWriter(root: bag.root).write(payload: Array(payload.prefix(1)), info: [], baggingDate: Date())
        }
        do {
            try BagWriter(root: bag.root).write(payload: Array(payload.prefix(1)), info: [], baggingDate: Date())
        } catch {
            #expect("\(error)".contains("present but not hashed: b.txt"))
        }
    }

    @Test("the checker names a changed byte, a missing file and an extra file")
    func detectsTampering() throws {
        let bag = try TemporaryBag(files: ["a.txt": "alpha", "b.txt": "bravo", "c.txt": "charlie"])
        defer { bag.remove() }
        try BagWriter(root: bag.root).write(payload: try bag.payload(), info: [], baggingDate: Date())
        try Data("alphA".utf8).write(to: bag.root.appendingPathComponent("data/a.txt"))
        try FileManager.default.removeItem(at: bag.root.appendingPathComponent("data/b.txt"))
        try Data("new".utf8).write(to: bag.root.appendingPathComponent("data/extra.txt"))
        let problems = try BagChecker(root: bag.root).problems().map(\.description)
        #expect(problems.contains("data/a.txt: SHA-256 does not match manifest-sha256.txt"))
        #expect(problems.contains("data/a.txt: SHA-512 does not match manifest-sha512.txt"))
        #expect(problems.contains("data/b.txt: listed in the manifest but missing"))
        #expect(problems.contains("data/extra.txt: present in data/ but not in the manifest"))
        #expect(!problems.contains { $0.hasPrefix("data/c.txt") })
    }

    @Test("CR, LF and % in payload names are percent-encoded in manifests and decoded back")
    func percentEncoding() {
        #expect(BagWriter.encodePath("a%b\nc\rd") == "a%25b%0Ac%0Dd")
        #expect(BagWriter.decodePath("a%25b%0Ac%0Dd") == "a%b\nc\rd")
    }
}
