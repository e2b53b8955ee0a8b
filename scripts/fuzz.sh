#!/usr/bin/env bash
# Fuzzes the RFC 3161 response parser with libFuzzer for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS]      (or: make fuzz)
# Seeds are real RSA and ECDSA responses from a throwaway OpenSSL TSA. Crashes are written to
# .build-fuzz/crashes/; replay one with: swift run timestamp-fuzz .build-fuzz/crashes/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
work=.build-fuzz
mkdir -p "$work/corpus" "$work/crashes"

pki=$(mktemp -d)
trap 'rm -rf "$pki"' EXIT
Tests/Support/tsa/make-pki.sh "$pki" >/dev/null
for section in tsa_rsa tsa_ec; do
  for n in 1 2 3; do
    printf 'seed %s %s' "$section" "$n" > "$pki/data"
    openssl ts -query -data "$pki/data" -sha256 -cert -out "$pki/q.tsq" 2>/dev/null
    (cd "$pki" && openssl ts -reply -config openssl-tsa.cnf -section "$section" -queryfile q.tsq -out "r.tsr" 2>/dev/null)
    cp "$pki/r.tsr" "$work/corpus/$section-$n.tsr"
    cp "$pki/q.tsq" "$work/corpus/$section-$n.tsq"
  done
done

swift build --scratch-path "$work" --product timestamp-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
"$work/debug/timestamp-fuzz" -max_total_time="$seconds" -artifact_prefix="$work/crashes/" "$work/corpus"
