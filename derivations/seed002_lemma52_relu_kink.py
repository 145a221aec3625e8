"""Seed 002 Lemma 5.2 (w(t) ≈ δ·u(t), error O(δ²)) for the two-layer ReLU network of the notebook.

The notebook compares, after T = min_δ T_δ = 1106 steps of size η = 5e-5, gradient descent on
L = Σ ½(H − y)² from δ·w₀ with gradient ascent on the NCF N = Σ y_i H(x_i; u) from the same δ·w₀.
For a smooth network the two differ by O(δ²) in angle. Two neurons of this ReLU network head for
the kink KKT point (w, a) = (0, −1): there GD keeps crossing the kinks wᵀx_i = 0, and the GD map is
discontinuous across each kink (Step(0) = 0 on one side, 1 on the other). Two runs whose iterates
differ by O(δ²) relative then land on opposite sides of a kink at some step whenever a pre-activation
falls within that O(δ²) gap of 0, and from then on they differ by one step's jump of the gradient,
an O(η) angle that does not shrink with δ. This script shows it in plain NumPy (no toolkit code):

1. it reproduces the notebook's per-neuron angles (δ = 1e-3: 0.107° and 0.1125° for the two kink
   neurons, ~1e-4° for the others);
2. it finds the first step at which the two runs' activation patterns differ, and the pre-activations
   there (|wᵀx_i| of order δ²·|w|: the runs sit on opposite sides of a kink);
3. it repeats the comparison with η/2 over the same flow time (2T steps): the smooth neurons keep
   their O(δ²) angle, the jump angle of the kink neurons is O(η);
4. on a dense δ grid it counts how often the kink neurons jump: the smooth neurons' angle/δ² is
   constant, the kink neurons' is either the same constant or a jump of size O(η).

Run: python derivations/seed002_lemma52_relu_kink.py
"""

import numpy as np

import symsaddle as ss
from symsaddle.ncf import figure1_data, neuron_groups

X, y = figure1_data(seed=0)
model = ss.models.two_layer(2, 10, "relu")
groups = np.array(neuron_groups(model))                 # per neuron: (w₁, w₂, a) flat indices
w0 = np.random.default_rng(1).normal(size=model.n_parameters)
W0, A0 = w0[groups[:, :2]], w0[groups[:, 2]]             # (10, 2), (10,)
KINK = [4, 5]                                            # neurons whose NCF flow limit is (w, a) = (0, −1)


def step(W, A, z, eta, loss: bool):
    """One step on a batch (B, k, 2), (B, k): loss GD (z = y, residual r = H − y) or NCF ascent (z = y)."""
    pre = np.einsum("bkm,im->bki", W, X)
    act = (pre > 0).astype(float)                         # Step(0) = 0, the core's convention
    H = np.einsum("bk,bki->bi", A, np.maximum(pre, 0))
    c = (H - z) if loss else -z[None, :].repeat(len(W), 0)  # dL/dH or −dN/dH
    gW = np.einsum("bi,bk,bki,im->bkm", c, A, act, X)
    gA = np.einsum("bi,bki->bk", c, np.maximum(pre, 0))
    return W - eta * gW, A - eta * gA, pre


def angle(W1, A1, W2, A2):
    u = np.concatenate([W1, A1[..., None]], axis=-1)
    v = np.concatenate([W2, A2[..., None]], axis=-1)
    c = np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    s = np.linalg.norm(u / np.linalg.norm(u, axis=-1, keepdims=True) * np.linalg.norm(v, axis=-1, keepdims=True)
                       - v, axis=-1) / np.linalg.norm(v, axis=-1)
    return np.degrees(2 * np.arcsin(np.clip(s / 2, 0, 1)))   # accurate for tiny angles


def compare(deltas, eta, n_steps, report_first_split=False):
    deltas = np.asarray(deltas)
    Wl = deltas[:, None, None] * W0[None]
    Al = deltas[:, None] * A0[None]
    Wn, An = Wl.copy(), Al.copy()
    first = {}
    for k in range(n_steps):
        Wl, Al, pl = step(Wl, Al, y, eta, True)
        Wn, An, pn = step(Wn, An, y, eta, False)
        if report_first_split:
            diff = (pl > 0) != (pn > 0)
            for b in np.flatnonzero(diff.any(axis=(1, 2))):
                if b not in first:
                    j, i = np.argwhere(diff[b])[0]
                    first[b] = (k, j, i, pl[b, j, i], pn[b, j, i], np.linalg.norm(Wl[b, j]))
    return angle(Wl, Al, Wn, An), first


np.set_printoptions(linewidth=160, precision=3)
T, eta = 1106, 5e-5
deltas = 10.0 ** -np.arange(2, 9)
ang, first = compare(deltas, eta, T, report_first_split=True)
print(f"1. angle (deg) between loss GD and NCF GD per neuron after T = {T} steps, η = {eta:g}")
for d, row in zip(deltas, ang):
    print(f"   δ = {d:.0e}: {row}")
smooth = [j for j in range(10) if j not in KINK]
print("   max over smooth neurons / δ²:", (ang[:5, smooth].max(axis=1) / deltas[:5] ** 2).round(2))
print("2. first step at which the activation patterns of the two runs differ:")
for b, (k, j, i, a, c, n) in sorted(first.items()):
    print(f"   δ = {deltas[b]:.0e}: step {k}, neuron {j}, sample {i}: w·x_i = {a:+.3e} (loss GD) vs {c:+.3e} (NCF GD), "
          f"‖w_j‖ = {n:.2e}, |w·x_i|/‖w_j‖ = {abs(a) / n:.1e}")
half, _ = compare(deltas, eta / 2, 2 * T)
print(f"3. same flow time with η/2 ({2 * T} steps): kink neurons' angle (deg) per δ")
print("   η  :", ang[:, KINK].max(axis=1))
print("   η/2:", half[:, KINK].max(axis=1))
print("   smooth neurons, max angle / δ²: η", (ang[:5, smooth].max(axis=1) / deltas[:5] ** 2).round(2),
      " η/2", (half[:5, smooth].max(axis=1) / deltas[:5] ** 2).round(2))
dense = np.geomspace(1e-2, 1e-4, 41)
dang, _ = compare(dense, eta, T)
ratio_smooth = dang[:, smooth].max(axis=1) / dense**2
ratio_kink = dang[:, KINK].max(axis=1) / dense**2
jumps = dang[:, KINK].max(axis=1) > 10 * ratio_smooth.max() * dense**2
print(f"4. 41 δ in [1e-4, 1e-2]: smooth neurons' max angle/δ² in [{ratio_smooth.min():.1f}, {ratio_smooth.max():.1f}]; "
      f"kink neurons jump at {jumps.sum()} of 41 δ, jump size {dang[jumps][:, KINK].max(axis=1).min():.3f}°"
      f"…{dang[jumps][:, KINK].max(axis=1).max():.3f}°" if jumps.any() else "no jumps")
