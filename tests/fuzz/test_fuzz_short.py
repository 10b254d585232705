"""A short run of the loader fuzzer per target (CI budget): each runs in its own
process, so a crash fails the test instead of killing the test run. The long run is
`python tests/fuzz/fuzz_loaders.py --target <target> --seconds 1800` (see README)."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("atheris", reason="the loader fuzzer needs atheris (`pip install .[test]`)")

SCRIPT = os.path.join(os.path.dirname(__file__), "fuzz_loaders.py")
SECONDS = 3


@pytest.mark.parametrize("target", ["load_model", "load_weights", "model_from_json"])
def test_short_fuzz_run_finds_no_crash(target, tmp_path):
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--target", target, "--seconds", str(SECONDS),
         f"-artifact_prefix={tmp_path}{os.sep}"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"the {target} fuzzer found a crash (input saved under {tmp_path}):\n"
        + output[-6000:])
    assert "Done " in output and "FINDING" not in output, output[-3000:]
