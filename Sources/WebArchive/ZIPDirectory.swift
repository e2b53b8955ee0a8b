import CLibZ
import Foundation

/// A ZIP file read as hostile input, for checking a WACZ: the central directory parsed with every
/// count and size bounded and cross-checked against the local headers, and entries read back in
/// place (a stored entry as a range of the file, a deflated one inflated no further than its
/// declared size), never extracted anywhere.
///
/// ZIPFoundation writes the packages but does not read them for checking: its reading trusts what
/// a file declares (on Linux a deflate stream that never ends is read forever, and a declared size
/// sizes an allocation), which a checker of hostile files cannot afford.
struct ZIPDirectory {
    struct Entry {
        /// The name as stored, decoded as UTF-8.
        let name: String
        let method: UInt16
        let flags: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
        /// Where its bytes start, after its local header.
        let dataOffset: UInt64

        var isStored: Bool { method == 0 }
        var isDirectory: Bool { name.hasSuffix("/") }
    }

    let path: String
    let handle: FileHandle
    /// Every entry, in the central directory's order.
    let entries: [Entry]
    private let byName: [String: Int]

    /// A WACZ holds a handful of files; ten thousand leaves room for many WARCs and refuses a
    /// directory built to make every lookup slow.
    static let maxEntries = 10_000
    static let maxDirectoryBytes = 16 << 20
    /// The most bytes of comment after the end record (the format's own limit).
    static let maxComment = 0xFFFF

    subscript(name: String) -> Entry? { byName[name].map { entries[$0] } }

    init(file handle: FileHandle, path: String) throws(WebArchiveError) {
        self.handle = handle
        self.path = path
        func fail(_ reason: String) -> WebArchiveError { .malformedPackage(path: path, reason: reason) }
        let size = try FileSlice.whole(handle, path: path).length

        // The end of central directory record: its comment must run exactly to the end of the file,
        // so bytes appended after a package (another ZIP, for one) are not silently ignored.
        let tailLength = Int(min(size, UInt64(22 + Self.maxComment)))
        let tailStart = size - UInt64(tailLength)
        let tail = try FileSlice.pread(handle, path: path, at: tailStart, count: tailLength)
        guard tail.count == tailLength, tailLength >= 22,
              let end = stride(from: tailLength - 22, through: 0, by: -1).first(where: { index in
                  Self.u32(tail, index) == 0x0605_4B50 && index + 22 + Int(Self.u16(tail, index + 20)) == tailLength
              }) else {
            throw fail("not a ZIP file: no end of central directory record at its end")
        }
        let endOffset = tailStart + UInt64(end)
        var count = UInt64(Self.u16(tail, end + 10))
        var directorySize = UInt64(Self.u32(tail, end + 12))
        var directoryOffset = UInt64(Self.u32(tail, end + 16))
        var directoryLimit = endOffset
        guard Self.u16(tail, end + 4) == 0 || Self.u16(tail, end + 4) == 0xFFFF,
              Self.u16(tail, end + 6) == 0 || Self.u16(tail, end + 6) == 0xFFFF,
              Self.u16(tail, end + 8) == Self.u16(tail, end + 10) else {
            throw fail("a ZIP split over several disks is not supported")
        }
        // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
        let locator = endOffset >= 20 ? try FileSlice.pread(handle, path: path, at: endOffset - 20, count: 20) : []
        if locator.count == 20, Self.u32(locator, 0) == 0x0706_4B50 {
            let recordOffset = Self.u64(locator, 8)
            guard endOffset >= 76, recordOffset <= endOffset - 76,
                  case let record = try FileSlice.pread(handle, path: path, at: recordOffset, count: 56),
                  record.count == 56, Self.u32(record, 0) == 0x0606_4B50 else {
                throw fail("its ZIP64 end of central directory record is missing or out of place")
            }
            guard Self.u32(record, 16) == 0, Self.u32(record, 20) == 0, Self.u64(record, 24) == Self.u64(record, 32) else {
                throw fail("a ZIP split over several disks is not supported")
            }
            count = Self.u64(record, 32)
            directorySize = Self.u64(record, 40)
            directoryOffset = Self.u64(record, 48)
            directoryLimit = recordOffset
        } else if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw fail("its end record says ZIP64, but there is no ZIP64 end record")
        }
        guard count <= UInt64(Self.maxEntries) else { throw fail("it has \(count) entries, more than the \(Self.maxEntries) a WACZ is allowed here") }
        guard directorySize <= UInt64(Self.maxDirectoryBytes) else {
            throw fail("its central directory takes \(directorySize) bytes, more than \(Self.maxDirectoryBytes)")
        }
        guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset else {
            throw fail("its central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the file")
        }
        let directory = try FileSlice.pread(handle, path: path, at: directoryOffset, count: Int(directorySize))
        guard directory.count == Int(directorySize) else { throw fail("its central directory is cut short") }

        var entries: [Entry] = []
        var byName: [String: Int] = [:]
        var position = 0
        for number in 0..<Int(count) {
            guard position + 46 <= directory.count, Self.u32(directory, position) == 0x0201_4B50 else {
                throw fail("central directory entry \(number + 1) of \(count) is not where the directory says")
            }
            let nameLength = Int(Self.u16(directory, position + 28))
            let extraLength = Int(Self.u16(directory, position + 30))
            let commentLength = Int(Self.u16(directory, position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { throw fail("central directory entry \(number + 1) runs past the directory") }
            let nameBytes = Array(directory[(position + 46)..<(position + 46 + nameLength)])
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw fail("entry \(number + 1) has a name that is not UTF-8")
            }
            if let why = Self.unsafeName(name) {
                throw fail("it holds an entry named \(String(reflecting: name)), not a path inside the package (\(why))")
            }
            guard byName[name] == nil else {
                throw fail("two entries are named \(name): a checker and a replay tool could read different ones")
            }
            let flags = Self.u16(directory, position + 8)
            let method = Self.u16(directory, position + 10)
            guard flags & 0x41 == 0 else { throw fail("\(name) is encrypted") }
            guard method == 0 || method == 8 else { throw fail("\(name) uses compression method \(method); a WACZ uses stored or deflate") }
            var compressed = UInt64(Self.u32(directory, position + 20))
            var uncompressed = UInt64(Self.u32(directory, position + 24))
            var localOffset = UInt64(Self.u32(directory, position + 42))
            // The ZIP64 extra field holds, in this order, whichever of the three were too big.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                let extra = Array(directory[(position + 46 + nameLength)..<(position + 46 + nameLength + extraLength)])
                guard var values = Self.zip64Values(extra) else { throw fail("\(name) needs a ZIP64 extra field and has no sound one") }
                func take(_ value: inout UInt64) -> Bool {
                    guard value == 0xFFFF_FFFF else { return true }
                    guard !values.isEmpty else { return false }
                    value = values.removeFirst()
                    return true
                }
                guard take(&uncompressed), take(&compressed), take(&localOffset) else {
                    throw fail("\(name)'s ZIP64 extra field is too short")
                }
            }
            if method == 0 && compressed != uncompressed {
                throw fail("\(name) is stored, yet declares \(compressed) bytes stored and \(uncompressed) bytes of content")
            }
            // The local header: same name and method, and the data inside the file before the directory.
            let local = try FileSlice.pread(handle, path: path, at: localOffset, count: 30)
            guard localOffset < directoryOffset, local.count == 30, Self.u32(local, 0) == 0x0403_4B50 else {
                throw fail("\(name)'s local header is not at offset \(localOffset)")
            }
            let localNameLength = UInt64(Self.u16(local, 26)), localExtraLength = UInt64(Self.u16(local, 28))
            let localName = try FileSlice.pread(handle, path: path, at: localOffset + 30, count: Int(localNameLength))
            guard localName == nameBytes, Self.u16(local, 8) == method else {
                throw fail("\(name)'s local header names another file or method than the central directory")
            }
            let dataOffset = localOffset + 30 + localNameLength + localExtraLength
            guard dataOffset <= directoryOffset, compressed <= directoryOffset - dataOffset else {
                throw fail("\(name)'s \(compressed) bytes from offset \(dataOffset) run into the central directory")
            }
            byName[name] = entries.count
            entries.append(Entry(name: name, method: method, flags: flags, crc32: Self.u32(directory, position + 16),
                                 compressedSize: compressed, uncompressedSize: uncompressed,
                                 localHeaderOffset: localOffset, dataOffset: dataOffset))
            position = next
        }
        // Entries that share bytes are how the smallest zip bombs multiply one deflate stream.
        let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for (first, second) in zip(ordered, ordered.dropFirst()) where first.dataOffset + first.compressedSize > second.localHeaderOffset {
            throw fail("the entries \(first.name) and \(second.name) overlap in the file (a zip bomb?)")
        }
        self.entries = entries
        self.byName = byName
    }

    /// Why a name is not a plain relative path inside the package, or nil when it is one.
    static func unsafeName(_ name: String) -> String? {
        if name.isEmpty { return "empty" }
        if name.hasPrefix("/") { return "absolute" }
        if name.contains("\\") || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a backslash or control character"
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let body = name.hasSuffix("/") ? parts.dropLast() : parts[...]
        if body.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) { return "'.', '..' or an empty component" }
        return nil
    }

    /// A stored entry's bytes as a range of the file, to be read in place.
    func slice(_ entry: Entry) -> FileSlice {
        FileSlice(handle: handle, path: path, start: entry.dataOffset, length: entry.compressedSize)
    }

    /// Hands `entry`'s content to `consumer` in chunks of at most 1 MiB, and checks it is exactly
    /// as long as the directory declares and has the CRC-32 it declares. A deflated entry is never
    /// inflated past its declared size, and its stream must end within its compressed bytes.
    /// With a `budget`, a deflated entry's declared size is taken from it first (the entry never
    /// inflates past that): every entry of every archive one verification reads shares it.
    func read(_ entry: Entry, budget: DecodeBudget? = nil, into consumer: (ArraySlice<UInt8>) -> Void) throws(WebArchiveError) {
        func fail(_ reason: String) -> WebArchiveError { .malformedPackage(path: path, reason: "\(entry.name): \(reason)") }
        var crc = ZIPCRC()
        let source = slice(entry)
        if entry.isStored {
            while true {
                let chunk = try source.read(upToCount: 1 << 20)
                if chunk.isEmpty { break }
                crc.update(chunk[...])
                consumer(chunk[...])
            }
            guard source.consumed == entry.compressedSize else { throw fail("cut short") }
        } else {
            guard entry.uncompressedSize <= WARCByteSource.Expansion.limit(compressed: entry.compressedSize) else {
                throw fail("declares \(entry.uncompressedSize) bytes deflated into \(entry.compressedSize), far more than anything a WACZ holds compresses to (a zip bomb?)")
            }
            if let budget, !budget.spend(entry.uncompressedSize) {
                throw fail("declares \(entry.uncompressedSize) bytes, past what the bag's web archives together may inflate to (\(budget.limit) bytes; a zip bomb?)")
            }
            var produced: UInt64 = 0
            let inflater = try RawInflater()
            var ended = false
            while !ended {
                let input = try source.read(upToCount: 256 << 10)
                let atEnd = input.isEmpty
                do {
                    ended = try inflater.inflate(input) { output in
                        produced += UInt64(output.count)
                        guard produced <= entry.uncompressedSize else { return false }
                        crc.update(output)
                        consumer(output)
                        return true
                    }
                } catch { throw fail("\(error)") }
                guard produced <= entry.uncompressedSize else {
                    throw fail("inflates to more than the \(entry.uncompressedSize) bytes the directory declares (a zip bomb?)")
                }
                if atEnd && !ended { throw fail("its deflate stream does not end within its \(entry.compressedSize) bytes") }
            }
            guard produced == entry.uncompressedSize else {
                throw fail("inflates to \(produced) bytes, the directory declares \(entry.uncompressedSize)")
            }
        }
        guard crc.value == entry.crc32 else {
            throw fail("its CRC-32 is \(String(format: "%08x", crc.value)), the directory declares \(String(format: "%08x", entry.crc32))")
        }
    }

    /// The values of a ZIP64 extended information extra field (id 1), or nil when there is none
    /// or the fields run past their bounds.
    static func zip64Values(_ extra: [UInt8]) -> [UInt64]? {
        var index = 0
        while index + 4 <= extra.count {
            let id = u16(extra, index), length = Int(u16(extra, index + 2))
            guard index + 4 + length <= extra.count else { return nil }
            if id == 1 {
                return stride(from: index + 4, to: index + 4 + length - 7, by: 8).map { u64(extra, $0) }
            }
            index += 4 + length
        }
        return nil
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(u16(bytes, at)) | UInt32(u16(bytes, at + 2)) << 16 }
    static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 { UInt64(u32(bytes, at)) | UInt64(u32(bytes, at + 4)) << 32 }
}

/// CRC-32 as ZIP uses it, with zlib's implementation.
struct ZIPCRC {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let part = rest.prefix(1 << 30)
            value = part.withUnsafeBufferPointer { buffer in
                UInt32(truncatingIfNeeded: CLibZ.crc32(uLong(value), buffer.baseAddress, uInt(buffer.count)))
            }
            rest = rest.dropFirst(part.count)
        }
    }
}

/// A raw deflate stream (as ZIP stores it) inflated in bounded pieces.
final class RawInflater {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 256 << 10)

    init() throws(WebArchiveError) {
        guard czlib_inflate_init_raw(&stream) == Z_OK else { throw .compression("inflateInit2 failed") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates all of `input`, handing each piece of output to `sink`, which returns false to
    /// stop at once. True when the stream has ended; false when it needs more input (or the sink
    /// stopped it).
    func inflate(_ input: [UInt8], sink: (ArraySlice<UInt8>) -> Bool) throws(WebArchiveError) -> Bool {
        var input = input
        var inputOffset = 0
        while true {
            let available = input.count - inputOffset
            let capacity = output.count
            let (status, consumed, produced) = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int, Int) in
                    stream.next_in = inBuffer.baseAddress.map { $0 + inputOffset }
                    stream.avail_in = uInt(available)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(capacity)
                    let status = CLibZ.inflate(&stream, Z_NO_FLUSH)
                    return (status, available - Int(stream.avail_in), capacity - Int(stream.avail_out))
                }
            }
            inputOffset += consumed
            if produced > 0, !sink(output[0..<produced]) { return false }
            switch status {
            case Z_STREAM_END: return true
            case Z_OK, Z_BUF_ERROR:
                // No progress possible without more input: ask for it (or, at the end, report it).
                if produced == 0 && consumed == 0 { return false }
                if inputOffset == input.count && produced < capacity { return false }
            default:
                throw .compression("inflate failed: " + (stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"))
            }
        }
    }
}
