#!/usr/bin/env bash
# Builds the enclave image file: reproducible bundle -> docker image (Dockerfile.enclave) -> nitro-cli
# build-enclave -> dist/nitro-mpc.eif, and writes the PCRs parties pin to dist/measurements.json.
#
#   scripts/build-eif.sh [--signing-certificate cert.pem --private-key key.pem] [--tag IMAGE] [--output FILE]
#
# Exit codes: 0 built, 1 a step failed, 2 bad arguments or a missing tool (docker, nitro-cli, node).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="nitro-mpc-enclave:latest"
output="$root/dist/nitro-mpc.eif"
cert=""
key=""

usage() {
  sed -n '5p' "${BASH_SOURCE[0]}" | sed 's/^#  *//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --signing-certificate) cert="${2:?--signing-certificate needs a file}"; shift 2 ;;
    --private-key) key="${2:?--private-key needs a file}"; shift 2 ;;
    --tag) tag="${2:?--tag needs an image name}"; shift 2 ;;
    --output) output="${2:?--output needs a file}"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "build-eif: unknown argument $1" >&2; usage ;;
  esac
done
if [[ -n "$cert" && -z "$key" ]] || [[ -z "$cert" && -n "$key" ]]; then
  echo "build-eif: --signing-certificate and --private-key go together" >&2
  exit 2
fi

missing=()
command -v docker >/dev/null 2>&1 || missing+=("docker (install: sudo dnf install -y docker && sudo systemctl enable --now docker)")
command -v nitro-cli >/dev/null 2>&1 || missing+=("nitro-cli (install: sudo dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel)")
command -v node >/dev/null 2>&1 || missing+=("node (Node.js 20)")
if ((${#missing[@]})); then
  echo "build-eif: cannot build the enclave image on this machine; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "build it on an EC2 instance with Nitro Enclaves enabled (see README.md, \"Run on EC2\")" >&2
  exit 2
fi

cd "$root"
node scripts/bundle.mjs

# Every timestamp that could reach the image comes from the commit, not from the clock.
epoch="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
find dist/enclave -exec touch -h -d "@$epoch" {} +

DOCKER_BUILDKIT=1 docker build \
  --file Dockerfile.enclave \
  --build-arg "SOURCE_DATE_EPOCH=$epoch" \
  --tag "$tag" \
  .

mkdir -p "$(dirname "$output")"
sign_args=()
[[ -n "$cert" ]] && sign_args=(--signing-certificate "$cert" --private-key "$key")
nitro-cli build-enclave --docker-uri "$tag" --output-file "$output" "${sign_args[@]}" > dist/nitro-cli-build.json

# nitro-cli prints {"Measurements": {"HashAlgorithm": ..., "PCR0": ..., "PCR1": ..., "PCR2": ..., "PCR8"?}}.
node - "$output" dist/nitro-cli-build.json dist/measurements.json <<'NODE'
const { readFileSync, writeFileSync } = require('node:fs');
const [eif, buildJson, out] = process.argv.slice(2);
const measurements = JSON.parse(readFileSync(buildJson, 'utf8')).Measurements ?? {};
const result = { eif, hashAlgorithm: measurements.HashAlgorithm };
for (const pcr of ['PCR0', 'PCR1', 'PCR2', 'PCR8']) {
  const value = measurements[pcr];
  if (value === undefined && pcr === 'PCR8') continue;
  if (!/^[0-9a-f]{96}$/.test(value ?? '')) {
    console.error(`build-eif: nitro-cli's output has no valid ${pcr}: ${JSON.stringify(measurements)}`);
    process.exit(1);
  }
  result[pcr] = value;
}
result.bundleSha384 = JSON.parse(readFileSync('dist/enclave/manifest.json', 'utf8')).bundle.sha384;
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
NODE

# A second, independent reading of the image: nitro-mpc's own EIF parser must agree with nitro-cli.
if [[ -f dist/cli.js ]]; then
  node dist/cli.js measure "$output" --json > dist/measure-check.json
  node -e '
    const a = require("./dist/measurements.json"), b = require("./dist/measure-check.json").pcrs;
    const bad = Object.keys(b).filter((k) => a[k] !== b[k]);
    if (bad.length) { console.error("build-eif: nitro-mpc measure disagrees with nitro-cli on " + bad); process.exit(1); }'
fi
echo "build-eif: wrote $output and dist/measurements.json" >&2
