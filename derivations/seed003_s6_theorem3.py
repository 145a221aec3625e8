"""Seed 003 §6.2.6 (Theorem 3, Corollaries 3.1/3.2) and §6.3: the Hessian along a symmetry-induced line.

The theorem's content is derived here for a generic activation σ and a generic downstream loss Φ:
duplicating neuron j (incoming w, outgoing vector a ∈ R^n) into (w + u + (1−μ)v, μ(a + b) + c) and
(w + u − μv, (1−μ)(a + b) − c) gives a Hessian that is block diagonal, H_r ⊕ K(μ), in the coordinates
(θ', v, c), with K(μ) = [[μ(1−μ)Y, U], [Uᵀ, 0]]; the inertia of K is then checked exactly (rational
arithmetic, Descartes' rule on characteristic polynomials) against (k, k, n − k) + In(μ(1−μ)ZᵀYZ).
"""

import random

import sympy as sp

from _seed003_claims import ClaimMismatch, confirm, confirm_that, refute, require

mu = sp.Symbol("mu", real=True)
d, n = 2, 2
h = sp.symbols("h1:3", real=True)           # the layer input (a bias is a coordinate fixed to 1)
w = sp.symbols("w1:3", real=True)
u = sp.symbols("u1:3", real=True)
v = sp.symbols("v1:3", real=True)
a = sp.symbols("a1:3", real=True)
b = sp.symbols("b1:3", real=True)
c = sp.symbols("c1:3", real=True)
t = sp.Symbol("t", real=True)                # any other parameter of the network (downstream or upstream)
sigma = sp.Function("sigma")


def dot(p, q):
    return sum(pi * qi for pi, qi in zip(p, q))


s1 = dot([wi + ui + (1 - mu) * vi for wi, ui, vi in zip(w, u, v)], h)
s2 = dot([wi + ui - mu * vi for wi, ui, vi in zip(w, u, v)], h)
z = [(mu * (a[k] + b[k]) + c[k]) * sigma(s1) + ((1 - mu) * (a[k] + b[k]) - c[k]) * sigma(s2) for k in range(n)]
at_line = {**{vi: 0 for vi in v}, **{ci: 0 for ci in c}}
s = dot([wi + ui for wi, ui in zip(w, u)], h)


def on_line(expr):
    return sp.expand(expr.subs(at_line).doit())


confirm("on the line (v = c = 0) the pair implements the reduced neuron (w + u, a + b)",
        sp.Matrix([on_line(zk) for zk in z]), sp.Matrix([(a[k] + b[k]) * sigma(s) for k in range(n)]))
s1st = sp.Subs(sp.Derivative(sigma(t), t), t, s).doit()
s2nd = sp.Subs(sp.Derivative(sigma(t), t, 2), t, s).doit()
hh = sp.Matrix(d, d, lambda i, j: h[i] * h[j])
confirm("∂z/∂v = 0 and ∂z/∂c = 0 on the whole line, for every u, b (so all mixed second derivatives of the "
        "network with (v, c) vanish)", sp.Matrix([on_line(sp.diff(zk, x)) for zk in z for x in v + c]),
        sp.zeros(n * (d + n), 1))
confirm("∂²z_k/∂v_i∂v_j = μ(1−μ)(a_k + b_k) σ''(w̃·h) h_i h_j",
        sp.Matrix(d, d, lambda i, j: on_line(sp.diff(z[0], v[i], v[j]))), mu * (1 - mu) * (a[0] + b[0]) * s2nd * hh)
confirm("∂²z_k/∂v_i∂c_m = δ_km σ'(w̃·h) h_i and ∂²z_k/∂c_m∂c_l = 0",
        sp.Matrix([[on_line(sp.diff(z[k], v[i], c[m])) for m in range(n)] for k in range(n) for i in range(d)]
                  + [[on_line(sp.diff(z[k], c[m], c[l])) for m in range(n)] for k in range(n) for l in range(n)]),
        sp.Matrix([[(1 if k == m else 0) * s1st * h[i] for m in range(n)] for k in range(n) for i in range(d)]
                  + [[0] * n for _ in range(n * n)]))
confirm("∂²z/∂(v, c)∂(u, b) = 0: no coupling between the split coordinates and the reduced ones",
        sp.Matrix([on_line(sp.diff(zk, x, y)) for zk in z for x in v + c for y in u + b]),
        sp.zeros(n * (d + n) * (d + n), 1))

# The loss: L = Φ(z, t), Φ with non-zero second derivatives (a stand-in for later layers, the loss and the
# sum over samples): on the line its (v, c) derivatives are Σ_k g_k ∂²z_k, g_k = ∂Φ/∂z_k, and vanish against t
alpha = sp.symbols("alpha1:4", real=True)
zs = sp.symbols("zeta1:3", real=True)
Phi_of = alpha[0] * zs[0] ** 2 + alpha[1] * zs[0] * zs[1] * t + alpha[2] * zs[1] ** 3 + t ** 2 * zs[1]
Phi = Phi_of.subs(dict(zip(zs, z)))
g = [sp.diff(Phi_of, zs[k]).subs(dict(zip(zs, [on_line(zk) for zk in z]))) for k in range(n)]
K_vv = sp.Matrix(d, d, lambda i, j: on_line(sp.diff(Phi, v[i], v[j])))
K_vc = sp.Matrix(d, n, lambda i, m: on_line(sp.diff(Phi, v[i], c[m])))
confirm("∂²L/∂v∂vᵀ = μ(1−μ) (aᵀg) σ'' hhᵀ = μ(1−μ) Y (per sample; Y = E[σ''(w̃·h)(aᵀg) hhᵀ] at b = 0)",
        K_vv.subs({bi: 0 for bi in b}), (mu * (1 - mu) * dot(a, g) * s2nd * hh).subs({bi: 0 for bi in b}))
confirm("∂²L/∂v∂cᵀ = σ' h gᵀ = U (per sample; U = E[σ'(w̃·h) h gᵀ]) and ∂²L/∂c∂cᵀ = 0",
        sp.Matrix.vstack(K_vc, sp.Matrix(n, n, lambda m, l: on_line(sp.diff(Phi, c[m], c[l])))),
        sp.Matrix.vstack(s1st * sp.Matrix(d, n, lambda i, m: h[i] * g[m]), sp.zeros(n, n)))
confirm("∂²L/∂(v, c)∂(u, b, t) = 0: H = H_r ⊕ K(μ) in the coordinates (θ', v, c)",
        sp.Matrix([on_line(sp.diff(Phi, x, y)) for x in v + c for y in u + b + (t,)]),
        sp.zeros((d + n) * (d + n + 1), 1))
# The coordinate change (w_j, w', a_j, a') ← (u, v, b, c) is invertible for every μ
Jw = sp.Matrix([[1, 1 - mu], [1, -mu]])
Ja = sp.Matrix([[mu, 1], [1 - mu, -1]])
confirm("det ∂(w_j, w')/∂(u, v) = −1 and det ∂(a_j, a')/∂(b, c) = −1 for every μ (Sylvester applies on the "
        "whole line, μ ∈ {0, 1} and μ ∉ [0, 1] included)", sp.Matrix([Jw.det(), Ja.det()]), sp.Matrix([-1, -1]))
confirm("criticality: U a = Σ σ' h (aᵀg) = ∇_w L, so U a_j = 0 at a critical point (and U = 0 when n = d_out = 1)",
        (K_vc * sp.Matrix(a)).subs({bi: 0 for bi in b}),
        sp.Matrix([on_line(sp.diff(Phi, ui)) for ui in u]).subs({bi: 0 for bi in b}))


# -- In K(μ) = (k, k, n − k) + In(μ(1−μ) ZᵀYZ), exactly, on random rational matrices ---------------------
def exact_inertia(M: sp.Matrix) -> tuple[int, int, int]:
    """(negative, zero, positive) of a rational symmetric matrix: its characteristic polynomial is real-rooted,
    so Descartes' rule of signs counts the positive roots exactly."""
    lam = sp.Symbol("lam")
    p = sp.Poly(M.charpoly(lam).as_expr(), lam)
    coeffs = p.all_coeffs()[::-1]                 # c_0, c_1, ...
    zero = next(i for i, co in enumerate(coeffs) if co != 0)

    def changes(cs):
        cs = [x for x in cs if x != 0]
        return sum(1 for x, y in zip(cs, cs[1:]) if x * y < 0)
    pos = changes(coeffs[::-1])
    neg = changes([co * (-1) ** i for i, co in enumerate(coeffs)][::-1])
    return neg, zero, pos


rng = random.Random(3)
checked = 0
for _ in range(60):
    dd, nn = rng.randint(1, 3), rng.randint(1, 3)
    k = rng.randint(0, min(dd, nn))
    L = sp.Matrix(dd, k, lambda i, j: sp.Rational(rng.randint(-5, 5), rng.randint(1, 4)))
    R = sp.Matrix(k, nn, lambda i, j: sp.Rational(rng.randint(-5, 5), rng.randint(1, 4)))
    U = L * R if k else sp.zeros(dd, nn)
    B = sp.Matrix(dd, dd, lambda i, j: sp.Rational(rng.randint(-6, 6), rng.randint(1, 3)))
    Yr = (B + B.T) / 2
    m_val = sp.Rational(rng.choice([-3, -1, 0, 1, 2, 3, 5]), 4)
    K = sp.BlockMatrix([[m_val * (1 - m_val) * Yr, U], [U.T, sp.zeros(nn, nn)]]).as_explicit()
    rank = U.rank()
    Z = sp.Matrix.hstack(*U.T.nullspace()) if rank < dd else sp.zeros(dd, 0)
    inner = exact_inertia(Z.T * (m_val * (1 - m_val) * Yr) * Z) if Z.shape[1] else (0, 0, 0)
    predicted = (rank + inner[0], nn - rank + inner[1], rank + inner[2])
    if exact_inertia(K) != predicted:
        raise ClaimMismatch(f"inertia formula fails: U = {U}, Y = {Yr}, μ = {m_val}: {exact_inertia(K)} vs {predicted}")
    checked += 1
confirm(f"In K(μ) = (rank U, n − rank U, rank U) + In(μ(1−μ) ZᵀYZ), Z a basis of ker Uᵀ — exact on {checked} "
        "random rational cases", sp.Integer(checked), 60)

# -- Corollaries 3.1/3.2 (d_out = 1, U = 0) ------------------------------------------------------------
y_pos, y_neg = sp.Symbol("y_plus", positive=True), sp.Symbol("y_minus", negative=True)
for mu_val, expected in ((sp.Rational(1, 2), "i-"), (sp.Rational(-1, 2), "i+"), (sp.Rational(3, 2), "i+")):
    signs = [sp.sign(mu_val * (1 - mu_val) * y) for y in (y_pos, y_neg)]
    index = sum(1 for sg in signs if sg < 0)
    require(index == 1, "one negative eigenvalue from one positive and one negative eigenvalue of Y")
    require((signs[1] < 0) == (expected == "i-"), f"μ = {mu_val}: the negative eigenvalue comes from {expected}")
confirm_that("Corollary 3.2: with U = 0 the index is i⁻ on (0, 1) and i⁺ on R∖[0, 1]; at μ ∈ {0, 1} K = 0 gives "
             "d + d_out zero eigenvalues", all(K_vv.subs(mu, m0).is_zero_matrix for m0 in (0, 1)))
# §6.3: 'at μ ∈ {0, 1} the SI point is a degenerate local minimum' — the path μ = −δ, then s along v:
delta, s_ = sp.symbols("delta s", positive=True)
y = sp.Symbol("y", positive=True)            # vᵀYv > 0 (Y ≻ 0: the case where (0, 1) are minima)
second_order = sp.Rational(1, 2) * (-delta) * (1 + delta) * s_**2 * y
refute("§6.3 / Cor. 3.2: at μ ∈ {0, 1} the SI point is a (degenerate) local minimum",
       sp.Integer(int(bool(second_order < 0))), sp.Integer(0),
       "L(θ(−δ) + s·v) − L* = −½δ(1+δ)s² vᵀYv + O(s³) < 0 for Y ≻ 0 (and for the negative direction of an "
       "indefinite Y at μ = +δ): points of lower loss at distance O(δ + s) → 0. PSD Hessian, but a non-strict saddle "
       "(Y ≠ 0); only Y = 0 (zero residual) makes the endpoints minima")
# §6.3: '12 eigenvalues cross 0 at μ = 0' (11×11 Y, d_out = 1)
d63 = 11
confirm("§6.3: at μ = 0, d + d_out = 12 Hessian eigenvalues vanish (11×11 Y, one output, U = 0, H_r ≻ 0)",
        sp.Integer(d63 + 1), 12)
refute("§6.3: 12 eigenvalues cross 0 at μ = 0", sp.Integer(d63), sp.Integer(12),
       "the c-direction eigenvalue is 0 for every μ (the line itself); only the d = 11 from μ(1−μ)Y change sign "
       "(if Y is non-singular)")

# §6.3: the Y formula for a duplicated neuron in a hidden layer that is not the last
q = sp.symbols("q1:3", real=True)          # weights of the (last) layer after layer l+1
zz = sp.symbols("z1:3", real=True)         # z^{l+1}
f_out = sum(q[k] * sigma(zz[k]) for k in range(n))
resid = sp.Symbol("e", real=True)          # f − f* for one sample
g_true = [resid * sp.diff(f_out, zz[k]) for k in range(n)]   # ∂(½(f − f*)²)/∂z^{l+1}_k
weight_true = dot(a, g_true)
weight_thesis = dot(a, [resid] * n)          # a_j^l (f^L − f^*), contracted (the only reading with a scalar result)
refute("§6.3: Y(w_j^l, b_j^l, a_j^l) = E[σ''(·)[f^{l−1},1][f^{l−1},1]ᵀ a_j^l (f^L − f^*)] for a layer that is not the last",
       weight_true, weight_thesis,
       "the weight of σ''hhᵀ is a_jᵀ g^{l+1}, g^{l+1} = ∂ℓ/∂z^{l+1} = (f − f*) ⊙ ∂f/∂z^{l+1}: the residual must be "
       "back-propagated through the later layers (the thesis's form is right only for the last hidden layer)")
