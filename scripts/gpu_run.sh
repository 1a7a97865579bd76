#!/usr/bin/env bash
# The GPU half of the project in one command (issue 14): on a bare GPU machine with only its
# stock Python stack, in at most 9 minutes, it records the machine, runs the GPU lane (JUnit XML,
# memorization baselines), measures training throughput in every numeric mode, trains the
# default line model for the minutes left on lines the machine's cores rendered meanwhile,
# stages and evaluates it on held-out writers beside the committed model, and writes everything
# into OUT_DIR as at most 8 files (see scripts/gpu_run.py), so the folder comes back whole.
#
#   bash scripts/gpu_run.sh OUT_DIR             # on the GPU machine (python3 = its stock stack)
#   bash scripts/gpu_run.sh --dry-run OUT_DIR   # every part on a CPU, tiny configs, with the
#                                               # packages the GPU machine lacks hidden
#   python -m scripts.gpu_report OUT_DIR --out docs/gpu_report.md     # the report, afterwards
#
# The synthetic generator needs fonts and words there: make the bundle first (make gpu-bundle,
# into .gpu_bundle/, carried to the machine) or point TEXT_RECOGNIZER_GPU_BUNDLE at one.
# Knobs (environment): PYTHON (python3), GPU_RUN_SECONDS (the whole run's limit, 540 s),
# GPU_RUN_SLACK (every limit's multiple: 1, dry run 4, as a shared CPU is slow and erratic) and
# GPU_RUN_REVISION (the git revision to record where the tree was copied without .git).
set -uo pipefail
# The whole script is one block, read before it runs: editing the file mid-run cannot derail it.
{

usage() {
    echo "usage: bash scripts/gpu_run.sh [--dry-run] OUT_DIR" >&2
    exit 2
}
DRY_RUN=0
if [[ ${1:-} == --dry-run ]]; then
    DRY_RUN=1
    shift
fi
[[ $# -eq 1 && $1 != -* ]] || usage
mkdir -p "$1" || exit 2
OUT=$(cd "$1" && pwd)
if [[ -n $(ls -A "$OUT") ]]; then
    echo "gpu_run: $OUT is not empty; give an empty or new folder" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
PYTHON=${PYTHON:-python3}
BUNDLE=${TEXT_RECOGNIZER_GPU_BUNDLE:-$ROOT/.gpu_bundle}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-run.XXXXXX")
LOG=$WORK/run.log
PARTS=$WORK/parts.tsv
START=$(date +%s)
exec > >(tee -a "$LOG") 2>&1

export PYTHONPATH=$ROOT TQDM_DISABLE=1 PYTHONUNBUFFERED=1
export TEXT_RECOGNIZER_FONT_BUNDLE=$BUNDLE/fonts TEXT_RECOGNIZER_WORDS=$BUNDLE/words.txt
CPUS=$(nproc)
SLACK=${GPU_RUN_SLACK:-1}
DRY=()
if ((DRY_RUN)); then
    # The GPU machine's view: only the stock stack importable, no npm font cache.
    eval "$("$PYTHON" -m scripts.stock_stack)"
    export STOCK_STACK_HIDE STOCK_STACK_HIDE_DISTRIBUTIONS
    export PYTHONPATH=$ROOT/scripts/stock_stack_site:$ROOT
    export TEXT_RECOGNIZER_FONT_DIR=$WORK/no-npm-fonts
    # One thread per process: a shared 2-core machine stalls torch's thread pool.
    export OMP_NUM_THREADS=1
    SLACK=${GPU_RUN_SLACK:-4}
    DRY=(--dry-run)
    LINES=40 GEN_WORKERS=1 TRAIN_WORKERS=0 TRAIN_MAX=20 SIZES=(8 8) EVAL_LIMIT=8
    SMALL=(--max-steps 6 --batch-size 4)
    BASE=lines_tiny THROUGHPUT_BUDGET=150 STAGE_LIMIT=120
    cp tests/testing/baselines/memorization.json "$WORK/baseline.json"
    BASELINE=$WORK/baseline.json
    # The GPU tests skip here; one CPU memorization exercises the history and baseline records.
    LANE=(tests/testing/test_gpu_lane.py
        tests/testing/test_memorization.py::test_tiny_line_model_memorizes_four_lines)
else
    # 40,000 lines take 12 workers about 1.5 minutes (2 on a loaded 2-core machine: 40 ms a line).
    LINES=40000 GEN_WORKERS=$((CPUS > 6 ? CPUS - 4 : 2)) TRAIN_WORKERS=$((CPUS > 2 ? CPUS - 1 : 2))
    TRAIN_MAX=300 SIZES=(800 800) EVAL_LIMIT=2000 SMALL=() BASE=lines_default
    THROUGHPUT_BUDGET=100
    STAGE_LIMIT=75
    BASELINE=$ROOT/tests/testing/baselines/memorization.json
    LANE=(-m gpu)
fi

TOTAL=$((${GPU_RUN_SECONDS:-540} * SLACK))

log() { printf '[gpu_run %4ss] %s\n' "$(($(date +%s) - START))" "$*"; }
left() { echo $((START + TOTAL - $(date +%s))); }

skipped() { # NAME REASON: a part that did not run, recorded as status 125
    log "$1: skipped, $2"
    printf '%s\t125\t0\t0\n' "$1" >>"$PARTS"
}

# part NAME LIMIT RESERVE COMMAND...: run COMMAND under `timeout`, its limit (times SLACK) cut so
# that RESERVE seconds (times SLACK) of the whole run stay for the parts after it; record its exit
# status and duration.
part() {
    local name=$1 limit=$(($2 * SLACK)) reserve=$(($3 * SLACK)) began status
    shift 3
    local room=$(($(left) - reserve))
    ((limit > room)) && limit=$room
    if ((limit < 5)); then
        skipped "$name" "no time left"
        return 125
    fi
    log "$name: start (limit ${limit}s): $*"
    began=$(date +%s)
    timeout -k 10 "$limit" "$@"
    status=$?
    printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$(($(date +%s) - began))" "$limit" >>"$PARTS"
    log "$name: exit $status after $(($(date +%s) - began))s"
    return "$status"
}

log "mode: $([[ ${#DRY[@]} -gt 0 ]] && echo 'cpu dry run' || echo gpu); out $OUT; work $WORK; $CPUS cores"
if [[ ! -f $BUNDLE/fonts/fonts.json || ! -f $BUNDLE/words.txt ]]; then
    log "WARNING: no bundle in $BUNDLE (make gpu-bundle): the synthetic parts will fail"
fi

# 1. The machine and the versions it runs.
part environment 60 420 "$PYTHON" -m scripts.gpu_run environment --out "$OUT/run.json" \
    --bundle "$BUNDLE" "${DRY[@]}"

# In the background while the GPU is measured (4 cores left free for it): the lines the timed
# training reads (train split: training writers; val: validation-only writers, for model
# selection and the confidence temperature; test: test-only writers), then the committed model
# on the test split.
(
    began=$(date +%s)
    if part generate 240 250 "$PYTHON" -m text_recognizer data generate --kind lines \
        --n "$LINES" --seed 1 --out "$WORK/lines" --workers "$GEN_WORKERS"; then
        echo $(($(date +%s) - began)) >"$WORK/generate.seconds"
        part evaluate-committed 120 200 "$PYTHON" -m text_recognizer evaluate \
            --model text_recognizer/artifacts/default --data "$WORK/lines" --split test \
            --limit "$EVAL_LIMIT" --json --out "$WORK/committed.json" \
            >/dev/null 2>"$WORK/committed.err" || cat "$WORK/committed.err"
    fi
) &
BACKGROUND=$!

# 2. The GPU lane, JUnit XML; GPU memorization baselines are recorded when none exist yet.
RECORD=0
if ((DRY_RUN)) || ! "$PYTHON" -m scripts.gpu_run has-cuda-baselines "$BASELINE"; then
    RECORD=1
fi
MEMORIZATION_HISTORY=$WORK/history.json MEMORIZATION_BASELINE=$BASELINE \
    MEMORIZATION_RECORD_BASELINE=$RECORD \
    part gpu-lane 170 300 "$PYTHON" -m pytest "${LANE[@]}" -p no:randomly -p no:cacheprovider \
    -q -rA --junitxml="$OUT/gpu_lane.xml"
RECORDED=()
((RECORD)) && RECORDED=(--recorded)
"$PYTHON" -m scripts.gpu_run memorization --out "$OUT/memorization.json" \
    --history "$WORK/history.json" --baseline "$BASELINE" "${RECORDED[@]}"

# 3. Training throughput: every mode, eager rows first; a partial table survives a time-out.
part throughput $((THROUGHPUT_BUDGET + 50)) 240 "$PYTHON" -m scripts.gpu_run throughput \
    --out "$OUT/throughput.json" --budget $((THROUGHPUT_BUDGET * SLACK)) "${DRY[@]}"

# 4. The timed training of the default line model, then staging and evaluation.
log "waiting for the generated lines"
wait "$BACKGROUND"
GEN_SECONDS=$(cat "$WORK/generate.seconds" 2>/dev/null || echo "")
AFTER_TRAINING=$((STAGE_LIMIT + 30))
TRAIN_SECONDS=$(($(left) - (AFTER_TRAINING + 45) * SLACK))
((TRAIN_SECONDS > TRAIN_MAX)) && TRAIN_SECONDS=$TRAIN_MAX
if ((TRAIN_SECONDS >= 10)) && "$PYTHON" -m scripts.gpu_run training-config \
    --out "$WORK/lines_timed.yaml" --base "$BASE" --data "$WORK/lines" \
    --seconds "$TRAIN_SECONDS" --workers "$TRAIN_WORKERS" --throughput "$OUT/throughput.json" \
    --sizes "${SIZES[@]}" "${SMALL[@]}"; then
    # Lightning stops at max_time itself; the limit adds start-up, the last validation, the test.
    part train $((TRAIN_SECONDS + 45)) "$AFTER_TRAINING" "$PYTHON" -m text_recognizer train \
        --config "$WORK/lines_timed.yaml" --out "$WORK/run" --logger csv
else
    skipped train "${TRAIN_SECONDS}s left for it, or no config"
fi
# Staged even when the clock cut the run short: the best checkpoint, else the last one.
CHECKPOINT=$WORK/run/checkpoints/best.ckpt
[[ -f $CHECKPOINT ]] || CHECKPOINT=$WORK/run/checkpoints/last.ckpt
if [[ -f $CHECKPOINT ]]; then
    part stage "$STAGE_LIMIT" 20 "$PYTHON" -m text_recognizer stage "$CHECKPOINT" \
        --out "$WORK/staged" --half --keep --eval-data "$WORK/lines" --eval-limit "$EVAL_LIMIT"
fi
"$PYTHON" -m scripts.gpu_run training-report --out "$OUT/training.json" --run "$WORK/run" \
    --config "$WORK/lines_timed.yaml" --eval-set "$WORK/lines" --staged "$WORK/staged" \
    --committed-eval "$WORK/committed.json" --committed-error "$WORK/committed.err" \
    --committed-card text_recognizer/artifacts/default/model_card.json \
    ${GEN_SECONDS:+--generation-seconds "$GEN_SECONDS"}
if [[ -f $WORK/staged/model.pt ]]; then
    tar -czf "$OUT/staged_model.tar.gz" -C "$WORK" staged
fi

# 5. Parts and timing into run.json, the summary, the log; then the output limits.
log "finishing after $(($(date +%s) - START))s"
"$PYTHON" -m scripts.gpu_run finish "$OUT" --parts "$PARTS" --log "$LOG" --started "$START"
LIMITS=$?
FAILED=$(awk -F'\t' '$2 != 0' "$PARTS" | cut -f1 | paste -sd' ')
rm -rf "$WORK"
if [[ -n $FAILED || $LIMITS -ne 0 ]]; then
    log "done with problems: ${FAILED:-output limits}"
    exit 1
fi
log "done: every part passed"
exit 0
}
