"""Command line: ``symsaddle demo | derive | check | reproduce | sweep`` and the commands slices register.

Every command takes ``--json`` (one JSON object on stdout), ``--out DIR`` (the folder its files go
into — DIR itself, for every command; ``reproduce CASE`` without it writes to ``symsaddle-output/CASE``;
its ``result.json`` lists them in ``files``, as paths relative to DIR), ``--force`` (write into a folder
that already holds files), ``--progress auto|always|never`` (progress bars and "still running" lines on
stderr; auto: when stderr is a terminal) and ``--debug`` (show tracebacks).
``python -m symsaddle`` is the same program.

One error channel: a failure is one line on stderr, ``symsaddle: error: <problem>; <fix>``,
with exit status 2 for bad input (arguments, data files, output paths) and 1 for a
computation that failed or a check that found a discrepancy. Warnings are one line too.
Arguments are parsed as numbers and names only; no user text reaches ``sympify``/``eval``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import sys
import tempfile
import textwrap
import threading
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import CrossCheckError, DivergenceError, SymsaddleError, UnknownActivationError
from .registry import load

DEFAULT_OUT = Path("symsaddle-output")

MODEL_FAMILIES = ("diagonal_linear", "deep_linear", "two_layer", "mlp")

#: JSON longer than this (characters) is written to ``result.json`` and summarised on stdout.
LARGE_JSON = 100_000

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2
#: 128 + SIGPIPE, what a shell reports for a command whose reader closed the pipe.
EXIT_BROKEN_PIPE = 141

#: ``--progress``: when progress bars and heartbeats are shown (auto: stderr is a terminal).
PROGRESS_MODES = ("auto", "always", "never")


class UsageError(SymsaddleError, ValueError):
    """A bad argument or output path; the message names it and the fix."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (raised, so that ``main`` returns 2 instead of exiting)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- argument types: every one names the option's valid range ---------------------------------------

def _integer(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number ≥ {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number ≥ {low}, got {value}")
        return value
    parse.__name__ = f"integer ≥ {low}"
    return parse


def _real(low: float, high: float, why: str = ""):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must lie in [{low:g}, {high:g}]{why}, got {text}")
        return value
    parse.__name__ = "number"
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"timeout must be a positive number of seconds, got {text!r}")
    return value


def _folder(text: str) -> Path:
    """An --out folder path; an empty one is refused (Path('') would silently mean the working directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a folder, got an empty path {text!r}; for the working "
                                         "directory write --out .")
    return Path(text)


def _activation_name(text: str) -> str:
    """An activation's name, in any case (``RELU`` is ``relu``, as in :func:`get_activation`); an unknown one is
    refused listing the names."""
    from ._activations import ACTIVATIONS, get_activation

    try:
        return get_activation(text).name
    except UnknownActivationError:
        raise argparse.ArgumentTypeError(
            f"unknown activation {text!r}; choose one of {', '.join(sorted(ACTIVATIONS))}") from None


def _normalization(text: str):
    if text in ("mean", "sum"):
        return text
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be 'mean', 'sum' or a positive number c, got {text!r}")
    return value


# -- the core commands ------------------------------------------------------------------------------

#: Largest n·P² ``derive`` runs without ``--allow-large``: its symbolic Hessian has P² entries, each a sum over the
#: n samples. Measured with --out (derivation, LaTeX, derivation.tex) on 2 cores: 15–22 s of CPU at n·P² ≈ 10⁴
#: (diagonal_linear --d 50: 15 s; two_layer --width 30: 19 s; deep_linear --widths 10 10 1: 22 s); with n = 1,
#: P ≤ 223.
DERIVE_MAX_HESSIAN_TERMS = 50_000
#: Largest printed size (:func:`symsaddle._display.printed_size`: expression nodes, about 5 characters of LaTeX
#: each) of the symbolic Hessian ``derive`` prints without ``--allow-large``: a deep model's entries grow with its
#: depth, so n·P² alone misjudges it. Measured with --out on 2 cores: mlp --widths 2 4 4 1 (3.2·10⁵ nodes) 10 s of
#: CPU, 2 5 5 1 (8.3·10⁵) 20 s.
DERIVE_MAX_PRINTED_SIZE = 1_000_000
#: The cost the printed-size refusal names.
DERIVE_SIZE_COST = ("about 5 characters of LaTeX a node; 8·10⁵ nodes, mlp --widths 2 5 5 1, take 20 s of CPU to "
                    "derive and print")
#: derive prints at most this many characters on the terminal (L and the gradient when the Hessian is longer);
#: the whole derivation goes to files (derivation.tex, result.json)
DERIVE_MAX_SHOWN = 20_000
#: Largest n·P ``check`` runs without ``--allow-large``: the reference and mpmath.diff sum each compared entry over
#: the n samples in mpmath. Measured 9 s at n = 100 and 54 s at n = 1000 for P = 9 (two_layer, 1 point).
CHECK_MAX_SAMPLE_PARAMETERS = 100_000
#: Largest P ``check`` runs without ``--allow-large``, by how the Hessian is compared (``check.hessian_mode``). Its
#: time grows faster than P whatever n: along lines the exact reference differentiates the loss P times in SymPy
#: and mpmath.diff differentiates P-term sums P times; measured for one point (two_layer --d-in 4, n = 5):
#: 15 s at P = 50, 33 s at 100, 2 min at 200, 5 min at 400. Entry by entry it derives P(P+1)/2 entries: 26 s
#: at P = 24 (2 points), a minute at 50, over an hour at 250. Memory is not what binds first:
#: at P = 500 the P × P arrays (``check.peak_array_bytes``) take 42 MB.
CHECK_MAX_PARAMETERS = {"lines": 500, "full": 100}

#: The model options of derive/check: option → (the families it applies to, its default).
MODEL_OPTIONS: dict[str, tuple[tuple[str, ...], object]] = {
    "d": (("diagonal_linear",), 2),
    "widths": (("deep_linear", "mlp"), [2, 2, 1]),
    "d_in": (("two_layer",), 2),
    "width": (("two_layer",), 3),
    "d_out": (("two_layer",), 1),
    "activation": (("two_layer", "mlp"), "tanh"),
    "bias": (("two_layer", "mlp"), False),
}


def _add_model_args(p: argparse.ArgumentParser, default_n: int, limit: str):
    from ._activations import ACTIVATIONS

    size = _integer(1)

    def applies(name: str) -> str:
        families, default = MODEL_OPTIONS[name]
        return f"{' / '.join(families)} only; default {default}"

    p.add_argument("model", choices=MODEL_FAMILIES,
                   help="model family: diagonal_linear f(x) = ⟨u ⊙ v, x⟩, deep_linear f(x) = W_N ⋯ W_1 x, "
                        "two_layer f(x) = Σ_j a_j σ(w_j·x), mlp (σ after each hidden dense layer)")
    p.add_argument("--d", type=size, help=f"input dimension d (u, v ∈ ℝᵈ); {applies('d')}")
    p.add_argument("--widths", type=size, nargs="+",
                   help=f"layer widths d_0 … d_N (input first); {applies('widths')}")
    p.add_argument("--d-in", type=size, help=f"input dimension; {applies('d_in')}")
    p.add_argument("--width", type=size, help=f"hidden width; {applies('width')}")
    p.add_argument("--d-out", type=size, help=f"output dimension; {applies('d_out')}")
    p.add_argument("--activation", metavar="NAME", type=_activation_name,
                   help=f"one of: {', '.join(sorted(ACTIVATIONS))} (in any case); {applies('activation')}")
    p.add_argument("--bias", action="store_true", default=None, help=f"add biases; {applies('bias')}")
    p.add_argument("--n", type=size, default=default_n, help=f"number of samples (≥ 1; default {default_n})")
    p.add_argument("--loss", default="square", choices=("square", "logistic", "linear"),
                   help="per-sample loss ℓ: square ½‖f − y‖², logistic log(1 + exp(−y f)) (labels ±1), or linear "
                        "y·f (the neural correlation function of Kumar & Haupt 2024); default square")
    p.add_argument("--normalization", default="mean", type=_normalization,
                   help="'mean' (1/n), 'sum', or a positive number c in L = c Σ ℓ; default mean")
    p.add_argument("--allow-large", action="store_true", help=f"run a model above the size limit ({limit})")


def _model_options(args) -> dict:
    """The model options of derive/check, defaults filled in; an option given for another family is bad input,
    not silently ignored."""
    options = {}
    for name, (families, default) in MODEL_OPTIONS.items():
        value = getattr(args, name)
        if value is not None and args.model not in families:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} applies to {' and '.join(families)}, not to {args.model}")
        options[name] = default if value is None else value
    if args.model in ("deep_linear", "mlp") and len(options["widths"]) < 2:
        raise UsageError("--widths needs at least two numbers (input and output width), e.g. --widths 2 3 1")
    return options


def parameter_count(family: str, options: dict) -> int:
    """P of the model ``family`` with ``options``, counted from the block shapes without building its symbols:
    diagonal_linear 2d; deep_linear Σ_k d_k d_{k−1}; two_layer width·d_in (+ width biases) + d_out·width;
    mlp Σ_k d_k d_{k−1} (+ d_k biases)."""
    if family == "diagonal_linear":
        return 2 * options["d"]
    if family == "two_layer":
        width = options["width"]
        return width * options["d_in"] + (width if options["bias"] else 0) + options["d_out"] * width
    widths = options["widths"]
    bias = family == "mlp" and options["bias"]
    return sum(w * v + (w if bias else 0) for v, w in zip(widths, widths[1:]))


def _refuse_large(args, P: int, cost: int, limit: int, what: str, why: str) -> None:
    """Refuse (exit 2) a model whose ``cost`` (``what``, a formula in n and P) exceeds ``limit``, before any symbol,
    array or expression is made, unless ``--allow-large``."""
    from .reports import plural

    if cost > limit and not args.allow_large:
        raise UsageError(f"{args.command} {args.model}: P = {plural(P, 'parameter')} and n = {plural(args.n, 'sample')} "
                         f"give {what} = "
                         f"{cost:.3g}, above the limit of {limit:g} ({why}); use a smaller model or --n, or pass "
                         "--allow-large to run it anyway")


def _refuse_many_parameters(args, P: int, mode: str) -> None:
    """Refuse (exit 2) a ``check`` whose P alone makes it too slow (``CHECK_MAX_PARAMETERS`` of the Hessian
    ``mode``), naming the memory its P × P arrays would take at once, before any symbol, array or expression is
    made, unless ``--allow-large``."""
    from .check import PEAK_SQUARE_ARRAYS, peak_array_bytes
    from .reports import plural

    limit = CHECK_MAX_PARAMETERS[mode]
    if P > limit and not args.allow_large:
        memory = peak_array_bytes(P)
        size = f"{memory / 1e9:.3g} GB" if memory >= 1e9 else f"{memory / 1e6:.3g} MB"
        why = ("the exact reference derives P(P+1)/2 Hessian entries in SymPy: a minute at P = 50, over an hour at "
               "P = 250" if mode == "full" else "the exact reference differentiates the loss P times in SymPy and "
               "mpmath.diff differentiates P-term sums P times: 2 min per point at P = 200, 5 min at P = 400")
        raise UsageError(f"{args.command} {args.model}: P = {plural(P, 'parameter')}, above the limit of {limit} for "
                         f"--hessian {mode} ({why}); it would also hold about {size} of P × P arrays at once "
                         f"({PEAK_SQUARE_ARRAYS} float64 arrays of P² entries: the Hessians at the 7 points of the "
                         "finite difference of D⁴L[u] and their error-free contraction); use a smaller model, or "
                         "pass --allow-large to run it anyway")


def _model(args, options: dict):
    """The model of derive/check with ``options`` (:func:`_model_options`)."""
    from . import models

    if args.model == "diagonal_linear":
        return models.diagonal_linear(options["d"])
    if args.model == "deep_linear":
        return models.deep_linear(options["widths"])
    if args.model == "two_layer":
        return models.two_layer(options["d_in"], options["width"], options["activation"], bias=options["bias"],
                                d_out=options["d_out"])
    return models.mlp(options["widths"], options["activation"], bias=options["bias"])


def _progress(mode: str = "auto") -> bool:
    """Progress bars and heartbeats (on stderr, so also with --json) for ``--progress`` ``mode``: always, never,
    or (auto) when a person watches: stderr is a terminal. Where stderr is not a terminal (a log file, ``nohup``),
    the bars are written as a line every :data:`symsaddle.progress.LOG_INTERVAL` seconds."""
    return mode == "always" or (mode == "auto" and sys.stderr.isatty())


class _Steps:
    """The step a long command is at — a name and, within it, how many of its items are done — announced on
    stderr when it starts and shown in the heartbeat's "still running" lines (:func:`_heartbeat`)."""

    def __init__(self, label: str, progress: bool):
        self.label, self.progress = label, progress
        self.name, self.done, self.total, self.beat = "", 0, None, True

    def start(self, name: str, total: int | None = None, beat: bool = True) -> None:
        """Step ``name`` begins, of ``total`` items; ``beat=False``: one with a progress bar of its own, shown
        in place of the heartbeat's lines."""
        self.name, self.done, self.total, self.beat = name, 0, total, beat
        if self.progress:
            print(f"symsaddle: {self.label}: {self.text()}", file=sys.stderr, flush=True)

    def advance(self, items: int = 1) -> None:
        self.done += items

    def text(self) -> str:
        return self.name + (f" ({self.done}/{self.total})" if self.total is not None else "")


@contextlib.contextmanager
def _heartbeat(label: str, progress: bool, every: float = 15.0):
    """With ``progress``, say that ``label`` started and, every ``every`` seconds, that it is still running and
    at which step (the :class:`_Steps` the block receives; commands without steps ignore it) — for the analyses
    whose inner loops have no progress bar of their own."""
    steps = _Steps(label, progress)
    if not progress:
        yield steps
        return
    started, done = time.monotonic(), threading.Event()

    def beat():
        while not done.wait(every):
            if not steps.beat:
                continue
            elapsed = int(time.monotonic() - started)
            at = f": {steps.text()}" if steps.name else ""
            print(f"symsaddle: {label}: still running ({elapsed // 60} min {elapsed % 60:02d} s){at}",
                  file=sys.stderr, flush=True)

    print(f"symsaddle: {label}: started", file=sys.stderr, flush=True)
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield steps
    finally:
        done.set()
        thread.join()


def cmd_demo(args) -> dict:
    from .demo import run_demo
    return run_demo(args.out, gamma=args.gamma, progress=args.progress)


def cmd_derive(args) -> dict:
    from ._display import printed_size, shared_printing
    from ._objective import Objective
    from .equilibria import DEFAULT_TIMEOUT, solve_equilibria

    if args.timeout is not None and not args.equilibria:
        raise UsageError("--timeout is the budget of --equilibria; give both, or neither")
    options = _model_options(args)
    P = parameter_count(args.model, options)
    _refuse_large(args, P, args.n * P * P, DERIVE_MAX_HESSIAN_TERMS, "a symbolic Hessian of n·P² terms",
                  "each of its P² entries is a sum over the n samples")
    model = _model(args, options)
    with shared_printing(), _heartbeat(f"derive {args.model}, P = {P}", args.progress) as steps:
        steps.start("deriving L and the gradient")
        obj = Objective.symbolic(model, args.n, loss=args.loss, normalization=args.normalization)
        sizes: dict = {}
        size = {"loss": printed_size([obj.expression], sizes), "gradient": printed_size(obj.gradient, sizes)}
        steps.start("deriving the Hessian", total=P)
        size["hessian"] = _derive_hessian(args, obj, steps, sizes)
        steps.start("printing LaTeX", total=1 + P + P * (P + 1) // 2)
        loss, gradient, hessian = _printed(obj, steps)
        text = _derive_text(obj, loss, gradient)
        result = {"objective": obj.describe(), "printed_size": size, "loss": loss, "gradient": gradient,
                  "hessian": hessian}
        report: list[str] = []
        families = ()
        if args.equilibria:
            steps.start("solving ∇L = 0", beat=False)           # its own progress bar
            timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
            families = solve_equilibria(obj, timeout=timeout, progress=args.progress)
            result["equilibria"] = [f.to_dict() for f in families]
            # completeness verdict, time budget and critical points in no family (issue 10, part 3)
            result["equilibria_status"] = families.to_dict()
            report = families.report_lines()
        shown = _derive_shown(text, loss)
        folder = args.out
        if folder is None and shown is not text and not args.json:     # too long for the terminal: to files
            folder = Path(tempfile.mkdtemp(prefix="symsaddle-derive-"))
        if folder is not None:
            _write_derivation(folder, obj, families, report, steps)
    if shown is not text and folder is not None:
        where = (f"{folder / 'derivation.tex'} (every entry also in result.json)" if args.out else
                 f"{folder / 'derivation.tex'}, a new temporary folder (--out DIR writes it, and result.json, "
                 "into DIR)")
        rest = "the Hessian is" if "gradient:" in shown else "the gradient and the Hessian are"
        shown = [*shown, "", f"({rest} too long for the terminal ({sum(map(len, text)):,} characters of LaTeX in "
                             f"all): see {where})"]
    if args.equilibria:
        shown = [*shown, "", "equilibrium families:", *[f"  {line}" for line in families.family_lines()],
                 "", *report]
    result["text"] = "\n".join(shown)
    return result


def _derive_hessian(args, obj, steps: _Steps, sizes: dict) -> int:
    """Derive ``obj``'s Hessian row by row and return its :func:`~symsaddle._display.printed_size`; refuse (exit 2,
    unless ``--allow-large``) as soon as the rows derived so far project it above :data:`DERIVE_MAX_PRINTED_SIZE`:
    their size plus, for each entry p ≤ q not yet derived, the mean size of those derived (checked after every row,
    so a projection that erred low is caught by a later one, at the latest by the exact size after the last row).
    mlp --widths 4 8 8 1: 2·10⁷ nodes projected from the first row, refused after 9 s instead of running for hours."""
    from ._display import printed_size
    from .reports import plural

    P = len(obj.model.parameters)
    upper = P * (P + 1) // 2
    derived = {"size": 0, "entries": 0}

    def row_done(p: int, entries: list) -> None:
        derived["size"] += printed_size(entries, sizes)
        derived["entries"] += len(entries)
        projected = derived["size"] * upper / derived["entries"]
        if projected > DERIVE_MAX_PRINTED_SIZE and not args.allow_large:
            where = ("" if p == P - 1 else ", projected from its first row" if p == 0 else
                     f", projected from its first {p + 1} rows")
            raise UsageError(f"derive {args.model}: P = {plural(P, 'parameter')}, n = {plural(args.n, 'sample')}: the "
                             f"symbolic Hessian would print about {projected:.3g} expression nodes{where}, above the "
                             f"limit of {DERIVE_MAX_PRINTED_SIZE:,} ({DERIVE_SIZE_COST}); use a smaller model or "
                             "--n, or pass --allow-large to run it anyway")
        steps.advance()

    obj.derive_hessian(on_row=row_done)
    return derived["size"] * 2 - printed_size(obj.hessian.diagonal(), sizes)


def _derive_text(obj, loss: str, gradient: list[str]) -> list[str]:
    """The derivation as lines of text: L, each gradient entry, the Hessian as a matrix (entries in LaTeX)."""
    from ._display import latex

    names = [latex(p) for p in obj.model.parameters]
    return [f"L = {loss}", "", "gradient:",
            *[rf"  \frac{{\partial L}}{{\partial {name}}} = {g}" for name, g in zip(names, gradient)],
            "", "Hessian:", f"  H = {latex(obj.hessian)}"]


def _derive_shown(text: list[str], loss: str) -> list[str]:
    """What derive prints on the terminal: ``text`` itself when it has at most :data:`DERIVE_MAX_SHOWN` characters;
    else its first lines — L and the gradient (up to the Hessian), or L alone — as many as fit."""
    if sum(map(len, text)) <= DERIVE_MAX_SHOWN:
        return text
    head = text[:text.index("Hessian:")]
    if sum(map(len, head)) > DERIVE_MAX_SHOWN:
        head = text[:1] if len(text[0]) <= DERIVE_MAX_SHOWN else [f"L: {len(loss):,} characters of LaTeX"]
    return list(head)


def _printed(obj, steps: _Steps) -> tuple[str, list[str], list[list[str]]]:
    """L, the gradient and the Hessian (P × P, each distinct entry printed once) in LaTeX."""
    from ._display import latex

    loss = latex(obj.expression)
    steps.advance()
    gradient = []
    for g in obj.gradient:
        gradient.append(latex(g))
        steps.advance()
    P = len(gradient)
    hessian = [[""] * P for _ in range(P)]
    for p in range(P):
        for q in range(p, P):
            hessian[p][q] = hessian[q][p] = latex(obj.hessian[p, q])
            steps.advance()
    return loss, gradient, hessian


def _write_derivation(out: Path, obj, families, report: Sequence[str], steps: _Steps) -> None:
    """``derivation.tex``, a fragment for a paper's ``\\input`` (no preamble; its first line names the
    packages), and ``derivation_document.tex``, the same in a document that compiles with pdflatex: L, each
    gradient entry, each Hessian entry ∂²L/∂θ_p∂θ_q (p ≤ q) and each equilibrium family as its own ``align*``,
    long ones broken into rows that fit the page (:mod:`symsaddle._display`); the completeness report as
    comments. ``steps`` counts the displays."""
    from ._display import document, equation, fragment_header, latex

    names = [latex(p) for p in obj.model.parameters]
    P = len(names)
    steps.start("breaking the formulas into rows", total=1 + P + P * (P + 1) // 2 + len(families))

    def shown(display: str) -> str:
        steps.advance()
        return display

    displays = ["% the loss", shown(equation("L", obj.expression)), "% the gradient"]
    displays += [shown(equation(rf"\frac{{\partial L}}{{\partial {name}}}", g))
                 for name, g in zip(names, obj.gradient)]
    displays.append("% the Hessian, entries ∂²L/∂θ_p∂θ_q with p ≤ q (it is symmetric)")
    for p, q in itertools.combinations_with_replacement(range(P), 2):
        by = rf"\partial {{{names[p]}}}^{{2}}" if p == q else rf"\partial {names[p]}\, \partial {names[q]}"
        displays.append(shown(equation(rf"\frac{{\partial^{{2}} L}}{{{by}}}", obj.hessian[p, q])))
    for k, family in enumerate(families):
        displays += [f"% equilibrium family {k}", shown(family.display())]
    body = "\n".join(displays) + "\n" + "".join(f"% {line}\n" for line in report)
    (out / "derivation.tex").write_text(fragment_header("derivation") + "\n" + body)
    (out / "derivation_document.tex").write_text(document(body, "Derivation"))


def cmd_check(args) -> dict:
    import numpy as np

    from ._objective import Objective
    from .check import cross_check, hessian_mode
    from .reports import plural

    options = _model_options(args)
    P = parameter_count(args.model, options)
    _refuse_large(args, P, args.n * P, CHECK_MAX_SAMPLE_PARAMETERS, "n·P",
                  "every reference derivative is summed over the n samples in mpmath: n = 1000 at P = 9 takes a "
                  "minute")
    _refuse_many_parameters(args, P, hessian_mode(args.hessian, P))
    model = _model(args, options)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.n, model.d_in))
    y = rng.normal(size=(args.n, model.d_out))
    if args.loss == "logistic":
        y = np.sign(y)
    obj = Objective(model, X, y, loss=args.loss, normalization=args.normalization)
    points = rng.normal(size=(args.points, P))
    how = (f"the exact reference differentiates the loss P(P+1)/2 = {P * (P + 1) // 2} times in SymPy: minutes "
           f"from P ≈ 40 on" if hessian_mode(args.hessian, P) == "full"
           else f"the Hessian along {plural(args.lines, 'line')}")
    with _heartbeat(f"check {args.model}, P = {P} ({how})", args.progress):
        report = cross_check(obj, points, seed=args.seed, raise_on_failure=False, hessian=args.hessian,
                             lines=args.lines)
    result = report.to_dict()
    if args.out:
        (args.out / "check.md").write_text(report.table() + "\n")
    verdict = (f"all checks passed at {plural(args.points, 'point')}" if report.passed
               else "CHECK FAILED: two evaluations disagree beyond tolerance (rows marked above)")
    result["text"] = f"{report.objective}: reference = {report.reference}\n{report.table()}\n{verdict}"
    if not report.passed:
        result["error"] = "the cross-check found a discrepancy (see the table); rerun with --json for the numbers"
    return result


def cmd_reproduce(args) -> dict:
    from .reproduce import cases

    registry = load()
    if args.case is None or args.case == "list":
        return _case_list(cases())
    found = registry.find_case(args.case)
    if found.name != args.case:
        print(f"symsaddle: note: case {args.case!r} is now called {found.name!r}", file=sys.stderr)
    if args.quick and found.quick is None:
        raise UsageError(f"case {found.name!r} has no --quick mode; run it without --quick")
    options = found.parse_options(args.case_options)
    out = _prepare_out(args.out if args.out is not None else _reproduce_out(found.name), args.force,
                       given=args.out is not None)
    with _heartbeat(f"reproduce {found.name}", args.progress):
        result = found(out, args.progress, quick=args.quick, **options)
    return {"case": found.name, "paper": found.paper, **({"quick": found.quick} if args.quick else {}),
            **result, "_out": out}


def cmd_sweep(args) -> dict:
    """Run (or resume) the sweep of a JSON/TOML specification naming a registered task (``symsaddle.sweep``)."""
    from ._sweep_exec import parse_scheduler_address
    from ._sweep_store import JSONL_ONLY, MANIFEST_NAME
    from .reports import plural
    from .sweep import SweepSpec, sweep_tasks

    if args.list or args.describe is not None:
        return _task_list(sweep_tasks(), args.describe)
    if args.spec is None:
        raise UsageError("symsaddle sweep needs a specification file (.json or .toml), or --list, or --describe TASK")
    if args.scheduler is not None:
        try:
            parse_scheduler_address(args.scheduler)
        except SymsaddleError as exc:
            raise UsageError(f"--scheduler {exc}") from None
    spec = SweepSpec.from_file(args.spec)
    if args.out is None and spec.out is None:
        raise UsageError("say where the results go: --out DIR, or \"out\" in the specification")
    out = args.out if args.out is not None else Path(spec.out)
    spec.check(max_tasks=args.max_tasks)

    def announce(tasks: int, to_run: int) -> None:
        print(f"symsaddle: sweep {spec.task}: {plural(tasks, 'task')} ({spec.axes_text()}), {to_run} to run",
              file=sys.stderr, flush=True)

    # a sweep folder (its manifest there) is append-only: resuming it overwrites nothing, and run_sweep refuses
    # another sweep's; any other folder that holds files is refused without --force, as for every command
    _prepare_out(out, force=args.force or (out / MANIFEST_NAME).is_file())
    res = spec.run(out=out, scheduler=args.scheduler, workers=args.workers,
                   retry_failed=args.retry_failed or None, progress=args.progress, on_start=announce)
    result = res.to_dict()
    result["text"] = (f"sweep {res.task}: {plural(len(res.records), 'task')}, {res.ran} run now, "
                      f"{res.skipped} already done, {len(res.failed)} failed ({res.status.value})\n"
                      f"results: {res.table} (one row per task, scalar cells: nested results as columns "
                      f"such as bound.M, long lists named in its column {JSONL_ONLY}) and {res.log} (every "
                      "result in full)")
    if res.failed:
        result["error"] = (f"{len(res.failed)} of {plural(len(res.records), 'sweep task')} failed; "
                           f"their errors are in {res.table} "
                           "(rerun with --retry-failed after fixing the cause)")
    return result


def _task_list(tasks: dict, describe: str | None) -> dict:
    """The sweep tasks (or the one named ``describe``), each with its parameters: type, default, meaning."""
    if describe is not None:
        if describe not in tasks:
            raise UsageError(f"unknown sweep task {describe!r}; registered: {', '.join(tasks) or 'none'}")
        tasks = {describe: tasks[describe]}
    longest_default = None if describe is not None else 60       # --describe TASK: every default in full
    lines = []
    for name, task in tasks.items():
        lines += [*([""] if lines else []), textwrap.fill(f"{name}: {task.summary}", width=110, subsequent_indent="  "),
                  "  parameters (give them under [grid] or [fixed] of the specification):"]
        lines += [textwrap.fill(p.line(longest_default), width=110, initial_indent="    ", subsequent_indent="      ",
                                break_on_hyphens=False) for p in task.parameters]
    if describe is None and lines:
        lines += ["", "'symsaddle sweep --describe TASK' shows one task with every default in full"]
    return {"tasks": {n: {"summary": t.summary, "parameters": [p.to_dict() for p in t.parameters]}
                      for n, t in tasks.items()},
            "text": "\n".join(lines) or "(no sweep tasks)"}


def _case_list(registry) -> dict:
    """The cases grouped by topic and paper: name, typical runtime, summary, quick mode and options."""
    from .registry import RUNTIME_MACHINE

    runtime_width = max((len(c.runtime_text) for c in registry.values()), default=0)
    indent = 2 + 32 + 1 + runtime_width + 2
    lines, group = [f"case name, typical runtime ({RUNTIME_MACHINE}), what it recomputes"] if registry else [], None
    for name, c in sorted(registry.items(), key=lambda item: (item[1].topic, item[1].paper, item[0])):
        if (c.topic, c.paper) != group:
            group = (c.topic, c.paper)
            lines += ["", textwrap.fill(f"{c.topic} — {c.paper}", width=110, subsequent_indent="  ")]
        text = (c.summary + (f" [--quick: {c.quick}]" if c.quick else "")
                + (f" [options: {', '.join(f'{o.flag} {o.type.__name__.upper()}' for o in c.options)}]"
                   if c.options else ""))
        lines.append(textwrap.fill(text, width=110, initial_indent=f"  {name:32s} {c.runtime_text:{runtime_width}s}  ",
                                   subsequent_indent=" " * indent, break_on_hyphens=False))
    renamed = load().renamed
    if renamed:
        lines += ["", textwrap.fill("former names still accepted: " + ", ".join(
            f"{o} → {n}" for o, n in sorted(renamed.items())), width=110, subsequent_indent="  ",
            break_on_hyphens=False)]
    return {"cases": {n: {"summary": c.summary, "paper": c.paper, "topic": c.topic, "runtime": c.runtime,
                          "quick": c.quick} for n, c in registry.items()},
            "runtimes": RUNTIME_MACHINE,
            "text": "\n".join(lines) or "(no cases registered)"}


# -- output folder, emission ----------------------------------------------------------------------

def _prepare_out(path: Path, force: bool, given: bool = True) -> Path:
    """One rule for every command: an existing file is refused; a folder that already holds
    files is refused unless ``--force`` (then files of the same name are replaced). ``given``: the user named
    the folder with ``--out`` (else it is the command's default, and the messages say so)."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UsageError(f"--out {existing} is an existing file, not a folder; give a folder path" if given else
                         f"the output folder {path} cannot be created: {existing} is an existing file (use --out DIR)")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise UsageError(f"--out folder {path} already holds files; pass --force to overwrite them, "
                         "or choose another folder with --out" if given else
                         f"the output folder {path} already holds files (use --force or --out DIR)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the --out folder {path}: {exc.strerror or exc}; "
                         "choose a writable folder with --out") from None
    return path


def _emit(args, result: dict, out: Path | None, started: float):
    from .reports import dumps, plural, summarise_json, write_json

    data = {k: v for k, v in result.items() if k not in ("text", "_out", "error")}
    if out is not None:
        written = {p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.is_file() and p.stat().st_mtime >= started - 1}
        full = out / "result.json"
        data["files"] = sorted(written | {full.name})        # relative to the folder of result.json
        write_json(data, full)
    if args.json:
        text = dumps(data)
        if len(text) > LARGE_JSON:
            if out is None:                  # no --out: the full result goes to a new temporary folder
                full = Path(tempfile.mkdtemp(prefix=f"symsaddle-{args.command}-")) / "result.json"
                write_json(data, full)
            text = dumps(summarise_json(data, full, LARGE_JSON // 10))
        print(text)
    else:
        print(result.get("text") or dumps(data))
        if out is not None:
            print(f"\nwrote {plural(len(data['files']), 'file')} to {out.resolve()} (result.json holds every number)")


# -- the parser -----------------------------------------------------------------------------------

def _add_progress(p: argparse.ArgumentParser, default: str):
    """``--progress``: after the command name like the other common options, or before it (``default``
    ``argparse.SUPPRESS`` in a command's parser, so that it keeps a value given before the command)."""
    from .progress import LOG_INTERVAL

    p.add_argument("--progress", choices=PROGRESS_MODES, default=default, metavar="WHEN",
                   help="progress bars and 'still running' lines on stderr: auto (when stderr is a terminal; the "
                        "default), always (also into a log file or pipe, e.g. under nohup: there a line every "
                        f"{LOG_INTERVAL:g} s), never")


def _add_common(p: argparse.ArgumentParser, default_out: str | None, default_label: str | None = None,
                out_help: str | None = None):
    """``--json``, ``--out``, ``--force``, ``--progress``, ``--debug``. ``--out DIR`` is the folder the files go
    into, for every command; ``default_out`` is the folder when it is not given, or ``default_label`` describes
    one the command chooses itself (``reproduce``: named after the case); ``out_help`` replaces the help of
    ``--out`` where the command treats it otherwise (``sweep``: required)."""
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    default_label = default_label or default_out
    if default_out:                      # main puts it in args.out when --out is not given
        p.set_defaults(default_out=Path(default_out))
    p.add_argument("--out", type=_folder, default=None, metavar="DIR",
                   help=out_help or "the folder the tables, JSON and figures are written into"
                        + (f" (default {default_label})" if default_label else
                           " (without it nothing is written to disk, except that --json output too large for "
                           "stdout is saved in a new temporary folder)"))
    p.add_argument("--force", action="store_true", help="write into an --out folder that already holds files")
    _add_progress(p, argparse.SUPPRESS)
    p.add_argument("--debug", action="store_true", help="show the Python traceback of an error")


def _reproduce_out(case: str) -> Path:
    """Where ``reproduce CASE`` writes when ``--out`` is not given."""
    return DEFAULT_OUT / case


def _add_reproduce_options(p: argparse.ArgumentParser, case: str = "CASE"):
    """The options every reproduction case takes."""
    p.add_argument("--quick", action="store_true", help="a reduced run, where the case offers one (see list)")
    _add_common(p, None, default_label=str(_reproduce_out(case)))


class _ReproduceHelp(argparse.Action):
    """``reproduce --help``; after a case name (``reproduce teacher-student --help``) it lists that case's own
    options — their help, allowed values and defaults (:meth:`Case.parser`) — after the common ones."""

    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        name = getattr(namespace, "case", None)
        if name in (None, "list"):
            parser.print_help()
        else:
            found = load().find_case(name)
            common = argparse.ArgumentParser(add_help=False)
            _add_reproduce_options(common, found.name)
            found.parser([common]).print_help()
        parser.exit()


CORE_COMMANDS = ("demo", "derive", "check", "reproduce", "sweep")


def build_parser() -> argparse.ArgumentParser:
    from .check import DEFAULT_LINE_DIRECTIONS, FULL_HESSIAN_MAX_PARAMETERS, HESSIAN_MODES
    from .demo import GAMMA_RANGE              # here, not at the top: `symsaddle --version` imports neither
    from .equilibria import DEFAULT_TIMEOUT    # SymPy nor NumPy (see main)
    from .sweep import DEFAULT_MAX_TASKS

    parser = _Parser(prog="symsaddle",
                     description="Critical points and saddle-to-saddle dynamics of neural-network losses: derive "
                                 "and check derivatives, find the saddles of a diagonal linear network on your "
                                 "data, reproduce published experiments.",
                     epilog="Exit status: 0 success, 1 a computation failed, 2 bad input. With --out DIR, "
                            "DIR/result.json holds every number and lists the files written in 'files', as paths "
                            "relative to DIR (the folder can be moved). 'symsaddle COMMAND --help' describes each "
                            "command.")
    parser.add_argument("--version", action="version", version=f"symsaddle {__version__}")
    _add_progress(parser, "auto")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="built-in example: closed-form equilibria and a saddle-to-saddle trajectory "
                                    "of a diagonal linear network, with a table and a figure")
    _add_common(p, str(DEFAULT_OUT / "demo"))
    p.add_argument("--gamma", type=_real(*GAMMA_RANGE, " (small initialisation: the saddle-to-saddle regime)"),
                   default=1e-10, help=f"initialisation scale γ (the weights start at v = 0, u = √2·γ), in "
                                       f"[{GAMMA_RANGE[0]:g}, {GAMMA_RANGE[1]:g}] (default "
                                       "1e-10; below, float64 gradient descent underflows: see "
                                       "reproduce diagonal-saddle-to-saddle-d7n5 for γ = 1e-100)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("derive", help="symbolic loss, gradient, Hessian (and, with --equilibria, the critical "
                                      "points) of a small model, as LaTeX")
    _add_model_args(p, default_n=1, limit=f"n·P² ≤ {DERIVE_MAX_HESSIAN_TERMS} and a Hessian of at most "
                                          f"{DERIVE_MAX_PRINTED_SIZE:,} expression nodes (LaTeX: ≈ 5 characters a "
                                          "node): the symbolic Hessian has P² entries, each a sum over n samples, "
                                          "and a deep model's entries grow with its depth; n·P² ≈ 10⁴ takes 15–25 s "
                                          "of CPU, mlp --widths 2 5 5 1 (8·10⁵ nodes) 20 s")
    p.add_argument("--equilibria", action="store_true",
                   help="solve ∇L = 0 for the critical points, and give the eigenvalues of the gradient-flow "
                        "Jacobian −∇²L on each family of them")
    p.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                   help=f"time budget of the symbolic solve of --equilibria (default {DEFAULT_TIMEOUT:g}); when it runs out, "
                        "the families found so far and a numerical critical-point search are reported")
    _add_common(p, None)
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("check", help="cross-check a model's loss derivatives on random data: exact (SymPy), the "
                                     "NumPy kernels, high-precision mpmath and finite differences")
    _add_model_args(p, default_n=5, limit=f"n·P ≤ {CHECK_MAX_SAMPLE_PARAMETERS}: each compared entry is summed "
                                          "over the n samples in mpmath; n = 1000 at P = 9 takes a minute; and "
                                          f"P ≤ {CHECK_MAX_PARAMETERS['lines']} ({CHECK_MAX_PARAMETERS['full']} with "
                                          "--hessian full): 5 min per point at P = 400")
    p.add_argument("--points", type=_integer(1), default=2,
                   help="number of random parameter vectors θ at which the derivatives are compared (≥ 1; default 2)")
    p.add_argument("--seed", type=_integer(0), default=0,
                   help="random seed of the data, of θ and of the line directions (default 0)")
    p.add_argument("--hessian", choices=HESSIAN_MODES, default="auto",
                   help="how the Hessian is compared: 'full' every entry (P(P+1)/2 symbolic derivatives: a minute "
                        "at P = 50, over an hour at P = 250), 'lines' the entries u_iᵀ∇²L u_j of --lines fixed dense unit directions "
                        "(minutes at P in the hundreds; a wrong entry H_ab shifts every u_iᵀ∇²L u_j by ≥ |δH_ab|/(4P), "
                        "seen when above their rounding allowance), 'auto' full for "
                        f"P ≤ {FULL_HESSIAN_MAX_PARAMETERS}, else lines (default auto)")
    p.add_argument("--lines", type=_integer(1), default=DEFAULT_LINE_DIRECTIONS,
                   help=f"number k of line directions of --hessian lines: k(k+1)/2 compared entries per point "
                        f"(≥ 1; default {DEFAULT_LINE_DIRECTIONS})")
    _add_common(p, None)
    p.set_defaults(func=cmd_check)

    about = ("rerun a paper's experiment ('symsaddle reproduce list' shows them with their typical runtimes; "
             "'symsaddle reproduce CASE --help' lists a case's own options, e.g. teacher-student --inits); one "
             "case per run, its files written into --out DIR (default symsaddle-output/CASE)")
    p = sub.add_parser("reproduce", add_help=False, help=about, description=about)
    p.add_argument("-h", "--help", action=_ReproduceHelp,
                   help="show this help message and exit; after a case name, the case's own options too")
    p.add_argument("case", nargs="?", default=None, help="case name, or 'list'")
    _add_reproduce_options(p)
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("sweep", help="run a sweep of a registered task over a parameter grid (resumable; "
                                     "local processes or a Dask cluster)")
    p.add_argument("spec", nargs="?", type=Path, default=None, help="sweep specification (.json or .toml)")
    p.add_argument("--list", action="store_true",
                   help="list the registered sweep tasks and their parameters (type, default, meaning)")
    p.add_argument("--describe", metavar="TASK", default=None,
                   help="show one sweep task and its parameters, every default in full")
    p.add_argument("--scheduler", default=None,       # 10 s: _sweep_exec.CONNECT_TIMEOUT (not imported here: slow)
                   help="address of an existing Dask scheduler, tcp://host:port (e.g. tcp://127.0.0.1:8786); "
                        "refused at once if malformed, after 10 s if no scheduler answers there")
    p.add_argument("--workers", type=_integer(0), default=None,
                   help="local worker processes (default: one per core; 0: run in this process)")
    p.add_argument("--retry-failed", action="store_true", help="run failed tasks again")
    p.add_argument("--max-tasks", type=_integer(1), default=DEFAULT_MAX_TASKS, metavar="N",
                   help="refuse a grid of more than N parameter sets (Π of the axis lengths, counted before any is "
                        f"listed: each is held in memory and recorded in the manifest; default {DEFAULT_MAX_TASKS})")
    _add_common(p, None, out_help="the folder the sweep's results go into (results.jsonl, results.csv, sweep.json); "
                                  "required unless the specification gives \"out\" (then --out overrides it); give "
                                  "the same folder again to resume the sweep there")
    p.set_defaults(func=cmd_sweep)

    registry = load()
    for name, c in sorted(registry.commands.items()):
        if name in CORE_COMMANDS:
            raise ValueError(f"a slice registered the core command name {name!r}")
        p = sub.add_parser(name, help=c.help, description=c.help)
        if c.arguments is not None:
            c.arguments(p)
        _add_common(p, c.default_out)
        p.set_defaults(func=c.run)
    return parser


# -- main: the one error channel --------------------------------------------------------------------

def _exit_status(exc: BaseException) -> int:
    """2 for bad input, 1 for a failed computation."""
    if isinstance(exc, (CrossCheckError, DivergenceError)):
        return EXIT_FAILED
    if isinstance(exc, (UsageError, OSError)) or (isinstance(exc, SymsaddleError) and
                                                  isinstance(exc, (ValueError, TypeError, LookupError, ImportError))):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def _message(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or text}: {exc.filename}; check the path"
    if isinstance(exc, MemoryError):
        return "out of memory: the problem is too large for this machine; reduce its size"
    if not isinstance(exc, SymsaddleError):
        return (f"the computation failed ({type(exc).__name__}: {text}); this is a bug or a numerical limit "
                "symsaddle does not yet name — rerun with --debug and report it")
    return text


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"symsaddle: warning: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:                  # answered before the slices and SymPy are imported
        print(f"symsaddle {__version__}")
        return 0
    debug = "--debug" in argv
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            registry = load()
            for name, reason in registry.failures.items():
                print(f"symsaddle: warning: slice {name!r} failed to load and is unavailable ({reason})",
                      file=sys.stderr)
            parser = build_parser()
            args, extra = parser.parse_known_args(argv)
            if extra and args.command != "reproduce":       # only a case takes options of its own
                where = " ".join(filter(None, (parser.prog, args.command)))
                raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see '{where} --help')")
            args.case_options = extra
            args.progress = _progress(args.progress)          # from here on: show progress, True or False
            if getattr(args, "out", None) is None and getattr(args, "default_out", None) is not None:
                args.out, given = args.default_out, False          # the command's own folder, not --out's
            else:
                given = True
            if getattr(args, "out", None) is not None and args.command not in ("reproduce", "sweep"):
                args.out = _prepare_out(args.out, args.force, given)
            started = time.time()
            result = args.func(args)
            _emit(args, result, result.get("_out", args.out if args.command not in ("reproduce", "sweep") else None),
                  started)
        except SystemExit as exc:           # --help and --version
            return exc.code if isinstance(exc.code, int) else 0
        except KeyboardInterrupt:
            print("symsaddle: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:             # `symsaddle reproduce list | head`: the reader has gone
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit
            return EXIT_BROKEN_PIPE
        except Exception as exc:
            if debug:
                traceback.print_exc()
            print(f"symsaddle: error: {_message(exc)}", file=sys.stderr)
            return _exit_status(exc)
    if result.get("error"):
        print(f"symsaddle: error: {result['error']}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
