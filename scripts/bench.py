"""The benchmark: one run, one report (bench/RESULTS.md, plots and a contact sheet).

    python3 scripts/bench.py                      # everything, about 1.5-2 hours on 2 cores
    python3 scripts/bench.py --only generation    # parts: generation, large, training, peers, curves, judges, report

- generation: time, peak memory and GFLOP/s at 512²-4096² for the bundled models; each size
  runs in a fresh process, so its peak memory is its own.
- large: `texgan generate` to a PNG at 8192² and 16384², 8 and 16 bit: time and peak memory.
- training: seconds per step of the default recipes (tile in float32 and in bfloat16).
- peers: GIMP texturize and G'MIC (installed from Debian by the script) on each photo's
  exemplar quadrant, scored (scripts/bench_peers.py).
- curves: held-out quality against CPU time while training tile and dcgan models.
- judges: the two-sample judge on the photo's own unseen quadrants and the peers' outputs
  (bench/judges.json), the references TexGAN's judge readings are read against.
- report: the curves, headline, by-scale and judge tables and bench/contact_sheet.png from the
  earlier parts' JSON and PNGs.
Needs matplotlib for the curve plot (`pip install matplotlib`); nothing else beyond the package.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
RESULTS = ROOT / "bench" / "RESULTS.md"
SIZES = (512, 1024, 2048, 4096)


def machine_header():
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads")


def measure_generation(model_name, size, repeats=3):
    """Runs in a child process: time a warm generation and report peak memory (RSS)."""
    import texgan_core
    from texgan_core.flops import count_flops

    model = texgan_core.load_model(model_name, device="cpu")
    model.generate(model.stride * 4, model.stride * 4)  # warm-up: kernels, allocator
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        model.generate(size, size, seed=seed)
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    flops = count_flops(model, min(size, 1024), min(size, 1024)) * (max(size, 1024) / 1024) ** 2
    return {"model": model_name, "size": size, "seconds": min(times), "peak_mib": peak,
            "base_mib": base, "gflop": flops / 1e9}


def generation_rows(models):
    rows = []
    for name in models:
        for size in SIZES:
            out = subprocess.run([sys.executable, __file__, "--child", name, str(size)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"generate {name} {size}²: {row['seconds']:.2f} s, peak {row['peak_mib']:.0f} MiB", flush=True)
    lines = ["## Generation (CPU)", "",
             "Best of 3 warm runs; peak memory is the process's peak RSS (torch and the model "
             "included); sizes above 1024² are generated in 1024² chunks.", "",
             "| model | size | time (s) | peak memory (MiB) | GFLOP | achieved GFLOP/s |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['size']}² | {r['seconds']:.2f} | {r['peak_mib']:.0f} | "
                     f"{r['gflop']:.1f} | {r['gflop'] / r['seconds']:.1f} |")
    return lines


LARGE_SIZES = (8192, 16384)


def large_rows(model_name, sizes=LARGE_SIZES):
    """`texgan generate` as an artist runs it, to a PNG file: the wall time and the peak
    memory of that whole process, which writes the frame band by band."""
    scratch = ROOT / "bench" / ".scratch-large.png"
    lines = ["## Large textures from the command line (CPU)", "",
             f"`texgan generate {model_name} --size N×N --out FILE.png`, one fresh process each: wall "
             "time (loading included) and the process's peak RSS. The PNG is written band by band "
             "as the 1024² chunks come, so the frame is never whole in memory; what still grows with "
             "the size is the frame's noise (1.4 GB at 16384²), drawn whole up front so that a seed "
             "gives one texture however it is chunked; each chunk's window of it is taken as the "
             "chunk is made.", "",
             "| size | bits | time (s) | peak memory (MiB) | file (MB) |", "|---|---|---|---|---|"]
    for size in sizes:
        for bits in (8, 16):
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "texgan_core", "generate", model_name, "--size",
                                     f"{size}x{size}", "--bits", str(bits), "--out", str(scratch)],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)     # this child's own peak, not the largest so far
            seconds = time.perf_counter() - t0
            proc.returncode = status = os.waitstatus_to_exitcode(status)
            if status:
                raise RuntimeError(f"texgan generate {size}² {bits}-bit failed ({status})")
            lines.append(f"| {size}² | {bits} | {seconds:.0f} | {usage.ru_maxrss / 1024:.0f} | "
                         f"{scratch.stat().st_size / 1e6:.1f} |")
            print(lines[-1], flush=True)
    scratch.unlink()
    return lines


def training_rows(exemplar, steps=30):
    import torch

    from texgan_core.config import TrainConfig
    from texgan_core.devices import native_bf16
    from texgan_core.train import Trainer

    lines = ["## Training step (CPU)", "",
             f"Default recipe on `{Path(exemplar).name}`, mean of {steps} steps after 3 warm-up steps; "
             "precision: the forward passes' (`--precision`, default fp32; bf16 is native on this CPU "
             "or emulated).", "",
             "| arch | precision | threads | crop | batch | s/step | steps/s |", "|---|---|---|---|---|---|---|"]
    default_threads = torch.get_num_threads()
    bf16 = "bf16 (native)" if native_bf16(torch.device("cpu")) else "bf16 (emulated)"
    for arch, precision in (("tile", "fp32"), ("tile", "bf16"), ("dcgan", "fp32")):
        for threads in sorted({1, default_threads}):
            torch.set_num_threads(threads)
            trainer = Trainer([exemplar], ROOT / "bench" / ".scratch.texgan", arch=arch,
                              train_config=TrainConfig(precision=precision), device="cpu")
            for _ in range(3):
                trainer.train_step()
            t0 = time.perf_counter()
            for _ in range(steps):
                trainer.train_step()
            dt = (time.perf_counter() - t0) / steps
            label = bf16 if precision == "bf16" else precision
            tc = trainer.tc
            lines.append(f"| {arch} | {label} | {threads} | {tc.crop} | {tc.batch} | {dt:.3f} | {1 / dt:.2f} |")
            print(lines[-1], flush=True)
    torch.set_num_threads(default_threads)
    return lines


CURVE_PHOTOS = ("bricks", "stone", "gravel", "ground", "wood", "tiles", "metal", "grass")


def curve_rows(photos, budgets, every_s, parallel=2):
    """Quality-versus-time curves: one child process per (photo, arch), `parallel` at once,
    each on one thread. Returns the table lines and the results (for the plot and sheet)."""
    jobs = [(photo, arch, budget) for photo in photos for arch, budget in budgets.items()]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out_dir = ROOT / "bench" / "outputs"
    running, results = [], []
    while jobs or running:
        while jobs and len(running) < parallel:
            photo, arch, budget = jobs.pop(0)
            cmd = [sys.executable, str(ROOT / "scripts" / "benchlib" / "curves.py"),
                   str(ROOT / "bench" / "photos" / f"{photo}.png"), arch, str(budget), str(every_s), str(out_dir)]
            running.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env))
        time.sleep(2)
        for proc in [p for p in running if p.poll() is not None]:
            running.remove(proc)
            results.append(json.loads(proc.stdout.read().strip().splitlines()[-1]))
    results.sort(key=lambda r: (r["photo"], r["arch"]))
    (ROOT / "bench" / "curves.json").write_text(json.dumps(results, indent=1))
    plot_curves(results, ROOT / "bench" / "curves.png")
    return curve_lines(results, every_s), results


def curve_lines(results, every_s):
    """The training-curves table from curve results (bench/curves.json)."""
    lines = ["## Training curves", "",
             f"Each model trains on the photo's top-left 256² only, on one CPU thread, for a budget of "
             f"CPU seconds spent training (evaluation excluded); every {every_s:.0f} s two 512² outputs are "
             "scored: held-out SWD against the unseen bottom-right quadrant (lower is better). The trained "
             "model is then scored on eight 512² outputs (seeds 0-7): held-out SWD ('final'), seam (1.0 = none; "
             "mean, and the range over the eight), copying (share of 16² patches copied from the exemplar) and "
             "the two-sample judge's accuracy (0.5 = indistinguishable; mean of four judges, each trained on one "
             "output, and their range). Plot: `bench/curves.png`; raw points: `bench/curves.json`.", "",
             "| photo | arch | steps | steps/s | held-out SWD first → last | best | final | seam | copying "
             "| two-sample |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        p, f = r["points"], final_scores(r)
        lines.append(f"| {r['photo']} | {r['arch']} | {p[-1]['step']} | {r['steps_per_s']:.2f} | "
                     f"{p[0]['held_swd']:.0f} → {p[-1]['held_swd']:.0f} | {min(q['held_swd'] for q in p):.0f} | "
                     f"{f['held_swd']:.0f} | {_with_span(f['seam'], f.get('seam_each'))} | {f['copying']:.1%} | "
                     f"{_with_span(r['two_sample'], f.get('two_sample_each'))} |")
    return lines


def final_scores(result):
    """The trained model's scores: its final eight-output scoring, or (curves run before that
    existed) the last curve point."""
    return result.get("final") or result["points"][-1]


def _span(values):
    return f"{min(values):.2f}–{max(values):.2f}" if values else "—"


def _with_span(mean, values):
    """A table cell: the mean, and the range of the readings it averages."""
    return f"{mean:.2f} ({_span(values)})"


def plot_curves(results, path):
    try:
        import matplotlib
    except ImportError:
        print("no matplotlib: curve plot skipped (pip install matplotlib)")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    photos = sorted({r["photo"] for r in results})
    cols = 4
    rows = -(-len(photos) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, photo in zip(axes.flat, photos):
        for r in (r for r in results if r["photo"] == photo):
            ax.plot([p["seconds"] / 60 for p in r["points"]], [p["held_swd"] for p in r["points"]],
                    marker="o", label=r["arch"])
        ax.set_title(photo)
        ax.set_xlabel("CPU minutes of training (1 thread)")
        ax.set_ylabel("held-out SWD")
        ax.legend()
    for ax in list(axes.flat)[len(photos):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def saved_curves():
    """The training curves the last `curves` run wrote (bench/curves.json)."""
    return json.loads((ROOT / "bench" / "curves.json").read_text())


def saved_peer_rows():
    """The peers' scores the last `peers` run wrote (bench/peers/scores.json)."""
    return json.loads((ROOT / "bench" / "peers" / "scores.json").read_text())["rows"]


def best_peer(peers, photo):
    """The tool with the lowest held-out SWD on the photo (the photo's own references and the
    naive tiling are not tools), or None."""
    tools = [r for r in peers if r["photo"] == photo and r["tool"] not in ("real", "exemplar", "naive")
             and "held_swd" in r]
    return min(tools, key=lambda r: r["held_swd"]) if tools else None


def headline_lines():
    """One row per photo: the photo's own references, the best peer, TexGAN and DCGAN, from
    bench/peers/scores.json and bench/curves.json (so it can be rebuilt without rerunning)."""
    peers, curves = saved_peer_rows(), saved_curves()
    lines = ["## Headline: held-out SWD (lower is better) on photos the models never saw whole", "",
             "Exemplar = the photo's top-left 256²; scored against its unseen bottom-right 256². "
             "'real' = the photo's two other unseen quadrants (a genuinely new sample scores this). "
             "TexGAN and DCGAN after their training budget, scored on eight 512² outputs (see Training "
             "curves); the two-sample judge's accuracy in brackets, the mean of four judges (0.5 = cannot "
             "tell the output from the photo).", "",
             "| photo | real | exemplar tiled | best peer | TexGAN tile | × best peer | seam | copying | DCGAN |",
             "|---|---|---|---|---|---|---|---|---|"]
    for photo in sorted({r["photo"] for r in curves}):
        ref = {r["tool"]: r for r in peers if r["photo"] == photo}
        best = best_peer(peers, photo)
        ours = {r["arch"]: r for r in curves if r["photo"] == photo}
        tile, dcgan = ours.get("tile"), ours.get("dcgan")
        t = final_scores(tile) if tile else None
        cells = [photo, f"{ref['real']['held_swd']:.0f}" if "real" in ref else "—",
                 f"{ref['exemplar']['held_swd']:.0f}" if "exemplar" in ref else "—",
                 f"{best['held_swd']:.0f} ({best['tool']})" if best else "—",
                 f"{t['held_swd']:.0f} ({tile['two_sample']:.2f})" if t else "—",
                 f"{t['held_swd'] / best['held_swd']:.2f}" if t and best else "—",
                 f"{t['seam']:.2f}" if t else "—", f"{t['copying']:.0%}" if t else "—",
                 f"{final_scores(dcgan)['held_swd']:.0f} ({dcgan['two_sample']:.2f})" if dcgan else "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def scale_lines():
    """Held-out SWD split by pyramid level for each photo's other quadrants, its best peer and
    TexGAN: at which scale the model is behind (recomputed from the PNGs, about a minute)."""
    import numpy as np

    from benchlib.peers import output_path
    from texgan_core.images import load_image
    from texgan_core.metrics import held_out_swd_levels, split_quadrants

    peers, curves = saved_peer_rows(), saved_curves()
    lines = ["## Held-out SWD by scale", "",
             "The headline's held-out SWD per Laplacian pyramid level, finest (256 px) first, coarsest "
             "(16 px) last; the headline is their mean. The coarsest level holds only 100 "
             "neighbourhoods and reads mostly sampling noise.", "",
             "| photo | real | best peer | TexGAN tile |", "|---|---|---|---|"]

    def cell(levels):
        return " · ".join(f"{v:.0f}" for v in levels)

    for photo in sorted({r["photo"] for r in curves if r["arch"] == "tile"}):
        q = split_quadrants(load_image(ROOT / "bench" / "photos" / f"{photo}.png")[..., :3])
        real = np.mean([held_out_swd_levels(o, q["held"]) for o in q["other"]], axis=0)
        best = best_peer(peers, photo)
        peer = (held_out_swd_levels(load_image(output_path(ROOT / "bench" / "peers", photo, best["tool"]))[..., :3],
                                    q["held"]) if best else None)
        ours = held_out_swd_levels(load_image(ROOT / "bench" / "outputs" / f"{photo}_tile.png")[..., :3], q["held"])
        lines.append(f"| {photo} | {cell(real)} | {cell(peer) + ' (' + best['tool'] + ')' if best else '—'} "
                     f"| {cell(ours)} |")
    return lines


JUDGE_COLUMNS = (("real top-right", "real top-right"), ("real bottom-left", "real bottom-left"),
                 ("naive", "exemplar tiled"), ("gimp_texturize", "GIMP texturize"),
                 ("gmic_matchpatch", "G'MIC matchpatch"), ("gmic_randomphase", "G'MIC random phase"))


def judge_lines():
    """The judge's accuracy against each photo's held-out quadrant: the photo's own other
    quadrants, the peers and TexGAN (from bench/judges.json and bench/curves.json)."""
    judges = {r["photo"]: r["readings"] for r in json.loads((ROOT / "bench" / "judges.json").read_text())}
    tiles = {r["photo"]: r for r in saved_curves() if r["arch"] == "tile"}
    lines = ["## Two-sample judge: TexGAN beside the photo itself and the peers", "",
             "Accuracy of the two-sample judge telling 48-px patches of a candidate from the held-out "
             "bottom-right quadrant (0.5 = cannot tell them apart): the mean of four judges and their "
             "range. The photo's own two other quadrants are what a genuinely new sample of the "
             "material scores; the peers have one output each (four judge seeds on it), TexGAN four "
             "outputs (one judge each). 0.50 (0.50–0.50) is four judges that each called (almost) "
             "every test patch one class: what they learned on the top halves did not hold on the "
             "bottom halves.", "",
             "| photo | " + " | ".join(header for _, header in JUDGE_COLUMNS) + " | TexGAN tile |",
             "|---|" + "---|" * (len(JUDGE_COLUMNS) + 1)]

    def cell(values):
        return _with_span(sum(values) / len(values), values) if values else "—"

    for photo in sorted(judges):
        tile = tiles.get(photo)
        ours = (final_scores(tile).get("two_sample_each") or [tile["two_sample"]]) if tile else []
        cells = [cell(judges[photo].get(name, [])) for name, _ in JUDGE_COLUMNS] + [cell(ours)]
        lines.append(f"| {photo} | " + " | ".join(cells) + " |")
    return lines


def write_contact_sheet(path=ROOT / "bench" / "contact_sheet.png"):
    """Each photo's row: the photo, the peers' outputs, TexGAN's and DCGAN's, all tiled 2×2."""
    from bench_peers import TOOLS
    from benchlib.peers import output_path
    from benchlib.sheet import contact_sheet

    from texgan_core.images import load_image

    curves = saved_curves()
    rows = []
    for photo in sorted({r["photo"] for r in curves}):
        items = [("photo (top-left 512²)", load_image(ROOT / "bench" / "photos" / f"{photo}.png")[:512, :512, :3])]
        for tool in TOOLS:
            p = output_path(ROOT / "bench" / "peers", photo, tool)
            if p.exists():
                items.append((tool.replace("_", " "), load_image(p)[..., :3]))
        for r in (r for r in curves if r["photo"] == photo):
            label = f"TexGAN {r['arch']}\nSWD {r['points'][-1]['held_swd']:.0f}"
            items.append((label, load_image(ROOT / "bench" / "outputs" / f"{photo}_{r['arch']}.png")[..., :3]))
        rows.append((photo, items))
    return contact_sheet(rows, path)


STAMPS = ("Each section opens with the machine, software and day it was measured on (`--only report` "
          "redraws tables from saved results and keeps those lines).")


def write_section(title, lines, measured=True):
    """Replace (or append) one `## title` section of RESULTS.md, keeping the others. A section
    measured now is stamped with this machine and today's date, and the machine goes on top;
    one only redrawn from saved results (`--only report`) keeps the stamp of the run that
    measured them."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = RESULTS.read_text() if RESULTS.exists() else ""
    head, *sections = text.split("\n## ")
    rest = {s.split("\n", 1)[0]: "## " + s for s in sections}
    machine = machine_header()
    if measured or "\nMachine: " not in head:
        head = f"# Benchmark results\n\n{machine}\n\n{STAMPS}\n"
    old_stamp = [line for line in rest.get(title, "").splitlines() if line.startswith("Machine: ")]
    stamp = [f"{machine}; {time.strftime('%Y-%m-%d')}"] if measured else old_stamp
    rest[title] = "\n".join([lines[0], *(["", *stamp] if stamp else []), *lines[1:]]) + "\n"
    RESULTS.write_text(head + "\n" + "\n".join(v.rstrip() + "\n" for v in rest.values()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="generation,large,training,peers,curves,judges,report")
    p.add_argument("--models", default="bricks,stone,wood")
    p.add_argument("--exemplar", default=str(ROOT / "bench" / "photos" / "bricks.png"))
    p.add_argument("--photos", default=",".join(CURVE_PHOTOS))
    p.add_argument("--tile-minutes", type=float, default=8.0)
    p.add_argument("--dcgan-minutes", type=float, default=2.0)
    p.add_argument("--every", type=float, default=60.0, help="seconds of training between evaluations")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure_generation(args.child[0], int(args.child[1]))))
        return
    parts = args.only.split(",")
    if "generation" in parts:
        lines = generation_rows(args.models.split(","))
        write_section(lines[0][3:], lines)
    if "large" in parts:
        lines = large_rows(args.models.split(",")[0])
        write_section(lines[0][3:], lines)
    if "training" in parts:
        lines = training_rows(args.exemplar)
        write_section(lines[0][3:], lines)
    if "peers" in parts:
        import bench_peers

        bench_peers.main([])
    if "curves" in parts:
        budgets = {"tile": args.tile_minutes * 60, "dcgan": args.dcgan_minutes * 60}
        lines, _ = curve_rows(args.photos.split(","), budgets, args.every)
        write_section(lines[0][3:], lines)
    if "judges" in parts:
        from bench_peers import TOOLS
        from benchlib.judges import reference_judges

        rows = [reference_judges(ROOT / "bench" / "photos" / f"{photo}.png", ROOT / "bench" / "peers", TOOLS)
                for photo in args.photos.split(",")]
        (ROOT / "bench" / "judges.json").write_text(json.dumps(rows, indent=1) + "\n")
    if "report" in parts:      # drawn from the saved curves, peers and judges: new if measured now
        measured_now = bool({"peers", "curves", "judges"} & set(parts))
        curves = saved_curves()
        plot_curves(curves, ROOT / "bench" / "curves.png")
        tables = [curve_lines(curves, args.every), headline_lines(), scale_lines()]
        if (ROOT / "bench" / "judges.json").exists():
            tables.append(judge_lines())
        for lines in tables:
            write_section(lines[0][3:], lines, measured=measured_now)
        print(write_contact_sheet())
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
