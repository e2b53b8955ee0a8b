import CLibZ
import Foundation

/// Deflates one gzip member, fed in chunks; a WARC writer makes one per record so each record can
/// be read from its own offset (WARC 1.1, annex D).
final class GzipMemberWriter {
    private var stream = z_stream()
    private var finished = false
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// `level` is zlib's 0–9; 6 is its own default, a fair balance for text-heavy web traffic.
    init(level: Int32 = 6) throws(WebArchiveError) {
        let status = czlib_deflate_init_gzip(&stream, level)
        guard status == Z_OK else { throw .compression("deflateInit2 failed (\(status))") }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `bytes`, handing every piece of output to `sink` as it is made.
    func write(_ bytes: some DataProtocol, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        for region in bytes.regions {
            try region.withUnsafeBytes { raw in try run(raw, flush: Z_NO_FLUSH, sink: sink) }
        }
    }

    /// Ends the member (trailer with CRC-32 and length).
    func finish(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !finished else { return }
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, sink: sink)
        finished = true
    }

    private func run(_ input: UnsafeRawBufferPointer, flush: Int32, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        // zlib's next_in is not const in its declaration but is never written through.
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        let capacity = output.count
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(capacity)
                let status = deflate(&stream, flush)
                return (status, capacity - Int(stream.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw WebArchiveError.compression("deflate failed (\(status))")
            }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            if flush == Z_FINISH { if status == Z_STREAM_END { return } }
            else if stream.avail_in == 0 && produced < capacity { return }
        }
    }
}

/// Inflates a file of concatenated gzip members, one member at a time, and says where each
/// member began in the compressed file (a CDXJ index points at members).
final class GzipMemberReader {
    private var stream = z_stream()
    private var initialised = false
    private let file: FileSlice
    private var input = [UInt8]()
    private var inputStart = 0
    /// Compressed bytes consumed from the file so far (what zlib has taken).
    private(set) var compressedOffset: UInt64 = 0
    /// Where the member now being inflated began; nil between members.
    private(set) var memberStart: UInt64?
    private var fileAtEnd = false

    init(file: FileSlice) {
        self.file = file
    }

    private var path: String { file.path }

    deinit { if initialised { inflateEnd(&stream) } }

    /// True when every member has been read and no compressed byte is left.
    var atEnd: Bool { memberStart == nil && inputStart == input.count && fileAtEnd }

    /// Up to `max` decompressed bytes of the current member; an empty result means the member
    /// ended (the next call starts the next member) or, when `atEnd`, the file did.
    func read(max: Int) throws(WebArchiveError) -> [UInt8] {
        if memberStart == nil {
            try fillInput()
            if inputStart == input.count { return [] }
            if initialised { inflateReset(&stream) } else {
                guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw .compression("inflateInit2 failed") }
                initialised = true
            }
            memberStart = compressedOffset
        }
        var out = [UInt8](repeating: 0, count: max)
        while true {
            try fillInput()
            let available = input.count - inputStart
            var status: Int32 = Z_OK
            input.withUnsafeMutableBufferPointer { inBuffer in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = inBuffer.baseAddress.map { $0 + inputStart }
                    stream.avail_in = uInt(available)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(max)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
            }
            let consumed = available - Int(stream.avail_in)
            inputStart += consumed
            compressedOffset += UInt64(consumed)
            let produced = max - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                memberStart = nil
                return Array(out[0..<produced])
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return Array(out[0..<produced]) }
                if consumed == 0 && inputStart == input.count && fileAtEnd {
                    throw .truncatedGzip(path: path, memberOffset: memberStart ?? compressedOffset)
                }
            default:
                throw .corruptGzip(path: path, memberOffset: memberStart ?? compressedOffset,
                                   reason: stream.msg.map { String(cString: $0) } ?? "zlib status \(status)")
            }
        }
    }

    private func fillInput() throws(WebArchiveError) {
        guard inputStart == input.count, !fileAtEnd else { return }
        input = try file.read(upToCount: 256 * 1024)
        inputStart = 0
        if input.isEmpty { fileAtEnd = true }
    }
}
