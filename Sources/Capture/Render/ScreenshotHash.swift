import Foundation
import PerceptualHash
import PlatformProfiles
import PNGCodec

/// The perceptual hash of the post's area in the screenshot, for comparing two captures of one
/// post by what they show (an edit, a removed reply, a changed count move it; re-encoding does not).
/// The whole screenshot's hash is made as its rows are written (``TiledScreenshot``).
enum ScreenshotHash {
    /// The most rows of a post's rectangle hashed; a taller one is hashed from its top, and the
    /// record's rectangle says which part. The region is read into memory as RGB: 4,000 rows of a
    /// 3,840 px screenshot (scale 3) are 46 MB, whatever rectangle the page claims.
    static let maxRows = 4_000

    /// PDQ of `post`'s rectangle in `file` (PNG pixels); nil when no post rectangle was read or it
    /// lies outside the image.
    static func post(_ post: PostData?, file: URL, pixelWidth: Int, pixelHeight: Int) -> CaptureRecord.PerceptualHashRecord? {
        guard let rect = post?.post?.rectangle else { return nil }
        let x = max(0, rect.x), y = max(0, rect.y)
        let width = min(rect.width, pixelWidth - x), height = min(rect.height, pixelHeight - y, maxRows)
        guard width > 0, height > 0,
              let region = try? PNGImage.region(ofFile: file.path, x: x, y: y, width: width, height: height),
              let hash = PDQHash.hash(rgba: region.rgb, width: region.width, height: region.height, channels: 3) else { return nil }
        return .init(hash: hash.description, quality: hash.quality,
                     rectangle: .init(x: x, y: y, width: region.width, height: region.height))
    }
}
