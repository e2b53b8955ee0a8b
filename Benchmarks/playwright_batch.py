#!/usr/bin/env python3
"""The Playwright side of the throughput benchmark: what a Playwright user writes to capture a list
of posts. One browser kept warm; per post a new context (1280 x 900), goto with networkidle, the
replies counted in the DOM, a full-page PNG and an A4 PDF, SHA-256 of both. CONCURRENCY posts at
once through asyncio. Prints one JSON line per capture, as each finishes.
  playwright_batch.py CHROMIUM URL_FILE OUT_DIR CONCURRENCY
"""
import asyncio, hashlib, json, os, sys, time
from playwright.async_api import async_playwright

# Every fixture's reply element carries data-reply-id (Fixtures/_shared/thread.js, sample-thread).
REPLIES = "[data-reply-id]"


async def capture(browser, line, url, out):
    start = time.monotonic()
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(url, wait_until="networkidle")
        record = {"url": url, "status": "done", "replies": await page.locator(REPLIES).count()}
        files = {"png": await page.screenshot(full_page=True), "pdf": await page.pdf(format="A4", print_background=True)}
    finally:
        await context.close()
    for kind, data in files.items():
        record[kind] = os.path.join(out, f"{line:04}.{kind}")
        with open(record[kind], "wb") as file:
            file.write(data)
        record[f"{kind}_sha256"] = hashlib.sha256(data).hexdigest()
    record["seconds"] = round(time.monotonic() - start, 3)
    return record


async def main():
    chromium, url_file, out, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    slots = asyncio.Semaphore(concurrency)

    async def one(browser, line, url):
        async with slots:
            try:
                record = await capture(browser, line, url, out)
            except Exception as error:
                record = {"url": url, "status": "failed", "error": repr(error)}
        print(json.dumps(record), flush=True)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium,
                                          args=["--no-sandbox", "--force-color-profile=srgb", "--hide-scrollbars"])
        await asyncio.gather(*(one(browser, line, url) for line, url in enumerate(open(url_file).read().split(), 1)))
        await browser.close()


asyncio.run(main())
