import CPNGWriter
import Foundation

/// Writes an 8-bit RGB PNG row by row with libpng, so the whole image never sits in memory.
///
/// The file carries an sRGB chunk, a pHYs chunk and any iTXt chunks given before the first row.
/// Not `Sendable`: one writer is used by one task.
public final class PNGStreamWriter {
    private var writer: OpaquePointer?
    /// The file being written.
    public let path: String
    public let width: Int
    public let height: Int
    private var rowsWritten = 0
    private var begun = false
    private var rgb: [UInt8]

    /// Opens `path`. `pixelsPerMeter` goes into pHYs (96 dpi x scale is 3780 x scale).
    public init(path: String, width: Int, height: Int, pixelsPerMeter: Int) throws {
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw PNGError(path: path, message: "cannot write a \(width)x\(height) image")
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let opened = exhibit_png_writer_open(path, UInt32(width), UInt32(height), UInt32(pixelsPerMeter), &message, message.count) else {
            throw PNGError(path: path, message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.writer = opened
        self.path = path
        self.width = width
        self.height = height
        self.rgb = [UInt8](repeating: 0, count: width * 3)
    }

    deinit { abort() }

    /// Adds an uncompressed iTXt chunk; only before the first row.
    public func addText(keyword: String, text: String) throws {
        guard let writer, !begun else { throw PNGError(path: path, message: "text chunks must come before the rows") }
        guard exhibit_png_writer_add_itxt(writer, keyword, text) == 0 else { throw failure() }
    }

    /// Writes one row of `width * 3` RGB bytes.
    public func writeRow(_ row: UnsafeBufferPointer<UInt8>) throws {
        guard let writer else { throw PNGError(path: path, message: "writer already closed") }
        guard row.count == width * 3, let base = row.baseAddress else {
            throw PNGError(path: path, message: "row of \(row.count) bytes, expected \(width * 3)")
        }
        guard rowsWritten < height else { throw PNGError(path: path, message: "more rows than the declared height \(height)") }
        if !begun {
            guard exhibit_png_writer_begin(writer) == 0 else { throw failure() }
            begun = true
        }
        guard exhibit_png_writer_write_row(writer, base) == 0 else { throw failure() }
        rowsWritten += 1
    }

    /// Writes one row of `width * 4` RGBA bytes as RGB (screenshots are opaque). Returns the row's
    /// colour as 0xRRGGBB when every pixel of it is that one colour, else nil: the blank-band
    /// guard's input, found in the same pass.
    public func writeRow(rgba row: UnsafePointer<UInt8>) throws -> UInt32? {
        var colour: UInt32 = 0
        let flat = rgb.withUnsafeMutableBufferPointer { exhibit_rgba_row_to_rgb(row, $0.baseAddress, width, &colour) == 1 }
        try rgb.withUnsafeBufferPointer { try writeRow($0) }
        return flat ? colour : nil
    }

    /// Writes the end of the file; every declared row must have been written.
    public func finish() throws {
        guard let writer else { throw PNGError(path: path, message: "writer already closed") }
        guard rowsWritten == height else { throw PNGError(path: path, message: "\(rowsWritten) of \(height) rows written") }
        guard exhibit_png_writer_finish(writer) == 0 else {
            let error = failure()
            abort()
            throw error
        }
        self.writer = nil
    }

    /// Gives up; the caller removes the file.
    public func abort() {
        if let writer { exhibit_png_writer_abort(writer) }
        writer = nil
    }

    private func failure() -> PNGError {
        PNGError(path: path, message: writer.map { String(cString: exhibit_png_writer_error($0)) } ?? "unknown libpng error")
    }
}

/// Reads text chunks straight from a PNG's chunk list (no pixels decoded).
public enum PNGTextChunks {
    /// The text of every uncompressed iTXt chunk, by keyword.
    public static func internationalText(inFile path: String) throws -> [String: String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PNGError(path: path, message: "cannot open") }
        defer { try? handle.close() }
        guard try handle.read(upToCount: 8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw PNGError(path: path, message: "not a PNG file")
        }
        var texts: [String: String] = [:]
        while let header = try handle.read(upToCount: 8), header.count == 8 {
            let length = Int(header.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let type = String(decoding: header.suffix(4), as: UTF8.self)
            if type == "IDAT" || type == "IEND" { break }  // text chunks Exhibit writes come before the image data
            guard length <= 16 << 20, let body = try handle.read(upToCount: length), body.count == length else {
                throw PNGError(path: path, message: "truncated \(type) chunk")
            }
            _ = try handle.read(upToCount: 4)  // CRC
            guard type == "iTXt" else { continue }
            // keyword \0 compression-flag compression-method language \0 translated-keyword \0 text
            let parts = body.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let rest = parts.last, rest.count >= 2, rest[rest.startIndex] == 0 else { continue }
            let afterFlags = rest.dropFirst(2)
            let fields = afterFlags.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let text = fields.last else { continue }
            texts[String(decoding: parts[0], as: UTF8.self)] = String(decoding: text, as: UTF8.self)
        }
        return texts
    }
}

/// Part of a PNG, read row by row with libpng (never the whole image) and shrunk by a whole factor.
enum PNGRegionReader {
    /// The region's pixels as 8-bit RGB, their size, and the whole image's width.
    static func read(_ path: String, x: Int, y: Int, width: Int, height: Int, factor: Int) throws
        -> (rgb: [UInt8], width: Int, height: Int, imageWidth: Int) {
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var outWidth: UInt32 = 0, outHeight: UInt32 = 0, imageWidth: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard x >= 0, y >= 0, width > 0, height > 0,
              exhibit_png_read_region(path, UInt32(x), UInt32(y), UInt32(clamping: width), UInt32(clamping: height), UInt32(max(1, factor)),
                                      &buffer, &outWidth, &outHeight, &imageWidth, &message, message.count) == 0, let pixels = buffer else {
            throw PNGError(path: path, message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { free(pixels) }
        let rgb = Array(UnsafeBufferPointer(start: pixels, count: Int(outWidth) * Int(outHeight) * 3))
        return (rgb, Int(outWidth), Int(outHeight), Int(imageWidth))
    }
}

extension PNGImage {
    /// A region of the PNG at `path` as 8-bit RGB, read row by row with libpng (the rest of the
    /// image is never held), cut at the image's edges; with its size.
    public static func region(ofFile path: String, x: Int, y: Int, width: Int, height: Int) throws -> (rgb: [UInt8], width: Int, height: Int) {
        let region = try PNGRegionReader.read(path, x: x, y: y, width: width, height: height, factor: 1)
        return (region.rgb, region.width, region.height)
    }
}

/// Reads one pixel column of a PNG, row by row with libpng, without holding the image in memory.
public enum PNGColumnReader {
    /// The image width, and the colour (0xRRGGBB) of column `x` in every row, top to bottom.
    public static func column(ofFile path: String, x: Int) throws -> (width: Int, colours: [UInt32]) {
        let column = try PNGRegionReader.read(path, x: x, y: 0, width: 1, height: Int(UInt32.max), factor: 1)
        let rgb = column.rgb
        let colours = stride(from: 0, to: rgb.count, by: 3).map { (i: Int) -> UInt32 in
            let red = UInt32(rgb[i]) << 16, green = UInt32(rgb[i + 1]) << 8
            return red | green | UInt32(rgb[i + 2])
        }
        return (column.imageWidth, colours)
    }
}

/// A small copy of part of a PNG, read row by row (never the whole image) and shrunk.
public enum PNGThumbnail {
    /// Writes the region (in pixels) of `source`, shrunk by the smallest whole factor that makes it
    /// at most `maxWidth` wide and `maxHeight` tall, to `destination` as an 8-bit RGB PNG.
    /// Returns the thumbnail's size.
    @discardableResult
    public static func write(from source: String, x: Int, y: Int, width: Int, height: Int,
                             maxWidth: Int, maxHeight: Int, to destination: String) throws -> (width: Int, height: Int) {
        let factor = max(1, Int((Double(width) / Double(maxWidth)).rounded(.up)), Int((Double(height) / Double(maxHeight)).rounded(.up)))
        let region = try PNGRegionReader.read(source, x: x, y: y, width: width, height: height, factor: factor)
        let writer = try PNGStreamWriter(path: destination, width: region.width, height: region.height, pixelsPerMeter: 3780 / factor)
        do {
            try region.rgb.withUnsafeBufferPointer { pixels in
                for row in 0..<region.height {
                    try writer.writeRow(UnsafeBufferPointer(rebasing: pixels[(row * region.width * 3)..<((row + 1) * region.width * 3)]))
                }
            }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
        return (region.width, region.height)
    }
}
