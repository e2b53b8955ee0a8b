import Foundation

/// A PDQ perceptual hash: 256 bits that stay close (in Hamming distance) when an image is
/// re-encoded, resized or slightly changed, and differ by about half when it is another image.
///
/// PDQ is Meta's open algorithm (facebook/ThreatExchange, `pdq/cpp/hashing/pdqhashing.cpp`), the
/// one auto-archiver also records: luminance, a two-pass Jarosz (tent) filter, a 64 × 64
/// decimation, the 16 × 16 lowest frequencies of a DCT (the DC term left out), and one bit per
/// coefficient: above their median or not. Written here from the algorithm's description in float
/// arithmetic as the reference does, always row by row (``PDQAccumulator``), and checked against
/// the reference's Python bindings (`pdqhash` from PyPI) by the tests.
public struct PDQHash: Sendable, Equatable, CustomStringConvertible {
    /// Bit `k` is `words[k / 16] >> (k % 16) & 1`, as the reference's `Hash256` keeps it.
    public let words: [UInt16]
    /// 0 to 100: how much gradient the image has; the reference calls hashes under 50 unreliable
    /// (a blank or nearly uniform image).
    public let quality: Int

    /// 64 hex digits, most significant word first, as the reference prints a hash.
    public var description: String { words.reversed().map { String(format: "%04x", $0) }.joined() }

    /// The bit at `index` (0 to 255).
    public func bit(_ index: Int) -> Bool { (words[index >> 4] >> UInt16(index & 15)) & 1 == 1 }

    /// How many of the 256 bits differ: 0 for the same image; the reference counts 31 or fewer as
    /// a match.
    public func distance(to other: PDQHash) -> Int {
        zip(words, other.words).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
    }

    /// Reads a hash back from its 64 hex digits (as stored in `capture.json`); nil if it is not one.
    public init?(hex: String, quality: Int) {
        let digits = Array(hex.utf8)
        // Hex digits only: UInt16(_:radix:) would also take a sign.
        guard digits.count == 64, digits.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) })
        else { return nil }
        var words: [UInt16] = []
        for index in stride(from: 60, through: 0, by: -4) {
            guard let word = UInt16(String(decoding: digits[index..<index + 4], as: UTF8.self), radix: 16) else { return nil }
            words.append(word)
        }
        self.words = words
        self.quality = quality
    }

    init(words: [UInt16], quality: Int) {
        self.words = words
        self.quality = quality
    }

    /// The hash of an RGBA (or RGB, `channels` 3) image, row by row, `width` × `height` pixels.
    /// Nil for an image with no pixels or a buffer shorter than it says.
    public static func hash(rgba pixels: [UInt8], width: Int, height: Int, channels: Int = 4) -> PDQHash? {
        guard width > 0, height > 0, channels >= 3, pixels.count >= width * height * channels,
              var accumulator = PDQAccumulator(width: width, height: height) else { return nil }
        let rowBytes = width * channels
        pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<height {
                accumulator.add(row: UnsafeBufferPointer(rebasing: pixels[(row * rowBytes)..<((row + 1) * rowBytes)]), channels: channels)
            }
        }
        return accumulator.finish()
    }

    /// The hash of the 64 × 64 filtered samples.
    static func hash(samples: [[Float]]) -> PDQHash {
        let quality = imageQuality(samples)
        // B = D · A · Dᵀ with D the 16 × 64 DCT-II rows 1…16 (row 0, the mean, left out).
        let d = dctMatrix
        var t = [[Float]](repeating: [Float](repeating: 0, count: 64), count: 16)
        for i in 0..<16 {
            for j in 0..<64 {
                var sum: Float = 0
                for k in 0..<64 { sum += d[i][k] * samples[k][j] }
                t[i][j] = sum
            }
        }
        var coefficients = [Float](repeating: 0, count: 256)
        for i in 0..<16 {
            for j in 0..<16 {
                var sum: Float = 0
                for k in 0..<64 { sum += t[i][k] * d[j][k] }
                coefficients[i * 16 + j] = sum
            }
        }
        let median = lowerMedian(coefficients)
        var words = [UInt16](repeating: 0, count: 16)
        for (index, value) in coefficients.enumerated() where value > median {
            words[index >> 4] |= 1 << UInt16(index & 15)
        }
        return PDQHash(words: words, quality: quality)
    }

    /// The reference's window for reducing `old` samples to `new`: ⌈old / (2 · new)⌉, rounded as it rounds.
    static func windowSize(old: Int, new: Int) -> Int { (old + 2 * new - 1) / (2 * new) }

    /// The reference's quality: the sum of neighbouring samples' differences (in percent of 255,
    /// truncated), divided by 90, at most 100.
    static func imageQuality(_ samples: [[Float]]) -> Int {
        var gradient = 0
        for i in 0..<63 {
            for j in 0..<64 { gradient += abs(Int((samples[i][j] - samples[i + 1][j]) * 100 / 255)) }
        }
        for i in 0..<64 {
            for j in 0..<63 { gradient += abs(Int((samples[i][j] - samples[i][j + 1]) * 100 / 255)) }
        }
        return min(gradient / 90, 100)
    }

    /// The 16 × 64 DCT-II matrix without its first row: √(2/64) · cos(π/128 · (i + 1) · (2j + 1)).
    static let dctMatrix: [[Float]] = (0..<16).map { i in
        (0..<64).map { j in Float((2.0 / 64.0).squareRoot() * cos(Double.pi / 2 / 64 * Double(i + 1) * Double(2 * j + 1))) }
    }

    /// The ⌈n/2⌉-th smallest value, which the reference's Torben median returns for an even count.
    static func lowerMedian(_ values: [Float]) -> Float {
        values.sorted()[(values.count + 1) / 2 - 1]
    }
}

/// PDQ computed row by row, as an image is written or read, in memory of 64 rows whatever its
/// height: a 1280 × 150,000 screenshot held whole as floats would take 768 MB.
///
/// The reference filters rows, then columns, twice over, on the whole image. Box filters along
/// rows and along columns are linear maps on different axes, so they commute, and two passes of
/// one are a fixed weighting; the hash samples only 64 rows and 64 columns of the result. So each
/// incoming row is reduced at once to its 64 sampled columns (each a weighted sum of the pixels
/// the two row passes reach), and added, with its weight, to the sampled rows it reaches. The
/// order of float operations differs from the reference's; the tests hold the result within a few
/// bits of the reference's (equal on their twenty screenshots).
public struct PDQAccumulator: Sendable {
    public let width: Int
    public let height: Int
    private var nextRow = 0
    /// 64 × 64 sums, row-major.
    private var sums: [Float]
    /// Two passes along a row, at each sampled column: the weights of the pixels it reaches.
    private let columnWeights: FlatWeights
    /// Two passes along a column, at each sampled row: the weights of the rows it reaches.
    private let rowWeights: FlatWeights
    /// The first and last row any sampled row reaches.
    private let rowsReached: ClosedRange<Int>

    /// Weights of 64 samples in one flat array (a debug build is ten times slower on arrays of arrays).
    struct FlatWeights: Sendable {
        /// For sample `s`: the first input it reaches, where its weights start in `values`, how many.
        var first: [Int], start: [Int], count: [Int]
        var values: [Float]
        init(_ weights: [(first: Int, values: [Float])]) {
            first = weights.map(\.first)
            count = weights.map(\.values.count)
            var starts: [Int] = [], next = 0
            for n in count { starts.append(next); next += n }
            start = starts
            values = weights.flatMap(\.values)
        }
    }
    private var luma: [Float]
    private var reduced: [Float]

    /// Nil for an image with no pixels.
    public init?(width: Int, height: Int) {
        guard width > 0, height > 0 else { return nil }
        self.width = width
        self.height = height
        columnWeights = FlatWeights(Self.twoPassWeights(count: width, samples: (0..<64).map { Int((Double($0) + 0.5) * Double(width) / 64) }))
        let rows = FlatWeights(Self.twoPassWeights(count: height, samples: (0..<64).map { Int((Double($0) + 0.5) * Double(height) / 64) }))
        rowWeights = rows
        rowsReached = (rows.first.min() ?? 0)...((0..<64).map { rows.first[$0] + rows.count[$0] - 1 }.max() ?? 0)
        sums = [Float](repeating: 0, count: 64 * 64)
        luma = [Float](repeating: 0, count: width)
        reduced = [Float](repeating: 0, count: 64)
    }

    /// For each sampled index, the weights with which two passes of the reference's box filter
    /// over `count` values (window for 64 samples) take each input.
    static func twoPassWeights(count: Int, samples: [Int]) -> [(first: Int, values: [Float])] {
        let windows = boxWindows(count: count, window: PDQHash.windowSize(old: count, new: 64))
        return samples.map { sample in
            let outer = windows[sample]
            let first = windows[outer.lo].lo, last = windows[outer.hi].hi
            var values = [Float](repeating: 0, count: last - first + 1)
            for o in outer.lo...outer.hi {
                let inner = windows[o]
                let weight = 1 / Float(outer.hi - outer.lo + 1) / Float(inner.hi - inner.lo + 1)
                for k in inner.lo...inner.hi { values[k - first] += weight }
            }
            return (first, values)
        }
    }

    /// The input window (first and last index) of each output of the reference's box filter over
    /// `count` values, found by running its four phases on indices.
    static func boxWindows(count: Int, window: Int) -> [(lo: Int, hi: Int)] {
        var windows = [(lo: Int, hi: Int)](repeating: (0, 0), count: count)
        var lo = 0, hi = -1, out = 0
        let half = (window + 2) / 2
        for _ in 0..<max(half - 1, 0) where hi + 1 < count { hi += 1 }
        for _ in 0..<max(window - half + 1, 0) where hi + 1 < count && out < count { hi += 1; windows[out] = (lo, hi); out += 1 }
        for _ in 0..<max(count - window, 0) where hi + 1 < count && out < count { hi += 1; lo += 1; windows[out] = (lo, hi); out += 1 }
        for _ in 0..<max(half - 1, 0) where out < count && hi > lo { lo += 1; windows[out] = (lo, hi); out += 1 }
        // Past what the phases write (an image shorter than the window), the reference leaves the
        // value as it was; here such an output keeps the widest window.
        while out < count { windows[out] = (lo, hi); out += 1 }
        return windows
    }

    /// Adds the next row, `channels` bytes per pixel (RGB or RGBA). Rows past the height are ignored.
    public mutating func add(row pixels: UnsafeBufferPointer<UInt8>, channels: Int) {
        guard nextRow < height, channels >= 3, pixels.count >= width * channels, let source = pixels.baseAddress else { return }
        let k = nextRow
        nextRow += 1
        guard rowsReached.contains(k) else { return }
        let width = self.width
        luma.withUnsafeMutableBufferPointer { luma in
            guard let luma = luma.baseAddress else { return }
            var p = source
            for x in 0..<width {
                luma[x] = 0.299 * Float(p[0]) + 0.587 * Float(p[1]) + 0.114 * Float(p[2])
                p += channels
            }
        }
        Self.reduce(luma, by: columnWeights, into: &reduced)
        let rows = rowWeights
        reduced.withUnsafeBufferPointer { reduced in
            sums.withUnsafeMutableBufferPointer { sums in
                rows.values.withUnsafeBufferPointer { values in
                    guard let reduced = reduced.baseAddress, let sums = sums.baseAddress, let values = values.baseAddress else { return }
                    for i in 0..<64 {
                        let offset = k - rows.first[i]
                        guard offset >= 0, offset < rows.count[i] else { continue }
                        let w = values[rows.start[i] + offset]
                        let target = sums + i * 64
                        for j in 0..<64 { target[j] += w * reduced[j] }
                    }
                }
            }
        }
    }

    /// The 64 weighted sums of `input` the weights describe.
    private static func reduce(_ input: [Float], by weights: FlatWeights, into output: inout [Float]) {
        input.withUnsafeBufferPointer { input in
            weights.values.withUnsafeBufferPointer { values in
                output.withUnsafeMutableBufferPointer { output in
                    guard let input = input.baseAddress, let values = values.baseAddress, let output = output.baseAddress else { return }
                    for j in 0..<64 {
                        let from = input + weights.first[j], w = values + weights.start[j]
                        var sum: Float = 0
                        for offset in 0..<weights.count[j] { sum += w[offset] * from[offset] }
                        output[j] = sum
                    }
                }
            }
        }
    }

    /// The hash, once every row was added; nil before.
    public func finish() -> PDQHash? {
        guard nextRow == height else { return nil }
        return PDQHash.hash(samples: (0..<64).map { Array(sums[($0 * 64)..<($0 * 64 + 64)]) })
    }
}
