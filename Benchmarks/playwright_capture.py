#!/usr/bin/env python3
"""The Playwright side of the benchmark: what a Playwright user writes for a full-page PNG and a PDF,
on the same Chromium binary with the same viewport."""
import sys
from playwright.sync_api import sync_playwright

chromium, url, png, pdf = sys.argv[1:5]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--force-color-profile=srgb", "--hide-scrollbars"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.screenshot(path=png, full_page=True)
    page.pdf(path=pdf, format="A4", print_background=True)
    browser.close()
