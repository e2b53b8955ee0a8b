import DevTools
import Evidence
import Foundation

/// The hidden folder a capture is written into (`<out>/.<id>.partial/`), renamed to its final name
/// only once the bag is whole, so a failed capture never leaves a folder that looks complete.
/// Owned by ``StepRunner``; phases only write files into ``data``.
struct PartialFolder: Sendable {
    let output: URL
    let root: URL
    /// Its entry in ``InterruptCleanup``: on SIGINT or SIGTERM an empty folder is removed and a
    /// non-empty one is kept and named on stderr.
    let cleanup: Int
    var data: URL { root.appendingPathComponent("data") }

    init(in output: URL, captureId: String) throws {
        self.output = output
        root = output.appendingPathComponent(".\(captureId).partial")
        do { try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true) }
        catch { throw CaptureError.usage("cannot write in output folder \(output.path): \(CapturePipeline.reason(error))") }
        let root = self.root
        cleanup = InterruptCleanup.add {
            let data = root.appendingPathComponent("data")
            if ((try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []).isEmpty {
                try? FileManager.default.removeItem(at: root)
            } else {
                try? FileHandle.standardError.write(contentsOf: Data("exhibit: interrupted; incomplete output kept in \(root.path)\n".utf8))
            }
        }
    }

    /// The folder is settled (renamed into place, or kept or removed after a failure): nothing to do on an interrupt.
    func settled() { InterruptCleanup.remove(cleanup) }

    /// The folder's path if it holds anything worth keeping; an empty one is removed.
    func keptPath() -> String? {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []
        if contents.isEmpty {
            try? FileManager.default.removeItem(at: root)
            return nil
        }
        return root.path
    }

    /// Renames the finished bag to `<UTC time>-<host>-<short id>` (with `-2`, `-3`… if taken).
    func moveIntoPlace(started: Date, url: URL, captureId: String) throws -> URL {
        let host = (url.host ?? "page").map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let stem = "\(UTCTime.compact(started))-\(String(host))-\(captureId.prefix(8))"
        var folder = output.appendingPathComponent(stem)
        var suffix = 2
        while FileManager.default.fileExists(atPath: folder.path) {
            folder = output.appendingPathComponent("\(stem)-\(suffix)")
            suffix += 1
        }
        try FileManager.default.moveItem(at: root, to: folder)
        settled()
        return folder
    }
}
