"""CoColor training from the command line: the whole staged schedule, checkpoint/resume, final evaluation,
export.

    python3 -m models.train.train --config cpu        # retrain from ../shared/data (about 2 h, 2 cores)
    python3 -m models.train.train --config device --budget-minutes 6.5   # one H100/H200 (data-pack)
    python3 -m models.train.train --config device --resume-from-shipped  # continue the shipped weights

Runs live in models/train/runs/<config>/ (ignored by git): last.pt (resumable: a rerun of the same command
continues where it stopped), log.txt, results.json (final metrics, the ablation's choices, steps, config).
"""
import argparse
import json
import os
import sys
import time

import torch

from . import schedule
from .checkpoints import MODELS_DIR, RUNS_DIR, TRAIN_STATE
from .cocolor_nets import count_params
from .config import get
from .data import Data
from .evaluate import final_evaluation
from .export_models import export_run
from .losses import WEIGHT_KEYS
from .trainer import Trainer


def finish_run(tr, log, out_dir=MODELS_DIR, export=True, device=None):
    """After the last stage: evaluation, results.json, the choices recorded in last.pt, export to out_dir."""
    results = final_evaluation(tr, log, device=device)
    results.update(times=tr.times, steps=tr.steps, config=tr.cfg)
    json.dump(results, open(os.path.join(tr.run_dir, "results.json"), "w"), indent=1)
    last = os.path.join(tr.run_dir, "last.pt")
    ck = torch.load(last, map_location="cpu", weights_only=False)
    ck["nir_choice"], ck["gray_choice"] = results["nir_choice"], results["gray_choice"]
    torch.save(ck, last)
    if export:
        export_run(tr.run_dir, out_dir, log=log)
    return results


def run_log(run_dir):
    """A log function that prints time-stamped lines and appends them to run_dir/log.txt."""
    os.makedirs(run_dir, exist_ok=True)
    logf = open(os.path.join(run_dir, "log.txt"), "a")

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()
    return log


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="cpu")
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--data", default=None, help="data root (default ../shared/data, else data-pack)")
    ap.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--resume-from-shipped", action="store_true",
                    help="start from models/cocolor-train-state.pt; run only the coop + fuse stages")
    ap.add_argument("--shipped-state", default=TRAIN_STATE)
    ap.add_argument("--max-minutes", type=float, default=None, help="stop (resumably) after this long")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", default=None, help="override stage steps, e.g. fg=100,fn=50")
    ap.add_argument("--budget-minutes", type=float, default=None,
                    help="size each stage to its share (config budget_frac) of this many minutes of training")
    ap.add_argument("--device", default=None, help="override the config's device (cpu, cuda)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a config value, e.g. --set crop=48 --set 'widths_colour=[8,16,16,24,32]'")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--snapshot-dir", default=None,
                    help="where the fractions of a stage named by --set snapshot_at=[...] leave the network "
                         "(default: the run folder)")
    a = ap.parse_args(argv)

    cfg = get(a.config)
    if a.threads:
        cfg["threads"] = a.threads
    if a.device:
        cfg["device"] = a.device
    for kv in a.set:
        k, v = kv.split("=", 1)
        if k not in cfg:
            sys.exit(f"--set {k}: not a config key")
        cfg[k] = json.loads(v)
    for k in ("w_gray", "w_nir"):
        if set(cfg[k]) - WEIGHT_KEYS:
            sys.exit(f"--set {k}: {sorted(set(cfg[k]) - WEIGHT_KEYS)} not loss weights ({sorted(WEIGHT_KEYS)})")
    step_over = {}
    if a.steps:
        for kv in a.steps.split(","):
            k, v = kv.split("=")
            step_over[k] = int(v)
        cfg["steps"].update(step_over)
    planned = cfg["resume_steps"] if a.resume_from_shipped else cfg["steps"]
    if cfg["hints"] and any(planned.get(s, 0) > 0 for s in schedule.HINTLESS_STAGES):
        sys.exit(f"--set hints=true: the {'/'.join(schedule.HINTLESS_STAGES)} stages take no hints; give them 0 "
                 f"steps ({'resume_steps' if a.resume_from_shipped else '--steps'})")
    if cfg["device"] == "cuda" and not torch.cuda.is_available():
        sys.exit("config wants CUDA but none is available")
    torch.set_num_threads(cfg["threads"])
    run_dir = a.run_dir or os.path.join(RUNS_DIR, a.config)
    log = run_log(run_dir)
    deadline = time.time() + 60 * a.max_minutes if a.max_minutes else None
    log(f"config {a.config}: {json.dumps(cfg)}")
    log(f"bf16 autocast: {'on' if schedule.bf16_enabled(cfg) else 'off'}")
    data = Data(a.data, epfl_scale=cfg["epfl_scale"], photo_max_side=cfg["photo_max_side"],
                val_every=cfg["val_every"], log=log)
    tr = Trainer(cfg, run_dir, data, log)
    tr.snapshot_dir = a.snapshot_dir
    log("params: " + ", ".join(f"{k} {count_params(m if k != 'fuse' else m.gate)/1e6:.3f} M"
                               for k, m in tr.nets.items()))
    last = os.path.join(run_dir, "last.pt")
    if os.path.exists(last) and not a.fresh:
        tr.resume(last)
    elif a.resume_from_shipped:
        tr.resume_from_shipped(a.shipped_state)
    tr.steps.update(step_over)   # --steps also overrides a resumed run's stage lengths
    if a.budget_minutes:
        frac = cfg.get("budget_frac") or {s: 1 / len(schedule.STAGES) for s in schedule.STAGES}
        tr.budget = {s: 60 * a.budget_minutes * f for s, f in frac.items() if s not in step_over}
    if not tr.run(deadline):
        return 3
    if a.no_eval:
        return 0
    finish_run(tr, log, export=not a.no_export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
