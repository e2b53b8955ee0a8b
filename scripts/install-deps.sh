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
  poppler-utils            # pdfinfo, pdftoppm: independent PDF checks
  pngcheck                 # independent PNG check
  openssl                  # local timestamp authority in tests
  xvfb xdotool             # a display, and a person typing, for the test of session create's browser window
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
