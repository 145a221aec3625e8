"""Build and execute notebooks/deep_linear.ipynb (deep linear networks): ``python notebooks/build_deep_linear.py``."""

from pathlib import Path

from _notebook import write

CELLS = [
    ("md", r"""# Deep linear networks: critical points, incremental learning, step sizes

A deep linear network predicts $x^\top W_1 W_2 W_3$ and is trained on $L(W) = \|Y - X W_1 W_2 W_3\|_F^2$. Its loss
is not convex in the factors, but every critical point is known in closed form, and Achour, Malgouyres &
Gerchinovitz (2021) classify each one — global minimiser, strict saddle, or non-strict saddle — from the data's
eigenvalues. This notebook checks that classification against the Hessian, watches gradient descent from a
small initialisation learn one rank at a time (plateaus at the rank-$r$ optima), compares escapes from strict and
non-strict saddles, and evaluates the fixed step-size bound of Nguegnang, Rauhut & Terstiege (2021).

The experiments follow a course report on these papers (*seed 001*, audited in `docs/audit_seed001.md`).
The data enter only through $\Sigma_{XX}, \Sigma_{XY}, \Sigma_{YY}$. Every `assert` compares a shown number with an
independent value: a theorem, or the same quantity computed another way."""),
    ("code", """%matplotlib inline
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")   # tqdm: no Jupyter widgets needed here
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from symsaddle.deep_linear import (MFormula, SufficientStatistics, doubling_experiment, escape_times,
                                   random_network, seed001_section4_data, sequential_learning, step_size_bound,
                                   survey_critical_points)
from symsaddle.deep_linear.figures import escape_figure, histogram_figure, ladder_figure, plateau_figure
from symsaddle.reports import markdown_table"""),
    ("md", r"""## The data and the global minimum

$X \in \mathbb R^{1000\times5}$, $Y = X\,\mathrm{diag}(5,4,3,2,1) + E$, $E \sim \mathcal N(0, 0.1^2)$; widths 5-4-4-5,
so the product $W = W_1W_2W_3$ has rank at most 4. The toolkit computes the rank-$r$ optimum from the eigenvalues
$\lambda_i$ of $\Sigma_{YX}\Sigma_{XX}^{-1}\Sigma_{XY}$: $L_r = \operatorname{tr}\Sigma_{YY} - \sum_{i\le r}\lambda_i$. The
`assert`s recompute the numbers shown independently, by Eckart–Young: the $\lambda_i$ are the squared singular values
of the least-squares fit $X W_{\mathrm{ols}}$ (`numpy.linalg.lstsq`), $\operatorname{tr}\Sigma_{YY} = \|Y\|_F^2$, and $L_4$ is
the residual of that fit plus its smallest squared singular value."""),
    ("code", """X, Y = seed001_section4_data(0)
stats = SufficientStatistics.from_samples(X, Y)
widths = (5, 4, 4, 5)
L4 = stats.rank_constrained_value(4)
print("λ =", np.round(stats.eigenvalues, 2))
print("tr Σ_YY =", round(float(np.trace(stats.Syy)), 3), "  global minimum L_4 =", round(L4, 6))
W_ols = np.linalg.lstsq(X, Y, rcond=None)[0]
fit = X @ W_ols
singular_values = np.linalg.svd(fit, compute_uv=False)
assert np.allclose(stats.eigenvalues, singular_values ** 2, rtol=1e-10)
assert abs(float(np.trace(stats.Syy)) - np.linalg.norm(Y) ** 2) < 1e-10 * np.linalg.norm(Y) ** 2
eckart_young = np.linalg.norm(Y - fit) ** 2 + singular_values[4] ** 2
assert abs(L4 - eckart_young) < 1e-8 * eckart_young"""),
    ("md", r"""## Every critical point, classified (Achour et al. 2021)

For every index set $S$ of eigenvectors with $|S| \le r_{\max} = 4$ the product $U_SU_S^\top\Sigma_{YX}\Sigma_{XX}^{-1}$ is
factorised three ways — balanced, unbalanced (a random $GL$ symmetry) and strict — giving 88 critical points.
The core polishes and classifies each from its Hessian (with a third-order certificate for non-strict saddles);
`theory` is the theorem's verdict. The `assert`s: every loss equals the closed form
$\operatorname{tr}\Sigma_{YY} - \sum_{i\in S}\lambda_i$, and the Hessian agrees with the theorem at every point."""),
    ("code", """survey = survey_critical_points(stats, widths, convention="row")
rows = survey.rows()
print(len(rows), "points; Hessian and theory agree on all:", survey.all_agree)
assert len(rows) == 88 and survey.all_agree
for r in rows:
    closed_form = float(np.trace(stats.Syy)) - float(sum(stats.eigenvalues[i] for i in r["subset"]))
    assert abs(r["loss"] - closed_form) <= 1e-9 * max(1.0, closed_form)
display(Markdown(markdown_table(rows[:12] + rows[-4:],
        ["subset", "parametrisation", "loss", "predicted_loss", "grad_norm", "kind", "theory", "index"])))"""),
    ("md", r"""## Incremental learning: plateaus at the rank-$r$ optima

Gradient descent from $\theta_0 = 10^{-3}\mathcal N(0, I)$ with $\eta = 1/\lambda_{\max}(\nabla^2 L)$ at the global minimum.
The loss stalls at each level $L_r$ (dashed) before dropping to the next: the network learns one eigen-direction
at a time. `thinness` $= \max_h \sigma_{r+1}(W_h)/\sigma_r(W_h)$: small values mean every layer has numerical rank $r$,
i.e. the trajectory passes next to the *tightened* (non-strict) critical points. The `assert`: each plateau sits
within 0.1 % of its level $L_r$, computed from the eigenvalues, not from the run."""),
    ("code", """run = sequential_learning(stats, widths, n_steps=45_000, polish_plateaus=False)
display(Markdown(markdown_table(run.rows(), ["iteration", "loss", "rank", "predicted_loss",
                                             "relative_loss_error", "product_distance", "thinness"])))
for p in run.plateaus:
    level = float(np.trace(stats.Syy)) - float(np.sum(stats.eigenvalues[:p.rank]))
    assert abs(p.loss - level) <= 1e-3 * level
plateau_figure(run)
plt.show()"""),
    ("md", r"""## Escape from the rank-3 point: strict vs non-strict saddle

The rank-3 critical point is started from $\theta^* + \varepsilon u$ in two parametrisations. Escape iteration:
the first $k$ with $L \le L_3 - \tfrac12(L_3 - L_4)$. A strict saddle has a negative Hessian eigenvalue, so the
perturbation grows geometrically: $k \approx \ln(1/\varepsilon)/\ln(1+\eta|\lambda_{\min}|)$. At a non-strict saddle the
Hessian is positive semi-definite and the escape is driven by third-order terms, $k \propto 1/\varepsilon$ — much
slower. The `assert`s check that ordering for every $\varepsilon$, and both rates: from $\varepsilon = 10^{-1}$ to $10^{-2}$
the strict escape takes $\ln 10/\ln(1+\eta|\lambda_{\min}|)$ more iterations (up to the rounding of each escape
iteration to an integer, < 1), the non-strict one 10 times as many (within 5 %: the $1/\varepsilon$ law holds up to
lower-order terms)."""),
    ("code", """esc = escape_times(stats, widths, (0, 1, 2), (1e-1, 1e-2), step=run.step, max_steps=30_000)
display(Markdown(markdown_table([e.row() for e in esc])))
by = {(e.parametrisation, e.epsilon): e.escape_iteration for e in esc}
for eps in (1e-1, 1e-2):
    assert by["strict", eps] < by["balanced", eps]
lam_min = next(e.min_eigenvalue for e in esc if e.parametrisation == "strict")
per_decade = np.log(10) / np.log1p(run.step * abs(lam_min))
print(f"strict: {by['strict', 1e-2] - by['strict', 1e-1]} more iterations per decade of ε (predicted {per_decade:.2f}); "
      f"non-strict: {by['balanced', 1e-2] / by['balanced', 1e-1]:.3f} times as many (predicted 10)")
assert abs(by["strict", 1e-2] - by["strict", 1e-1] - per_decade) < 1
assert abs(by["balanced", 1e-2] / by["balanced", 1e-1] / 10 - 1) < 0.05
escape_figure(esc, run)
plt.show()"""),
    ("md", r"""## The fixed step-size bound (Nguegnang, Rauhut & Terstiege 2021) and the doubling ladder

$\eta \le \frac{2(1-\alpha)\delta}{4L^N(W(0)) + (1-\alpha)\delta B_\delta}$ with $\delta = M^{2/N}/(N(N+1)^2)$ and
$M = (\sqrt{2L^N(W(0))} + \|Y\|_2)/\sigma_{\min}(X)$ — the corrected constant; the report's eq. (31) is printed for
comparison (it scales like the square root of the data and is not a bound). The theorem needs the initial weights
nearly balanced: $\max_j\|W_{j+1}^\top W_{j+1} - W_jW_j^\top\|_F = \alpha\delta$ with $\alpha < 1$. For the $\|\cdot\|_F^2$ objective the
admissible step is half the bound. The first `assert` recomputes $M$, $\delta$ and $\alpha\delta$ of the corrected bound
from the weights with plain NumPy. The ladder runs GD with $\eta_j = 0.9\,\eta\,2^j$ for 5000 epochs each until a run
fails (diverges or oscillates). The theorem guarantees that the first rung, below the bound, converges, so it must
not fail (second `assert`; in 5000 epochs it may still be decreasing) — and the first failing step lies above the
admissible one, a ratio > 1 (third)."""),
    ("code", """net = random_network((5, 5, 5, 5), 0)
for f in MFormula:
    b = step_size_bound(net.X, net.Y, net.weights, m_formula=f)
    print(f"{f.value:9s}  M = {b.M:8.3f}  δ = {b.delta:.4f}  αδ = {b.balancedness:.4f}  admissible η = {b.eta_objective:.3e}")

def hypotheses(k):                                   # M, δ, αδ from the formulas above, column convention Y ≈ W_N⋯W_1 X
    N, W = len(k.weights), np.linalg.multi_dot(k.weights[::-1]) if len(k.weights) > 1 else k.weights[0]
    M = (np.linalg.norm(k.Y - W @ k.X) + np.linalg.norm(k.Y, 2)) / np.linalg.svd(k.X, compute_uv=False)[-1]
    balance = max(np.linalg.norm(B.T @ B - A @ A.T) for A, B in zip(k.weights, k.weights[1:]))
    return M, M ** (2 / N) / (N * (N + 1) ** 2), balance

b = step_size_bound(net.X, net.Y, net.weights)
assert np.allclose([b.M, b.delta, b.balancedness], hypotheses(net), rtol=1e-12)
ladder = doubling_experiment([net], curve_every=10)[0]
print("first failing step", ladder.first_failing_step, ladder.first_failure.outcome.value, " ratio", ladder.ratio)
assert not ladder.runs[0].outcome.failed          # converged, or still decreasing after 5000 epochs
assert ladder.ratio > 1
ladder_figure(ladder)
plt.show()"""),
    ("md", r"""## How loose is the bound? (Figures 4–6 in miniature)

Admissible steps for 200 random networks per depth, and the first failing step over the admissible one for 12
networks (`symsaddle reproduce deep-linear-step-size` runs 1000 bounds and 100 ladders per depth). A histogram
counts only the networks the theorem applies to ($\alpha < 1$, recomputed with the plain-NumPy `hypotheses` above:
the first `assert`); at $N = 4$, 4 of the 200 draws are not balanced enough ($\alpha \ge 1$). Every ratio must exceed 1, as above
(second `assert`)."""),
    ("code", """configs = {"N=2": (5, 5, 5), "N=3": (5, 5, 5, 5), "N=4": (5, 5, 5, 5, 5), "5-2-2-5": (5, 2, 2, 5)}
nets = {n: [random_network(w, i) for i in range(200)] for n, w in configs.items()}
bounds = {n: [step_size_bound(k.X, k.Y, k.weights).eta_objective for k in ks] for n, ks in nets.items()}
applies = {n: [balance < delta for _, delta, balance in map(hypotheses, ks)] for n, ks in nets.items()}
print("networks the theorem applies to, of 200:", {n: int(sum(a)) for n, a in applies.items()})
assert all([eta is not None for eta in bounds[n]] == applies[n] for n in nets)
histogram_figure(bounds, "admissible step η")
plt.show()
res = doubling_experiment([random_network((5, 5, 5, 5), i) for i in range(12)])
ratios = sorted(r.ratio for r in res if r.ratio is not None)
print("first failing step / admissible step:", np.round(ratios, 1))
assert ratios and min(ratios) > 1"""),
]


def build(path: Path = Path(__file__).with_name("deep_linear.ipynb"), run: bool = False) -> Path:
    return write(CELLS, path, run)


if __name__ == "__main__":
    print(build(run=True))
