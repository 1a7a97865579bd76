#!/usr/bin/env bash
# How held-out-writer CER moves with the number of training writers, at equal steps.
# Usage: bash scripts/writer_scaling.sh DATA_DIR OUT_DIR [STEPS] [WRITER_COUNTS...]
#   e.g. bash scripts/writer_scaling.sh data/lines-64k runs/writer-scaling 1500 16 30 88
# Each count trains the config $CONFIG (default: lines_writer_scaling) on the first N training
# writers (in the order of the writer rule, so smaller sets are part of larger ones), stages the
# best checkpoint (fitting its confidence temperature) and scores it on the test split (writers
# unseen by every run). Prints one table row per count.
set -euo pipefail
data=${1:?data set folder}
out=${2:?output folder}
steps=${3:-1500}
shift $(( $# >= 3 ? 3 : $# ))
counts=("$@")
[ "${#counts[@]}" -gt 0 ] || counts=(16 30 88)
limit=${EVAL_LIMIT:-1500}
cli=${CLI:-text-recognizer}
mkdir -p "$out"
for count in "${counts[@]}"; do
  run="$out/writers-$count"
  if [ ! -f "$run/results.json" ]; then
    $cli train --config "${CONFIG:-lines_writer_scaling}" --data-dir "$data" \
      --train-writers "$count" --max-steps "$steps" --out "$run" --no-test
  fi
  if [ ! -f "$run/evaluation.json" ]; then
    $cli stage "$run/checkpoints/best.ckpt" --out "$run/staged" --keep --calibration-data "$data"
    $cli evaluate --model "$run/staged" --data "$data" --limit "$limit" --json \
      --out "$run/evaluation.json" > /dev/null
  fi
done
echo "| training writers | steps | held-out test CER | test WER |"
echo "|---|---|---|---|"
for count in "${counts[@]}"; do
  python3 - "$out/writers-$count/evaluation.json" "$count" "$steps" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {sys.argv[3]} | {result['cer']:.2%} | {result['wer']:.2%} |")
PY
done
