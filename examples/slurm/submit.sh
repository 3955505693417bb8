#!/bin/bash
# Submits the evaluation array and the merge job that waits for it.
#
#   examples/slurm/submit.sh PRED_DIR GT_DIR OUT_DIR [SHARDS [segscope evaluate options...]]
#
# SHARDS (default 4) array tasks of evaluate-array.sbatch, then merge.sbatch with
# --dependency=afterany on the array. SEGSCOPE_CPUS (default 2) is each task's --cpus-per-task;
# SEGSCOPE_CLI says how to run the CLI (default: segscope). Prints the two job ids (array first).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PRED_DIR GT_DIR OUT_DIR [SHARDS [evaluate options...]]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$3"
PRED_DIR=$(realpath "$1")
GT_DIR=$(realpath "$2")
OUT_DIR=$(realpath "$3")
SHARDS=${4:-4}
shift $(( $# < 4 ? $# : 4 ))
array=$(sbatch --parsable --array="0-$((SHARDS - 1))" --cpus-per-task="${SEGSCOPE_CPUS:-2}" --chdir="$OUT_DIR" \
  "$here/evaluate-array.sbatch" "$PRED_DIR" "$GT_DIR" "$OUT_DIR" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterany:$array" --chdir="$OUT_DIR" "$here/merge.sbatch" "$PRED_DIR" "$GT_DIR" "$OUT_DIR")
merge=${merge%%;*}
echo "$array $merge"
echo "submitted: array job $array ($SHARDS tasks), merge job $merge -> $OUT_DIR/summary.json" >&2
