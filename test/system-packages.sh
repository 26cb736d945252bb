#!/usr/bin/env bash
# Run by `npm test` before the suite (npm's pretest): makes sure the Debian packages the tests
# drive are installed. Missing ones are installed through apt when we can (root, or sudo without a
# password); otherwise it stops with the one command to run. A missing tool fails the run: the
# suite never skips what it cannot find.
set -euo pipefail
cd "$(dirname "$0")/.."

# tool (a command on PATH, or an absolute path) and the Debian package that provides it
REQUIRED=(
  "influxd influxdb"                  # InfluxDB 1.x: the store tests, one influxd per run
  "mosquitto_pub mosquitto-clients"   # publishing as a gate sensor would
  "/usr/sbin/mosquitto mosquitto"     # an external broker: testkit/mosquitto.ts (issue 9)
  "/usr/sbin/nats-server nats-server" # a 3-node NATS cluster with its MQTT listener: testkit/nats.ts (issue 9)
  "/usr/bin/chromium chromium"        # the widget and the docs' live client, headless
  "curl curl"                         # the docs' curl examples, run as written
  "openssl openssl"                   # certificates made at test time (TLS tests)
)

missing=()
for entry in "${REQUIRED[@]}"; do
  read -r tool package <<<"$entry"
  if [[ $tool == /* ]]; then [[ -x $tool ]] || missing+=("$package"); else command -v "$tool" >/dev/null || missing+=("$package"); fi
done

if [[ ! -d node_modules ]]; then
  echo "npm test: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

install="apt-get update && apt-get install -y ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "npm test: missing ${missing[*]} and no apt-get here; install InfluxDB 1.x (influxd), mosquitto_pub, mosquitto, nats-server, Chromium at /usr/bin/chromium, curl and openssl" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
  as=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as=(sudo -n)
else
  echo "npm test: missing system packages; run: sudo sh -c '$install'" >&2
  exit 1
fi

echo "npm test: installing ${missing[*]} through apt (a first run takes a minute)"
export DEBIAN_FRONTEND=noninteractive
"${as[@]}" apt-get update -q
"${as[@]}" apt-get install -y -q "${missing[@]}"

for entry in "${REQUIRED[@]}"; do
  read -r tool package <<<"$entry"
  if [[ $tool == /* ]]; then [[ -x $tool ]] && continue; else command -v "$tool" >/dev/null && continue; fi
  echo "npm test: $tool is still missing after installing $package" >&2
  exit 1
done
