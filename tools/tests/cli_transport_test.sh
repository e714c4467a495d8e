#!/bin/sh
# The transport flags: a private-CA TLS endpoint (a CA and a server certificate made here with
# openssl, and a TLS-terminating forwarder in front of the emulator) trusted through
# --ca-bundle/--cacert and the CA variables in their order of precedence; --proxy and
# BUILDABLE_PROXY through tinyproxy; --allow-insecure-http; --verbose tracing without the
# secret. Usage: cli_transport_test.sh BUILDABLE TLS_FORWARDER
set -u
BLD=${1:?usage: cli_transport_test.sh path/to/buildable path/to/tls_forwarder}
FORWARDER=${2:?usage: cli_transport_test.sh path/to/buildable path/to/tls_forwarder}
. "$(dirname "$0")/cli_lib.sh"

for tool in openssl tinyproxy curl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "FAIL: $tool is needed (scripts/install-deps.sh test)" >&2
    exit 1
  }
done

start_emulator
EMULATOR_PORT=${BLD_EVENTS_BASE_URL##*:}

# --- a private CA, a server certificate for 127.0.0.1, and an unrelated CA -----------------
# make_ca NAME: NAME.pem and NAME.key, a self-signed CA.
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=buildable CLI test $1" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.pem" 2>>"$WORK/openssl.log" ||
    { echo "FAIL: openssl could not make a CA" >&2; cat "$WORK/openssl.log" >&2; exit 1; }
}
make_ca ca
make_ca other-ca
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  >"$WORK/server.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>>"$WORK/openssl.log" &&
  openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
    -CAcreateserial -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem" \
    2>>"$WORK/openssl.log" ||
  { echo "FAIL: openssl could not sign the server certificate" >&2; exit 1; }
CA=$WORK/ca.pem
MISSING=$WORK/no-such-ca.pem

"$FORWARDER" "$WORK/server.pem" "$WORK/server.key" "$EMULATOR_PORT" >"$WORK/forwarder.out" 2>&1 &
background $!
wait_for_line "$WORK/forwarder.out" '^port ' ||
  { echo "FAIL: the TLS forwarder did not start: $(cat "$WORK/forwarder.out")" >&2; exit 1; }
HTTPS_URL=https://127.0.0.1:$(sed -n 's/^port //p' "$WORK/forwarder.out")
echo "TLS endpoint at $HTTPS_URL"

# --- trusting the private CA ------------------------------------------------------------------
expect_code 5 "https with a private CA, not trusted" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_err 'certificate' "the TLS failure names the certificate"
expect_code 0 "--ca-bundle" "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" emit tls.ev '{"n":1}'
expect_code 0 "--cacert (curl's name)" "$BLD" emit tls.ev --base-url "$HTTPS_URL" --cacert "$CA"
expect_code 0 "--ca-bundle=FILE" "$BLD" emit tls.ev --base-url "$HTTPS_URL" --ca-bundle="$CA"
expect_code 0 "BUILDABLE_CA_BUNDLE" env BUILDABLE_CA_BUNDLE="$CA" \
  "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 0 "CURL_CA_BUNDLE" env CURL_CA_BUNDLE="$CA" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 0 "SSL_CERT_FILE" env SSL_CERT_FILE="$CA" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
# Precedence: --ca-bundle, BUILDABLE_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE. Each pair puts
# the private CA in the first and a missing file (exit 3 if taken) or an unrelated CA (exit 5)
# in the other.
expect_code 0 "--ca-bundle beats BUILDABLE_CA_BUNDLE" env BUILDABLE_CA_BUNDLE="$MISSING" \
  "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" emit tls.ev
expect_code 5 "--ca-bundle beats BUILDABLE_CA_BUNDLE (the other way)" \
  env BUILDABLE_CA_BUNDLE="$CA" "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$WORK/other-ca.pem" \
  emit tls.ev
expect_code 0 "BUILDABLE_CA_BUNDLE beats CURL_CA_BUNDLE" env BUILDABLE_CA_BUNDLE="$CA" \
  CURL_CA_BUNDLE="$MISSING" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 5 "BUILDABLE_CA_BUNDLE beats CURL_CA_BUNDLE (the other way)" \
  env BUILDABLE_CA_BUNDLE="$WORK/other-ca.pem" CURL_CA_BUNDLE="$CA" \
  "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 0 "CURL_CA_BUNDLE beats SSL_CERT_FILE" env CURL_CA_BUNDLE="$CA" \
  SSL_CERT_FILE="$MISSING" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 0 "an empty CURL_CA_BUNDLE counts as unset" env CURL_CA_BUNDLE= SSL_CERT_FILE="$CA" \
  "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_code 3 "CURL_CA_BUNDLE beats SSL_CERT_FILE (the other way)" env CURL_CA_BUNDLE="$MISSING" \
  SSL_CERT_FILE="$CA" "$BLD" --base-url "$HTTPS_URL" emit tls.ev
expect_err "the CA bundle '$MISSING' (from CURL_CA_BUNDLE) does not exist" "CURL_CA_BUNDLE named"
expect_code 0 "listen over TLS with --ca-bundle" "$BLD" listen tls.ev --base-url "$HTTPS_URL" \
  --ca-bundle "$CA" --since all --count 1 --timeout 10 --poll-interval 100
grep -q '"payload":{"n":1}' "$WORK/out" || fail "listen over TLS printed $(cat "$WORK/out")"

# A gateway in front of the service that answers 403 (not a Buildable error body) refuses the
# key as surely as a 401: exit 4 at once, or 124 with --retry-auth.
"$FORWARDER" "$WORK/server.pem" "$WORK/server.key" "$EMULATOR_PORT" 403 \
  >"$WORK/gateway.out" 2>&1 &
background $!
wait_for_line "$WORK/gateway.out" '^port ' ||
  { echo "FAIL: the 403 gateway did not start: $(cat "$WORK/gateway.out")" >&2; exit 1; }
GATEWAY_URL=https://127.0.0.1:$(sed -n 's/^port //p' "$WORK/gateway.out")
expect_code 4 "listen behind a gateway answering 403" timeout 30 "$BLD" listen tls.ev \
  --base-url "$GATEWAY_URL" --ca-bundle "$CA"
expect_err 'poll error: HTTP 403 from the server or a proxy/gateway' "the 403 is reported"
expect_code 4 "emit behind a gateway answering 403" "$BLD" emit tls.ev --base-url "$GATEWAY_URL" \
  --ca-bundle "$CA"
expect_code 124 "listen --retry-auth behind a gateway answering 403" "$BLD" listen tls.ev \
  --base-url "$GATEWAY_URL" --ca-bundle "$CA" --retry-auth --timeout 1 --poll-interval 100
expect_code 124 "emit --retry-auth behind a gateway answering 403" "$BLD" emit tls.ev \
  --base-url "$GATEWAY_URL" --ca-bundle "$CA" --retry-auth --timeout 1

# --- proxies ----------------------------------------------------------------------------------
# tinyproxy on a free port (it cannot pick one itself): a few random tries.
PROXY_PORT=
for _ in 1 2 3 4 5; do
  port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
  printf 'Port %s\nListen 127.0.0.1\nTimeout 600\nMaxClients 50\nAllow 127.0.0.1\nLogLevel Info\nLogFile "%s"\nDisableViaHeader Yes\n' \
    "$port" "$WORK/tinyproxy.log" >"$WORK/tinyproxy.conf"
  tinyproxy -d -c "$WORK/tinyproxy.conf" >/dev/null 2>&1 &
  pid=$!
  if wait_until 10 sh -c '! kill -0 "$1" 2>/dev/null || [ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$2/")" != 000 ]' \
       sh "$pid" "$port" && kill -0 "$pid" 2>/dev/null; then
    background "$pid"
    PROXY_PORT=$port
    break
  fi
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
[ -n "$PROXY_PORT" ] || { echo "FAIL: tinyproxy did not start" >&2; exit 1; }
PROXY=http://127.0.0.1:$PROXY_PORT
echo "tinyproxy at $PROXY"
HTTPS_HOSTPORT=${HTTPS_URL#https://}

expect_code 0 "--proxy to the TLS endpoint" "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" \
  --proxy "$PROXY" emit tls.proxy '{"n":1}'
grep -q "CONNECT $HTTPS_HOSTPORT" "$WORK/tinyproxy.log" && ok "the emit went through tinyproxy" ||
  fail "tinyproxy saw no CONNECT to $HTTPS_HOSTPORT: $(cat "$WORK/tinyproxy.log")"
expect_code 0 "listen through --proxy" "$BLD" listen tls.proxy --base-url "$HTTPS_URL" \
  --ca-bundle "$CA" --proxy "$PROXY" --since all --count 1 --timeout 10 --poll-interval 100
expect_code 5 "an unreachable --proxy" "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" \
  --proxy http://127.0.0.1:1 emit tls.proxy
expect_code 5 "an unreachable BUILDABLE_PROXY" env BUILDABLE_PROXY=http://127.0.0.1:1 \
  "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" emit tls.proxy
expect_code 0 "--proxy beats BUILDABLE_PROXY" env BUILDABLE_PROXY=http://127.0.0.1:1 \
  "$BLD" --base-url "$HTTPS_URL" --ca-bundle "$CA" --proxy "$PROXY" emit tls.proxy
# Plain http:// (the loopback emulator) never goes through a proxy, which would see the secret
# in clear text, unless --allow-insecure-http says so.
expect_code 0 "plain http to loopback ignores --proxy" "$BLD" --proxy http://127.0.0.1:1 \
  emit tls.proxy
expect_code 0 "plain http to loopback ignores the proxy variables" env \
  http_proxy=http://127.0.0.1:1 ALL_PROXY=http://127.0.0.1:1 BUILDABLE_PROXY=http://127.0.0.1:1 \
  "$BLD" emit tls.proxy
expect_code 5 "with --allow-insecure-http plain http uses --proxy" "$BLD" \
  --proxy http://127.0.0.1:1 --allow-insecure-http emit tls.proxy

# --- --allow-insecure-http: plain http:// to a host that is not loopback ---------------------
# 0.0.0.0 is not a loopback name, yet Linux connects it to this machine: the emulator answers.
expect_code 3 "plain http:// to a non-loopback host" \
  "$BLD" --base-url "http://0.0.0.0:$EMULATOR_PORT" emit tls.insecure
expect_err "plain http:// is only allowed for loopback hosts.*pass --allow-insecure-http" \
  "the error names the flag"
grep -q 'allow_insecure_http\|ClientOptions' "$WORK/err" && fail "SDK names in: $(cat "$WORK/err")"
expect_code 0 "--allow-insecure-http" \
  "$BLD" --base-url "http://0.0.0.0:$EMULATOR_PORT" --allow-insecure-http emit tls.insecure

# --- --verbose: one trace line per request, never the secret (nor a proxy password) ----------
expect_code 0 "--verbose emit through TLS and a proxy" "$BLD" --verbose --base-url "$HTTPS_URL" \
  --ca-bundle "$CA" --proxy "http://user:proxy-pa55word@127.0.0.1:$PROXY_PORT" emit tls.verbose
expect_err '^buildable emit: debug: POST /emit: HTTP 200' "--verbose traces the request"
cat "$WORK/out" "$WORK/err" >"$WORK/verbose.all"
expect_code 0 "--verbose listen" "$BLD" listen tls.verbose --verbose --base-url "$HTTPS_URL" \
  --ca-bundle "$CA" --since all --count 1 --timeout 10 --poll-interval 100
expect_err '^buildable listen: debug: POST /init: HTTP 200' "--verbose traces the claim"
cat "$WORK/out" "$WORK/err" >>"$WORK/verbose.all"
CANARY=sk_test_canary0123456789abcdef0123456789
expect_code 4 "--verbose with a refused secret" "$BLD" --verbose --secret "$CANARY" emit tls.verbose
cat "$WORK/out" "$WORK/err" >>"$WORK/verbose.all"
expect_code 4 "--verbose listen with a refused secret" "$BLD" listen tls.verbose --verbose \
  --secret "$CANARY" --timeout 10
cat "$WORK/out" "$WORK/err" >>"$WORK/verbose.all"
grep -q 'debug: POST' "$WORK/verbose.all" || fail "no trace lines at all"
for secret in "$BUILDABLE_SECRET_KEY" "$CANARY" proxy-pa55word; do
  grep -qF -- "$secret" "$WORK/verbose.all" && fail "--verbose output shows a secret ($secret)"
done
ok "--verbose output holds no secret"

finish
