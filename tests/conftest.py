import os

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# The suite is deterministic: every property test draws the same examples on every machine and run
# (a red CI must mean a change broke something). To explore new random examples instead:
#     python -m pytest --hypothesis-profile=explore
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=200)
settings.load_profile("deterministic")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "regression: compares with a value symsaddle itself produced earlier (guards against change; "
                   "verifies nothing) — kept apart from the verification tests")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)
