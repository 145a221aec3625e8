"""Seed 001 §5.3–5.4: the fixed step-size bound of Nguegnang, Rauhut & Terstiege as the report
quotes it. Recomputes its algebra and checks the report's M (eq. (31)) against the corrected
M = (√(2L^N(W(0))) + ‖Y‖)/σ_min(X)."""

import numpy as np
import sympy as sp

from _claims import confirm, refute, require
from symsaddle.deep_linear import Network, corrected_M, report_M, step_size_bound
from symsaddle.deep_linear.kernel import DeepLinearKernel
from symsaddle.deep_linear.network import objective, to_theta
from symsaddle.deep_linear.statistics import SufficientStatistics
from symsaddle.dynamics import gradient_descent

eta, L, B, alpha, delta, M = sp.symbols("eta L B alpha delta M", positive=True)
N = sp.Symbol("N", positive=True, integer=True)
printed = 2 * (1 - alpha) * delta / (4 * L + (1 - alpha) * delta * B)
solved = sp.solve(sp.Eq(2 * eta * L / (1 - eta * B / 2), (1 - alpha) * delta), eta)
confirm("§5.3: the bound is 2ηL/(1 − ηB/2) = (1 − α)δ solved for η (drift budget with a factor 2)",
        solved[0], printed)

d = M ** (2 / N) / (N * (N + 1) ** 2)                      # eq. (30)
K = M ** (2 / N) + (N + 1) ** 2 * d
confirm("eq. (30) in K_δ: K_δ = (1 + 1/N) M^{2/N}", K, (1 + 1 / N) * M ** (2 / N))
for n in (2, 3, 4, 10):
    require((1 + sp.Rational(1, n)) ** (n - 1) < sp.E, f"(1 + 1/N)^(N−1) ≥ e for N = {n}")
print("CONFIRMED  K_δ^{N−1} ≤ e·M^{2(N−1)/N} (N = 2, 3, 4, 10): the e factors of B_δ")

# scaling: Y → cY, W(0) → c^{1/N} W(0) scales every W along GD by c
c, r, y = sp.symbols("c r y", positive=True)               # r = ‖Y − W(0)X‖, y = ‖Y‖, σ_min(X) = 1
m_report = sp.sqrt(2 * r + y)
m_ours = r + y
confirm("corrected M scales like the weights: M(cY) = c·M(Y)", m_ours.subs({r: c * r, y: c * y}), c * m_ours)
refute("eq. (31): M(cY) = c·M(Y), as a bound on weights that scale by c must", sp.simplify(m_report.subs({r: c * r, y: c * y})), c * m_report,
       "eq. (31) scales like √c: the square root belongs on 2L^N(W(0)) = ‖Y − W(0)X‖_F² only")

# scalar counterexample: X = 1, Y = 10, N = 2, W(0) = (10⁻³, 10⁻³)
net = Network(np.array([[1.0]]), np.array([[10.0]]), (np.array([[1e-3]]), np.array([[1e-3]])))
limit = sp.Integer(10)                                      # the only W with L = 0: W₂W₁ = Y X⁻¹
seed_M = sp.sqrt(2 * (10 - sp.Rational(1, 10**6)) + 10)
require(limit > seed_M and abs(float(seed_M) - report_M(net.X, net.Y, net.weights)) < 1e-12,
        "the counterexample needs a limit W = 10 above the report's M, and report_M to implement eq. (31)")
bound = step_size_bound(net.X, net.Y, net.weights)
stats = SufficientStatistics.from_samples(net.X, net.Y, layout="columns")
kernel = DeepLinearKernel(objective(stats, (1, 1, 1), "column"))
traj = gradient_descent(kernel, to_theta(net.weights), bound.eta_objective, 3000)
products = traj.thetas[:, 0] * traj.thetas[:, 1]
require(abs(products[-1] - 10) < 1e-8 and products.max() <= corrected_M(net.X, net.Y, net.weights),
        f"GD should converge to W = 10 below the corrected M; reached {products[-1]!r}, max {products.max()!r}")
refute("eq. (31): ‖W_N(k)⋯W_1(k)‖ ≤ M along GD (X = 1, Y = 10, N = 2, admissible step)",
       sp.Float(products.max(), 12), seed_M.evalf(12),
       f"GD reaches W = {products[-1]:.10f} > √(30 − 2·10⁻⁶) ≈ {float(seed_M):.4f}; corrected M = "
       f"{corrected_M(net.X, net.Y, net.weights):.6f} holds")
print("seed 001 §5.3 derivation recomputed")
