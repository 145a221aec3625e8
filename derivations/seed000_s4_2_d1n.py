"""Seed 000 §4.2: diagonal linear network, d = 1, n > 1, F = 1/(2n) Σ (u v x_i − y_i)².

Recomputes eq. (23)–(28) for n = 2, 3, 4. The seed's normalisation of the gradient flow,
its equilibrium set and its Jacobian at that set are checked; the numbers of §5.2.2 that
follow from the corrected formulas are computed on the seed's own data (Table 2).
"""

import numpy as np
import sympy as sp

import symsaddle as ss
from symsaddle.datasets import seed000
from symsaddle.equilibria import solve_equilibria
from _claims import confirm, confirm_number, confirm_spectrum, refute, refute_number

for n in (2, 3, 4):
    model = ss.models.diagonal_linear(1)
    obj = ss.Objective.symbolic(model, n=n)
    v, u = model.parameters
    xs, ys = list(obj.X), list(obj.y)
    Sxx = sum(xi**2 for xi in xs)
    Sxy = sum(xi * yi for xi, yi in zip(xs, ys))
    per_sample = sp.Matrix([sum(-(u * v * xi - yi) * u * xi for xi, yi in zip(xs, ys)),
                            sum(-(u * v * xi - yi) * v * xi for xi, yi in zip(xs, ys))])
    refute(f"eq. (23), n={n}: −∇F = 1/(2n) Σ [−(uvx_i − y_i)ux_i, −(uvx_i − y_i)vx_i]",
           obj.flow, per_sample / (2 * n),
           "differentiating 1/(2n) Σ (·)² gives the factor 1/n, not 1/(2n)")
    confirm(f"corrected eq. (23), n={n}: −∇F = 1/n Σ [...]", obj.flow, per_sample / n)

    origin, family = solve_equilibria(obj)
    refute(f"§4.2, n={n}: non-trivial equilibria satisfy u = y_i/(v x_i) for every sample i",
           family.point[1], ys[0] / (v * xs[0]),
           "only the product is fixed: u v = Σ x_i y_i / Σ x_i² (the least-squares fit); "
           "u = y_i/(v x_i) for all i holds only if all y_i/x_i are equal")
    confirm(f"n={n}: equilibrium family u v = Σx_i y_i / Σx_i²", family.point[1] * v, Sxy / Sxx)
    confirm_spectrum(f"eq. (25)-(26), n={n}: eigenvalues of J(0,0) are ±(1/n)Σ x_i y_i (the seed writes 1/(2n))",
                     origin.eigenvalues(), {-Sxy / n: 1, Sxy / n: 1})
    u_star = Sxy / (Sxx * v)
    seed_J = sp.Matrix([[-sum(yi**2 for yi in ys) / v**2, Sxy], [Sxy, -v**2 * Sxx]]) / (2 * n)
    refute(f"eq. (27)-(28), n={n}: J on the family", family.flow_jacobian, seed_J,
           "with u = Σx_iy_i/(vΣx_i²): J = −(1/n)[[u²Σx_i², Σx_iy_i], [Σx_iy_i, v²Σx_i²]]")
    confirm(f"n={n}: corrected J on the family", family.flow_jacobian,
            -sp.Matrix([[u_star**2 * Sxx, Sxy], [Sxy, v**2 * Sxx]]) / n)
    confirm_spectrum(f"n={n}: eigenvalues on the family are 0 and −(u² + v²)Σx_i²/n",
                     family.eigenvalues(), {0: 1, -(u_star**2 + v**2) * Sxx / n: 1})

# Numbers of §5.2.2 on the seed's data (Table 2: numpy.random.seed(10), n = 4)
X, y, p_star = seed000(d=1, n=4)
n = 4
sxy = float(X[:, 0] @ y)
lam0 = sxy / n
confirm_number("§5.2.2 number (1/(2n))Σx_iy_i on the seed's data (the normalisation is wrong, see eq. (23))",
               sxy / (2 * n), 0.3629, 5e-5)
refute_number("§5.2.2 eigenvalues ±2.0821 of J(0,0)", lam0, 2.0821, 1.0,
              f"the flow Jacobian at 0 has eigenvalues ±(1/n)Σx_iy_i = ±{lam0:.4f} on the seed's data "
              "(and its printed matrix repeats the n = 1 entries 1.2683)")
v_eq = np.sqrt(p_star[0])
confirm_number("§5.2.2 minimiser u = v = √p*", v_eq, 0.7882, 5e-5)
lam_min = -(2 * v_eq**2) * float(X[:, 0] @ X[:, 0]) / n
refute_number("§5.2.2 non-zero flow eigenvalue −4.1642 at the minimiser", lam_min, -4.1642, 1.0,
              "the corrected Jacobian on the family gives −(u² + v²)Σx_i²/n")
print("seed 000 §4.2 derivation recomputed")
