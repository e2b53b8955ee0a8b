#!/usr/bin/env bash
# Makes a throwaway PKI for the timestamp tests with OpenSSL, in the folder given:
#   ca.crt/ca.key            test root
#   tsa-rsa.crt/.key         RSA TSA (SigningCertificateV2, SHA-256)
#   tsa-ec.crt/.key          ECDSA P-256 TSA (legacy SigningCertificate, SHA-1)
#   tsa-ec384.crt/.key       ECDSA P-384 TSA signing with SHA-384
#   (RSA-PSS tokens are made by tsa_server.py from RSA ones: OpenSSL's ts cannot sign with PSS)
#   other-ca.crt, tsa-other  a second root nobody trusts, and a TSA under it
#   openssl-tsa.cnf          `openssl ts -reply` sections tsa_rsa, tsa_ec, tsa_ec384, tsa_other, tsa_short
# `make-pki.sh DIR short SECONDS` adds tsa-short.crt, valid from yesterday until SECONDS from now
# (to prove a token stays valid after its TSA certificate expires).
set -euo pipefail
dir=$1; mode=${2:-all}; mkdir -p "$dir"; cd "$dir"
q() { "$@" >/dev/null 2>&1; }

if [ "$mode" = all ]; then
cat > openssl-tsa.cnf <<'CNF'
HOME = .
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[ tsa ]
default_tsa = tsa_rsa
[ tsa_common ]
[ tsa_rsa ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa-rsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa-rsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ tsa_ec ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa-ec.crt
signer_key = $dir/tsa-ec.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.3
digests = sha256, sha384, sha512
ordering = no
tsa_name = yes
ess_cert_id_alg = sha1
[ tsa_ec384 ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa-ec384.crt
signer_key = $dir/tsa-ec384.key
signer_digest = sha384
default_policy = 1.3.6.1.4.1.99999.1.5
digests = sha256
ess_cert_id_alg = sha256
ess_cert_id_chain = no
[ tsa_other ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa-other.crt
signer_key = $dir/tsa-other.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256
ess_cert_id_alg = sha256
[ tsa_short ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa-short.crt
certs = $dir/ca.crt
signer_key = $dir/tsa-rsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256
ess_cert_id_alg = sha256
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/ca.serial
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
CNF
echo 01 > tsaserial
q openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=Exhibit Test Evidence Root CA/O=Exhibit tests" -config openssl-tsa.cnf -extensions v3_ca
# tsa_cert NAME "SUBJECT" CA KEY-OPTIONS...: a TSA key and a certificate for it (critical timeStamping EKU).
tsa_cert() {
  local name=$1 subject=$2 ca=$3; shift 3
  q openssl req -new "$@" -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" -config openssl-tsa.cnf
  q openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -out "$name.crt" -days 3650 -sha256 \
    -extfile openssl-tsa.cnf -extensions v3_tsa
}
tsa_cert tsa-rsa "/CN=Exhibit Test TSA RSA/O=Exhibit tests" ca -newkey rsa:2048
tsa_cert tsa-ec "/CN=Exhibit Test TSA ECDSA/O=Exhibit tests" ca -newkey ec -pkeyopt ec_paramgen_curve:P-256
tsa_cert tsa-ec384 "/CN=Exhibit Test TSA ECDSA P-384/O=Exhibit tests" ca -newkey ec -pkeyopt ec_paramgen_curve:P-384
q openssl req -x509 -new -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 3650 \
  -subj "/CN=Untrusted Root CA/O=Elsewhere" -config openssl-tsa.cnf -extensions v3_ca
tsa_cert tsa-other "/CN=Untrusted TSA/O=Elsewhere" other-ca -newkey rsa:2048
mkdir -p issued; : > index.txt; echo 1000 > ca.serial
fi

if [ "$mode" = short ]; then
  seconds=${3:-4}
  start=$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)
  end=$(date -u -d "$seconds seconds" +%Y%m%d%H%M%SZ)
  q openssl req -new -key tsa-rsa.key -out tsa-short.csr -subj "/CN=Exhibit Test TSA short-lived/O=Exhibit tests" -config openssl-tsa.cnf
  q openssl ca -batch -config openssl-tsa.cnf -cert ca.crt -keyfile ca.key -startdate "$start" -enddate "$end" \
    -extfile openssl-tsa.cnf -extensions v3_tsa -notext -in tsa-short.csr -out tsa-short.crt
fi
echo "$dir"
