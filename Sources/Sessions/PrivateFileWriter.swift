import Foundation

/// Writes a file whole or not at all: the bytes go to a new temporary file (mode 0600 by default;
/// never through a link or over a file in the way) in the same folder, are flushed to the disk,
/// and only then take the file's name in one step. A crash, a full disk or a kill leaves the old
/// file or the new one, never half of one, and never a moment when credentials sit in a file
/// others can read. Batch journals' summaries and lists use it too, with a wider `mode`.
public enum PrivateFileWriter {
    /// Writes `data` as `file`; with `replace` false, returns false and writes nothing if `file`
    /// exists (decided by the file system in the same step as the write, not checked before it).
    @discardableResult
    public static func place(_ data: Data, at file: URL, replace: Bool, mode: mode_t = 0o600) throws(SessionError) -> Bool {
        let folder = file.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw failure(errno, file) }
        var placed = false
        defer { if !placed { unlink(temporary.path) } }
        do {
            defer { close(descriptor) }
            // The umask can only take bits away; this makes the mode what was asked whatever it is.
            guard fchmod(descriptor, mode) == 0 else { throw failure(errno, file) }
            try writeAll(data, to: descriptor, file: file)
            guard fsync(descriptor) == 0 else { throw failure(errno, file) }
        }
        if replace {
            guard rename(temporary.path, file.path) == 0 else { throw failure(errno, file) }
        } else {
            // link(2) fails if the name is taken: no second writer can be overwritten in between.
            guard link(temporary.path, file.path) == 0 else {
                if errno == EEXIST { return false }
                throw failure(errno, file)
            }
            unlink(temporary.path)
        }
        placed = true
        syncFolder(folder)
        return true
    }

    /// Makes the new name itself durable; a file system that cannot sync a folder loses nothing
    /// but that guarantee, so failures are not reported.
    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func writeAll(_ data: Data, to descriptor: Int32, file: URL) throws(SessionError) {
        let bytes = [UInt8](data)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(errno, file)
            }
            offset += written
        }
    }

    static func failure(_ code: Int32, _ file: URL) -> SessionError {
        SessionError(.unwritable, "cannot write \(file.path): \(String(cString: strerror(code)))")
    }
}
