#!/usr/bin/env bash
# The 2022 kit keeps get_datasets.sh here, and its notebooks run it from this folder
# (`cd cs231n/datasets && bash get_datasets.sh`). This copy only hands over to the script in the
# repository root, with the same arguments and environment (CIFAR10_URL, CIFAR10_MD5,
# CS231N_DATASETS_DIR), from whatever folder it is run in.
set -euo pipefail
ROOT_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/get_datasets.sh"
if [ ! -f "$ROOT_SCRIPT" ]; then
    printf 'get_datasets.sh: error: %s not found; run get_datasets.sh from the top folder of the kit\n' "$ROOT_SCRIPT" >&2
    exit 1
fi
exec bash "$ROOT_SCRIPT" "$@"
