import Foundation

/// An open regular file, or one range of it (a WARC stored inside a WACZ), read forwards with
/// `pread`, so the same bytes can be read in place without a copy and without moving a shared
/// file offset. Every byte read is handed to ``tap`` when one is set: a checker hashes the raw
/// bytes in the same pass that decompresses them.
final class FileSlice {
    let handle: FileHandle
    /// The path, for messages only (the file is never opened by it again).
    let path: String
    /// Where the range starts in the file.
    let start: UInt64
    /// How many bytes the range holds.
    let length: UInt64
    /// Bytes read so far, from `start`.
    private(set) var consumed: UInt64 = 0
    var tap: ((ArraySlice<UInt8>) -> Void)?

    init(handle: FileHandle, path: String, start: UInt64 = 0, length: UInt64) {
        self.handle = handle
        self.path = path
        self.start = start
        self.length = length
    }

    /// Opens `path` for reading as a hostile file is opened: a symlink in the last place is not
    /// followed, a FIFO does not block, and only a regular file is accepted.
    static func open(path: String) throws(WebArchiveError) -> FileSlice {
        let descriptor = Foundation.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        return try whole(FileHandle(fileDescriptor: descriptor, closeOnDealloc: true), path: path)
    }

    /// The whole of an already open file, which must be a regular file.
    static func whole(_ handle: FileHandle, path: String) throws(WebArchiveError) -> FileSlice {
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size >= 0 else {
            throw .unreadable(path: path, reason: "not a regular file")
        }
        return FileSlice(handle: handle, path: path, length: UInt64(info.st_size))
    }

    /// Bytes left in the range.
    var remaining: UInt64 { length - consumed }

    /// Up to `count` bytes from where the last read ended; empty only at the end of the range
    /// (a file shorter than the range also ends it, and the caller finds the data cut short).
    func read(upToCount count: Int) throws(WebArchiveError) -> [UInt8] {
        let wanted = Int(min(UInt64(max(0, count)), remaining))
        guard wanted > 0 else { return [] }
        let bytes = try Self.pread(handle, path: path, at: start + consumed, count: wanted)
        consumed += UInt64(bytes.count)
        if bytes.count < wanted { consumed = length }
        tap?(bytes[...])
        return bytes
    }

    /// The first `count` bytes of the range, without consuming them.
    func peekStart(_ count: Int) throws(WebArchiveError) -> [UInt8] {
        try Self.pread(handle, path: path, at: start, count: Int(min(UInt64(max(0, count)), length)))
    }

    /// Reads the rest of the range, so ``tap`` sees every byte even when the reader stopped early.
    func drain() throws(WebArchiveError) {
        while !(try read(upToCount: 1 << 20)).isEmpty {}
    }

    /// Up to `count` bytes at `offset` of the file; fewer only at its end.
    static func pread(_ handle: FileHandle, path: String, at offset: UInt64, count: Int) throws(WebArchiveError) -> [UInt8] {
        guard count > 0 else { return [] }
        guard offset <= UInt64(Int64.max) - UInt64(count) else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Foundation.pread(handle.fileDescriptor, base + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if result == 0 { break }
            filled += result
        }
        if filled < count { bytes.removeSubrange(filled...) }
        return bytes
    }
}
