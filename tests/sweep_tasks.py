"""Top-level sweep tasks for the sweep tests (importable by pool workers, Dask workers and
subprocesses: the tests folder is on their path)."""

import os
import time
import uuid

import numpy as np

from symsaddle.sweep import sweepable


@sweepable("test-square", "seed², a normal draw from the seed, optional delay / failure / execution marker")
def square(seed: int, delay: float = 0.0, fail_on: list | None = None, marker_dir: str | None = None) -> dict:
    """seed² and a normal draw from the seed.

    Parameters
    ----------
    seed: the value squared and the random seed
    delay : float
        seconds to sleep
        before computing
    fail_on, marker_dir: seeds that raise; a folder for execution markers
    """
    if marker_dir is not None:                       # one file per execution: counts how often a task ran
        open(os.path.join(marker_dir, f"{seed}-{uuid.uuid4().hex}"), "w").close()
    time.sleep(delay)
    if fail_on and seed in fail_on:
        raise ValueError(f"seed {seed} is refused")
    return {"value": seed**2, "draw": float(np.random.default_rng(seed).normal())}
