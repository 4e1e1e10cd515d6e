#!/bin/bash
# mp4kit batch as a Slurm job array (docs/scale-out.md): `sbatch deploy/slurm-array.sh`.
#
# Slurm runs one task per array index and sets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN
# and SLURM_ARRAY_TASK_COUNT; `mp4kit batch --shard auto` makes shard K = TASK_ID - TASK_MIN
# of N = TASK_COUNT (ids must be consecutive: no ":step" in --array). Each task has its own
# records file on shared storage; a requeued task (--requeue, a node failure) resumes its
# shard. Merge afterwards: mp4kit batch --summary "$DATA"/records/shard-*.jsonl
#
#SBATCH --job-name=mp4kit-batch
#SBATCH --array=0-31
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=mp4kit-batch-%A_%a.log
set -u
DATA=${DATA:-/shared/media}
mkdir -p "$DATA/records" "$DATA/out"
# --jobs: the CPUs Slurm gave this task (batch defaults to the CPUs it may use, which is
# the same under Slurm's cgroup affinity).
mp4kit batch --shard auto --resume --jobs "${SLURM_CPUS_PER_TASK:-1}" --timeout 600 --max-memory 2048 \
  --records "$DATA/records/shard-${SLURM_ARRAY_TASK_ID}.jsonl" \
  --files-from "$DATA/list.txt" \
  -- probe --json
rc=$?
# 1 = the shard finished and some inputs failed (recorded): not a task failure.
[ "$rc" -le 1 ] && exit 0 || exit "$rc"
