"""The teacher–student problem of seed 003 §6.2: a sigmoid teacher, a wider student, square loss.

    data      X = the 41 × 41 grid {(x₁, x₂) : 4x₁, 4x₂ ∈ {−20, …, 20}} (1681 points, §6.2)
    teacher   f*(x) = Σ_{t=1}^{4} b_t σ(v_t·x),  b = (1, −1, 1, −1), no biases (Fig. 6.2)
    student   f(x; θ) = Σ_{i=1}^{m} a_i σ(w_i·x),  θ = (w_1, …, w_m, a_1, …, a_m) (flat order of
              ``models.two_layer``: W row-major, then a), width m = 5 in the thesis
    loss      L(θ) = (1/n) Σ_i (f(x_i; θ) − y_i)²   — the thesis's MSE (§6.2.5 "L_MSE", PyTorch's
              ``MSELoss``); in the core's convention c Σ ½(f − y)² this is c = 2/n.

Initialisation (§6.2.1, "Xavier initialization [15]"): Glorot & Bengio 2010, for each layer with
fan-in/fan-out (d_in, m) for W and (m, d_out) for a. ``"uniform"`` (the default; PyTorch's
``xavier_uniform_``): U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out))); ``"normal"``:
N(0, 2/(fan_in + fan_out)). Initialisation ``index`` under experiment ``seed`` draws from
``numpy.random.default_rng([seed, index])``, so every initialisation is reproducible on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import Objective, models
from ..datasets import SEED003_TEACHER_A, SEED003_TEACHER_W, seed003_grid
from ..errors import ShapeError, SymsaddleError
from ..reports import compact_repr


class TeacherShapeError(ShapeError):
    """The teacher's weights do not fit the student (input dimension, output dimension, shapes)."""


class WidthBelowTeacherError(SymsaddleError, ValueError):
    """A "global minimum" claim was asked of a student narrower than the teacher."""


XAVIER_VARIANTS = ("uniform", "normal")


@dataclass(frozen=True, eq=False)
class TeacherStudentProblem:
    """A two-layer teacher (incoming ``teacher_W`` (r, d), outgoing ``teacher_a`` (r,)), a student of
    width ``width`` with the same activation, data X (n, d) labelled by the teacher, and the MSE loss.
    """

    __repr__ = compact_repr

    teacher_W: np.ndarray
    teacher_a: np.ndarray
    width: int
    X: np.ndarray
    activation: str = "sigmoid"
    name: str = "teacher-student"
    y: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        V = np.asarray(self.teacher_W, dtype=float)
        b = np.asarray(self.teacher_a, dtype=float)
        X = np.asarray(self.X, dtype=float)
        if X.ndim != 2:
            raise ShapeError(f"X must have shape (n, d_in), got {X.shape}")
        if V.ndim != 2 or V.shape[1] != X.shape[1]:
            raise TeacherShapeError(
                f"teacher incoming weights must have shape (r, d_in) = (r, {X.shape[1]}) for inputs of "
                f"dimension {X.shape[1]}; got {V.shape}")
        if b.ndim != 1 or b.shape[0] != V.shape[0]:
            raise TeacherShapeError(
                f"teacher outgoing weights must have shape (r,) = ({V.shape[0]},) (one output, one weight "
                f"per teacher neuron); got {b.shape}")
        if not (np.all(np.isfinite(V)) and np.all(np.isfinite(b)) and np.all(np.isfinite(X))):
            raise ShapeError("teacher weights and inputs must be finite")
        if isinstance(self.width, bool) or not isinstance(self.width, (int, np.integer)) or self.width < 1:
            raise ValueError(f"student width must be a positive integer, got {self.width!r}")
        object.__setattr__(self, "teacher_W", V)
        object.__setattr__(self, "teacher_a", b)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "width", int(self.width))
        teacher = models.two_layer(X.shape[1], V.shape[0], self.activation)
        y = teacher.evaluate(teacher.flatten({"W": V, "a": b}), X)[:, 0]
        object.__setattr__(self, "y", y)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def seed003(cls, width: int = 5) -> "TeacherStudentProblem":
        """The thesis's setting (§6.2, Fig. 6.2): 1681-point grid, 4 sigmoid teacher neurons."""
        X, _ = seed003_grid()
        return cls(SEED003_TEACHER_W, SEED003_TEACHER_A, width, X, "sigmoid",
                   "Stoican 2022 (MSc thesis) §6.2: 4-neuron sigmoid teacher on the 41 × 41 grid")

    def with_width(self, width: int) -> "TeacherStudentProblem":
        """The same teacher and data with a student of another width."""
        return TeacherStudentProblem(self.teacher_W, self.teacher_a, width, self.X, self.activation, self.name)

    # -- sizes and views ------------------------------------------------------------------
    @property
    def d_in(self) -> int:
        return self.X.shape[1]

    @property
    def teacher_width(self) -> int:
        return self.teacher_W.shape[0]

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def n_parameters(self) -> int:
        return self.width * (self.d_in + 1)

    @cached_property
    def model(self) -> models.Model:
        return models.two_layer(self.d_in, self.width, self.activation)

    @cached_property
    def objective(self) -> Objective:
        """L(θ) = (1/n) Σ (f − y)²: the core's square loss ½(f − y)² with normalisation c = 2/n."""
        return Objective(self.model, self.X, self.y, loss="square", normalization=2.0 / self.n)

    @cached_property
    def kernel(self):
        return self.objective.compile()

    @cached_property
    def zero_network_loss(self) -> float:
        """L at θ = 0 (the student outputs 0): (1/n) Σ y², the loss scale used by relative tolerances."""
        return float(np.mean(self.y ** 2))

    def unpack(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """(W, a) of θ of shape (..., P): W (..., m, d_in), a (..., m)."""
        blocks = self.model.unflatten(np.asarray(theta, dtype=float))
        return blocks["W"], blocks["a"]

    def pack(self, W, a) -> np.ndarray:
        """Inverse of :meth:`unpack`."""
        return self.model.flatten({"W": W, "a": a})

    def outputs(self, theta) -> np.ndarray:
        """f(x_i; θ) on the data, shape (n,)."""
        return self.model.evaluate(np.asarray(theta, dtype=float), self.X)[:, 0]

    def teacher_theta(self) -> np.ndarray:
        """The teacher as a student of width r (its own parameter vector)."""
        return self.with_width(self.teacher_width).pack(self.teacher_W, self.teacher_a)

    def require_global_claim_possible(self):
        """A global-minimum claim (student = teacher up to symmetries) needs width ≥ teacher width."""
        if self.width < self.teacher_width:
            raise WidthBelowTeacherError(
                f"a student of width {self.width} cannot reproduce a teacher of width {self.teacher_width} "
                "up to the network's symmetries; a 'global minimum' claim needs width ≥ teacher width")

    def describe(self) -> dict:
        return {"name": self.name, "teacher_W": self.teacher_W.tolist(), "teacher_a": self.teacher_a.tolist(),
                "activation": self.activation, "student_width": self.width, "n": self.n, "d_in": self.d_in,
                "loss": "L = (1/n) Σ (f(x_i) − y_i)²  (MSE; core square loss with c = 2/n)",
                "zero_network_loss": self.zero_network_loss}


def xavier_initialisation(problem: TeacherStudentProblem, index: int, seed: int = 0,
                          variant: str = "uniform") -> np.ndarray:
    """Student parameters of initialisation ``index`` (Glorot–Bengio; see the module docstring)."""
    if variant not in XAVIER_VARIANTS:
        raise ValueError(f"Xavier variant must be one of {XAVIER_VARIANTS}, got {variant!r}")
    rng = np.random.default_rng([int(seed), int(index)])
    m, d = problem.width, problem.d_in
    shapes = ((m, d), (m,))
    fans = ((d, m), (m, 1))
    blocks = []
    for shape, (fan_in, fan_out) in zip(shapes, fans):
        if variant == "uniform":
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            blocks.append(rng.uniform(-bound, bound, size=shape))
        else:
            blocks.append(rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape))
    return problem.pack(*blocks)


def xavier_batch(problem: TeacherStudentProblem, indices, seed: int = 0, variant: str = "uniform") -> np.ndarray:
    """Initialisations ``indices`` stacked, shape (len(indices), P)."""
    return np.stack([xavier_initialisation(problem, i, seed, variant) for i in indices])
