#!/usr/bin/env bash
# Exhibit versus Playwright for Python, same machine, same Chromium, one run:
#   Benchmarks/run.sh        (or: make benchmark)
# Builds exhibit in release mode, installs Playwright and Pillow from PyPI into a virtualenv
# (.build-bench/venv), serves the fixtures on loopback and prints a table with ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product exhibit --scratch-path .build-release
swift build -c release --product exhibit-fixtures --scratch-path .build-release
exhibit="$(swift build -c release --scratch-path .build-release --show-bin-path)/exhibit"
venv=.build-bench/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q playwright pillow
fi
url_file=$(mktemp)
"$(dirname "$exhibit")/exhibit-fixtures" --root Fixtures >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 1 100); do [ -s "$url_file" ] && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), $(/usr/lib/chromium/chromium --version)"
echo "playwright $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))')"
"$venv/bin/python" Benchmarks/bench.py "$exhibit" "$(head -n 1 "$url_file")"
