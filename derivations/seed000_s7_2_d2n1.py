"""Seed 000 §7.2: diagonal linear network, d = 2, n = 1, F = ½(u₁v₁x₁ + u₂v₂x₂ − y)².

Solves ∇F = 0 symbolically, compares the equilibrium families with the seed's, and
recomputes the Jacobian (43) and the eigenvalues quoted at each family, (44)–(49).
The numbers of §7.3 (Table 12 data: numpy.random.seed(10)) are recomputed too.
"""

import numpy as np
import sympy as sp

import symsaddle as ss
from symsaddle.datasets import seed000
from symsaddle.equilibria import linearize, solve_equilibria
from _claims import confirm, confirm_number, confirm_spectrum, refute, refute_number, require

model = ss.models.diagonal_linear(2)
obj = ss.Objective.symbolic(model, n=1)
v1, v2, u1, u2 = model.parameters               # θ = [v1, v2, u1, u2], seed eq. (41)
x1, x2 = obj.X[0, 0], obj.X[0, 1]
y = obj.y[0, 0]
q = u1 * v1 * x1 + u2 * v2 * x2 - y

confirm("eq. (42): −∇F", obj.flow, -q * sp.Matrix([u1 * x1, u2 * x2, v1 * x1, v2 * x2]))
confirm("eq. (43): J = −[[u₁²x₁², u₁u₂x₁x₂, u₁v₁x₁² + x₁q, u₁v₂x₁x₂], ...]", obj.flow_jacobian, -sp.Matrix([
    [u1**2 * x1**2, u1 * u2 * x1 * x2, u1 * v1 * x1**2 + x1 * q, u1 * v2 * x1 * x2],
    [u1 * u2 * x1 * x2, u2**2 * x2**2, u2 * v1 * x1 * x2, u2 * v2 * x2**2 + x2 * q],
    [u1 * v1 * x1**2 + x1 * q, u2 * v1 * x1 * x2, v1**2 * x1**2, v1 * v2 * x1 * x2],
    [u1 * v2 * x1 * x2, u2 * v2 * x2**2 + x2 * q, v1 * v2 * x1 * x2, v2**2 * x2**2]]))

families = solve_equilibria(obj)
points = {tuple(f.point): f for f in families}
print("equilibrium families found by SymPy:")
for f in families:
    print(f"  θ = {list(f.point)}, free {list(f.free)}, flow eigenvalues {f.eigenvalues()}")
# {0} ∪ {v₁ = 0, u₂v₂x₂ = y} ∪ {v₁ ≠ 0, u₁v₁x₁ + u₂v₂x₂ = y}: three families; the family of (46),
# p = (y/x₁, 0), is the slice v₂ = 0 of the third (solve_equilibria drops families contained in another)
require(len(families) == 3, f"expected 3 equilibrium families, got {len(families)}")
origin = points[(0, 0, 0, 0)]
confirm_spectrum("(44): eigenvalues ±x₁y, ±x₂y at the origin", origin.eigenvalues(),
                 {x1 * y: 1, -x1 * y: 1, x2 * y: 1, -x2 * y: 1})
for value, seed_vec in ((-x1 * y, [-1, 0, 1, 0]), (x1 * y, [1, 0, 1, 0]), (-x2 * y, [0, -1, 0, 1]), (x2 * y, [0, 1, 0, 1])):
    vec = {e.value: e for e in origin.eigen}[value].vectors[0]
    nz = [i for i in range(4) if seed_vec[i] != 0][-1]
    confirm(f"(45): eigenvector of {value} ∥ {seed_vec}", vec * seed_vec[nz] / vec[nz], sp.Matrix(seed_vec))

# The seed's families are slices of larger ones: with p₁ = 0 only one of u₁, v₁ must vanish.
f_p2 = [f for f in families if f.point[0] == 0 and u1 in f.free][0]   # v₁ = 0, u₁ free
print(f"SEED INCOMPLETE §7.2: the family p = (0, y/x₂) is {list(f_p2.point)} with {list(f_p2.free)} free; "
      "the seed's [0, v₂, 0, y/(v₂x₂)] is its slice u₁ = 0 (and it prints x₁ for x₂ in u₂ = y/(v₂x₁))")

J46, eig46 = linearize(obj, {v1: v1, v2: 0, u1: y / (v1 * x1), u2: 0})
refute("(46): J at [v₁, 0, y/(v₁x₁), 0] has entries +x₁y", J46, sp.Matrix(
    [[-y**2 / v1**2, 0, x1 * y, 0], [0, 0, 0, 0], [x1 * y, 0, -v1**2 * x1**2, 0], [0, 0, 0, 0]]),
    "the (v₁, u₁) entry is −(u₁v₁x₁² + x₁q) = −x₁y there, as eq. (43) itself gives (sign typo)")
confirm_spectrum("(46)-(47): eigenvalues 0 (×3) and −(v₁⁴x₁² + y²)/v₁²",
                 {e.value: e.multiplicity for e in eig46}, {0: 3, -(v1**4 * x1**2 + y**2) / v1**2: 1})
general = [f for f in families if f.free and len(f.free) == 3][0]
confirm("(46): [v₁, 0, y/(v₁x₁), u₂] is the slice v₂ = 0 of the general family", sp.Matrix(general.point).subs(v2, 0),
        sp.Matrix([v1, 0, y / (v1 * x1), u2]))
confirm_spectrum("(49): eigenvalues of J on the general family u₁ = (y − u₂v₂x₂)/(v₁x₁)", general.eigenvalues(),
                 {0: 3, -((u2 * v1 * x2)**2 + (u2 * v2 * x2)**2 - 2 * u2 * v2 * x2 * y + v1**4 * x1**2
                          + (v1 * v2 * x2)**2 + y**2) / v1**2: 1})

# §7.3 numbers on Table 12 data (numpy.random.seed(10), d = 2, n = 1)
X, yv, p_star = seed000(d=2, n=1)
num = {x1: X[0, 0], x2: X[0, 1], y: yv[0]}
x1y, x2y = X[0, 0] * yv[0], X[0, 1] * yv[0]
lam = np.linalg.eigvalsh(np.array(origin.flow_jacobian.subs(num), dtype=float))
require(np.allclose(lam, sorted([x1y, -x1y, x2y, -x2y]), atol=1e-12), f"J(0) eigenvalues {lam} are not ±x₁y, ±x₂y")
confirm_number("§7.3: eigenvalue x₁y of J(0) on the Table 12 data", x1y, -2.7482, 5e-5)
confirm_number("§7.3: eigenvalue x₂y of J(0) on the Table 12 data", x2y, -1.4762, 1e-4)
v_star = np.sqrt(abs(yv[0] / X[0, 0]))
lam_min = -(2 * v_star**2) * X[0, 0] ** 2
confirm_number("§7.3: minimiser |u₁| = |v₁|", v_star, 1.2450, 5e-5)
confirm_number("§7.3: non-zero flow eigenvalue at the minimiser", lam_min, -5.4963, 5e-4)
refute_number("§7.3: p₁* = u₁v₁ = −1.5454 at the minimiser", yv[0] / X[0, 0], -1.5454, 1e-3,
              f"−1.5454 is the generating coefficient p*₁ = {p_star[0]:.4f}; the minimiser reached has p₂ = 0, "
              "so p₁ = y/x₁ = −(1.2450)², as the seed's own |u₁| = |v₁| = 1.2450 implies")
print("seed 000 §7.2 derivation recomputed")
