import CLibPNG
import Foundation

/// Why a PNG could not be read.
public struct PNGError: Error, CustomStringConvertible, Sendable {
    /// The file that was being read.
    public var path: String
    /// libpng's message.
    public var message: String
    public var description: String { "PNG \(path): \(message)" }
}

/// A PNG decoded to 8-bit RGBA with libpng, for checking what the browser produced.
///
/// Uses libpng's simplified API, which catches libpng's `longjmp` errors inside libpng itself,
/// so no `setjmp` ever crosses Swift frames.
public struct PNGImage: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Row-major RGBA bytes, 4 per pixel.
    public let rgba: [UInt8]

    /// Reads only the header: width and height, without decoding pixels.
    public static func dimensions(ofFile path: String) throws -> (width: Int, height: Int) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PNGError(path: path, message: message(of: &image))
        }
        return (Int(image.width), Int(image.height))
    }

    /// Decodes the whole file to RGBA.
    public init(contentsOfFile path: String) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PNGError(path: path, message: Self.message(of: &image))
        }
        image.format = exhibit_png_format_rgba
        let width = Int(image.width), height = Int(image.height)
        var buffer = [UInt8](repeating: 0, count: width * height * 4)
        let ok = buffer.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, Int32(width * 4), nil)
        }
        guard ok != 0 else { throw PNGError(path: path, message: Self.message(of: &image)) }
        self.width = width
        self.height = height
        self.rgba = buffer
    }

    /// Decodes PNG bytes held in memory (a screenshot tile) to RGBA.
    public init(data: Data, name: String = "PNG data") throws {
        // libpng's memory reader keeps the pointer from begin to finish, so both happen in one access.
        let decoded: (Int, Int, [UInt8]) = try data.withUnsafeBytes { raw in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw PNGError(path: name, message: Self.message(of: &image))
            }
            image.format = exhibit_png_format_rgba
            let width = Int(image.width), height = Int(image.height)
            var buffer = [UInt8](repeating: 0, count: width * height * 4)
            let ok = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * 4), nil) }
            guard ok != 0 else { throw PNGError(path: name, message: Self.message(of: &image)) }
            return (width, height, buffer)
        }
        (self.width, self.height, self.rgba) = decoded
    }

    /// The pixel at (x, y) as (r, g, b, a).
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x),\(y)) outside \(width)x\(height)")
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
