"""Seed 003 §4.2–4.4: the counts T(r, m) and G(r, m) of Şimşek et al. (2021), recomputed.

Three independent routes: (1) the closed forms (Stirling numbers, SymPy), (2) the thesis's own sums of
multinomials with the zero-type term done right, (3) brute-force enumeration of the labellings
φ: [m] → {0..r} onto {1..r}. The thesis's printed values are then compared with all three.
"""

from itertools import product
from math import factorial

import sympy as sp
from sympy.functions.combinatorial.numbers import stirling

from _seed003_claims import confirm, confirm_that, refute, require


def multinomial(ks):
    out = sp.factorial(sum(ks))
    for k in ks:
        out /= sp.factorial(k)
    return out


def T_closed(r, m):
    return factorial(r) * stirling(m + 1, r + 1)


def G_closed(r, m):
    return factorial(r) * stirling(m, r)


def enumerate_labellings(r, m, zero_type):
    labels = range(0 if zero_type else 1, r + 1)
    return sum(1 for phi in product(labels, repeat=m) if set(range(1, r + 1)) <= set(phi))


def multinomial_sum(r, m, zero_type):
    """Σ over group sizes (k_0 zero-type neurons, k_1..k_r ≥ 1) of m!/(k_0! k_1! ⋯ k_r!)."""
    k0s = range(0, m - r + 1) if zero_type else (0,)
    return sum(multinomial((k0,) + ks) for k0 in k0s for ks in product(range(1, m + 1), repeat=r) if k0 + sum(ks) == m)


for r in range(1, 5):
    for m in range(r, r + 4):
        for zero, closed in ((True, T_closed), (False, G_closed)):
            values = {closed(r, m), multinomial_sum(r, m, zero), enumerate_labellings(r, m, zero)}
            require(len(values) == 1, f"{'T' if zero else 'G'}({r},{m}): closed form, multinomial sum and "
                                      f"enumeration differ: {values}")
print("CONFIRMED  closed forms T = r!S(m+1,r+1), G = r!S(m,r) equal the multinomial sums and the enumeration "
      "for r ≤ 4, m ≤ r+3")

# §4.2: T(4,5) = Σ_{k_1+…+k_4=5, k_i≥1} (5; k) + 5 = 4·5!/2! + 5 = 245
replication_part = multinomial_sum(4, 5, zero_type=False)
confirm("§4.2: the replication part Σ_{k_1+…+k_4=5, k_i≥1} (5; k_1..k_4) = 4·5!/2! = 240", replication_part,
        4 * sp.factorial(5) / sp.factorial(2))
zero_part = multinomial_sum(4, 5, zero_type=True) - replication_part
refute("§4.2: the zero-type part is 5", zero_part, sp.Integer(5),
       "one zero-type neuron (5 positions) and the other four a permutation of the 4 teacher neurons: 5·4! = 120")
refute("§4.2/§4.4: T(4,5) = 245", T_closed(4, 5), sp.Integer(245),
       "T(4,5) = 4!·S(6,5) = 24·15 = 360 = 240 + 120")

# §4.4: G(3,4), T(4,4), G(3,5)
confirm("§4.4: G(3,4) = 3·4!/2! = 36", G_closed(3, 4), 3 * sp.factorial(4) / sp.factorial(2))
confirm("§4.4: T(4,4) = 4! = 24", T_closed(4, 4), sp.factorial(4))
printed = 3 * sp.factorial(4) / sp.factorial(3) + 3 * sp.factorial(4) / (sp.factorial(2) * sp.factorial(2))
require(printed == 30, "the printed G(3,5) expression evaluates to 30")
refute("§4.4: G(3,5) = 3·4!/3! + 3·4!/(2!2!) = 30", G_closed(3, 5), printed,
       "the compositions of 5 are (3,1,1)×3 and (2,2,1)×3 with multinomials 5!/3! = 20 and 5!/(2!2!) = 30: "
       "G(3,5) = 60 + 90 = 150")

# §4.4's comparison and trend
confirm_that("§4.4: at m = 4 the critical subspaces outnumber the global-minimum ones, G(3,4) > T(4,4)",
             G_closed(3, 4) > T_closed(4, 4))
confirm_that("§4.4: at m = 5 the global-minimum subspaces outnumber the critical ones, T(4,5) > G(3,5) "
             "(true with the correct values 360 > 150)", T_closed(4, 5) > G_closed(3, 5))
ratios = [sp.Rational(G_closed(3, m), T_closed(4, m)) for m in range(4, 16)]
confirm_that("§4.4: 'this trend holds the more we over-parameterize' — G(3,m)/T(4,m) decreases for m = 4..15",
             all(a > b for a, b in zip(ratios, ratios[1:])))

# Figure 4.4, r* = 30: where Σ_{r<30} G(r, m) first drops below T(30, m)
cross = next(h for h in range(60) if sum(G_closed(r, 30 + h) for r in range(1, 30)) < T_closed(30, 30 + h))
single = next(h for h in range(60) if G_closed(29, 30 + h) < T_closed(30, 30 + h))
confirm("Figure 4.4 (r* = 30): the sum of the G terms falls below T at h = 13 added neurons", sp.Integer(cross), 13)
confirm("Figure 4.4 (r* = 30): the largest single term G(29, m)/T(30, m) falls below 1 at h = 8", sp.Integer(single), 8)
r_star_4 = next(h for h in range(10) if sum(G_closed(r, 4 + h) for r in (1, 2, 3)) < T_closed(4, 4 + h))
confirm("for r* = 4 (the thesis's teacher) the sum over r = 1, 2, 3 falls below T already at h = 1",
        sp.Integer(r_star_4), 1)
