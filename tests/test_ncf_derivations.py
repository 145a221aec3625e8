"""The seed 002 derivation scripts report their claims (CONFIRMED / SEED WRONG); each script is run and
checked by tests/test_derivations.py, this file checks the verdict on the Figure 1 labels."""

import subprocess
import sys
from pathlib import Path

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "derivations").glob("seed002_*.py"))


def test_the_label_claim_is_reported_wrong():
    script = next(s for s in SCRIPTS if s.name == "seed002_d3_labels.py")
    out = subprocess.run([sys.executable, script.name], cwd=script.parent, capture_output=True, text=True).stdout
    assert "SEED WRONG Figure 1 labels" in out
