#!/usr/bin/env python3
"""Writes the platform API answers in Fixtures/platform-api/ from Fixtures/_shared/thread-data.json.

Each platform gets two folders: <platform>/ answers as the platform would for the fixture's post
(the same post, the same 44 replies), and <platform>-disagrees/ answers for the same post after it
changed: the text edited, a 45th reply the page does not show, reply 7 gone from the API, and for
YouTube another title. The shapes follow the platforms' documentation (see README.md); the values
are the fixture's. Run it again after changing thread-data.json; the output is deterministic.
"""
import copy
import json
import os
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = json.load(open(os.path.join(HERE, "..", "_shared", "thread-data.json"), encoding="utf-8"))
POST = DATA["post"]
REPLIES = DATA["replies"]
EDITED_TEXT = POST["text"].replace("voorjaar van 2027", "najaar van 2027")


def write(path, value):
    full = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def millis(iso):
    return iso.replace("Z", ".000Z")


def variants():
    """(folder suffix, post text, replies, reply count, extra reply) for both variants."""
    extra = {"n": 45, "id": "1790000000000001045", "author": "Nieuwe Reageerder", "handle": "nieuw",
             "text": "Pas geplaatst, na de opname van de pagina. (reactie 45)", "published": "2026-11-21T08:00:00Z",
             "likes": 0, "batch": "later", "parent": None}
    yield "", POST["text"], REPLIES, 44, None
    kept = [r for r in REPLIES if r["n"] != 7] + [extra]
    yield "-disagrees", EDITED_TEXT, kept, 45, extra


# Mastodon: GET /api/v1/statuses/:id (Status) and GET /api/v1/statuses/:id/context (Context).
def mastodon_html(text):
    link = "voorbeeld.nl/haven"
    before, after = text.split(link)
    anchor = ('<a href="https://www.voorbeeld.nl/haven" rel="nofollow noopener" translate="no" target="_blank">'
              '<span class="invisible">https://www.</span><span class="">voorbeeld.nl/haven</span><span class="invisible"></span></a>')
    return "<p>" + before.replace("&", "&amp;").replace("<", "&lt;") + anchor + after + "</p>"


def mastodon_account(handle, name, n):
    return {"id": str(109000000000000000 + n), "username": handle, "acct": handle, "display_name": name,
            "url": f"https://social.overheid.nl/@{handle}", "bot": False, "group": False}


def mastodon_status(id, created, html, account, reply_to, counts):
    return {"id": id, "created_at": millis(created), "in_reply_to_id": reply_to,
            "in_reply_to_account_id": None if reply_to is None else "109000000000000000",
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "nl",
            "uri": f"https://social.overheid.nl/users/{account['username']}/statuses/{id}",
            "url": f"https://social.overheid.nl/@{account['username']}/{id}",
            "replies_count": counts[0], "reblogs_count": counts[1], "favourites_count": counts[2],
            "edited_at": None, "content": html, "reblog": None, "account": account,
            "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None}


def mastodon():
    for suffix, text, replies, count, extra in variants():
        author = mastodon_account(POST["handle"], POST["author"], 0)
        status = mastodon_status(POST["id"], POST["published"], mastodon_html(text), author, None,
                                 (count, POST["reposts"], POST["likes"]))
        if suffix:
            status["edited_at"] = "2026-11-21T07:30:00.000Z"
        base = f"mastodon{suffix}/api/v1/statuses/{POST['id']}"
        write(base + ".json", status)
        handles = {r["id"]: r["handle"] for r in replies}
        # A reply's content starts with the mention of the account it answers, as Mastodon writes it.
        def content(r):
            to = handles.get(r["parent"], POST["handle"]) if r["parent"] else POST["handle"]
            mention = (f'<span class="h-card" translate="no"><a href="https://social.overheid.nl/@{to}" class="u-url mention">'
                       f'@<span>{to}</span></a></span> ')
            return "<p>" + mention + r["text"].replace("&", "&amp;").replace("<", "&lt;") + "</p>"
        descendants = [mastodon_status(r["id"], r["published"], content(r),
                                       mastodon_account(r["handle"], r["author"], r["n"]), r["parent"] or POST["id"],
                                       (0, 0, r["likes"])) for r in replies]
        write(base + "/context.json", {"ancestors": [], "descendants": descendants})


# Bluesky: com.atproto.identity.resolveHandle and app.bsky.feed.getPostThread (threadViewPost tree).
DID = "did:plc:gemeentevoorbeeld0000000"


def bluesky_uri(did, rkey):
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def bluesky_view(uri, handle, name, text, created, parent, counts):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": millis(created), "langs": ["nl"]}
    if parent:
        record["reply"] = {"root": {"uri": bluesky_uri(DID, "3lbhaven2026a"), "cid": "bafyreiroot"},
                           "parent": {"uri": parent, "cid": "bafyreiparent"}}
    return {"uri": uri, "cid": "bafyrei" + uri[-12:].replace("/", "x"),
            "author": {"did": DID if handle == "gemeentevoorbeeld.nl" else f"did:plc:{handle.split('.')[0]}", "handle": handle,
                       "displayName": name, "labels": []},
            "record": record, "replyCount": counts[0], "repostCount": counts[1], "likeCount": counts[2], "quoteCount": 0,
            "indexedAt": millis(created), "labels": []}


def bluesky():
    for suffix, text, replies, count, extra in variants():
        write(f"bluesky{suffix}/xrpc/com.atproto.identity.resolveHandle.json", {"did": DID})
        root_uri = bluesky_uri(DID, "3lbhaven2026a")
        uris = {r["id"]: bluesky_uri(f"did:plc:{r['handle']}", r["id"]) for r in replies}
        nodes = {}
        for r in replies:
            parent = uris.get(r["parent"], root_uri) if r["parent"] else root_uri
            nodes[r["id"]] = {"$type": "app.bsky.feed.defs#threadViewPost",
                              "post": bluesky_view(uris[r["id"]], f"{r['handle']}.bsky.social", r["author"], r["text"],
                                                   r["published"], parent, (0, 0, r["likes"])),
                              "replies": []}
        top = []
        for r in replies:
            if r["parent"] and r["parent"] in nodes:
                nodes[r["parent"]]["replies"].append(nodes[r["id"]])
            else:
                top.append(nodes[r["id"]])
        for r in replies:
            nodes[r["id"]]["post"]["replyCount"] = len(nodes[r["id"]]["replies"])
        thread = {"$type": "app.bsky.feed.defs#threadViewPost",
                  "post": bluesky_view(root_uri, "gemeentevoorbeeld.nl", POST["author"], text, POST["published"], None,
                                       (count, POST["reposts"], POST["likes"])),
                  "replies": top}
        write(f"bluesky{suffix}/xrpc/app.bsky.feed.getPostThread.json", {"thread": thread})


# Reddit: GET /r/SUB/comments/ID.json: [Listing of the link (t3), Listing of its comments (t1, more)].
def unix(iso):
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def reddit():
    title = "Nieuwe havenpromenade vastgesteld"
    for suffix, text, replies, count, extra in variants():
        link = {"kind": "t3", "data": {"id": "1h4v3n", "name": "t3_1h4v3n", "subreddit": "voorbeeldstad", "title": title,
                                       "selftext": text, "author": POST["handle"], "created_utc": unix(POST["published"]),
                                       "num_comments": count, "score": POST["likes"], "ups": POST["likes"],
                                       "permalink": "/r/voorbeeldstad/comments/1h4v3n/nieuwe_havenpromenade_vastgesteld/",
                                       "url": "https://www.reddit.com/r/voorbeeldstad/comments/1h4v3n/nieuwe_havenpromenade_vastgesteld/",
                                       "edited": unix("2026-11-21T07:30:00Z") if suffix else False, "is_self": True}}
        things = {}
        for r in replies:
            parent = "t1_" + r["parent"] if r["parent"] else "t3_1h4v3n"
            things[r["id"]] = {"kind": "t1", "data": {"id": r["id"], "name": "t1_" + r["id"], "author": r["handle"], "body": r["text"],
                                                     "created_utc": unix(r["published"]), "parent_id": parent, "link_id": "t3_1h4v3n",
                                                     "score": r["likes"], "edited": False, "replies": ""}}
        top = []
        for r in replies:
            if r["parent"] and r["parent"] in things:
                parent = things[r["parent"]]["data"]
                if parent["replies"] == "":
                    parent["replies"] = {"kind": "Listing", "data": {"after": None, "before": None, "children": []}}
                parent["replies"]["data"]["children"].append(things[r["id"]])
            else:
                top.append(things[r["id"]])
        listing = lambda children: {"kind": "Listing", "data": {"after": None, "dist": None, "modhash": "", "before": None, "children": children}}
        write(f"reddit{suffix}/r/voorbeeldstad/comments/1h4v3n.json", [listing([link]), listing(top)])


# YouTube: oEmbed (https://www.youtube.com/oembed?url=...&format=json).
def youtube():
    for suffix, title in [("", "Nieuwe havenpromenade vastgesteld"), ("-disagrees", "Havenpromenade: ontwerp gewijzigd")]:
        write(f"youtube{suffix}/oembed.json", {
            "title": title, "author_name": POST["author"], "author_url": "https://www.youtube.com/@gemeentevoorbeeld",
            "type": "video", "height": 113, "width": 200, "version": "1.0", "provider_name": "YouTube",
            "provider_url": "https://www.youtube.com/", "thumbnail_height": 360, "thumbnail_width": 480,
            "thumbnail_url": "https://i.ytimg.com/vi/hAvEn2026aB/hqdefault.jpg",
            "html": '<iframe width="200" height="113" src="https://www.youtube.com/embed/hAvEn2026aB?feature=oembed" frameborder="0" '
                    'allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share" '
                    'referrerpolicy="strict-origin-when-cross-origin" allowfullscreen title="' + title + '"></iframe>'})


if __name__ == "__main__":
    mastodon()
    bluesky()
    reddit()
    youtube()
