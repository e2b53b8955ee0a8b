@testable import Capture
import Testing

@Suite("Which consent labels give consent")
struct ConsentLabelTests {
    @Test(arguments: ["Accept all", "Accept all cookies", "Alle cookies toestaan", "Allow all cookies", "Akkoord", "OK", "Got it",
                      "Accepteren", "I agree"])
    func consenting(label: String) { #expect(AnswerConsent.looksLikeAccept(label), "\(label)") }

    @Test(arguments: ["Reject all", "Refuse non-essential cookies", "Optionele cookies weigeren", "Alleen essentiële cookies toestaan",
                      "Only allow essential cookies", "Essential cookies only", "Decline optional cookies", "Only necessary cookies",
                      "Cookie-instellingen", "Manage options", "Nee, bedankt", "Alles afwijzen", "Cookies"])
    func refusing(label: String) { #expect(!AnswerConsent.looksLikeAccept(label), "\(label)") }
}
