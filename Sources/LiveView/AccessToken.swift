/// The secret in the live view's URL: whoever has it drives the browser the person logs in with,
/// so it comes from the system's cryptographic generator and is compared in constant time.
struct AccessToken: Sendable {
    /// 64 lowercase hex digits.
    let text: String
    private let bytes: [UInt8]

    /// 32 bytes of `SystemRandomNumberGenerator` (getrandom / arc4random), never a seeded one.
    static func random() -> AccessToken {
        AccessToken(text: randomHex(byteCount: 32))
    }

    /// `byteCount` bytes from the system's cryptographic generator, as lowercase hex.
    static func randomHex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(byteCount * 2)
        for _ in 0..<byteCount {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            hex += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
        }
        return String(decoding: hex, as: UTF8.self)
    }

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    /// Whether `candidate` is the token. The time taken depends only on the candidate's length,
    /// never on how many leading characters are right, so timing cannot spell the token out.
    func matches(_ candidate: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: candidate.count ^ bytes.count)
        var index = 0
        for byte in candidate {
            difference |= byte ^ bytes[index % bytes.count]
            index += 1
        }
        return difference == 0 && candidate.count == bytes.count
    }
}
