import Crypto
import Foundation
import Testing
import ExhibitTestSupport
@testable import WebArchive

/// What `exhibit verify` hands the web-archive checkers may have been made by anyone: each of these
/// files is built to crash, hang, exhaust or fool a checker, and each must be reported in a line
/// that says what is wrong, without reading outside the file or more than a bounded amount.
@Suite struct WARCCheckHostileTests {
    @Test func aGzipBombIsStoppedAtTheExpansionLimitNotReadToItsEnd() throws {
        let folder = try scratchFolder("bomb")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bomb.warc.gz").path
        // Three records of 100 MiB of zeros, each a Content-Length the file's size allows on its
        // own, together 300 MiB from a few hundred KiB: written in 1 MiB pieces, never held whole.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for index in 0..<3 {
            let gzip = try GzipMemberWriter()
            let sink: (UnsafeRawBufferPointer) throws -> Void = { try handle.write(contentsOf: Data($0)) }
            try gzip.write(Array(("WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:bomb-\(index)>\r\n"
                                  + "WARC-Target-URI: urn:bomb:\(index)\r\nContent-Length: \(100 << 20)\r\n\r\n").utf8), to: sink)
            for _ in 0..<100 { try gzip.write(zeros, to: sink) }
            try gzip.write([0x0D, 0x0A, 0x0D, 0x0A], to: sink)
            try gzip.finish(to: sink)
        }
        try handle.close()
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).uint64Value
        #expect(WARCByteSource.Expansion.limit(compressed: size) < 300 << 20, "the bomb is not over the limit (\(size) bytes)")

        let report = WARCChecker.check(path: path)
        #expect(report.recordsRead == 2)
        let stop = try #require(report.problems.last)
        #expect(stop.kind == .unreadable && stop.detail.contains("inflates to more than") && stop.detail.contains("gzip bomb"), "\(report.problems)")
        #expect(report.fileSHA256 == WARCDigest.hex(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// Many files, each within its own limit, are one bomb together: verify's budget is shared by
    /// every archive it reads, so a bag of a thousand small bombs cannot each take the floor.
    @Test func manyArchivesShareOneInflationBudget() throws {
        let folder = try scratchFolder("budget")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for index in 0..<2 {
            let path = folder.appendingPathComponent("part-\(index).warc.gz").path
            let body = [UInt8](repeating: 0x41, count: 600_000)
            let gzip = try GzipMemberWriter()
            var bytes = Data()
            let sink: (UnsafeRawBufferPointer) throws -> Void = { bytes.append(contentsOf: $0) }
            try gzip.write(Array(("WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:part-\(index)>\r\n"
                                  + "WARC-Target-URI: urn:part:\(index)\r\nContent-Length: \(body.count)\r\n\r\n").utf8), to: sink)
            try gzip.write(body, to: sink)
            try gzip.write([0x0D, 0x0A, 0x0D, 0x0A], to: sink)
            try gzip.finish(to: sink)
            try bytes.write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let budget = DecodeBudget(limit: 1_000_000)
        let reports = try paths.map { path in
            WARCChecker.check(file: try #require(FileHandle(forReadingAtPath: path)), path: path, budget: budget)
        }
        #expect(reports[0].recordsRead == 1 && !reports[0].problems.contains { $0.detail.contains("inflate") }, "\(reports[0].problems)")
        let stop = try #require(reports[1].problems.last)
        #expect(stop.detail.contains("the bag's web archives together inflate to more than 1000000 bytes"), "\(reports[1].problems)")
        // Each alone is well within its own limit.
        #expect(paths.allSatisfy { path in !WARCChecker.check(path: path).problems.contains { $0.detail.contains("inflate") } })
    }

    @Test func aHugeContentLengthInAGzippedFileIsRefusedAtOnce() throws {
        let folder = try scratchFolder("huge-length")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("huge.warc.gz").path
        try Data(gzipMember(Array("WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 999999999999999\r\n\r\nshort\r\n\r\n".utf8)))
            .write(to: URL(fileURLWithPath: path))
        let report = WARCChecker.check(path: path)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.detail.contains("Content-Length 999999999999999 is more than a file of this size can hold") == true,
                "\(report.problems)")
    }

    @Test func aDigestInAnotherAlgorithmIsADigestNotCheckedNeverAPass() throws {
        let folder = try scratchFolder("md5")
        defer { try? FileManager.default.removeItem(at: folder) }
        func check(_ label: String) throws -> WARCCheckReport {
            let path = folder.appendingPathComponent("\(UUID().uuidString).warc").path
            try Data(("WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:one>\r\nWARC-Target-URI: urn:x\r\n"
                      + "WARC-Block-Digest: \(label)\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n").utf8)
                .write(to: URL(fileURLWithPath: path))
            return WARCChecker.check(path: path)
        }
        let md5 = try check("md5:XUFAKRXLKKRZ6CSOR5QCLEJQJE")
        #expect(!md5.passed && md5.digestsMatched == 0)
        #expect(md5.problems.map(\.kind) == [.missingDigest], "\(md5.problems)")
        #expect(md5.problems.first?.detail.contains("not checked") == true)
        // SHA-1 (warcio's and Heritrix's default) is checked: the wrong one fails, the right one passes.
        let wrong = try check("sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ")
        #expect(wrong.problems.map(\.kind) == [.blockDigest] && wrong.problems.first?.detail.contains("SHA-1") == true, "\(wrong.problems)")
        let right = try check("sha1:VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N")
        #expect(right.passed && right.digestsMatched == 1, "\(right.problems)")
    }

    @Test func problemsAreKeptUpToACapAndTheRestCounted() throws {
        let folder = try scratchFolder("many")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("many.warc").path
        let record = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Block-Digest: sha256:\(String(repeating: "0", count: 64))\r\n"
            + "Content-Length: 2\r\n\r\nhi\r\n\r\n"
        try Data(String(repeating: record, count: WARCChecker.maxProblems + 50).utf8).write(to: URL(fileURLWithPath: path))
        let report = WARCChecker.check(path: path)
        #expect(report.recordsRead == WARCChecker.maxProblems + 50)
        #expect(report.problems.count == WARCChecker.maxProblems && report.problemsNotKept == 50 && !report.passed)
    }

    @Test func theRawBytesAreHashedInTheSamePassEvenWhenReadingStopsEarly() throws {
        let folder = try scratchFolder("raw")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = try SampleArchive(folder: folder)
        let whole = try Data(contentsOf: URL(fileURLWithPath: sample.path))
        let report = WARCChecker.check(path: sample.path)
        #expect(report.passed, "\(report.problems)")
        #expect(report.fileSHA256 == WARCDigest.hex(SHA256.hash(data: whole)) && report.fileBytes == UInt64(whole.count))
        #expect(report.recordTypes == ["warcinfo": 1, "response": 3, "request": 2, "resource": 2, "metadata": 2])
        #expect(report.warcinfo?["browser"] == "Chromium 140.0" && report.warcinfo?["software"] == "Exhibit 0.test")

        let cut = whole.prefix(Int(sample.records[4].offset) + 10)
        try cut.write(to: URL(fileURLWithPath: sample.path))
        let short = WARCChecker.check(path: sample.path)
        #expect(short.problems.last?.kind == .unreadable)
        #expect(short.fileSHA256 == WARCDigest.hex(SHA256.hash(data: cut)))
    }

    @Test func theEndOfAnHTTPHeadIsFoundWhereverTheChunksSplitIt() throws {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n".utf8), body = Array("body with \r\n\r\n inside".utf8)
        let block = head + body
        let expected = [UInt8](SHA256.hash(data: body))
        for first in 0...block.count {
            for second in first...block.count {
                var hasher = PayloadHasher()
                hasher.update(block[0..<first])
                hasher.update(block[first..<second])
                hasher.update(block[second...])
                #expect(hasher.finalizeHTTP() == expected, "split at \(first) and \(second)")
            }
        }
        var headless = PayloadHasher()
        headless.update(Array("no head here\r\n\r".utf8)[...])
        #expect(headless.finalizeHTTP() == nil)
    }

    @Test func aSymlinkOrAFIFOIsRefusedWithoutBeingFollowedOrWaitedOn() throws {
        let folder = try scratchFolder("special")
        defer { try? FileManager.default.removeItem(at: folder) }
        let link = folder.appendingPathComponent("link.warc.gz").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/passwd")
        let linked = WARCChecker.check(path: link)
        #expect(linked.problems.map(\.kind) == [.unreadable] && linked.recordsRead == 0, "\(linked.problems)")
        let fifo = folder.appendingPathComponent("fifo.warc").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let piped = WARCChecker.check(path: fifo)
        #expect(piped.problems.first?.detail.contains("not a regular file") == true, "\(piped.problems)")
        let package = WACZChecker.check(path: fifo)
        #expect(!package.passed && package.problems.first?.detail.contains("not a regular file") == true, "\(package.problems)")
    }
}

/// Hostile ZIPs, built by Python's zipfile (an implementation Exhibit did not write) and then
/// patched byte by byte where zipfile would not write the lie.
@Suite struct WACZCheckHostileTests {
    /// Runs `script` with the package at `source` and a path to write; returns the written path.
    static func craft(_ name: String, from source: String, in folder: URL, _ script: String) throws -> String {
        let target = folder.appendingPathComponent(name + ".wacz").path
        let run = try ProcessRunner.run("/usr/bin/python3", ["-c", """
            import json, struct, sys, zipfile
            src, dst = sys.argv[1], sys.argv[2]
            def entries():
                with zipfile.ZipFile(src) as z:
                    return [(info, z.read(info.filename)) for info in z.infolist()]
            def write(items):
                with zipfile.ZipFile(dst, "w") as z:
                    for info, data in items:
                        z.writestr(info, data)
            def patch_central(name, offset, value):
                data = bytearray(open(dst, "rb").read())
                position = data.find(b"PK\\x01\\x02")
                while position >= 0:
                    length = struct.unpack_from("<H", data, position + 28)[0]
                    if data[position + 46:position + 46 + length] == name.encode():
                        struct.pack_into("<I", data, position + offset, value)
                        open(dst, "wb").write(bytes(data))
                        return
                    position = data.find(b"PK\\x01\\x02", position + 4)
                raise SystemExit("no central entry " + name)
            def central(name, offset):
                data = open(dst, "rb").read()
                position = data.find(b"PK\\x01\\x02")
                while data[position + 46:position + 46 + struct.unpack_from("<H", data, position + 28)[0]] != name.encode():
                    position = data.find(b"PK\\x01\\x02", position + 4)
                return struct.unpack_from("<I", data, position + offset)[0]
            """ + "\n" + script, source, target])
        #expect(run.status == 0, "\(run.stderr)")
        return target
    }

    static func problems(_ path: String) -> String {
        let report = WACZChecker.check(path: path)
        #expect(!report.passed, "\(path) passed")
        return report.problems.map(\.description).joined(separator: "\n")
    }

    @Test func entryNamesThatLeaveThePackageAreRefused() throws {
        let folder = try scratchFolder("wacz-dotdot")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        for name in ["../evil.txt", "/etc/cron.d/evil", "archive/../../evil", "a\\..\\evil"] {
            let crafted = try Self.craft("dotdot", from: wacz, in: folder, "write(entries() + [(zipfile.ZipInfo(\(String(reflecting: name))), b'x')])")
            let found = Self.problems(crafted)
            #expect(found.contains("not a path inside the package"), "\(name): \(found)")
        }
    }

    @Test func twoEntriesOfOneNameAreRefused() throws {
        let folder = try scratchFolder("wacz-duplicate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let crafted = try Self.craft("duplicate", from: wacz, in: folder, """
            import warnings; warnings.simplefilter("ignore")
            items = entries()
            write(items + [(zipfile.ZipInfo("datapackage.json"), b'{"resources": []}')])
            """)
        #expect(Self.problems(crafted).contains("two entries are named datapackage.json"))
    }

    @Test func anEntryThatInflatesPastItsDeclaredSizeIsStopped() throws {
        let folder = try scratchFolder("wacz-bomb")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        // 8 MiB of zeros declared as 1000 bytes: inflating stops at 1000.
        let lying = try Self.craft("lying", from: wacz, in: folder, """
            write([(info, b"0" * (8 << 20) if info.filename == "indexes/index.cdx" else data) for info, data in entries()])
            patch_central("indexes/index.cdx", 24, 1000)
            """)
        #expect(Self.problems(lying).contains("indexes/index.cdx: cannot be read: inflates to more than the 1000 bytes the directory declares"))
        // Declared 4 GB from a few bytes: refused before inflating anything.
        let declared = try Self.craft("declared", from: wacz, in: folder, """
            write(entries())
            patch_central("indexes/index.cdx", 24, 0xFFFFFFF0)
            """)
        #expect(Self.problems(declared).contains("far more than anything a WACZ holds compresses to"))
    }

    @Test func aDeflateStreamThatDoesNotEndWithinItsBytesIsCutShort() throws {
        let folder = try scratchFolder("wacz-endless")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let crafted = try Self.craft("endless", from: wacz, in: folder, """
            write(entries())
            patch_central("indexes/index.cdx", 20, 10)
            """)
        #expect(Self.problems(crafted).contains("its deflate stream does not end within its 10 bytes"))
    }

    @Test func overlappingEntriesAreRefused() throws {
        let folder = try scratchFolder("wacz-overlap")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let crafted = try Self.craft("overlap", from: wacz, in: folder, """
            write(entries())
            patch_central("indexes/index.cdx", 20, central("indexes/index.cdx", 20) + 1)
            """)
        #expect(Self.problems(crafted).contains("overlap in the file"))
    }

    @Test func tooManyEntriesAreRefusedBeforeAnyIsRead() throws {
        let folder = try scratchFolder("wacz-many")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let crafted = try Self.craft("many", from: wacz, in: folder, """
            write(entries() + [(zipfile.ZipInfo("pages/%05d" % n), b"") for n in range(\(ZIPDirectory.maxEntries))])
            """)
        #expect(Self.problems(crafted).contains("more than the \(ZIPDirectory.maxEntries)"))
    }

    @Test func aResourceListedTwiceOrOutsideThePackageIsNamed() throws {
        let folder = try scratchFolder("wacz-listed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let crafted = try Self.craft("listed", from: wacz, in: folder, """
            items = entries()
            def changed(info, data):
                if info.filename != "datapackage.json":
                    return data
                package = json.loads(data)
                package["resources"] += [package["resources"][0], {"path": "../../etc/passwd", "hash": "sha256:00"}]
                return json.dumps(package).encode()
            write([(info, changed(info, data)) for info, data in items])
            """)
        let found = Self.problems(crafted)
        #expect(found.contains("archive/data.warc.gz: listed more than once in datapackage.json"), "\(found)")
        #expect(found.contains("../../etc/passwd: listed in datapackage.json, but not a path inside the package"), "\(found)")
    }

    @Test func aZIP64PackageWrittenByAnotherToolIsReadLikeAnyOther() throws {
        let folder = try scratchFolder("wacz-zip64")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (sample, wacz) = try WACZTests.makePackage(in: folder)
        // zipfile writes ZIP64 extra fields and the ZIP64 end records only past its limits: lowered to 1.
        let crafted = try Self.craft("zip64", from: wacz, in: folder, """
            items = entries()
            zipfile.ZIP64_LIMIT = 1
            zipfile.ZIP_FILECOUNT_LIMIT = 1
            write(items)
            data = open(dst, "rb").read()
            assert b"PK\\x06\\x06" in data and b"PK\\x06\\x07" in data, "no ZIP64 end records"
            """)
        let report = WACZChecker.check(path: crafted)
        #expect(report.passed, "\(report.problems) \(report.warcProblems)")
        #expect(report.warcs.first?.report.recordsRead == sample.records.count)
    }

    @Test func cutAndBitFlippedPackagesAreReportedNeverTrapped() throws {
        let folder = try scratchFolder("wacz-fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, wacz) = try WACZTests.makePackage(in: folder)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: wacz)))
        let mutant = folder.appendingPathComponent("mutant.wacz")
        var flagged = 0
        try forEachDamagedCopy(of: original, rounds: 300, seed: 6) { bytes in
            try Data(bytes).write(to: mutant)
            if !WACZChecker.check(path: mutant.path).passed { flagged += 1 }
        }
        // A flip may land where nothing checks it (a file time in a ZIP header), but few do.
        #expect(flagged > 250, "only \(flagged) of 300 damaged packages were reported")
    }
}
