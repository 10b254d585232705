#!/usr/bin/env bash
# The GPU checks and figures, as one run on a machine with CUDA (the project's lent H200:
# its python3 holds a CUDA torch, numpy, h5py and pytest). Writes logs under ${OUT:-.}.
#   bash benchmarks/run_gpu.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-.}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name())"
timeout 300 python3 -m pytest -p no:cacheprovider tests/gpu 2>&1 | tee "$out/gpu_tests.txt"
cd benchmarks
for policy in float32 mixed_float16; do
  timeout 120 python3 bench_mlp.py --device cuda --policy $policy --repeats 3 --epochs 2 \
    2>&1 | tee "$out/mlp_$policy.txt"
  timeout 120 python3 bench_convnet.py --device cuda --policy $policy --repeats 3 \
    2>&1 | tee "$out/convnet_$policy.txt"
done
