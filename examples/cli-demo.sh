#!/usr/bin/env bash
# The command-line walkthrough (./demo.sh runs the services instead). On the embedded authority: builds the CLI,
# then walks through an authority's life: create it, publish its bundle, mint short-lived JWT-SVIDs for one service calling another, verify them
# (accepted and rejected, with reasons), inspect one, rotate the signing key without breaking tokens in flight,
# and issue and verify an X.509-SVID for mutual TLS.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f cli/target/lanyard.jar || -n "$(find core/src cli/src -newer cli/target/lanyard.jar -print -quit 2>/dev/null)" ]]; then
  echo "== building the lanyard CLI (mvn -q -DskipTests package)"
  mvn -q -B -DskipTests package
fi
lanyard() { java -jar cli/target/lanyard.jar "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "1. An authority for trust domain example.org (keys in $work/authority, mode 0600)"
lanyard authority init --trust-domain example.org --dir "$work/authority"

step "2. Its SPIFFE trust bundle: what every verifier needs"
lanyard authority bundle --dir "$work/authority" | tee "$work/bundle.json"

step "3. orders gets a 5-minute JWT-SVID to call payments, with the one scope it needs"
token=$(lanyard jwt mint --authority "$work/authority" --spiffe-id spiffe://example.org/orders \
  --audience spiffe://example.org/payments --scope "payments:charge" --ttl 5m)
echo "minted a token of ${#token} characters (not printed: tokens are secrets)"

step "4. payments verifies it (exit 0)"
echo "$token" | lanyard jwt verify --trust-domain example.org --bundle "$work/bundle.json" \
  --audience spiffe://example.org/payments

step "5. ledger must not accept a token meant for payments (exit 1, AUDIENCE_MISMATCH)"
set +e
lanyard jwt verify --trust-domain example.org --bundle "$work/bundle.json" \
  --audience spiffe://example.org/ledger --token "$token"
echo "exit code $?"

step "6. A forged token: the payload altered to claim another caller (exit 1, BAD_SIGNATURE)"
IFS=. read -r h p s <<<"$token"
padded="$p$(printf '%*s' $(( (4 - ${#p} % 4) % 4 )) '' | tr ' ' '=')"
forged_payload=$(printf '%s' "$padded" | tr -- '-_' '+/' | base64 -d \
  | sed 's#example.org/orders#example.org/admin#' | base64 -w0 | tr '+/' '-_' | tr -d '=')
lanyard jwt verify --trust-domain example.org --bundle "$work/bundle.json" \
  --audience spiffe://example.org/payments --token "$h.$forged_payload.$s"
echo "exit code $?"

step "7. Garbage is refused as MALFORMED, never with a stack trace"
echo "not-a-token" | lanyard jwt verify --trust-domain example.org --bundle "$work/bundle.json" \
  --audience spiffe://example.org/payments
echo "exit code $?"
set -e

step "8. Inspect decodes without verifying, and says so"
lanyard jwt inspect --token "$token"

step "9. Rotation: prepare the next key (published before it signs), then activate it"
lanyard authority rotate --dir "$work/authority" >/dev/null
lanyard authority rotate --dir "$work/authority" >/dev/null
lanyard authority bundle --dir "$work/authority" > "$work/bundle.json"
echo "bundle now holds $(grep -o '"kid"' "$work/bundle.json" | wc -l) keys: the new active one and the retired one"
echo "the token minted before rotation still verifies:"
lanyard jwt verify --trust-domain example.org --bundle "$work/bundle.json" \
  --audience spiffe://example.org/payments --token "$token"
step "10. orders gets an X.509-SVID for mutual TLS (key.pem is mode 0600)"
lanyard x509 issue --authority "$work/authority" --spiffe-id spiffe://example.org/orders --ttl 1h \
  --out "$work/orders-svid" >/dev/null
ls -l "$work/orders-svid" | sed 1d | awk '{print "  " $1 "  " $NF}'
lanyard x509 inspect --cert "$work/orders-svid/svid.pem" | head -8

step "11. payments verifies the certificate chain against the authority's roots (exit 0)"
lanyard authority bundle --dir "$work/authority" --format pem > "$work/roots.pem"
lanyard x509 verify --trust-domain example.org --bundle "$work/roots.pem" --chain "$work/orders-svid/svid.pem"

step "12. ...and a verifier for another trust domain refuses it (exit 1)"
set +e
lanyard x509 verify --trust-domain other.org --bundle "$work/roots.pem" --chain "$work/orders-svid/svid.pem"
echo "exit code $?"
set -e
printf '\nDemo complete.\n'
