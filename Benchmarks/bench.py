#!/usr/bin/env python3
"""Exhibit versus Playwright for Python on the same Chromium, same machine, one run.

First what the web archive costs (the sample thread with and without recording, and the memory
while a 200 MiB response is recorded; BENCH_ONLY=archive stops there). Then the cases: the sample
thread (median of 10 warm captures each), a 20,000 px thread, and the 150,000 px band page. Measured per capture: wall time (process start to exit, browser launch
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


def run_exhibit(url, out, environment=None, extra=()):
    # The fixtures are served on loopback, which the network policy refuses by default.
    wall, rss, stdout = measure([exhibit, "capture", url, "--out", out, "--quiet", "--json", "--allow-private", *extra], environment)
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


def pattern_digest(count):
    """SHA-256 of what the fixture server's /_bytes/<count> sends (byte i is i % 251)."""
    import hashlib
    block = bytes(i % 251 for i in range(251)) * ((1 << 20) // 251)
    digest, left = hashlib.sha256(), count
    while left > 0:
        digest.update(block[:min(left, len(block))])
        left -= min(left, len(block))
    return "sha256:" + digest.hexdigest()


def archive_cost(url, large_url, large_bytes, repeats):
    """What recording the web archive costs: the sample thread with and without it (alternating,
    median of `repeats`), and the exhibit process's peak RSS while a response of `large_bytes` is
    recorded, with whether its record came out whole (payload digest of what the server sent)."""
    work = tempfile.mkdtemp(prefix="exhibit-bench-archive-")
    run_exhibit(url, tempfile.mkdtemp(dir=work))
    walls = {"recording (default)": [], "--no-warc": []}
    for _ in range(repeats):
        for label, extra in (("recording (default)", ()), ("--no-warc", ("--no-warc",))):
            wall, _, _ = run_exhibit(url, tempfile.mkdtemp(dir=work), extra=extra)
            walls[label].append(wall)
    print()
    print(f"web archive cost on the sample thread, median of {repeats} alternating captures (wall s, process start to exit)")
    for label, values in walls.items():
        print(f"  {label:20} {statistics.median(values):6.2f} s   (min {min(values):.2f}, max {max(values):.2f})")
    ratio = statistics.median(walls["recording (default)"]) / statistics.median(walls["--no-warc"])
    print(f"  {'ratio with/without':20} {ratio:6.2f}   (target: at most 1.15)")
    out = tempfile.mkdtemp(dir=work)
    wall, rss, png = run_exhibit(large_url, out)
    folder = os.path.dirname(os.path.dirname(png))
    warcio = os.path.join(os.path.dirname(here), ".venv-webarchive", "bin", "warcio")
    index = subprocess.run([warcio, "index", "-f", "warc-target-uri,warc-payload-digest,warc-truncated",
                            os.path.join(folder, "data", "archive.warc.gz")], capture_output=True, text=True).stdout
    record = next((json.loads(line) for line in index.splitlines()
                   if f"/_bytes/{large_bytes}" in line and "warc-payload-digest" in line
                   and json.loads(line)["warc-payload-digest"] != pattern_digest(0)), {})
    whole = record.get("warc-payload-digest") == pattern_digest(large_bytes) and "warc-truncated" not in record
    print(f"a {large_bytes // (1 << 20)} MiB response recorded: {wall:.2f} s, exhibit peak RSS {rss:.1f} MiB "
          f"(bound: 400 MiB), record {'whole, digest of what the server sent' if whole else 'NOT whole: ' + json.dumps(record)}")
    shutil.rmtree(work, ignore_errors=True)


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
    large = 200 << 20
    archive_cost(base + "/sample-thread/", f"{base}/large-response/?bytes={large}", large, 10)
    if os.environ.get("BENCH_ONLY") == "archive":
        return
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
