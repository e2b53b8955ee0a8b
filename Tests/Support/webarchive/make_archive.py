#!/usr/bin/env python3
"""Makes the web archives the pairing tests pair captures with, as another tool would: warcio's
WARCWriter (from PyPI, in .venv-webarchive), a request and a response record per URL, fetched live
from the fixture server, digests computed by warcio itself (sha1, base32: warcio's default).

  make_archive.py OUT.warc.gz URL... [--replace OLD NEW]   a gzipped WARC; --replace changes the
                                                           first URL's body (Content-Length fixed)
  make_archive.py OUT.warc URL...                          the same, not gzipped
Then `wacz create -o OUT.wacz OUT.warc.gz` (py-wacz) packs one as a WACZ.
"""
import io
import sys
import urllib.request

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def main(argv):
    replace = None
    if "--replace" in argv:
        at = argv.index("--replace")
        replace = (argv[at + 1].encode(), argv[at + 2].encode())
        argv = argv[:at] + argv[at + 3:]
    out, urls = argv[0], argv[1:]
    with open(out, "wb") as stream:
        writer = WARCWriter(stream, gzip=out.endswith(".gz"))
        for index, url in enumerate(urls):
            with urllib.request.urlopen(url) as answer:
                body = answer.read()
                headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in ("content-length", "transfer-encoding")]
                status = f"{answer.status} {answer.reason}"
            if replace and index == 0:
                body = body.replace(*replace)
            headers.append(("Content-Length", str(len(body))))
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                http_headers=StatusAndHeaders("GET /" + url.split("/", 3)[-1] + " HTTP/1.1",
                                                                              [("Host", url.split("/")[2])], is_http_request=True))
            writer.write_request_response_pair(request, response)


if __name__ == "__main__":
    main(sys.argv[1:])
