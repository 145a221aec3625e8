"""Seed 002 §2 and Assumption 2: which networks are positively two-homogeneous; Lemma C.5.

Exact checks with a positive symbol c (symsaddle.ncf.homogeneity): H(x; cθ) − c²H(x; θ) ≡ 0,
Euler's identity θᵀ∇H = 2H, and λ = uᵀ∇N(u) = 2N(u) for the NCF (Lemma C.5's multiplier).
"""

import numpy as np
import sympy as sp

import symsaddle as ss
from symsaddle.ncf import check_two_homogeneous, deep_relu_two_trainable
from symsaddle.ncf.homogeneity import euler_residuals, scaled_residuals
from _claims import confirm, require

families = {
    "two-layer ReLU Σ a_j σ(w_jᵀx)": ss.models.two_layer(2, 2, "relu"),
    "two-layer leaky ReLU": ss.models.two_layer(2, 2, "leaky_relu"),
    "single-layer squared ReLU Σ σ(w_jᵀx)² (outer weights fixed)":
        ss.models.two_layer(2, 2, "squared_relu", output_weights=[1, 1]),
    "deep ReLU W₃σ(W₂σ(W₁x)) with only W₁, W₃ trainable":
        deep_relu_two_trainable([2, 2, 2, 1], (1, 3), {2: np.array([[1.0, -2.0], [0.5, 1.0]])}),
    "diagonal linear ⟨u ⊙ v, x⟩ (not in the paper's list)": ss.models.diagonal_linear(2),
}
for name, model in families.items():
    confirm(f"§2: {name} is two-homogeneous, H(x; cθ) = c²H(x; θ)", sp.Matrix(scaled_residuals(model)),
            sp.zeros(model.d_out, 1))
    confirm(f"Euler θᵀ∇H = 2H for {name}", sp.Matrix(euler_residuals(model)), sp.zeros(model.d_out, 1))

# "requires ... two-homogeneous, which rules out deep ReLU networks with more than 2 trainable layers"
deep = ss.models.mlp([2, 2, 2, 1], "relu", bias=False)
confirm("§4: a 3-trainable-layer ReLU net is 3-homogeneous, not 2", sp.Matrix(scaled_residuals(deep, degree=3)),
        sp.zeros(1, 1))
require(not check_two_homogeneous(deep).homogeneous, "a 3-layer ReLU net passed the two-homogeneity check")
squared_trainable_outer = ss.models.two_layer(2, 2, "squared_relu")
require(not check_two_homogeneous(squared_trainable_outer).homogeneous,
        "squared ReLU with a trainable outer layer passed the two-homogeneity check")
print("CONFIRMED  squared ReLU with a trainable outer layer is 3-homogeneous: the outer weights must be fixed")

# Lemma C.5: at a KKT point λ = 2N. For every u (a.e.), uᵀ∇N(u) = 2N(u) with N = Σ z_i H(x_i; u).
model = ss.models.two_layer(2, 1, "relu")
obj = ss.Objective.symbolic(model, n=2, loss="linear", normalization="sum")
u = sp.Matrix(model.parameters)
confirm("Lemma C.5: uᵀ∇N(u) = 2N(u) (hence λ = 2N at a KKT point)",
        sp.expand((u.T * obj.gradient)[0]), sp.expand(2 * obj.expression))
print("seed 002 §2 homogeneity recomputed")
