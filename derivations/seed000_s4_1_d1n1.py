"""Seed 000 §4.1: diagonal linear network, d = n = 1, F(v, u) = ½(u v x − y)².

Recomputes the gradient flow (16), its equilibria, the flow Jacobian (17) and its
eigen-decomposition at each equilibrium, (18)–(20), and checks each against the seed.
"""

import sympy as sp

import symsaddle as ss
from symsaddle.equilibria import solve_equilibria
from _claims import confirm, confirm_spectrum, refute, require

model = ss.models.diagonal_linear(1)
obj = ss.Objective.symbolic(model, n=1)          # 1/(2n) Σ = ½ for n = 1
v, u = model.parameters                          # θ = [v, u] (seed eq. (41) order)
x, y = obj.X[0, 0], obj.y[0, 0]

confirm("eq. (15): F = ½(uvx − y)²", obj.expression, (u * v * x - y) ** 2 / 2)
confirm("eq. (16): −∇F = [−(uvx − y)ux, −(uvx − y)vx]", obj.flow,
        sp.Matrix([-(u * v * x - y) * u * x, -(u * v * x - y) * v * x]))
# eq. (17) prints J with rows ordered (v, u): J = [[−u²x², −2uvx² + yx], [·, −v²x²]]
confirm("eq. (17): flow Jacobian", obj.flow_jacobian,
        sp.Matrix([[-u**2 * x**2, -2 * u * v * x**2 + y * x], [-2 * u * v * x**2 + y * x, -v**2 * x**2]]))

families = solve_equilibria(obj)
require(len(families) == 2, f"expected 2 equilibrium families, got {families}")
origin, line = families
confirm("equilibrium [v, u] = [0, 0]", sp.Matrix(origin.point), sp.Matrix([0, 0]))
confirm("equilibrium family [v, y/(vx)] with v free", sp.Matrix(line.point), sp.Matrix([v, y / (v * x)]))
require(line.free == (v,), f"expected the family to be free in v, got {line.free}")

confirm("eq. (18): J(0, 0) = [[0, yx], [yx, 0]]", origin.flow_jacobian, sp.Matrix([[0, x * y], [x * y, 0]]))
eig0 = {e.value: e for e in origin.eigen}
confirm_spectrum("eigenvalues ±xy at the origin", origin.eigenvalues(), {-x * y: 1, x * y: 1})
for value, seed_vec in ((-x * y, sp.Matrix([-1, 1])), (x * y, sp.Matrix([1, 1]))):
    vec = eig0[value].vectors[0]
    confirm(f"eigenvector of {value} ∥ {list(seed_vec)}", vec * seed_vec[1] / vec[1], seed_vec)

# eq. (20): the seed prints +yx off the diagonal; its own eq. (17) evaluated on the family gives −yx.
J_line = line.flow_jacobian
refute("eq. (20): J on the family has off-diagonal +yx", J_line,
       sp.Matrix([[-y**2 / v**2, y * x], [y * x, -v**2 * x**2]]),
       "the off-diagonal entry is −2uvx² + yx = −yx on uvx = y (a sign typo; eigenvalues unaffected)")
confirm_spectrum("eigenvalues 0 and −(v⁴x² + y²)/v² on the family", line.eigenvalues(),
                 {0: 1, -(v**4 * x**2 + y**2) / v**2: 1})
eig_line = {e.value: e for e in line.eigen}
kernel_vec = eig_line[0].vectors[0]
confirm("eigenvector [−v²x/y, 1] of the zero eigenvalue (consistent with the corrected J)",
        kernel_vec / kernel_vec[1], sp.Matrix([-v**2 * x / y, 1]))
# Stability: F ≥ 0 = F(family) and dF/dt = −‖∇F‖² (eq. (21)): the family is a set of global minima.
confirm("eq. (21): dF/dt = −((uvx − y)vx)² − ((uvx − y)ux)²", (obj.gradient.T * obj.flow)[0],
        -((u * v * x - y) * v * x) ** 2 - ((u * v * x - y) * u * x) ** 2)
confirm("F = 0 on the family (global minimum)", line.loss, 0)
print("seed 000 §4.1 derivation recomputed")
