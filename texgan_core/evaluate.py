"""Score a texture generator on one exemplar, and print the scores as a table.

`evaluate` takes a plain `generate_fn(width, height, seed) -> H×W×C float32 array`, so it
works the same for any model class, a non-learned peer or a baseline that tiles the
exemplar. With the held-out quadrant of the photo it adds the held-out SWD and the CNN
two-sample judge; `reference_rows` gives what the photo itself scores, for comparison.

    q = split_quadrants(photo)
    rows = {"model": evaluate(model.generate, q["exemplar"], q["held"])}
    rows.update(reference_rows(photo))
    print(format_table(rows))
"""

from __future__ import annotations

import time
from typing import Callable, Mapping

import numpy as np

from .metrics import as_image, copying, diversity, held_out_swd, seam, split_quadrants, swd
from .twosample import two_sample_accuracy

GenerateFn = Callable[[int, int, int], np.ndarray]  # (width, height, seed) -> H×W×C in [0, 1]


def evaluate(generate_fn: GenerateFn, exemplar, held=None, seeds=(0, 1, 2), size: int = 512, seed: int = 0,
             judge_steps: int = 300, on_progress=None) -> dict:
    """Generate size² outputs for each seed and score them; means over seeds, plus 'per_seed'.

    Keys: 'swd' (vs the exemplar), 'seam', 'seam_all_edges', 'copying', 'diversity' (NaN
    with one seed), 'diversity_exemplar' (two unrelated crops of the exemplar, for scale),
    'seconds_per_output'; with `held` also 'held_swd' and 'two_sample'. `seed` drives the
    metrics' own randomness. About 20 s per output on two busy CPU cores, most of it the
    two-sample judge (`judge_steps`). `on_progress(share done, what is next)` after each
    output made and each output scored.
    """
    ex = as_image(exemplar, "exemplar")
    outputs, seconds = [], []
    pieces = iter(range(1, 2 * len(seeds) + 1))

    def report(what):
        if on_progress is not None:
            on_progress(next(pieces) / (2 * len(seeds)), what)

    for s in seeds:
        t0 = time.perf_counter()
        out = as_image(generate_fn(size, size, s), "generate_fn output")
        seconds.append(time.perf_counter() - t0)
        if out.shape[:2] != (size, size):
            raise ValueError(f"generate_fn({size}, {size}, {s}) returned {out.shape[0]}×{out.shape[1]}")
        outputs.append(out)
        report(f"made seed {s}")

    per_seed: dict[str, list[float]] = {"swd": [], "seam": [], "seam_all_edges": [], "copying": []}
    if held is not None:
        per_seed.update(held_swd=[], two_sample=[])
    for out in outputs:
        # windows of the exemplar's size, as the held-out score and the benchmark do
        per_seed["swd"].append(held_out_swd(out, ex, window=min(ex.shape[:2]), seed=seed))
        for key, value in seam(out).items():
            per_seed[key].append(value)
        per_seed["copying"].append(copying(out, ex))
        if held is not None:
            per_seed["held_swd"].append(held_out_swd(out, held, window=min(np.shape(held)[:2]), seed=seed))
            per_seed["two_sample"].append(two_sample_accuracy(held, out, seed=seed, steps=judge_steps))
        report(f"scored {len(per_seed['swd'])} of {len(outputs)}")

    result = {k: float(np.mean(v)) for k, v in per_seed.items()}
    result["diversity"] = diversity(outputs) if len(outputs) > 1 else float("nan")
    h, w = ex.shape[:2]
    result["diversity_exemplar"] = diversity([ex, np.roll(ex, (h // 2, w // 2), axis=(0, 1))])
    result["seconds_per_output"] = float(np.mean(seconds))
    result["seeds"] = list(seeds)
    result["per_seed"] = per_seed
    return result


def tiling_generator(exemplar) -> GenerateFn:
    """A baseline generate_fn: the exemplar tiled, shifted by a seed-dependent offset.

    It copies everything (copying 1.0) and has no seam if the exemplar tiles; its
    diversity is high although every output is the same texture moved around.
    """
    ex = as_image(exemplar, "exemplar")

    def generate(width: int, height: int, seed: int) -> np.ndarray:
        dy, dx = np.random.default_rng(seed).integers(0, ex.shape[:2]) if seed else (0, 0)
        reps = (-(-height // ex.shape[0]) + 1, -(-width // ex.shape[1]) + 1, 1)
        return np.ascontiguousarray(np.tile(ex, reps)[dy:dy + height, dx:dx + width])

    return generate


def reference_rows(photo, seed: int = 0, judge_steps: int = 300, size: int = 256) -> dict[str, dict]:
    """Table rows for what the photo itself scores under the held-out protocol.

    'real': the two unseen quadrants the model never saw, scored like outputs (held-out
    SWD and judge: the level a perfect generator reaches; seam: a plain crop is not
    tileable; copying: chance matches with the exemplar, the floor for this photo).
    'exemplar tiled': `evaluate` of `tiling_generator` at (2·size)², what pure copying
    reaches. About a minute at the default size on two busy CPU cores.
    """
    q = split_quadrants(photo, size)
    ex, held, others = q["exemplar"], q["held"], q["other"]
    window = held.shape[0]
    real = {
        "swd": float(np.mean([swd(o, ex, seed=seed)["mean"] for o in others])),
        "held_swd": float(np.mean([held_out_swd(o, held, window=window, seed=seed) for o in others])),
        "two_sample": float(np.mean([two_sample_accuracy(held, o, seed=seed, steps=judge_steps) for o in others])),
        "seam": float(np.mean([seam(o)["seam"] for o in others])),
        "seam_all_edges": float(np.mean([seam(o)["seam_all_edges"] for o in others])),
        "copying": float(np.mean([copying(o, ex) for o in others])),
        "diversity": diversity(others),
    }
    tiled = evaluate(tiling_generator(ex), ex, held, seeds=(0,), size=2 * window, seed=seed, judge_steps=judge_steps)
    return {"real": real, "exemplar tiled": tiled}


# (key, header, format, what is best)
_COLUMNS = [
    ("held_swd", "held SWD", "{:.1f}", "lower; 'real' row = target"),
    ("swd", "SWD vs ex", "{:.1f}", "lower"),
    ("two_sample", "judge acc", "{:.2f}", "0.5 = indistinguishable"),
    ("seam", "seam", "{:.2f}", "wrap edge vs 32-px grid edges; 1.0 = no visible seam"),
    ("seam_all_edges", "seam(all)", "{:.2f}", "wrap edge vs all edges; 1.0 = no seam"),
    ("copying", "copied", "{:.0%}", "share of 16² patches copied near-verbatim from the exemplar"),
    ("diversity", "diversity", "{:.3f}", "mean |difference| between seeds; 0 = collapsed"),
    ("diversity_exemplar", "div ex", "{:.3f}", "the same between two unrelated exemplar crops"),
    ("seconds_per_output", "s/output", "{:.2f}", "generation time"),
]


def format_table(results: Mapping) -> str:
    """Plain-text table: one row per entry of {name: result}, or a single `evaluate` result.

    Rows may lack keys (shown as '-'); columns no row has are left out.
    """
    if any(k in results for k, *_ in _COLUMNS):
        results = {"": results}
    cols = [c for c in _COLUMNS if any(c[0] in r for r in results.values())]

    def cell(row, key, fmt):
        v = row.get(key)
        return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else fmt.format(v)

    table = [["", *[c[1] for c in cols]]]
    table += [[str(name), *[cell(row, key, fmt) for key, _, fmt, _ in cols]] for name, row in results.items()]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]).rstrip()
             for r in table]
    lines.insert(1, "-" * len(lines[0]))
    lines += [""] + [f"{header}: {best}" for _, header, _, best in cols]
    return "\n".join(lines)
