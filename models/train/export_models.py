"""Export a finished run to the shipped model files through the project's exporter (export.py).

    python3 -m models.train.export_models --run models/train/runs/cpu [--out models]

Writes models/cocolor-nir.safetensors (the NIR model the ablation chose: F_N alone, cooperative F_N or
the fused graph), models/cocolor-gray.safetensors (F_G before or after cooperation, whichever validates
better), both fp16, with the contract metadata (task, input/output spaces and ranges, train resolution,
version, provenance with data and metrics), and
models/cocolor-train-state.pt (fp16 training state of all networks: what --resume-from-shipped loads).
"""
import argparse
import json
import os

import torch

from . import export
from .checkpoints import MODELS_DIR, load_models_for_eval, run_summary, training_state
from .cocolor_nets import HINT_CHANNELS
from .evaluate import pooled_epfl

VERSION = "1.0.0"
DATA_NOTE = ("VCIP 2020 NIR colorization challenge training pairs and EPFL RGB-NIR Scene dataset "
             "(M. Brown, S. Suesstrunk, CVPR 2011); RGB photos from BSDS500, McMaster, Sun-Hays 80, "
             "Urban100. Research datasets, research-use terms.")


def last_crop(lineage, task, default):
    """The crop side of the last run that trained this task's network: a run that only
    fine-tuned the other network says nothing about this one's training resolution."""
    net = "fn" if task == "nir" else "fg"
    trained = [run["crop"] for run in lineage if run.get("steps", {}).get(net, 0) > 0 and "crop" in run]
    return trained[-1] if trained else default


def _summary(metrics, row):
    out = {}
    for s, rows in metrics.items():
        m = rows.get(row)
        if m:
            out[s] = {k: round(m[k], 4) for k in ("psnr", "ssim", "ae", "colf_ratio")} | {"n": m["n"]}
    return out


def export_run(run_dir, out_dir=MODELS_DIR, log=print):
    ck = torch.load(os.path.join(run_dir, "last.pt"), map_location="cpu", weights_only=False)
    res_path = os.path.join(run_dir, "results.json")
    results = json.load(open(res_path)) if os.path.exists(res_path) else {}
    cfg = ck["config"]
    choice = ck.get("nir_choice", results.get("nir_choice", "coop"))
    gray_choice = ck.get("gray_choice", results.get("gray_choice", "coop"))
    nets = load_models_for_eval(ck, choice, gray_choice)
    # the runs these weights went through, oldest first (a run continuing the shipped weights adds one)
    lineage = ck.get("lineage", []) + [run_summary(cfg, ck["steps"])]
    common = {"config": cfg["name"], "seed": cfg["seed"], "data": DATA_NOTE,
              "training": "CoColor cooperative schedule (models/train), runs oldest first: " + json.dumps(lineage),
              "content_scale": (f"NIR pairs at {cfg['epfl_scale']:.3f} of camera resolution (VCIP: 680-px squares "
                                f"-> 256); photos at <= {cfg['photo_max_side']} px; train_resolution is the crop side"),
              "evaluated_on": "held-out validation splits (VCIP by source group, EPFL ids, photo files)"}
    met = results.get("metrics", {})
    for task in ("nir", "gray"):
        row = task
        src = met.get(choice if task == "nir" else gray_choice, {})
        m = _summary(src, row)
        pe = pooled_epfl(src).get(row) if src else None
        if pe:
            m["epfl_all"] = {k: round(pe[k], 4) for k in ("psnr", "ssim", "ae", "colf_ratio")} | {"n": pe["n"]}
        base = _summary(src, "nocolour_" + task)
        prov = dict(common, network=("F_N " + choice) if task == "nir" else f"F_G {gray_choice}",
                    metrics=m, nocolour_baseline=base)
        k = getattr(nets[task], "n_hints", 0)    # a network with colour-hint inputs declares them
        hints = export.hint_contract(HINT_CHANNELS[nets[task].mode]) if k else None
        contract = export.make_contract(task, input_channels=1 + k,
                                        input_space="nir" if task == "nir" else "srgb-luma",
                                        output_space="srgb", train_resolution=last_crop(lineage, task, cfg["crop"]),
                                        version=VERSION, provenance=prov, hints=hints)
        path = os.path.join(out_dir, f"cocolor-{task}.safetensors")
        graph = export.export_model(nets[task].float().eval(), path, contract, dtype="fp16")
        log(f"exported {path}: {len(graph['nodes'])} nodes, {os.path.getsize(path) / 2**20:.2f} MiB")
    path = os.path.join(out_dir, "cocolor-train-state.pt")
    torch.save(training_state(ck, choice, gray_choice, lineage), path)
    log(f"wrote {path} ({os.path.getsize(path) / 2**20:.2f} MiB)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", default=MODELS_DIR)
    a = ap.parse_args(argv)
    export_run(a.run, a.out)


if __name__ == "__main__":
    main()
