"""The README speaks the CLI's truth: its two commands, activation names, cases and gallery."""

import re
from pathlib import Path

import numpy as np
import pytest

from symsaddle import ACTIVATIONS
from symsaddle.registry import load

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_two_commands_and_ci_runs_the_test_command():
    block = README.split("## Two commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    install, tests = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert install == 'pip install -e ".[test]" && symsaddle demo'
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines() and 'pip install -e ".[test]" && symsaddle demo' in ci


def test_activation_names_match_the_library():
    listed = README.split("activations (`--activation`):", 1)[1].split("(", 1)[0]
    assert set(re.findall(r"`(\w+)`", listed)) == set(ACTIVATIONS)


def test_every_case_named_in_the_readme_exists():
    from symsaddle.sweep import sweep_tasks
    registered = set(load().cases) | set(load().renamed) | set(sweep_tasks())     # cases and sweep tasks
    named = set(re.findall(r"`((?:diagonal|deep-linear|ncf|symmetry|teacher|closest|digits)-[a-z0-9-]+)`", README))
    prefix = "diagonal-saddle-to-saddle"
    named |= {f"{prefix}{suffix}" for suffix in re.findall(r"`(-d\dn\d)`", README)}
    assert named and named <= registered, named - registered


def test_gallery_images_exist_and_are_small():
    images = re.findall(r"\]\((docs/gallery/[^)]+\.png)\)", README)
    assert len(images) >= 8
    for image in images:
        path = ROOT / image
        assert path.is_file(), image
        assert path.stat().st_size < 250_000, image


@pytest.mark.slow
def test_the_python_example_runs():
    """The README's Python block, pasted as it is, runs (it defines its own data)."""
    block = README.split("## Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)      # our own README, not user input
    assert namespace["k"].P == 5 * 2 + 5


def test_the_saddle_to_saddle_example_runs_and_visits_the_seeds_saddles():
    """The README's chain model → Objective → compile → gradient descent → plateaus → visited
    equilibria / polish → classify runs as pasted, and finds what seed 000 §5.3.1 describes: the
    origin, the saddle fitting coordinate 1 alone by least squares, and the interpolating minimiser."""
    block = README.split("### From a small initialisation", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)      # our own README, not user input
    X, y = namespace["X"], namespace["y"]
    assert [v.kind for v in namespace["visited"]] == ["strict saddle", "strict saddle", "minimiser"]
    v, u = np.split(namespace["saddle"].theta, 2)
    np.testing.assert_allclose(u * v, [X[:, 0] @ y / (X[:, 0] @ X[:, 0]), 0.0], atol=1e-10)
    assert namespace["c"].kind.value == "strict saddle"
    # the iterations printed (and those the text after the block names) are where ‖∇L‖ is smallest with every
    # step recorded, as `symsaddle demo` prints them (its record_every is also 10), not the nearest multiple of 20
    from symsaddle.dynamics import gradient_descent, plateaus_by_prominence
    every_step = gradient_descent(namespace["k"], namespace["theta0"], step=0.01, n_steps=40_000, record_every=1)
    iterations = [int(p.time) for p in plateaus_by_prominence(every_step)]
    assert [int(v.plateau.time) for v in namespace["visited"]] == iterations
    after = README.split("### From a small initialisation", 1)[1].split("```", 2)[2].split("###", 1)[0]
    assert f"the same plateau iterations, {iterations[0]}, {iterations[1]} and {iterations[2]}." in after


def test_the_sweep_specification_example_fits_its_task():
    """The README's TOML specification parses as data and every parameter set binds to the named task."""
    import inspect
    import sys

    if sys.version_info < (3, 11):
        pytest.skip("TOML specifications need Python ≥ 3.11")
    import tomllib

    from symsaddle.sweep import SweepSpec, sweep_tasks
    block = README.split("```toml", 1)[1].split("```", 1)[0]
    spec = SweepSpec.from_mapping(tomllib.loads(block))
    sets = spec.parameter_sets()
    assert len(sets) == 100 and spec.workers == 2
    signature = inspect.signature(sweep_tasks()[spec.task].function)
    for p in sets:
        signature.bind(**spec.fixed, **p)


def test_symmetry_api_snippet_runs():
    """The README's symmetry-slice example executes, and its line agrees with Theorem 3 where decided."""
    code = README.split("### Symmetry-induced critical points", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["sweep"].all_decided_agree
    assert namespace["back"].model == namespace["model"]


@pytest.mark.parametrize("doc", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_python_blocks_in_the_docs_are_python(doc):
    """A block tagged ``python`` in docs/ is at least valid Python (a reference sketch may use names it
    does not define; README's blocks are run in full by the tests above)."""
    import ast
    for block in re.findall(r"```python\n(.*?)```", doc.read_text(), re.S):
        ast.parse(block)
