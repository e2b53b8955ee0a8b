import ExhibitTestSupport
import LiveView
import Testing

/// A page behind a slow tunnel: frames replace each other, so it skips the ones it cannot take
/// and is sent the newest once it can, instead of the server queueing every frame for it.
@Suite("Live view: a viewer that cannot keep up", .serialized, .hangGuard)
struct SlowViewerTests {
    @Test("a backed-up viewer skips frames and, once it drains, gets the newest one")
    func skipsToNewest() async throws {
        let (server, _, socket) = try await AccessTests.rawViewer(reading: false)
        let count = 40
        // Half a megabyte each, filled with its number: 20 MB in all, more than loopback buffers hold.
        for number in 0..<count {
            await server.show(jpeg: [UInt8](repeating: UInt8(number), count: 512 * 1024), deviceWidth: 800, deviceHeight: 600)
        }
        await server.say("all shown")
        try await Task.sleep(for: .milliseconds(300))
        try await socket.resumeReading()
        let bytes = try await socket.wait(timeout: .seconds(60)) { bytes, _ in
            RawConnection.messages(in: bytes).last { $0.opcode == 0x2 }?.payload.first == UInt8(count - 1)
        }
        let pictures = RawConnection.messages(in: bytes).filter { $0.opcode == 0x2 }
        #expect(pictures.last?.payload.first == UInt8(count - 1), "the newest frame never came")
        #expect(pictures.last?.payload.count == 512 * 1024)
        #expect(pictures.count < count, "every frame was queued: \(pictures.count)")
        // Frames only ever go forward.
        let numbers = pictures.compactMap(\.payload.first)
        #expect(numbers == numbers.sorted())
        // Each picture came right after its announcement.
        let messages = RawConnection.messages(in: bytes)
        for (index, message) in messages.enumerated() where message.opcode == 0x2 {
            #expect(index > 0 && messages[index - 1].opcode == 0x1
                    && String(decoding: messages[index - 1].payload, as: UTF8.self).contains(#""bytes":524288"#))
        }
        await socket.close()
        await server.stop()
    }
}
