"""Generate notebooks/symmetry_induced.ipynb (seed 003: one symmetry-induced line, built, predicted, measured,
plotted). Run from the repo root: ``python notebooks/build_symmetry.py`` (executes it and stores the outputs);
the tests execute the notebook."""

from pathlib import Path

from _notebook import write

CELLS = [
    ("md", """# A symmetry-induced line, step by step (seed 003)

A network with a hidden layer of width $r$ can be embedded in the network of width $r+1$ without changing
the function it computes: **duplicate** a neuron $j$ and split its outgoing weight $a_j$ into
$\\mu a_j$ and $(1-\\mu)a_j$. Every $\\mu\\in\\mathbb R$ gives the same function, so a critical point
$\\theta_r$ of the small network becomes a whole **line** $\\theta(\\mu)$ of critical points of the big one
(Şimşek et al. 2021; seed 003 §4.2, §6.2.5). What kind of critical points? Theorem 3 of the seed
(Fukumizu & Amari 2000 for one output) answers with two small matrices $Y$ and $U$.

This notebook walks through one such line on the seed's own problem: the 41×41 grid, a sigmoid teacher with
4 neurons, square loss. We (1) find a critical point of a width-3 student, (2) build the line in width 4 and
check symbolically that the function does not change, (3) predict the Hessian's inertia along the line from
$Y$, $U$ and the small network's Hessian, (4) measure it with the exact kernel Hessian, and (5) see where the
thesis's single-output shortcut ($U = 0$) fails."""),
    ("code", """%matplotlib inline
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")   # tqdm: no Jupyter widgets needed here
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import symsaddle as ss
from symsaddle.reports import markdown_table
from symsaddle.symmetry import duplicate_neuron, merge_neurons, verify_same_function
from symsaddle.symmetry.examples import seed003_reduced_minimum, two_output_example
from symsaddle.symmetry.inertia import Inertia, LineVerdict, measure_si_line, predict_si_line
from symsaddle.symmetry.figures import spectrum_figure"""),
    ("md", """## 1. A critical point of the small network

`seed003_reduced_minimum(3, seed=1)` trains a width-3 student of the seed's width-4 teacher (trust-region
Newton with the exact Hessian, then `symsaddle.critical.polish` onto $\\nabla L = 0$). The gradient must reach
machine precision: no verdict is ever given at a point that is not critical. The `assert`s recompute the loss
$L = \\tfrac1n\\sum_i \\tfrac12(f(x_i) - y_i)^2$ and its gradient in plain NumPy from the weights printed below."""),
    ("code", """ex = seed003_reduced_minimum(3, seed=1)
model_r, theta_r = ex.point
print(ex.description)
print(f"loss = {ex.search.loss:.6e},  |grad| = {ex.search.gradient_norm:.1e}  (tolerance {ex.search.gradient_tolerance:.1e})")
print("incoming weights w_j:", np.round(theta_r[:6].reshape(3, 2), 4).tolist(), " outgoing a_j:", np.round(theta_r[6:], 4))
assert ex.search.gradient_norm < 1e-15
grid, target = ex.objective.X, ex.objective.y[:, 0]              # the 41×41 grid and the teacher's outputs
w_in, a_out = theta_r[:6].reshape(3, 2), theta_r[6:]
act = 1 / (1 + np.exp(-grid @ w_in.T))                           # σ(w_j·x_i), shape (n, 3)
residual = act @ a_out - target
gradient = np.concatenate([((residual[:, None] * act * (1 - act) * a_out).T @ grid).ravel(), act.T @ residual]) / len(grid)
assert abs(np.mean(residual**2) / 2 - ex.search.loss) < 1e-12 * ex.search.loss
assert np.linalg.norm(gradient) < 1e-15"""),
    ("md", """## 2. The line, and a symbolic proof that the function is unchanged

`duplicate_neuron` works on numbers and on SymPy symbols alike. With symbolic weights and a symbolic
$\\mu$ the check is a proof for every $\\theta$ and every $\\mu$: the per-sample output expressions of the two
models agree identically. `merge_neurons` undoes the duplication. SymPy's symbols are numbered from 1, as in
formulas: neuron 0 is $(w_{1,1}, w_{1,2}, a_1)$, and its copy, appended as neuron 3, is $(w_{4,1}, w_{4,2}, a_4)$
(shown below with $\\mu a_1$ and $(1-\\mu)a_1$ substituted)."""),
    ("code", """mu = sp.Symbol("mu", real=True)
symbolic = np.array(model_r.parameters, dtype=object)
wide_sym = duplicate_neuron(model_r, symbolic, 0, mu)
display(Markdown("$f_{r+1}(x;\\\\theta(\\\\mu)) = " + sp.latex(wide_sym.model.outputs[0].xreplace(
    dict(zip(wide_sym.model.parameters, wide_sym.theta)))) + "$"))
verify_same_function((model_r, symbolic), wide_sym)          # raises if the functions differ
back = merge_neurons(*wide_sym, 0, 3)
assert back.model == model_r and all(sp.expand(a - b) == 0 for a, b in zip(back.theta, symbolic))
print("duplicate → same function (proved symbolically); merge → the original parameters")"""),
    ("md", """## 3. The prediction: $Y$, $U$ and Theorem 3

With $h$ the neuron's input, $g = \\partial\\ell/\\partial f$ the residual, and $E$ the mean over the grid,

$$Y = E[\\sigma''(w_j\\cdot h)(a_j^\\top g)\\,hh^\\top],\\qquad U = E[\\sigma'(w_j\\cdot h)\\,h\\,g^\\top],\\qquad
K(\\mu) = \\begin{bmatrix}\\mu(1-\\mu)Y & U\\\\ U^\\top & 0\\end{bmatrix},$$

and the inertia (numbers of negative, zero, positive eigenvalues) of the big network's Hessian is
$\\mathrm{In}\\,H(\\mu) = \\mathrm{In}\\,H_r(\\theta_r) + \\mathrm{In}\\,K(\\mu)$ (Sylvester's law; the derivation is in
`derivations/seed003_s6_theorem3.py`). For one output $U a_j = \\nabla_{w_j}L = 0$ forces $U = 0$."""),
    ("code", """pr = predict_si_line(ex.objective, theta_r, neuron=0)
print("Y =", np.array2string(pr.Y, precision=6), "  eigenvalues", np.round(np.linalg.eigvalsh(pr.Y), 6))
print("U =", pr.U.ravel(), "  rank U =", pr.rank_U)
print("In H_r =", pr.reduced_inertia.as_tuple(), "  In(Y) =", pr.Y_inertia.as_tuple())
display(Markdown(markdown_table([s.row() for s in pr.segments])))
assert pr.rank_U == 0 and pr.Y_inertia.as_tuple() == (1, 0, 1)
assert pr.inertia(0.0) == pr.reduced_inertia + Inertia(0, 3, 0)        # d + d_out = 3 zeros at μ = 0"""),
    ("md", """$Y$ checked from loss values alone (the function is used again in section 5): move the two copies' incoming
vectors apart along $v$,
$w_j \\to w_j + (1-\\mu)\\,t v$ and $w_{\\text{copy}} \\to w_{\\text{copy}} - \\mu\\,t v$. The first-order changes of the output cancel,
$\\Delta f = \\tfrac12\\mu(1-\\mu)\\,t^2\\sigma''(w_j\\cdot h)(v\\cdot h)^2 a_j + O(t^3)$, so
$L(t) + L(-t) - 2L(0) = \\mu(1-\\mu)\\,t^2\\,v^\\top Y v + O(t^4)$. Central second differences of the width-4 loss at
$\\mu = \\tfrac12$, $t = 10^{-4}$, along $v = e_i$ and $e_i + e_k$ give $Y$ without the formula above (truncation error
$O(t^2)$, about $10^{-7}$ relative here; the `assert` allows $10^{-5}$)."""),
    ("code", """def Y_from_loss_values(pr, t=1e-4):
    \"\"\"Y by central second differences of the width-(r+1) loss at μ = ½ along the split direction.\"\"\"
    line, kernel = pr.line_point(0.5), pr.wide_objective.compile()
    index = {str(s): i for i, s in enumerate(line.model.parameters)}    # symbols numbered from 1; the copy is last
    own = [index[f"w_{{{pr.neuron + 1},{i + 1}}}"] for i in range(pr.d)]
    copy = [index[f"w_{{{pr.layer.width + 1},{i + 1}}}"] for i in range(pr.d)]

    def second_difference(v):
        step = np.zeros(len(line.theta))
        step[own], step[copy] = 0.5 * t * v, -0.5 * t * v
        up, down, centre = kernel.value(np.stack([line.theta + step, line.theta - step, line.theta]))
        return (up + down - 2 * centre) / (0.25 * t**2)

    E = np.eye(pr.d)
    diagonal = [second_difference(e) for e in E]
    return np.array([[diagonal[i] if i == k else (second_difference(E[i] + E[k]) - diagonal[i] - diagonal[k]) / 2
                      for k in range(pr.d)] for i in range(pr.d)])

Y_fd = Y_from_loss_values(pr)
print("Y from second differences of L:", np.array2string(Y_fd, precision=6))
assert np.max(np.abs(Y_fd - pr.Y)) < 1e-5 * np.max(np.abs(pr.Y))"""),
    ("md", """Y has a positive and a negative eigenvalue here, so every point with $\\mu \\ne 0, 1$ is a strict
saddle; at $\\mu\\in\\{0,1\\}$ the Hessian is positive semi-definite with 3 zero eigenvalues, yet the point is
**not** a minimum — saddles of the same loss lie arbitrarily close on the line (a non-strict saddle).

## 4. The measurement

`measure_si_line` evaluates the exact Hessian of the width-4 objective at 101 values of $\\mu$ (100 equally
spaced in $[-1, 2]$, with $\\tfrac12$ added; 0 and 1 are on the grid) in one batched
kernel call and counts eigenvalues with the slice's tolerance. A comparison is *decided* only where no
eigenvalue sits in the ambiguous band and every eigenvalue the prediction calls non-zero is provably larger
than the tolerance (Ostrowski's bound for the change of coordinates)."""),
    ("code", """sweep = measure_si_line(pr)
print(f"{sweep.decided.sum()} of {len(sweep.mus)} values of μ decided; measured = predicted at all of them:",
      sweep.all_decided_agree)
rows = [r for r in sweep.rows() if r["mu"] in (-1.0, 0.0, 0.5, 1.0, 2.0)]
display(Markdown(markdown_table(rows, ["mu", "measured", "predicted", "thesis_U0", "min_eigenvalue"])))
assert sweep.all_decided_agree and sweep.decided.sum() >= 90 and len(sweep.mus) == 101
spectrum_figure(sweep, title="width-3 → width-4 student, neuron 0"); plt.show()"""),
    ("md", """## 5. Two outputs: $U \\ne 0$ and the thesis's shortcut fails

With two outputs, $U a_j = 0$ no longer forces $U = 0$. In this example $Y \\succ 0$ (also from loss values alone,
as in section 3: the first `assert`), so the thesis's
Corollary 3.2 (which assumes $U = 0$) would call $0<\\mu<1$ a segment of degenerate minima. The rank-one $U$
adds one negative eigenvalue **for every $\\mu$**: the whole line is made of strict saddles. Brea et al.'s
"at least $n_{k+1} = 2$ zero eigenvalues" at $\\mu = 1/2$ also fails: there is $2 - \\operatorname{rank} U = 1$."""),
    ("code", """ex2 = two_output_example()
pr2 = predict_si_line(ex2.objective, ex2.theta, ex2.neuron)
sweep2 = measure_si_line(pr2)
print("eigenvalues of Y:", np.round(np.linalg.eigvalsh(pr2.Y), 5), "  singular values of U:", pr2.U_singular_values)
print("thesis (U = 0) at μ = ½:", pr2.inertia(0.5, thesis=True).as_tuple(), "   Theorem 3:", pr2.inertia(0.5).as_tuple())
half = sweep2.measured[list(sweep2.mus).index(0.5)]
print("measured at μ = ½:", half.as_tuple())
Y2_fd = Y_from_loss_values(pr2)
assert np.max(np.abs(Y2_fd - pr2.Y)) < 1e-5 * np.max(np.abs(pr2.Y)) and np.all(np.linalg.eigvalsh(Y2_fd) > 0)
assert np.all(np.linalg.eigvalsh(pr2.Y) > 0) and pr2.rank_U == 1
assert half == pr2.inertia(0.5) != pr2.inertia(0.5, thesis=True)
assert all(s.verdict is LineVerdict.STRICT_SADDLE for s in pr2.segments) and sweep2.all_decided_agree
spectrum_figure(sweep2, title="d_out = 2"); plt.show()"""),
    ("md", """The full reproduction (five SI lines, including the thesis's width-5 student and a hidden layer that
is not the last) is `symsaddle reproduce symmetry-inertia --out DIR`; the counts of §4 are
`symsaddle reproduce symmetry-counts`. What the thesis gets wrong is listed in `docs/audit_seed003.md`."""),
]


def build(path: Path = Path(__file__).with_name("symmetry_induced.ipynb"), run: bool = False) -> Path:
    """Write the notebook; ``run=True`` executes it first so that it is stored with its outputs."""
    return write(CELLS, path, run)


if __name__ == "__main__":
    print(build(run=True))
