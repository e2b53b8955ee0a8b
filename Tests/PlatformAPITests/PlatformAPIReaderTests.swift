import Foundation
@testable import PlatformAPI
import PlatformProfiles
import Testing

@Suite("Platform API answers read and compared")
struct PlatformAPIReaderTests {
    @Test("real post URLs name what to ask; URLs that name no post, or carry something that is not an id, do not")
    func targets() throws {
        func target(_ platform: APIPlatform, _ url: String, id: String? = nil) -> APITarget? {
            try? APITarget.make(platform: platform, urls: [url], postId: id, base: nil).get()
        }
        #expect(target(.mastodon, "https://mastodon.social/@Gargron/109373346135366384")?.firstRequests.map(\.url)
                == ["https://mastodon.social/api/v1/statuses/109373346135366384", "https://mastodon.social/api/v1/statuses/109373346135366384/context"])
        #expect(target(.mastodon, "https://social.example/users/anna/statuses/42")?.key == "42")
        #expect(target(.mastodon, "https://mastodon.social/@Gargron") == nil)
        #expect(target(.bluesky, "https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l")?.firstRequests.map(\.url)
                == ["https://public.api.bsky.app/xrpc/com.atproto.identity.resolveHandle?handle=bsky.app"])
        let did = try #require(target(.bluesky, "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l"))
        #expect(did.firstRequests.map(\.url) == ["https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=at%3A%2F%2Fdid%3Aplc%3Az72i7hdynmk6r22z27h6tvur%2Fapp.bsky.feed.post%2F3l6oveex3ii2l&depth=1000&parentHeight=0"])
        #expect(target(.bluesky, "https://bsky.app/profile/a%2F..%2Fb/post/x") == nil)
        #expect(target(.reddit, "https://old.reddit.com/r/AskReddit/comments/1abcde/some_title/")?.firstRequests.map(\.url)
                == ["https://www.reddit.com/r/AskReddit/comments/1abcde.json?raw_json=1&limit=500"])
        // A percent-encoded separator is decoded before the segments are read: only "ab" is taken as the id.
        #expect(target(.reddit, "https://www.reddit.com/r/x/comments/ab%2F..%2Fc/")?.key == "r/x/comments/ab")
        #expect(target(.youtube, "https://youtu.be/dQw4w9WgXcQ?t=3")?.firstRequests.map(\.url)
                == ["https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ&format=json"])
        #expect(target(.youtube, "https://www.youtube.com/shorts/abc_DEF-123")?.key == "abc_DEF-123")
        #expect(target(.youtube, "https://www.youtube.com/watch?v=a%26b") == nil)
        // Mastodon's post id from the page, when the URL asked is not the post's own.
        #expect(target(.mastodon, "https://social.example/tags/x", id: "1790000000000000000")?.key == "1790000000000000000")
        #expect(target(.mastodon, "https://social.example/tags/x", id: "../../admin") == nil)
    }

    @Test("Mastodon's HTML content becomes the text a browser gives: mentions and the whole link kept, paragraphs as line breaks, entities decoded")
    func mastodonText() {
        let html = #"<p><span class="h-card"><a href="https://x/@a" class="u-url mention">@<span>a</span></a></span> Zie <a href="https://www.voorbeeld.nl/haven"><span class="invisible">https://www.</span><span class="ellipsis">voorbeeld.nl/hav</span><span class="invisible">en</span></a> &amp; &lt;b&gt; &#x1F337;</p><p>twee<br>regels</p>"#
        #expect(HTMLText.plain(html) == "@a Zie https://www.voorbeeld.nl/haven & <b> 🌷\n\ntwee\nregels")
        // One pass: a text of nothing but '<' (a hostile answer) is read in linear time and kept as text.
        #expect(HTMLText.plain(String(repeating: "<", count: 200_000)).count == 200_000)
    }

    @Test("Reddit's empty-string replies, 'more' stubs and removed comments; Bluesky's nested, missing and blocked replies")
    func shapes() throws {
        let reddit = #"""
        [{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"id":"abc","name":"t3_abc","title":"T","selftext":"S","author":"u1","created_utc":1732093200.0,"num_comments":5,"score":3,"edited":false}}]}},
         {"kind":"Listing","data":{"children":[
           {"kind":"t1","data":{"id":"c1","name":"t1_c1","author":"u2","body":"one","created_utc":1732093260,"parent_id":"t3_abc","replies":{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"id":"c2","name":"t1_c2","author":"u3","body":"[removed]","parent_id":"t1_c1","replies":""}}]}}}},
           {"kind":"more","data":{"count":2,"children":["c3","c4"]}}]}}]
        """#
        let post = try APIReaders.reddit(Array(reddit.utf8))
        #expect(post.title == "T" && post.text == "S" && post.published == "2024-11-20T09:00:00Z" && post.counts.replies == 5)
        #expect(post.replies.map(\.id) == ["t1_c1", "t1_c2"] && post.replies[1].removed == true && post.replies[1].text == nil)
        #expect(post.repliesNotListed == 2)

        let bluesky = #"""
        {"thread":{"$type":"app.bsky.feed.defs#threadViewPost","post":{"uri":"at://did:plc:a/app.bsky.feed.post/root","author":{"handle":"a.test"},"record":{"text":"hi","createdAt":"2024-11-20T09:00:00.000Z"},"replyCount":3},
          "replies":[{"$type":"app.bsky.feed.defs#threadViewPost","post":{"uri":"at://did:plc:b/app.bsky.feed.post/r1","author":{"handle":"b.test"},"record":{"text":"r1"}},
                       "replies":[{"$type":"app.bsky.feed.defs#notFoundPost","uri":"at://did:plc:c/app.bsky.feed.post/gone","notFound":true}]},
                     {"$type":"app.bsky.feed.defs#blockedPost","uri":"at://did:plc:d/app.bsky.feed.post/blocked","blocked":true}]}}
        """#
        let thread = try APIReaders.bluesky(thread: Array(bluesky.utf8), rkeyURL: nil)
        #expect(thread.replies.map(\.id) == ["at://did:plc:b/app.bsky.feed.post/r1", "at://did:plc:c/app.bsky.feed.post/gone", "at://did:plc:d/app.bsky.feed.post/blocked"])
        #expect(thread.replies.map { $0.removed ?? false } == [false, true, true])
        #expect(thread.replies[1].parent == "at://did:plc:b/app.bsky.feed.post/r1")
    }

    @Test("answers that are not the shape are refused with what was expected; a resolveHandle 'did' that is not one is not put into a URL")
    func hostile() {
        #expect(throws: APIReadError("the answer is JSON but not a Mastodon Status (no id): .id is missing")) {
            try APIReaders.mastodon(status: Array(#"{"content":"x"}"#.utf8), context: nil)
        }
        #expect(throws: APIReadError("the answer is JSON but not a Reddit thread (two Listings): not valid JSON")) {
            try APIReaders.reddit(Array("<html>".utf8))
        }
        #expect(throws: APIReadError("the thread is app.bsky.feed.defs#notFoundPost (at://x), not a post the API shows")) {
            try APIReaders.bluesky(thread: Array(#"{"thread":{"$type":"app.bsky.feed.defs#notFoundPost","uri":"at://x"}}"#.utf8), rkeyURL: nil)
        }
        #expect(throws: APIReadError.self) { try APIReaders.blueskyDID(Array(#"{"did":"did:plc:x/../../admin"}"#.utf8)) }
        #expect(throws: APIReadError.self) { try APIReaders.blueskyDID(Array(#"{"did":"https://evil"}"#.utf8)) }
        // Deep nesting is refused by the decoder or walked without recursion, never a crash.
        let deep = String(repeating: #"{"$type":"t","post":{"uri":"at://a/app.bsky.feed.post/x"},"replies":["#, count: 5000)
            + String(repeating: "]}", count: 5000)
        _ = try? APIReaders.bluesky(thread: Array((#"{"thread":"# + deep + "}").utf8), rkeyURL: nil)
    }

    @Test("handles match across the forms platforms and pages write them; ids match across URI, fullname and bare forms")
    func matching() {
        #expect(APICrossCheck.sameHandle("gemeentevoorbeeld", "@gemeentevoorbeeld@social.overheid.nl"))
        #expect(APICrossCheck.sameHandle("u/anna", "anna"))
        #expect(!APICrossCheck.sameHandle("anna@one.example", "anna@two.example"))
        #expect(APICrossCheck.idKey("at://did:plc:x/app.bsky.feed.post/3abc") == "3abc")
        #expect(APICrossCheck.idKey("t1_c1") == "c1" && APICrossCheck.idKey("t3_abc") == "abc")
        #expect(APICrossCheck.normalised("e\u{301}  a\n b ") == "é a b")
    }
}
