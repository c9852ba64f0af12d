#!/usr/bin/env bash
# GPU checks of the training techniques (issue 18). Not part of CI: run it on a CUDA machine,
#   tools/gpu_check.sh [PYTHON]
# It prints one line per check (PASS/FAIL/SKIP) and exits 1 if a check failed; on a machine
# without CUDA it prints "no CUDA: nothing to check" and exits 0.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${1:-${PYTHON:-python}}"
if ! "$python" -c "import torch, mme.runner" 2>/dev/null; then
    echo "FAIL setup: $python cannot import torch and mme.runner (install mme[runner])"
    exit 1
fi
exec "$python" "$here/gpu_check.py"
