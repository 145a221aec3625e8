"""Seed 001 §3.2 (and §5.2): critical points of deep linear networks, recomputed symbolically.

Scalar chains (d_x = d_y = 1, widths 1-1-1 and 1-1-1-1) with n = 2 symbolic samples keep the
expressions small; L = ‖Y − W X‖_F² (normalization 2 of the toolkit's ½‖·‖²).
"""

import sympy as sp

import symsaddle as ss
from _claims import confirm, refute

# -- Σ = Σ^{1/2} Σ^{1/2 T} with the seed's Σ^{1/2} = Σ_YX Σ_XX⁻¹ X (columns are samples), 2-D data
X = sp.Matrix(2, 3, sp.symbols("x1:7", real=True))
Y = sp.Matrix(2, 3, sp.symbols("y1:7", real=True))
Sxx, Syx = X * X.T, Y * X.T
half = Syx * Sxx.inv() * X
confirm("§3.2 item 4: Σ^{1/2}(Σ^{1/2})ᵀ = Σ_YX Σ_XX⁻¹ Σ_XY", half * half.T, Syx * Sxx.inv() * Syx.T)

# -- scalar chain, two layers
m2 = ss.models.deep_linear([1, 1, 1])
obj2 = ss.Objective.symbolic(m2, n=2, normalization=2)
w1, w2 = m2.parameters
x, y = obj2.X, obj2.y
sxx, syx, syy = (x.T * x)[0, 0], (y.T * x)[0, 0], (y.T * y)[0, 0]
confirm("eq. (17): L = Σ_i (w₂w₁x_i − y_i)²", obj2.expression, sum((w2 * w1 * x[i, 0] - y[i, 0]) ** 2 for i in range(2)))

lam = syx**2 / sxx                       # Σ = Σ_YX Σ_XX⁻¹ Σ_XY, U = [1]
product_corrected = syx / sxx            # U_S U_Sᵀ Σ_YX Σ_XX⁻¹ for S = {1}
product_seed = syx * (1 / syx)           # eq. (18) as printed: U_S U_Sᵀ Σ_YX Σ_YX⁻¹
refute("eq. (18): W_H⋯W_1 = U_S U_Sᵀ Σ_YX Σ_YX⁻¹", product_corrected, product_seed,
       "Σ_YX Σ_YX⁻¹ is a typo for Σ_YX Σ_XX⁻¹ (the printed product is the identity, not a critical point)")
balanced = {w1: sp.sqrt(product_corrected), w2: sp.sqrt(product_corrected)}
confirm("the corrected product, balanced w₁ = w₂ = √(Σ_yx/Σ_xx), is critical",
        sp.simplify(obj2.gradient.subs(balanced)), sp.zeros(2, 1))
seed_point = {w1: 1, w2: product_seed}
g_seed = sp.simplify(obj2.gradient.subs(seed_point))
refute("eq. (18) as printed gives a critical point", g_seed, sp.zeros(2, 1),
       "the gradient at W = Σ_YXΣ_YX⁻¹ = 1 is 2(Σ_xx − Σ_yx)·(1, 1) ≠ 0 in general")
confirm("eq. (19): L = tr Σ_YY − λ₁ at S = {1}", sp.simplify(obj2.expression.subs(balanced)), syy - lam)
confirm("eq. (19): L = tr Σ_YY at S = ∅ (W = 0)", obj2.expression.subs({w1: 0, w2: 0}), syy)
confirm("λ₁ is the squared singular value of Σ^{1/2} = Σ_yx Σ_xx⁻¹ x (1×n)",
        sp.simplify(((syx / sxx) * x.T * x * (syx / sxx))[0, 0]), lam)

# -- §5.2 eq. (25): ∇_{W_j}L = W_j XXᵀ − YXᵀ is wrong for N ≥ 2
confirm("∂L/∂w₁ = 2w₂(w₂w₁Σ_xx − Σ_yx) (= 2A₁ᵀ(WΣ_XX − Σ_YX)B₁ᵀ)", obj2.gradient[0],
        2 * w2 * (w2 * w1 * sxx - syx))
refute("eq. (25): ∇_{W_1}L = W_1 XXᵀ − YXᵀ", sp.expand(obj2.gradient[0]), w1 * sxx - syx,
       "∇_{W_h}L = 2 A_hᵀ (W Σ_XX − Σ_YX) B_hᵀ with A_h = W_N⋯W_{h+1}, B_h = W_{h−1}⋯W_1")

# -- the zero point: strict for H = 2, non-strict (Hessian ≡ 0, D³ ≠ 0) for H = 3
H0 = obj2.hessian.subs({w1: 0, w2: 0})
confirm("H = 2: Hessian at 0 is [[0, −2Σ_yx], [−2Σ_yx, 0]] (eigenvalues ±2σ(Σ_YX))", H0,
        sp.Matrix([[0, -2 * syx], [-2 * syx, 0]]))
m3 = ss.models.deep_linear([1, 1, 1, 1])
obj3 = ss.Objective.symbolic(m3, n=2, normalization=2)
zero3 = {p: 0 for p in m3.parameters}
confirm("H = 3: Hessian at 0 vanishes identically", obj3.hessian.subs(zero3), sp.zeros(3, 3))
d3 = sp.expand(obj3.directional(3).subs(zero3))
xi = obj3.sample.directions
sxx3, syx3 = (obj3.X.T * obj3.X)[0, 0], (obj3.y.T * obj3.X)[0, 0]
confirm("H = 3: D³L(0)[ξ]³ = −12 Σ_yx ξ₁ξ₂ξ₃ ≠ 0, so 0 is a non-strict saddle", d3,
        sp.expand(-12 * syx3 * xi[0] * xi[1] * xi[2]))
cube = sp.cbrt(syx3 / sxx3)
confirm("H = 3: the balanced factorisation w_h = (Σ_yx/Σ_xx)^{1/3} is critical",
        sp.simplify(obj3.gradient.subs({p: cube for p in m3.parameters})), sp.zeros(3, 1))
print("seed 001 §3.2 / §5.2 derivation recomputed")
