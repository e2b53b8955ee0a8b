#!/usr/bin/env python3
"""The floor of the throughput benchmark: the least a capture over the DevTools protocol costs, with
nothing of Exhibit's evidence work. One browser for the whole list, one WebSocket; per post a fresh
browser context and page, navigate, Exhibit's settle rule (the load event, then scrolled to the
bottom and 500 ms with no request in flight, again while the page grows), one full-page screenshot,
one PDF, SHA-256 of both. Prints one JSON line per capture, in order.
  raw_cdp.py CHROMIUM URL_FILE OUT_DIR
"""
import asyncio, base64, hashlib, json, os, shutil, sys, tempfile, time
import websockets

QUIET = 0.5
# A page that never settles (a request that never ends) is a failed capture, not a hung benchmark.
CAPTURE_TIMEOUT = 60
# Every fixture's reply element carries data-reply-id (Fixtures/_shared/thread.js, sample-thread).
REPLIES = "document.querySelectorAll('[data-reply-id]').length"


class Page:
    """What the settle rule watches on one page: its load event and the requests in flight."""

    def __init__(self):
        self.loaded, self.changed = asyncio.Event(), asyncio.Event()
        self.in_flight, self.last_change, self.committed = set(), time.monotonic(), False

    def event(self, method, params):
        # Only the post's load counts, not a late one of the about:blank the target opened with:
        # the renderer reports the post's commit (frameNavigated) before its load.
        if method == "Page.frameNavigated" and "parentId" not in params["frame"]:
            self.committed = params["frame"]["url"] != "about:blank"
        elif method == "Page.loadEventFired" and self.committed:
            self.loaded.set()
        elif method == "Network.requestWillBeSent":
            self.in_flight.add(params["requestId"])
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.in_flight.discard(params["requestId"])
        else:
            return
        self.last_change = time.monotonic()
        self.changed.set()

    async def quiet(self):
        """Returns once QUIET seconds have passed with no request in flight; sleeps until a
        request starts or ends, or until the window would close, never on a polling timer."""
        while True:
            idle = time.monotonic() - self.last_change
            if not self.in_flight and idle >= QUIET:
                return
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), None if self.in_flight else QUIET - idle)
            except TimeoutError:
                pass


class Connection:
    """The browser's WebSocket, with the pages' sessions flattened onto it (sessionId per message)."""

    def __init__(self, socket):
        self.socket, self.last_id, self.replies, self.pages = socket, 0, {}, {}

    async def call(self, method, session=None, **params):
        self.last_id += 1
        reply = asyncio.get_running_loop().create_future()
        self.replies[self.last_id] = reply
        message = {"id": self.last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.socket.send(json.dumps(message))
        return await reply

    async def read(self):
        try:
            async for text in self.socket:
                message = json.loads(text)
                if "id" in message:
                    reply = self.replies.pop(message["id"])
                    if reply.cancelled():  # its capture timed out
                        continue
                    if "error" in message:
                        reply.set_exception(RuntimeError(f"{message['error']}"))
                    else:
                        reply.set_result(message["result"])
                elif message.get("sessionId") in self.pages:
                    self.pages[message["sessionId"]].event(message["method"], message["params"])
        except websockets.ConnectionClosed:
            pass  # the browser closed: Browser.close at the end

    async def evaluate(self, session, expression):
        result = await self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return result["result"].get("value")


async def settle(connection, session, page):
    await page.loaded.wait()
    while True:
        # Scrolling to the bottom is what makes a thread load its next replies; a page that grew
        # while it went quiet has more below, so it is scrolled again.
        height = await connection.evaluate(session, "scrollTo(0, document.documentElement.scrollHeight),"
                                                    " document.documentElement.scrollHeight")
        page.last_change = time.monotonic()  # the window starts here: what the scroll loads starts just after
        await page.quiet()
        if await connection.evaluate(session, "document.documentElement.scrollHeight") <= height:
            break
    await connection.evaluate(session, "scrollTo(0, 0)")


async def capture(connection, line, url, out):
    start = time.monotonic()
    context = (await connection.call("Target.createBrowserContext"))["browserContextId"]
    target = (await connection.call("Target.createTarget", url="about:blank", browserContextId=context))["targetId"]
    session = (await connection.call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
    page = connection.pages[session] = Page()
    try:
        await connection.call("Emulation.setDeviceMetricsOverride", session, width=1280, height=900,
                              deviceScaleFactor=1, mobile=False)
        await connection.call("Page.enable", session)
        await connection.call("Network.enable", session)
        await connection.call("Page.navigate", session, url=url)
        await settle(connection, session, page)
        replies = await connection.evaluate(session, REPLIES)
        size = (await connection.call("Page.getLayoutMetrics", session))["cssContentSize"]
        shot = await connection.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                                     clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        # A4 with backgrounds, as the Playwright script prints.
        pdf = await connection.call("Page.printToPDF", session, printBackground=True, paperWidth=8.27, paperHeight=11.7)
    finally:
        del connection.pages[session]
        await connection.call("Target.closeTarget", targetId=target)
        await connection.call("Target.disposeBrowserContext", browserContextId=context)
    record = {"url": url, "status": "done", "replies": replies}
    for kind, answer in (("png", shot), ("pdf", pdf)):
        data = base64.b64decode(answer["data"])
        record[kind] = os.path.join(out, f"{line:04}.{kind}")
        with open(record[kind], "wb") as file:
            file.write(data)
        record[f"{kind}_sha256"] = hashlib.sha256(data).hexdigest()
    record["seconds"] = round(time.monotonic() - start, 3)
    return record


async def main():
    chromium, url_file, out = sys.argv[1:4]
    profile = tempfile.mkdtemp(prefix="raw-cdp-")
    # The flags of the Playwright script; no sandbox for both, as the benchmark runs as root.
    browser = await asyncio.create_subprocess_exec(
        chromium, "--headless", "--no-sandbox", "--force-color-profile=srgb", "--hide-scrollbars", "--no-first-run",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    while not (line := (await browser.stderr.readline()).decode()).startswith("DevTools listening on "):
        if not line:
            raise SystemExit("raw_cdp: the browser exited before its DevTools endpoint was open")
    # Chromium keeps writing to stderr; a full pipe would stall it.
    drain = asyncio.create_task(browser.stderr.read())
    async with websockets.connect(line.split()[-1], max_size=None) as socket:
        connection = Connection(socket)
        reader = asyncio.create_task(connection.read())
        for number, url in enumerate(open(url_file).read().split(), 1):
            try:
                record = await asyncio.wait_for(capture(connection, number, url, out), CAPTURE_TIMEOUT)
            except Exception as error:
                record = {"url": url, "status": "failed", "error": repr(error)}
            print(json.dumps(record), flush=True)
        await connection.call("Browser.close")
        await reader
    await browser.wait()
    await drain
    shutil.rmtree(profile, ignore_errors=True)


asyncio.run(main())
