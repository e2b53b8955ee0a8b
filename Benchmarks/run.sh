#!/usr/bin/env bash
# Exhibit versus Playwright for Python, same machine, same Chromium, one run:
#   Benchmarks/run.sh        (or: make benchmark)
# Builds exhibit in release mode, installs Playwright, Pillow and websockets from PyPI into a
# virtualenv (.build-bench/venv), serves the fixtures on loopback and prints two tables with ratios:
# single captures (bench.py), then throughput over many posts (throughput.py).
#   BENCH_ONLY=archive      only the web archive's cost, the start of bench.py
#   BENCH_ONLY=throughput   only the throughput part (THROUGHPUT_POSTS=5 for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product exhibit --scratch-path .build-release
swift build -c release --product exhibit-fixtures --scratch-path .build-release
exhibit="$(swift build -c release --scratch-path .build-release --show-bin-path)/exhibit"
venv=.build-bench/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Checked each time: a virtualenv made before the throughput part has no websockets yet.
"$venv/bin/python" -c 'import playwright, PIL, websockets' 2>/dev/null || "$venv/bin/pip" install -q playwright pillow websockets
url_file=$(mktemp)
"$(dirname "$exhibit")/exhibit-fixtures" --root Fixtures >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 1 100); do [ -s "$url_file" ] && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), $(/usr/lib/chromium/chromium --version)"
"$venv/bin/python" -c 'import importlib.metadata as m; print("playwright", m.version("playwright") + ", websockets", m.version("websockets"))'
if [ "${BENCH_ONLY:-}" != throughput ]; then
  "$venv/bin/python" Benchmarks/bench.py "$exhibit" "$(head -n 1 "$url_file")"
fi
if [ "${BENCH_ONLY:-}" != archive ]; then
  "$venv/bin/python" Benchmarks/throughput.py "$exhibit" "$(head -n 1 "$url_file")"
fi
