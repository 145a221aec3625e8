import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "regression: compares with a value symsaddle itself produced earlier (guards against change; "
                   "verifies nothing) — kept apart from the verification tests")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)
