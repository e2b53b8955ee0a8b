#!/usr/bin/env bash
# Installs what Exhibit needs on Debian 12 and is not there yet: the browser, the three C
# libraries' -dev packages, the independent validators and fonts (so posts render without
# missing glyphs), and the Python validators the tests run. As root it installs; otherwise it
# prints the exact command to run and stops.
set -euo pipefail

apt_packages=(
  chromium                 # the browser Exhibit drives (/usr/lib/chromium/chromium)
  libcurl4-openssl-dev     # HTTP: endpoint discovery, timestamp authorities
  libpng-dev               # reading back and writing PNGs
  libpoppler-glib-dev      # reading and checking PDFs
  zlib1g-dev               # gzip members of the web archive (WARC)
  poppler-utils            # pdfinfo, pdftoppm: independent PDF checks
  pngcheck                 # independent PNG check
  openssl                  # local timestamp authority in tests
  python3-venv             # the virtualenv of the web-archive validators (warcio, wacz, pywb)
  xvfb xdotool             # a display, and a person typing, for the test of session create's browser window
  libxml2-utils            # xmllint: MDTO and PREMIS sidecars checked against their XSDs
  tesseract-ocr            # OCR (with its English data): the replay test reads the post off a screenshot of pywb's replay
  fonts-noto-core fonts-noto-color-emoji fonts-noto-cjk
)
python_packages=(bagit==1.9.0 jsonschema)

missing=()
for package in "${apt_packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install-deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# As root, Exhibit starts Chromium as this unprivileged user, with its sandbox on (never as root
# without one unless --allow-root-browser says so). A system user: no login, no home, no password.
if [ "$(id -u)" -eq 0 ] && ! getent passwd exhibit-browser >/dev/null; then
  echo "install-deps: creating the system user exhibit-browser, which runs the browser when Exhibit runs as root"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "Exhibit capture browser" exhibit-browser
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: the Swift toolchain (6.x) is not on PATH; install it from swift.org and retry" >&2
  exit 1
fi

missing_python=()
python3 -c 'import bagit' 2>/dev/null || missing_python+=("bagit==1.9.0")
python3 -c 'import jsonschema' 2>/dev/null || missing_python+=("jsonschema")
if [ ${#missing_python[@]} -gt 0 ]; then
  echo "install-deps: installing Python validators ${missing_python[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    python3 -m pip install -q --root-user-action=ignore "${missing_python[@]}"
  else
    python3 -m pip install -q --user "${missing_python[@]}"
  fi
fi
: "${python_packages[@]}"

# Python reference tools pin their own dependency versions, which would fight the system
# Python's packages, so each set lives in a virtualenv of its own inside the work tree (ignored by
# git). The tests look for their commands there and skip, saying so, only when it is absent.
# venv NAME PURPOSE PIN...: makes .venv-NAME and installs the pins unless they are all there.
venv() {
  local dir purpose
  dir="$(cd "$(dirname "$0")/.." && pwd)/.venv-$1"
  purpose="$2"
  shift 2
  if [ ! -x "$dir/bin/python" ]; then
    echo "install-deps: creating the virtualenv $dir for $purpose"
    python3 -m venv "$dir"
  fi
  if ! "$dir/bin/python" - "$@" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    if version(name) != wanted:
        sys.exit(1)
PY
  then
    echo "install-deps: installing $* into $dir"
    "$dir/bin/python" -m pip install -q "$@"
  fi
}
# The web-archive validators: warcio, py-wacz, pywb.
venv webarchive "the web-archive validators" warcio==1.8.1 wacz==0.6.0 pywb==2.10.0
# The archival validators: lxml (XSD validation beside xmllint) and fido (Open Preservation
# Foundation's PRONOM identifier, to check the PUIDs Exhibit reads from its files).
venv archival "the archival validators (lxml, fido)" lxml==6.1.3 opf-fido==1.6.1
# PDQ's reference implementation (Meta's C++, through its Python bindings), to check Exhibit's own.
venv pdq "PDQ's reference bindings" pdqhash==0.2.8 numpy==1.26.4 pillow==12.0.0
