import Foundation

/// The text messages the server sends a page (see ``LiveViewServer`` for the whole protocol).
enum PageMessage {
    private struct Frame: Encodable {
        let type = "frame"
        let deviceWidth: Double
        let deviceHeight: Double
        /// The length of the JPEG message that follows: lets the page notice a lost pairing.
        let bytes: Int
    }

    private struct Status: Encodable {
        let type = "status"
        let text: String
    }

    /// The announcement that goes right before each frame's binary JPEG message.
    static func frame(device: DeviceSize, bytes: Int) -> String {
        encode(Frame(deviceWidth: device.width, deviceHeight: device.height, bytes: bytes))
    }

    /// A new line for the page's status strip.
    static func status(_ text: String) -> String {
        encode(Status(text: text))
    }

    private static func encode(_ value: some Encodable) -> String {
        // Encoding these plain structs cannot fail; an empty object would be ignored by the page.
        guard let data = try? JSONEncoder().encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
