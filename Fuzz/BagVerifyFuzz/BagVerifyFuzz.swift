// Fuzz target for `exhibit verify`: every input is turned into a bag (its files framed in the
// input, below) and verified whole: manifests, bag-info, capture.json, tokens, signature, report,
// the web archive (WARC records, the WACZ's ZIP directory and resources).
// Built two ways, like timestamp-fuzz:
// - normally, a replayer: `bag-verify-fuzz FILE|DIR...` verifies the bag of every input once;
// - with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh), a libFuzzer target.
// Verify must return a verdict for any bytes: never trap, never hang (libFuzzer's -timeout=5).
//
// Framing: repeated [file number: 1 byte][length: 2 bytes, big-endian][bytes]; the file number
// picks a name from `names` (modulo its count); the same name again appends. Seeds in
// Fuzz/corpus/bag-verify/ are real captures framed this way (scripts/fuzz-seed.py).
import Dispatch
import Evidence
import Foundation
import FuzzDriver

let names = [
    "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
    "tagmanifest-sha512.txt", "data/capture.json", "data/post.json", "data/dom.html", "timestamps/127.0.0.1.tsr",
    "timestamps/127.0.0.1.tsq", "timestamps/timestamps.json", "report.html", "signature/manifest-sha256.txt.sig",
    "signature/public-key.pem", "data/screenshot.png", "data/archive.warc.gz", "data/archive.wacz",
]

/// The files of one input, by name.
func files(_ bytes: [UInt8]) -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    var index = 0
    while index + 3 <= bytes.count {
        let name = names[Int(bytes[index]) % names.count]
        let length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
        index += 3
        let end = min(bytes.count, index + length)
        result[name, default: []] += bytes[index..<end]
        index = end
    }
    return result
}

/// Writes the bag into a fresh folder, verifies it, removes it.
func exercise(_ bytes: [UInt8]) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("bag-verify-fuzz-\(getpid())-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: root) }
    try? FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
    for (name, content) in files(bytes) {
        let url = root.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(content).write(to: url)
    }
    let done = DispatchSemaphore(value: 0)
    Task {
        let report = await BagVerifier(root: root, trustRoots: [], requireTimestamp: true).verify()
        _ = (report.verdict, report.checks.count)
        done.signal()
    }
    done.wait()
}

@main
struct Target {
    static func main() { FuzzDriver.run(noun: "bags verified", exercise) }
}
