#!/usr/bin/env python3
"""Exhibit versus Playwright for Python on the same Chromium, same machine, one run.

Cases: the sample thread (median of 10 warm captures each), a 20,000 px thread, and the
150,000 px band page. Measured per capture: wall time (process start to exit, browser launch
included) and peak RSS of the tool's own processes (Exhibit: the exhibit process; Playwright: the
Python process plus its Node driver), never the browser's. Both write a full-page PNG and a PDF.
The band page's PNG is then checked band by band (pixel at the band's middle row).
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time
from PIL import Image

Image.MAX_IMAGE_PIXELS = None
exhibit, base = sys.argv[1], sys.argv[2]
chromium = "/usr/lib/chromium/chromium"
here = os.path.dirname(os.path.abspath(__file__))


def tree(pid):
    """pid and all its descendants."""
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = open(f"/proc/{parent}/task/{parent}/children").read().split()
        except OSError:
            continue
        for child in map(int, children):
            pids.append(child)
            frontier.append(child)
    return pids


def peak_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def is_browser(pid):
    try:
        return "chromium" in os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return True


def measure(command, environment=None):
    """Wall seconds and peak RSS (MiB) of the non-browser processes of `command`."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    peaks = {}
    while process.poll() is None:
        for pid in tree(process.pid):
            if not is_browser(pid):
                peaks[pid] = max(peaks.get(pid, 0), peak_kib(pid))
        time.sleep(0.02)
    wall = time.monotonic() - start
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{command[:3]} failed: {err.decode()[-500:]}")
    return wall, sum(peaks.values()) / 1024, out.decode()


def run_exhibit(url, out, environment=None):
    # The fixtures are served on loopback, which the network policy refuses by default.
    wall, rss, stdout = measure([exhibit, "capture", url, "--out", out, "--quiet", "--json", "--allow-private"], environment)
    folder = json.loads(stdout)["folder"]
    return wall, rss, os.path.join(folder, "data", "screenshot.png")


def settle_seconds(folder):
    record = json.load(open(os.path.join(folder, "data", "capture.json")))
    return next(step["seconds"] for step in record["steps"] if step["name"] == "settle")


def nudge_comparison(url, repeats):
    """The settle step of the sample thread with and without the 20 ms Runtime.evaluate("0") nudge
    (EXHIBIT_SETTLE_NUDGE=0): the one timer-driven loop Exhibit keeps, kept only while it pays."""
    work = tempfile.mkdtemp(prefix="exhibit-bench-nudge-")
    settles = {"with nudge": [], "without nudge": []}
    for _ in range(repeats):
        for label, value in (("with nudge", "1"), ("without nudge", "0")):
            out = tempfile.mkdtemp(dir=work)
            _, _, stdout = measure([exhibit, "capture", url, "--out", out, "--quiet", "--json", "--allow-private"],
                                   dict(os.environ, EXHIBIT_SETTLE_NUDGE=value))
            settles[label].append(settle_seconds(json.loads(stdout)["folder"]))
    shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"settle step of the sample thread, median of {repeats} alternating captures (capture.json's steps)")
    for label, values in settles.items():
        print(f"  {label:14} {statistics.median(values):6.3f} s   (min {min(values):.3f}, max {max(values):.3f})")
    print(f"  {'ratio with/without':14} {statistics.median(settles['with nudge']) / statistics.median(settles['without nudge']):6.2f}")


def run_playwright(url, out):
    png = os.path.join(out, "playwright.png")
    wall, rss, _ = measure([sys.executable, os.path.join(here, "playwright_capture.py"), chromium, url, png,
                            os.path.join(out, "playwright.pdf")])
    return wall, rss, png


def bands_wrong(png, height):
    image = Image.open(png).convert("RGB")
    if image.size[1] < height:
        return height // 100
    wrong = 0
    for i in range(height // 100):
        expected = ((i * 37) % 256, (i * 91) % 256, (i * 53 + 17) % 256)
        if image.getpixel((640, i * 100 + 80)) != expected:
            wrong += 1
    return wrong


def main():
    work = tempfile.mkdtemp(prefix="exhibit-bench-")
    cases = [("sample thread (median of 10)", base + "/sample-thread/", 10, None),
             ("20,000 px thread", base + "/long-thread/", 1, None),
             ("150,000 px band page", base + "/bands/", 1, 150000)]
    rows = []
    for name, url, repeats, band_height in cases:
        results = {}
        for tool, runner in (("exhibit", run_exhibit), ("playwright", run_playwright)):
            runner(url, tempfile.mkdtemp(dir=work))  # warm-up: page cache, fonts, the tool's own files
            walls, rsss, png = [], [], None
            for _ in range(repeats):
                wall, rss, png = runner(url, tempfile.mkdtemp(dir=work))
                walls.append(wall)
                rsss.append(rss)
            size = Image.open(png).size
            correct = "-" if band_height is None else f"{band_height // 100 - bands_wrong(png, band_height)}/{band_height // 100} bands"
            results[tool] = (statistics.median(walls), max(rsss), f"{size[0]}x{size[1]}", correct)
        rows.append((name, results))
        shutil.rmtree(work, ignore_errors=True)
        work = tempfile.mkdtemp(prefix="exhibit-bench-")
    print(f"{'case':32} {'tool':11} {'wall s':>7} {'peak RSS MiB':>13} {'PNG size':>13}  correct")
    for name, results in rows:
        for tool, (wall, rss, size, correct) in results.items():
            print(f"{name:32} {tool:11} {wall:7.2f} {rss:13.1f} {size:>13}  {correct}")
        e, p = results["exhibit"], results["playwright"]
        print(f"{'':32} {'ratio E/P':11} {e[0] / p[0]:7.2f} {e[1] / p[1]:13.2f}")
    shutil.rmtree(work, ignore_errors=True)
    nudge_comparison(base + "/sample-thread/", 10)


main()
