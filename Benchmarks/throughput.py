#!/usr/bin/env python3
"""Throughput: many captures in one run, same machine, same Chromium. The sample thread and the
platform fixtures, cycled into distinct URLs, captured by `exhibit batch` and by a Playwright
script at concurrency 1, 2 and 4, and by a raw DevTools script (raw_cdp.py) at 1, the floor.
Measured per run: captures per minute (wall time from process start to exit, browser launch
included) and the peak RSS (VmHWM) of the tool's own processes, never the browser's. Then every
capture gets the same checks: PNG (pngcheck), PDF (pdfinfo), the SHA-256 the tool reported for
both, and the thread whole (the replies the tool captured against the fixture's full count).
  throughput.py EXHIBIT BASE_URL
THROUGHPUT_POSTS=5 makes a smoke run; THROUGHPUT_TOOLS="playwright raw" runs only those.
"""
import csv, glob, hashlib, json, os, shutil, subprocess, sys, tempfile, time

exhibit, base = sys.argv[1], sys.argv[2]
chromium = "/usr/lib/chromium/chromium"
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(os.path.dirname(here), "Fixtures")
count = int(os.environ.get("THROUGHPUT_POSTS", "100"))
tools = os.environ.get("THROUGHPUT_TOOLS", "raw exhibit playwright").split()
# Folder and profile of each platform fixture (the reddit profile reads both Reddit markups).
# Telegram is left out: its replies are in a widget's frame, out of reach of a count in the page's
# DOM; changing-thread too: its server hands out another version once advanced.
PLATFORMS = {"x": "x", "mastodon": "mastodon", "bluesky": "bluesky", "facebook": "facebook",
             "instagram": "instagram", "linkedin": "linkedin", "youtube": "youtube", "reddit": "reddit",
             "reddit-old": "reddit", "threads": "threads", "tiktok": "tiktok"}


def posts():
    """`count` distinct URLs (exhibit batch captures a URL once; the fixture server ignores ?n=),
    cycling through the fixtures, each with its profile and the number of replies of its whole thread."""
    sample = open(os.path.join(fixtures, "sample-thread", "index.html")).read().count("data-reply-id=")
    thread = len(json.load(open(os.path.join(fixtures, "_shared", "thread-data.json")))["replies"])
    cycle = [("sample-thread", "generic", sample)] + [(folder, profile, thread) for folder, profile in PLATFORMS.items()]
    return [{"url": f"{base}/{folder}/?n={n}", "fixture": folder, "profile": profile, "replies": replies}
            for n, (folder, profile, replies) in enumerate((cycle[i % len(cycle)] for i in range(count)), 1)]


def high_water_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def executable(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def children(pid):
    # Every thread's children: a multi-threaded tool may start its browser from any thread.
    found = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            found += map(int, open(task).read().split())
        except OSError:
            pass
    return found


def measure(command, own):
    """Runs `command`: wall seconds, peak RSS (MiB) of its processes whose executable starts with
    one of `own`, exit status, stdout and stderr. A process that once ran something else is left
    out for good: a child caught between fork and exec looks like the tool, then becomes the browser."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        peaks, foreign = {}, set()
        while True:
            frontier = [process.pid]
            while frontier:
                pid = frontier.pop()
                name = "" if pid in foreign else executable(pid)
                if not name:  # foreign, gone, or a zombie: its peak so far stands
                    continue
                if name.startswith(own):
                    peaks[pid] = max(peaks.get(pid, 0), high_water_kib(pid))
                    frontier += children(pid)
                else:
                    foreign.add(pid)
                    peaks.pop(pid, None)
            try:
                process.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return wall, sum(peaks.values()) / 1024, process.returncode, out.read().decode(), err.read().decode()


def from_bag(line):
    """A line of `exhibit batch --json` in the baselines' terms: the bag's PNG and PDF, their SHA-256
    from its manifest, and the replies captured from its data/post.json."""
    if line["status"] != "done":
        return line
    data = os.path.join(line["folder"], "data")
    manifest = dict(reversed(entry.split(maxsplit=1)) for entry in
                    open(os.path.join(line["folder"], "manifest-sha256.txt")).read().splitlines())
    return {"url": line["url"], "status": "done", "seconds": line["seconds"],
            "png": os.path.join(data, "screenshot.png"), "png_sha256": manifest["data/screenshot.png"],
            "pdf": os.path.join(data, "page.pdf"), "pdf_sha256": manifest["data/page.pdf"],
            "replies": json.load(open(os.path.join(data, "post.json")))["replyCount"]["captured"]}


def file_problems(record):
    """What is wrong with one capture's files: the same checks for every tool."""
    if record is None:
        return ["not captured"]
    if record["status"] != "done":
        return [json.dumps(record)[:300]]
    problems = []
    if subprocess.run(["pngcheck", "-q", record["png"]], capture_output=True).returncode:
        problems.append("PNG invalid")
    if subprocess.run(["pdfinfo", record["pdf"]], capture_output=True).returncode:
        problems.append("PDF invalid")
    for kind in ("png", "pdf"):
        with open(record[kind], "rb") as file:
            if hashlib.file_digest(file, "sha256").hexdigest() != record[f"{kind}_sha256"]:
                problems.append(f"{kind.upper()} SHA-256 differs from the one reported")
    return problems


def command(tool, concurrency, listing, out):
    """The command line of one tool's run, and the names of its own executables (for the RSS)."""
    if tool == "exhibit":
        return [exhibit, "batch", listing, "--out", out, "--concurrency", str(concurrency),
                "--allow-private", "--json", "--quiet"], ("exhibit",)
    if tool == "playwright":
        return [sys.executable, os.path.join(here, "playwright_batch.py"), chromium, listing, out,
                str(concurrency)], ("python", "node")
    return [sys.executable, os.path.join(here, "raw_cdp.py"), chromium, listing, out], ("python",)


class Run:
    """One tool over the whole list at one concurrency, measured, then checked."""

    def __init__(self, tool, concurrency, work, posts):
        self.tool, self.concurrency, self.name = tool, concurrency, f"{tool} at {concurrency}"
        folder = tempfile.mkdtemp(dir=work)
        listing, out = os.path.join(folder, "posts.csv" if tool == "exhibit" else "urls.txt"), os.path.join(folder, "out")
        os.mkdir(out)
        with open(listing, "w", newline="") as file:
            if tool == "exhibit":
                # The platform fixtures are served on 127.0.0.1: their profiles are named, not matched.
                rows = [["url", "profile"]] + [[post["url"], post["profile"]] for post in posts]
                csv.writer(file, lineterminator="\n").writerows(rows)
            else:
                file.write("".join(post["url"] + "\n" for post in posts))
        self.wall, self.rss, status, stdout, stderr = measure(*command(tool, concurrency, listing, out))
        lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
        records = {line["url"]: from_bag(line) if tool == "exhibit" else line for line in lines}
        self.done = sum(record["status"] == "done" for record in records.values())
        self.problems = [f"exit {status}: {(stderr.strip().splitlines() or [''])[-1]}"] if status else []
        self.short, self.seconds, self.replies, self.whole_replies = {}, {}, 0, 0
        for post in posts:
            record = records.get(post["url"])
            found = file_problems(record)
            self.problems += [f"{post['url']}: {problem}" for problem in found]
            if found:
                continue
            self.replies += record["replies"]
            self.whole_replies += post["replies"]
            if record["replies"] != post["replies"]:
                self.short.setdefault((record["replies"], post["replies"]), set()).add(post["fixture"])
            else:
                self.seconds[post["url"]] = record["seconds"]  # each whole, valid capture's own time
        shutil.rmtree(folder, ignore_errors=True)
        self.valid = not self.problems and not self.short  # a post not captured is a problem too

    @property
    def rate(self):
        return self.done / self.wall * 60

    @property
    def shortcoming(self):
        """Why the run does not pass its checks, shortest first: failed files, then missing replies."""
        if self.problems:
            return f"{len(self.problems)} problems, first: {self.problems[0]}"
        return ", ".join(f"incomplete: {got}/{whole} replies ({' '.join(sorted(names))})"
                         for (got, whole), names in sorted(self.short.items()))

    @property
    def checks(self):
        replies = f"replies {self.replies}/{self.whole_replies}"
        if self.valid:
            return f"PNG, PDF, SHA-256 ok, threads whole, {replies}"
        return f"{self.shortcoming}; {replies}"


def ratio(a, b):
    return a / b if b else float("inf")


def verdict(exhibit_run, baseline, meets, figure):
    """PASS, MISS or UNEQUAL: Exhibit's run must pass every check; a baseline that does not (a thread it
    missed replies of) is reported as such and not counted as faster."""
    if not exhibit_run.valid:
        return f"MISS  {figure}; {exhibit_run.name} does not pass its checks: {exhibit_run.shortcoming}"
    if not baseline.valid:
        # Neither met nor missed: the baseline did less work, so the ratio says nothing either way.
        return f"UNEQUAL  {figure}; {baseline.name} did less work ({baseline.shortcoming}): not a comparison"
    return f"{'PASS' if meets else 'MISS'}  {figure}"


def report(runs, posts):
    print(f"{'tool':11} {'at':>2} {'captures/min':>13} {'s/capture':>10} {'done':>8} {'peak RSS MiB':>13}  checks")
    for run in runs.values():
        print(f"{run.tool:11} {run.concurrency:2} {run.rate:13.1f} {run.wall / max(run.done, 1):10.2f} "
              f"{f'{run.done}/{len(posts)}':>8} {run.rss:13.1f}  {run.checks}")
    pairs = [(runs[("exhibit", c)], runs[("playwright", c)]) for c in (1, 2, 4)
             if ("exhibit", c) in runs and ("playwright", c) in runs]
    if pairs:
        print("\nratio of captures per minute, exhibit/playwright at equal concurrency:",
              "  ".join(f"at {e.concurrency}: {ratio(e.rate, p.rate):.2f}" for e, p in pairs))
        best = max((e for e, _ in pairs), key=lambda run: (run.valid, run.rate))
        sequential = runs[("playwright", 1)]
        times = ratio(best.rate, sequential.rate)
        print("target: Exhibit's best concurrency at least 2x Playwright's sequential loop:",
              verdict(best, sequential, times >= 2, f"{times:.2f}x ({best.name})"))
    for e, p in pairs:
        times = ratio(e.rate, p.rate)
        print(f"target: Exhibit ahead of Playwright at {e.concurrency}:", verdict(e, p, times > 1, f"{times:.2f}x"))
    if ("exhibit", 1) in runs and ("raw", 1) in runs:
        e, raw = runs[("exhibit", 1)], runs[("raw", 1)]
        times = ratio(raw.rate, e.rate)  # = Exhibit's seconds per capture over the floor's
        print("target: Exhibit at 1 within 1.25x of the raw floor per capture:",
              verdict(e, raw, times <= 1.25, f"{times:.2f}x the floor's seconds per capture"))
    # Where a baseline misses replies the ratios above compare unequal work; on the posts every run
    # at concurrency 1 captured whole and valid, each capture's own seconds compare like for like.
    sequential = [run for (_, c), run in runs.items() if c == 1]
    alike = [post for post in posts if all(post["url"] in run.seconds for run in sequential)]
    if alike:
        means = "  ".join(f"{run.tool} {sum(run.seconds[post['url']] for post in alike) / len(alike):.2f}" for run in sequential)
        print(f"like for like at 1, the {len(alike)} post(s) every run captured whole "
              f"({' '.join(sorted({post['fixture'] for post in alike}))}), mean seconds per capture: {means}")


def main():
    work = tempfile.mkdtemp(prefix="exhibit-throughput-")
    chosen = posts()
    print(f"\nthroughput: {len(chosen)} posts cycling through sample-thread and {' '.join(PLATFORMS)}, one run each, "
          "wall time from process start to exit")
    order = [(tool, c) for c in (1, 2, 4) for tool in ("raw", "exhibit", "playwright")
             if tool in tools and (tool != "raw" or c == 1)]
    for tool in dict.fromkeys(tool for tool, _ in order):
        Run(tool, 1, work, chosen[:1])  # warm-up: page cache, fonts, the tool's own files
    runs = {(tool, c): Run(tool, c, work, chosen) for tool, c in order}
    report(runs, chosen)
    shutil.rmtree(work, ignore_errors=True)


main()
