#!/usr/bin/env bash
# Fuzzes with libFuzzer, SECONDS each (default 60), two targets one after the other:
#   timestamp-fuzz   the RFC 3161 response and query parsers;
#   bag-verify-fuzz  the whole `exhibit verify` of a bag built from the input's files (manifests,
#                    bag-info, capture.json, tokens, signature, report), each input at most 5 s.
#   scripts/fuzz.sh [SECONDS]      (or: make fuzz)
# Seeds: real RSA and ECDSA responses from a throwaway OpenSSL TSA, and the committed corpus of
# framed captures in Fuzz/corpus/bag-verify/ (made with scripts/fuzz-seed.py). Crashes are written
# to .build-fuzz/crashes/; replay one with: swift run timestamp-fuzz|bag-verify-fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
work=.build-fuzz
mkdir -p "$work/corpus" "$work/crashes" "$work/corpus-bag"
cp Fuzz/corpus/bag-verify/* "$work/corpus-bag/"

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

flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
swift build --scratch-path "$work" --product timestamp-fuzz "${flags[@]}"
swift build --scratch-path "$work" --product bag-verify-fuzz "${flags[@]}"
"$work/debug/timestamp-fuzz" -max_total_time="$seconds" -artifact_prefix="$work/crashes/" "$work/corpus"
# -timeout=5: an input whose verify takes longer is reported as a hang (a crash artefact).
"$work/debug/bag-verify-fuzz" -max_total_time="$seconds" -timeout=5 -max_len=200000 -artifact_prefix="$work/crashes/" "$work/corpus-bag"
