"""Peers on the same exemplars and output size, and their contact sheet (issue 7, parts 3–4).

    nice -n 10 python3 scripts/bench_peers.py                      # 8 photos, every peer
    python3 scripts/bench_peers.py --photos gravel bricks --no-install
    python3 scripts/bench_peers.py --report-only                   # tables and sheet from scores.json

Held-out protocol: a photo's top-left 512² is cut into 256² quadrants; each tool sees only
the top-left one (the exemplar) and makes a 512² texture that should tile; the texture is
scored against the unseen bottom-right quadrant. Installs GIMP, gimp-texturize and G'MIC
from Debian packages first (as root; `--no-install` uses what is there). Writes, in
bench/peers/: <photo>_<tool>.png, scores.json, PEERS.md (the tables) and contact_sheet.png.

scripts/bench.py calls `run_peers()`, `table_lines()` and `benchlib.sheet.contact_sheet()`.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from benchlib import peers  # noqa: E402
from benchlib.scoring import score_output  # noqa: E402
from benchlib.sheet import contact_sheet  # noqa: E402
from texgan_core import metrics  # noqa: E402

PHOTOS_DIR = ROOT / "bench" / "photos"
OUT_DIR = ROOT / "bench" / "peers"
DEFAULT_PHOTOS = ("bricks", "stone", "gravel", "ground", "wood", "tiles", "metal", "grass")
TOOLS = ("naive", "gimp_texturize", "gmic_matchpatch", "gmic_randomphase")
NAMES = {"naive": "exemplar tiled 2×2", "gimp_texturize": "GIMP texturize",
         "gmic_matchpatch": "G'MIC matchpatch", "gmic_randomphase": "G'MIC random phase",
         "real": "real (unseen quadrants)", "exemplar": "exemplar quadrant"}


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _photo_path(photo) -> Path:
    p = Path(photo)
    return p if p.suffix else PHOTOS_DIR / f"{photo}.png"


def _label(tool, s) -> str:
    return f"{NAMES[tool]}\nSWD {s['held_swd']:.0f} copy {100 * s['copying']:.0f}% seam {s['seam']:.2f}"


def _photo_item(image, real, exemplar, quadrant):
    """The contact sheet's first cell of a row: the photo's top-left (2·quadrant)² itself."""
    return (f"photo top-left {2 * quadrant}²\nreal SWD {real:.0f}, exemplar {exemplar:.0f}",
            image[:2 * quadrant, :2 * quadrant])


def run_peers(photos=DEFAULT_PHOTOS, out_dir=OUT_DIR, size=512, seed=0, install=True, tools=TOOLS,
              quadrant=256, log=print):
    """Run every available peer on each photo's exemplar quadrant and score the outputs.

    Returns (rows, sheet_rows). rows: one dict per (photo, tool), with tool 'real' and
    'exemplar' for the photo's own reference scores, and 'error' for a peer that failed.
    sheet_rows: [(photo, [(label, image), ...])] for `contact_sheet`: the photo's top-left
    512² itself, then each peer's output (the naive one is the exemplar tiled 2×2).
    `quadrant` is the exemplar's side (the photo must be at least twice that).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    have = peers.ensure_installed(log=log) if install else peers.available()
    for tool in tools:
        if not have.get(tool):
            log(f"peers: {tool} is not available and is left out")
    if have.get("gimp_texturize") and "gimp_texturize" in tools:
        peers.warm_up_gimp()
    rows, sheet_rows = [], []
    for photo in photos:
        path = _photo_path(photo)
        name = path.stem
        image = peers.load_rgb(path)
        quads = metrics.split_quadrants(image, quadrant)
        ref = metrics.reference_scores(image, seed=seed, size=quadrant)
        rows.append({"photo": name, "tool": "real", "held_swd": ref["real"], "real_each": ref["real_each"]})
        rows.append({"photo": name, "tool": "exemplar", "held_swd": ref["exemplar"]})
        items = [_photo_item(image, ref["real"], ref["exemplar"], quadrant)]
        with tempfile.TemporaryDirectory(prefix="texgan-peers-") as tmp:
            ex_path = peers.save_rgb(Path(tmp) / f"{name}_exemplar.png", quads["exemplar"])
            for tool in tools:
                if not have.get(tool):
                    continue
                out = peers.output_path(out_dir, name, tool)
                cpu0 = _cpu_seconds()
                try:
                    seconds = peers.PEERS[tool](ex_path, out, size=size, seed=seed)
                except (peers.PeerUnavailable, peers.PeerFailed) as e:
                    log(f"{name} {tool}: FAILED: {e}")
                    rows.append({"photo": name, "tool": tool, "error": str(e)})
                    continue
                cpu = _cpu_seconds() - cpu0
                output = peers.load_rgb(out)
                s = {"seconds": seconds, **score_output(output, quads, seed=seed), "cpu_seconds": cpu}
                rows.append({"photo": name, "tool": tool, **s})
                items.append((_label(tool, s), output))
                log(f"{name:8s} {tool:17s} {seconds:6.1f} s  held-out SWD {s['held_swd']:6.1f} "
                    f"(real {ref['real']:.1f})  to exemplar {s['swd_exemplar']:6.1f}  seam {s['seam']:.2f}  "
                    f"copying {100 * s['copying']:3.0f} %")
        sheet_rows.append((name, items))
    return rows, sheet_rows


def _fmt(v, spec=".1f"):
    return "—" if v is None else format(v, spec)


def table_lines(rows, tools=TOOLS) -> list[str]:
    """Markdown: a held-out SWD summary per photo, then every number per (photo, tool)."""
    by = {(r["photo"], r["tool"]): r for r in rows}
    photos = list(dict.fromkeys(r["photo"] for r in rows))
    tools = [t for t in tools if any((p, t) in by for p in photos)]
    peer_tools = [t for t in tools if t != "naive"]
    lines = ["## Peers on the same exemplars (held-out SWD, lower is better)", "",
             "Each tool sees only the photo's top-left 256² and makes a 512² texture that should tile; "
             "its four 256² windows are scored by SWD against the unseen bottom-right quadrant. "
             "'real' is what the photo's two other unseen quadrants score (a genuinely new sample of the "
             "material), 'exemplar' the training quadrant itself, which is also exactly what the exemplar "
             "tiled 2×2 scores (its 256² windows are the exemplar). 'best / exemplar': the best peer's "
             "held-out SWD over the exemplar's.", "",
             "| photo | real | exemplar | " + " | ".join(NAMES[t] for t in peer_tools)
             + " | best peer | best / exemplar |",
             "|---" * (len(peer_tools) + 5) + "|"]
    for p in photos:
        swd = {t: by[p, t].get("held_swd") for t in ["real", "exemplar", *peer_tools] if (p, t) in by}
        peer_swd = {t: swd[t] for t in peer_tools if swd.get(t) is not None}
        best = min(peer_swd, key=peer_swd.get) if peer_swd else None
        ratio = (peer_swd[best] / swd["exemplar"]) if best and swd.get("exemplar") else None
        cells = [_fmt(swd.get(t)) for t in ["real", "exemplar", *peer_tools]]
        lines.append(f"| {p} | " + " | ".join(cells) + f" | {NAMES.get(best, '—')} | {_fmt(ratio, '.2f')} |")
    lines += ["", "### Every number", "",
              "Wall time per 512² output includes the tool's process start (GIMP ~1.5 s); CPU is user + "
              "system time of the tool's processes (less sensitive to a busy machine). 'to exemplar': "
              "the same windows scored against the exemplar (low for tools that copy it). Seam: "
              "wrap-around edge / interior edges on the 32-px grid (1.0 = invisible); all edges beside it. "
              "Copying: share of 16² output patches that are near-verbatim exemplar patches.", "",
              "| photo | tool | time (s) | CPU (s) | held-out SWD | × real | to exemplar | seam | seam (all edges) | copying |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for p in photos:
        real = by.get((p, "real"), {}).get("held_swd")
        for t in tools:
            r = by.get((p, t))
            if r is None:
                continue
            if "error" in r:
                lines.append(f"| {p} | {NAMES[t]} | failed: {r['error'][:80]} | | | | | | | |")
                continue
            x_real = r["held_swd"] / real if real else None
            lines.append(f"| {p} | {NAMES[t]} | {_fmt(r['seconds'])} | {_fmt(r.get('cpu_seconds'))} | "
                         f"{r['held_swd']:.1f} | {_fmt(x_real, '.2f')} | {r['swd_exemplar']:.1f} | "
                         f"{r['seam']:.2f} | {r['seam_all_edges']:.2f} | {100 * r['copying']:.0f} % |")
    return lines


def saved_sheet_rows(rows, out_dir=OUT_DIR, quadrant=256, photos_dir=PHOTOS_DIR):
    """Contact-sheet rows from scores.json rows and the outputs saved beside it; runs nothing."""
    sheet_rows = []
    for photo in dict.fromkeys(r["photo"] for r in rows):
        by_tool = {r["tool"]: r for r in rows if r["photo"] == photo}
        image = peers.load_rgb(Path(photos_dir) / f"{photo}.png")
        items = [_photo_item(image, by_tool["real"]["held_swd"], by_tool["exemplar"]["held_swd"], quadrant)]
        items += [(_label(tool, r), peers.load_rgb(peers.output_path(out_dir, photo, tool)))
                  for tool, r in by_tool.items() if tool in TOOLS and "error" not in r]
        sheet_rows.append((photo, items))
    return sheet_rows


def write_report(out_dir, rows, meta, sheet_rows, tools=TOOLS, cell=192) -> list[str]:
    """PEERS.md (the tables) and contact_sheet.png in out_dir; returns the table lines."""
    lines = table_lines(rows, tools)
    versions = ", ".join(f"{k} {v}" for k, v in meta["packages"].items())
    (out_dir / "PEERS.md").write_text("\n".join(lines[:1] + ["", f"Tools: {versions}. {meta['date']}."]
                                                + lines[1:]) + "\n")
    contact_sheet(sheet_rows, out_dir / "contact_sheet.png", cell=cell)
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", nargs="+", default=list(DEFAULT_PHOTOS),
                    help="names in bench/photos or paths to PNGs (at least 512²)")
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--size", type=int, default=512, help="output side in px")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--no-install", action="store_true", help="do not apt-get install missing tools")
    ap.add_argument("--cell", type=int, default=192, help="contact-sheet px per 2×2 tiled image")
    ap.add_argument("--report-only", action="store_true",
                    help="rebuild PEERS.md and the contact sheet from scores.json and the saved outputs")
    args = ap.parse_args(argv)

    t0 = time.time()
    written = [args.out_dir / "PEERS.md", args.out_dir / "contact_sheet.png"]
    if args.report_only:
        saved = json.loads((args.out_dir / "scores.json").read_text())
        rows, meta = saved["rows"], saved["meta"]
        sheet_rows = saved_sheet_rows(rows, args.out_dir)
    else:
        rows, sheet_rows = run_peers(args.photos, args.out_dir, size=args.size, seed=args.seed,
                                     install=not args.no_install, tools=tuple(args.tools))
        meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.machine(),
                "python": platform.python_version(), "size": args.size, "seed": args.seed,
                "packages": peers.tool_versions(), "wall_seconds_total": time.time() - t0}
        (args.out_dir / "scores.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
        written.insert(0, args.out_dir / "scores.json")
    lines = write_report(args.out_dir, rows, meta, sheet_rows, tuple(args.tools), args.cell)
    print("\n".join(lines))
    print(f"\nwrote {', '.join(map(str, written))} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
