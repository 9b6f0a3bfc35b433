#!/usr/bin/env bash
# Regenerates the Python stubs beside the .proto files; with --check, fails if the
# committed stubs differ from what the .proto files generate.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python}
out=.
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
"$python" -m grpc_tools.protoc -I . --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" billsync/v1/*.proto
if [ "$out" != . ]; then
  for f in "$out"/billsync/v1/*; do
    if ! cmp -s "$f" "billsync/v1/$(basename "$f")"; then
      echo "proto stubs are stale: run proto/generate.sh and commit billsync/v1/$(basename "$f")" >&2
      exit 1
    fi
  done
fi
