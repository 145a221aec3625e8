"""Rebuild the README's gallery: small PNGs of figures the reproductions make.

    python docs/gallery/make_gallery.py [OUTPUT_DIR [THUMBNAIL ...]]

OUTPUT_DIR (default ``symsaddle-output``) holds one folder per case, ``symsaddle reproduce <case>
--out OUTPUT_DIR/<case>`` (the default layout of ``symsaddle reproduce <case>``); cases (and the demo) whose folder is missing are run first. Each thumbnail is the
figure's PNG scaled to at most 900 pixels wide, with a 256-colour palette. Naming thumbnails (e.g.
``diagonal-d7n5_convergence.png``) rebuilds only those, and runs only their cases.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
WIDTH = 900

#: thumbnail name → (case, or "demo"; PNG inside its folder)
GALLERY = {
    "diagonal-d7n5_gd_trajectory.png": ("diagonal-saddle-to-saddle-d7n5", "gd_trajectory.png"),
    "diagonal-d7n5_convergence.png": ("diagonal-saddle-to-saddle-d7n5", "convergence.png"),
    "diagonal-sparse-to-dense_l1_against_gamma.png": ("diagonal-sparse-to-dense", "l1_against_gamma.png"),
    "demo_trajectory.png": ("demo", "trajectory.png"),
    "deep-linear_figure1_plateaus.png": ("deep-linear-critical-points", "figure1_plateaus.png"),
    "deep-linear_figure2_escape.png": ("deep-linear-critical-points", "figure2_escape.png"),
    "deep-linear_figure3_ladder.png": ("deep-linear-step-size", "figure3_ladder.png"),
    "deep-linear_figure6_ratio.png": ("deep-linear-step-size", "figure6_ratio.png"),
    "ncf_squared_relu_figure1.png": ("ncf-near-origin", "squared_relu_figure1_sd1e-05.png"),
    "ncf_squared_relu_alignment.png": ("ncf-near-origin", "squared_relu_alignment.png"),
    "symmetry_figure4_4.png": ("symmetry-counts", "figure4_4.png"),
    "symmetry_spectrum_two-output.png": ("symmetry-inertia", "spectrum_two-output.png"),
}


def main(out: Path, names: list[str] | None = None) -> None:
    unknown = sorted(set(names or ()) - set(GALLERY))
    if unknown:
        raise SystemExit(f"not a gallery thumbnail: {', '.join(unknown)} (known: {', '.join(GALLERY)})")
    chosen = {n: GALLERY[n] for n in names} if names else GALLERY
    for case in sorted({c for c, _ in chosen.values()}):
        if not (out / case).is_dir():
            argv = ["demo", "--out", str(out / "demo")] if case == "demo" else ["reproduce", case, "--out", str(out / case)]
            subprocess.run(["symsaddle", *argv], check=True)
    for name, (case, png) in chosen.items():
        with Image.open(out / case / png) as im:
            scale = min(1.0, WIDTH / im.width)
            small = im.convert("RGB").resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
            small.quantize(colors=256).save(HERE / name, optimize=True)
        print(HERE / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("symsaddle-output"), sys.argv[2:])
