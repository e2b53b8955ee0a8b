import Capture
import Foundation
import PNGCodec
import Testing

@Suite("Finding page text in a PDF's text")
struct PDFTextMatchTests {
    @Test("what a PDF does to text is forgiven: emoji moved, runs after an emoji placed first, bidi marks, mark order, split CJK")
    func forgiven() {
        let pdf = PDFTextMatch(pdfText: """
            Anouk de Vries
            Eindelijk! Wanneer starten de werkzaamheden precies?
            5 d. · 37
            Jeroen Bakker
            🚧 (reactie 1)
            Komt er ook een 12)
            🚲 (reactie
            fietsenstalling bij de kade?
            Welkom · Welcome · · \u{202B}مرحبا\u{202C} Добро пожаловать 🎉 そ ようこ
            \u{202B}هل سيكون هناك ممر للمشاة على طول الميناء؟ شكرًا\u{202C} 🌊
            """)
        #expect(pdf.contains("Eindelijk! Wanneer starten de werkzaamheden precies? 🚧 (reactie 1)"))
        #expect(pdf.contains("Komt er ook een fietsenstalling bij de kade? 🚲 (reactie 12)"))
        #expect(pdf.contains("Welkom · Welcome · ようこそ · مرحبا · Добро пожаловать 🎉⚓🌷"))
        #expect(pdf.contains("هل سيكون هناك ممر للمشاة على طول الميناء؟ شكراً 🌊"))
        #expect(pdf.contains("Eindelijk!\n  Wanneer   starten"))
    }

    @Test("missing words, far-apart words and other letters are not forgiven")
    func notForgiven() {
        let filler = (1...80).map { "woord\($0)" }.joined(separator: " ")
        let pdf = PDFTextMatch(pdfText: "Eindelijk! Wanneer starten \(filler) de werkzaamheden precies? Добро")
        #expect(!pdf.contains("Eindelijk! Wanneer starten de werkzaamheden precies?"))
        #expect(!pdf.contains("Waar kan ik de stukken inzien?"))
        #expect(!pdf.contains("Добро пожаловать"))
        #expect(!pdf.contains("ようこそ"))
        #expect(PDFTextMatch(pdfText: "").contains("🎉 ⚓"))
    }

    @Test("scripts without spaces match across line breaks inside words; hyphenated line ends join; scattered letters are no match")
    func everyScript() {
        let pdf = PDFTextMatch(pdfText: """
            市政府今天公
            布了港口的新
            规划，欢迎居
            民提出意见。
            港の遊歩道は
            いつ完成しま
            すか？
            ขอบคุณสำหรับ
            ข้อมูลครับ จะมี
            การประชุมรับฟัง
            Wanneer beginnen de werk\u{00ad}zaam\u{00ad}\u{2010}
            heden aan de haven-
            promenade?
            ＦＵＬＬＷＩＤＴＨ ﾃｽﾄ
            """)
        #expect(pdf.contains("市政府今天公布了港口的新规划，欢迎居民提出意见。"))
        #expect(pdf.contains("港の遊歩道はいつ完成しますか？"))
        #expect(pdf.contains("ขอบคุณสำหรับข้อมูลครับ จะมีการประชุมรับฟัง"))
        #expect(pdf.contains("Wanneer beginnen de werkzaamheden aan de havenpromenade?"))
        // A hyphen that belongs to the word still matches the split form.
        #expect(PDFTextMatch(pdfText: "een e-\nmail sturen").contains("een e-mail sturen"))
        // NFKC: full-width Latin and half-width katakana are the same text.
        #expect(pdf.contains("fullwidth テスト"))
        // Every letter is in the PDF, but not in this order: that is not the reply.
        #expect(!pdf.contains("居民意见规划港口的新市政府今天公布"))
        #expect(!pdf.contains("ประชุมรับฟังขอบคุณสำหรับข้อมูล"))
        #expect(!pdf.contains("港の完成しますか遊歩道はいつ"))
    }

    @Test("a thumbnail is cut from a PNG row by row and shrunk by a whole factor")
    func thumbnail() throws {
        let folder = TestSupport.temporaryFolder("thumb")
        let source = folder.appendingPathComponent("bands.png").path
        // 200 x 300: rows 0-99 red, 100-199 green, 200-299 blue.
        let writer = try PNGStreamWriter(path: source, width: 200, height: 300, pixelsPerMeter: 3780)
        for y in 0..<300 {
            let colour: [UInt8] = y < 100 ? [255, 0, 0] : y < 200 ? [0, 255, 0] : [0, 0, 255]
            let row = [UInt8]((0..<200).flatMap { _ in colour })
            try row.withUnsafeBufferPointer { try writer.writeRow($0) }
        }
        try writer.finish()
        let out = folder.appendingPathComponent("thumb.png").path
        let size = try PNGThumbnail.write(from: source, x: 50, y: 150, width: 100, height: 100, maxWidth: 30, maxHeight: 100, to: out)
        #expect(size.width == 25 && size.height == 25)
        let image = try PNGImage(contentsOfFile: out)
        #expect(image.width == 25 && image.height == 25)
        let top = image.pixel(x: 5, y: 2), bottom = image.pixel(x: 5, y: 20)
        #expect(top.g == 255 && top.r == 0 && bottom.b == 255 && bottom.g == 0)
        #expect(throws: PNGError.self) {
            try PNGThumbnail.write(from: source, x: 500, y: 0, width: 10, height: 10, maxWidth: 10, maxHeight: 10, to: out)
        }
    }
}
