"""The benchmark's numbers for one output, the same for TexGAN, DCGAN and every peer.

One scorer, one set of keys, so the training curves (bench/curves.json), the recipe
experiments (bench/experiments/*.json) and the peers (bench/peers/scores.json) can sit in
one table without renaming.
"""

from __future__ import annotations

import numpy as np

from texgan_core import metrics


def score_output(output, quadrants, seed: int = 0) -> dict:
    """Held-out protocol scores of one output (float H×W×C in [0, 1]).

    `quadrants` is `metrics.split_quadrants(photo)`. 'held_swd': the output's windows of the
    quadrant's size against the unseen bottom-right quadrant (lower is better).
    'swd_exemplar': the same windows against the exemplar (low by construction for a tool
    that copies it). 'seam', 'seam_all_edges': see `metrics.seam`. 'copying': share of
    16² patches copied from the exemplar, see `metrics.copying`.
    """
    out = metrics.as_image(output, "output")
    ex, held = quadrants["exemplar"], quadrants["held"]
    window = held.shape[0]
    seam = metrics.seam(out)
    return {"held_swd": metrics.held_out_swd(out, held, window=window, seed=seed),
            "swd_exemplar": metrics.held_out_swd(out, ex, window=window, seed=seed),
            "seam": seam["seam"], "seam_all_edges": seam["seam_all_edges"],
            "copying": metrics.copying(out, ex)}


def score_outputs(outputs, quadrants, seed: int = 0) -> dict:
    """`score_output` of each output (e.g. one per seed), averaged key by key."""
    return average_scores([score_output(o, quadrants, seed=seed) for o in outputs])


def average_scores(scores) -> dict:
    """Per-output score dicts averaged key by key."""
    return {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}
