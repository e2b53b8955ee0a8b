import Crypto
import Foundation

/// `sha256:<value>` labels for WARC-Block-Digest and WARC-Payload-Digest.
///
/// Exhibit writes the value in lower-case hex, as its bag manifests do and as Browsertrix writes
/// sha256 digests; warcio (1.8.1, `warcio check`) validates base32, hex and base64 values alike.
/// When reading, all three are accepted, so archives from other tools can be checked too.
public enum WARCDigest {
    /// The label Exhibit writes for a finished SHA-256.
    public static func label(_ digest: SHA256.Digest) -> String { "sha256:" + hex(digest) }

    /// Lower-case hex of any digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The digest bytes of a `sha256:` label, whichever encoding it uses; nil when it is not a
    /// SHA-256 label (another algorithm, or a value that decodes to the wrong length).
    public static func sha256Bytes(of label: String) -> [UInt8]? {
        guard let colon = label.firstIndex(of: ":"),
              label[..<colon].lowercased().replacingOccurrences(of: "-", with: "") == "sha256" else { return nil }
        let value = String(label[label.index(after: colon)...])
        for decoded in [fromHex(value), fromBase32(value), fromBase64(value)] {
            if let decoded, decoded.count == 32 { return decoded }
        }
        return nil
    }

    /// The digest bytes of a `sha1:` label (warcio's and Heritrix's default, base32 or hex); nil
    /// for any other label.
    public static func sha1Bytes(of label: String) -> [UInt8]? {
        guard let colon = label.firstIndex(of: ":"),
              label[..<colon].lowercased().replacingOccurrences(of: "-", with: "") == "sha1" else { return nil }
        let value = String(label[label.index(after: colon)...])
        for decoded in [fromHex(value), fromBase32(value), fromBase64(value)] {
            if let decoded, decoded.count == 20 { return decoded }
        }
        return nil
    }

    static func fromHex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = hexValue(chars[index]), let low = hexValue(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 4648 base32 (upper or lower case, padding optional).
    static func fromBase32(_ text: String) -> [UInt8]? {
        var buffer: UInt32 = 0, bits = 0
        var out = [UInt8]()
        for c in text.uppercased().utf8 where c != UInt8(ascii: "=") {
            let value: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = c - UInt8(ascii: "A")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = c - UInt8(ascii: "2") + 26
            default: return nil
            }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    private static func fromBase64(_ text: String) -> [UInt8]? {
        let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
