#!/usr/bin/env bash
# Starts the enclave from dist/nitro-mpc.eif with nitro-cli run-enclave.
#
#   scripts/run-enclave.sh [--eif FILE] [--cpu-count N] [--memory MiB] [--cid N] [--name NAME] [--debug-mode]
#
# Defaults (override by flags or env): NITRO_MPC_EIF=dist/nitro-mpc.eif, NITRO_MPC_CPUS=2,
# NITRO_MPC_MEMORY_MIB=2048, NITRO_MPC_CID=16, NITRO_MPC_ENCLAVE_NAME=nitro-mpc. The CPUs and memory must fit in
# what /etc/nitro_enclaves/allocator.yaml reserves.
# Exit codes: 0 started, 1 nitro-cli failed, 2 bad arguments or nitro-cli missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
eif="${NITRO_MPC_EIF:-$root/dist/nitro-mpc.eif}"
cpus="${NITRO_MPC_CPUS:-2}"
memory="${NITRO_MPC_MEMORY_MIB:-2048}"
cid="${NITRO_MPC_CID:-16}"
name="${NITRO_MPC_ENCLAVE_NAME:-nitro-mpc}"
debug=0

while (($#)); do
  case "$1" in
    --eif) eif="${2:?--eif needs a file}"; shift 2 ;;
    --cpu-count) cpus="${2:?--cpu-count needs a number}"; shift 2 ;;
    --memory) memory="${2:?--memory needs MiB}"; shift 2 ;;
    --cid) cid="${2:?--cid needs a number}"; shift 2 ;;
    --name) name="${2:?--name needs a name}"; shift 2 ;;
    --debug-mode) debug=1; shift ;;
    *) echo "run-enclave: unknown argument $1" >&2; exit 2 ;;
  esac
done
for value in "$cpus" "$memory" "$cid"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-enclave: $value is not a number" >&2; exit 2; }
done
# CIDs 0-2 are reserved (hypervisor, local, host); the parent is 3.
((cid >= 4)) || { echo "run-enclave: --cid must be 4 or more" >&2; exit 2; }

args=(--eif-path "$eif" --cpu-count "$cpus" --memory "$memory" --enclave-cid "$cid" --enclave-name "$name")
if ((debug)); then
  cat >&2 <<'WARN'
################################################################################
#  WARNING: DEBUG MODE. The parent can read this enclave's console, and its   #
#  attestation documents report PCR0, PCR1 and PCR2 as all zeros. Key         #
#  policies from `nitro-mpc kms policy` refuse it, and parties must too.      #
#  Never send real inputs to a debug enclave.                                 #
################################################################################
WARN
  args+=(--debug-mode)
fi
if ! command -v nitro-cli >/dev/null 2>&1; then
  echo "run-enclave: nitro-cli is missing; on an EC2 instance with Nitro Enclaves enabled:" >&2
  echo "  sudo dnf install -y aws-nitro-enclaves-cli && sudo systemctl enable --now nitro-enclaves-allocator" >&2
  exit 2
fi
[[ -f "$eif" ]] || { echo "run-enclave: $eif not found; build it with scripts/build-eif.sh" >&2; exit 2; }

exec nitro-cli run-enclave "${args[@]}"
