#!/usr/bin/env bash
# Serves the bundled sample thread on a free loopback port, captures it into Output/ and
# prints the capture folder with its files. Called by `make demo` after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(swift build --show-bin-path)/exhibit"
fixtures="$(swift build --show-bin-path)/exhibit-fixtures"
url_file=$(mktemp)
"$fixtures" --root Fixtures >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT

for _ in $(seq 1 100); do [ -s "$url_file" ] && break; sleep 0.1; done
base=$(head -n 1 "$url_file")
[ -n "$base" ] || { echo "demo: the fixture server did not start" >&2; exit 1; }

echo "demo: fixture server at $base; capturing $base/sample-thread/" >&2
# The sample is served on loopback, which exhibit refuses unless told (--allow-private).
folder=$("$bin" capture "$base/sample-thread/" --out Output --allow-private)

echo
echo "Capture folder: $folder"
(cd "$folder" && find . -type f | sort | while read -r f; do
  printf '  %-28s %10s bytes  sha256 %s\n' "${f#./}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-64)"
done)
echo
echo "The capture report: $folder/report.html (and report.pdf)."
echo "Check the capture at any time, offline: $bin verify $folder"
