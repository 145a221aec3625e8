"""Slices register themselves (entry points ``symsaddle.slices``); the core never imports a slice."""

import ast
import importlib.metadata
import json
import re
from pathlib import Path

import pytest

import symsaddle
from symsaddle.registry import ENTRY_POINT_GROUP, UnknownCaseError, load

PACKAGE = Path(symsaddle.__file__).parent
SLICES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
CORE_MODULES = sorted(PACKAGE.glob("*.py"))


def test_every_declared_slice_loads():
    names = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert {"diagonal", "deep-linear", "ncf"} <= names
    assert load().failures == {}


@pytest.mark.parametrize("module", CORE_MODULES, ids=lambda p: p.name)
def test_the_core_never_imports_a_slice(module):
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = ("." * node.level) + (node.module or "")
            names = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.lstrip(".").split(".")
            inside = name.startswith(".") or parts[0] == "symsaddle"
            first = parts[0] if name.startswith(".") else (parts[1] if len(parts) > 1 else "")
            assert not (inside and first in SLICES), f"{module.name} imports slice module {name}"


#: The seed documents that are a thesis or a report, by the author a user can look them up by.
SOURCE_AUTHORS = {"thesis": ("van de Kerk", "Stoican"), "report": ("Chen, Choi & Scialanga",)}


def names_its_sources(text: str) -> bool:
    """No internal seed label (``seed 003``, ``seed003``); a thesis or report is named by its author."""
    if re.search(r"seed ?00\d", text):
        return False
    return all(any(author in text for author in SOURCE_AUTHORS[kind])
               for kind in SOURCE_AUTHORS if re.search(rf"\b{kind}\b", text))


def test_cases_name_their_model_and_paper():
    registry = load()
    assert registry.cases
    for name, c in registry.cases.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
        assert c.paper and c.topic and c.summary
        assert names_its_sources(f"{c.summary} ({c.paper})"), name


#: A runtime as cases state it: "≈ 20 s", "≈ 2.5 min", "10–15 min", "> 6 min (not measured)".
RUNTIME = re.compile(r"(≈ |< |> )?\d+(\.\d+)?(–\d+(\.\d+)?)? (s|min|h)\b.*")


def test_every_case_declares_its_runtime_and_the_list_shows_it(capsys):
    """Each registered case states its typical runtime (default options, 2-core machine); ``reproduce list``
    prints it on the case's line, and ``--json`` gives it per case."""
    from symsaddle.cli import main

    registry = load()
    for name, c in registry.cases.items():
        assert c.runtime and RUNTIME.fullmatch(c.runtime), (name, c.runtime)
    assert not RUNTIME.fullmatch("about a minute") and not RUNTIME.fullmatch("≈ 20")
    assert main(["reproduce", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "measured on a 2-core machine" in lines[0]
    for name, c in registry.cases.items():
        line = next(line for line in lines if line.startswith(f"  {name} "))
        assert line.split(maxsplit=1)[1].startswith(c.runtime), line
    assert main(["reproduce", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["cases"]
    assert {n: c["runtime"] for n, c in listed.items()} == {n: c.runtime for n, c in registry.cases.items()}


def test_sweep_tasks_and_problems_name_their_sources():
    from symsaddle.sweep import sweep_tasks
    from symsaddle.symmetry.teacher_student import TeacherStudentProblem
    assert not names_its_sources("seed 003 §6.2: one initialisation") and not names_its_sources("report §5.4")
    for name, task in sweep_tasks().items():
        assert names_its_sources(task.summary), name
    assert names_its_sources(TeacherStudentProblem.seed003(5).describe()["name"])


def test_renamed_cases_resolve_and_unknown_names_suggest():
    registry = load()
    assert registry.find_case("diagonal-d7n5").name == "diagonal-saddle-to-saddle-d7n5"
    assert registry.find_case("ncf-origin").name == "ncf-near-origin"
    with pytest.raises(UnknownCaseError, match="did you mean ncf-near-saddle"):
        registry.find_case("ncf-near-sadle")


def test_slices_register_their_commands():
    assert "saddles" in load().commands


@pytest.mark.parametrize("words, message", [
    (["--inits", "0"], "--inits must be an integer ≥ 1; got 0"),
    (["--rate", "0"], "--rate must be a finite number > 0; got 0.0"),
    (["--rate", "nan"], "--rate must be a finite number > 0; got nan"),
    (["--method", "bfgs"], "--method must be one of newton, adam; got 'bfgs'"),
])
def test_case_options_outside_their_range_are_refused(words, message):
    from symsaddle.registry import Case, CaseOption, CaseOptionError
    case = Case("toy", "", "", "", lambda out, progress, **kw: kw, options=(
        CaseOption("inits", int, 10, minimum=1), CaseOption("rate", float, 0.1, minimum=0, strict=True),
        CaseOption("method", str, "newton", choices=("newton", "adam"))))
    assert case.parse_options([]) == {"inits": 10, "rate": 0.1, "method": "newton"}
    with pytest.raises(CaseOptionError, match="case 'toy': " + re.escape(message)):
        case.parse_options(words)


def test_slices_use_only_the_public_api_of_the_core():
    """A slice imports the core through public names (``from .. import Objective``, ``symsaddle.critical``),
    never a private module (``symsaddle._objective``): the core can change its internals freely."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "symsaddle"
    private = []
    for slice_dir in ("diagonal", "deep_linear", "ncf", "symmetry"):
        for path in sorted((package / slice_dir).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                    core = module.split(".")[0] if node.level == 2 else (
                        module.split(".")[1] if module.startswith("symsaddle.") else "")
                    if core.startswith("_"):
                        private.append(f"{path.relative_to(package)}:{node.lineno} imports {module}")
                elif isinstance(node, ast.Import):
                    private += [f"{path.relative_to(package)}:{node.lineno} imports {a.name}" for a in node.names
                                if a.name.startswith("symsaddle._")]
    assert not private, private
