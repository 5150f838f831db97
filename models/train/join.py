"""Join continuations of the shipped weights that ran side by side.

On a device machine several `--resume-from-shipped` runs can share the one GPU, each training one network
on from the shipped state (F_N alone, or F_G before cooperation).  Their checkpoints are too large to come
back (16 MiB a file), so each is first cut down to the network it trained:

    python3 -m models.train.join slim RUN_DIR OUT.pt          # on the device machine
    python3 -m models.train.join join --run-dir DIR FN.pt FG.pt   # here: shipped state + these networks,
                                                                # then evaluation, results.json, export

`join` writes DIR/last.pt as a finished run would, so `finish_run` evaluates it and (unless --no-export)
exports the models and the training state.  Each part becomes one entry of the lineage.
"""
import argparse
import os

import torch

from . import schedule
from .checkpoints import STAGE_SNAPSHOT, TRAIN_STATE, network_part, run_summary, takes_hints
from .cocolor_nets import widen_state
from .data import Data
from .train import finish_run, run_log
from .trainer import Trainer


def scale_chroma(state, gain):
    """A colour network's state with its predicted Cb and Cr (head channels 1 and 2) multiplied by gain:
    exactly the network followed by that chroma gain, since the head is the last layer and to_rgb is linear."""
    state = dict(state)
    for k in ("core.head.weight", "core.head.bias"):
        t = state[k].clone()
        t[1:3] *= gain
        state[k] = t
    return state


def slim(run_dir, out, chroma_gain=1.0):
    ck = torch.load(os.path.join(run_dir, "last.pt"), map_location="cpu", weights_only=False)
    trained = [s for s in STAGE_SNAPSHOT if ck["steps"].get(s, 0) > 0]
    if len(trained) != 1:
        raise ValueError(f"slim: {run_dir} trained {trained or 'nothing'}; expected exactly one of fg, fn")
    stage = trained[0]
    # a run stopped by its deadline has not ended the stage: its current network is what it reached
    done = ck["stage_i"] > schedule.STAGES.index(stage)
    reached = ck["steps"][stage] if done else ck["step"]
    state = ck["nets"][stage]
    cfg = ck["config"]
    if chroma_gain != 1.0:   # a calibration of the colour's strength, recorded in the part's lineage entry
        state, cfg = scale_chroma(state, chroma_gain), dict(cfg, chroma_gain=chroma_gain)
    # lineage: which weights it continued
    torch.save(network_part(stage, state, reached, cfg, ck["history"], ck["lineage"]), out)
    gain = f", chroma x{chroma_gain}" if chroma_gain != 1.0 else ""
    print(f"slim: {stage} after {reached} steps ({'stage finished' if done else 'stage not finished'}{gain}) -> {out}")


def join_parts(tr, parts, log=print):
    """Put each part's network (and its snapshot) into a trainer resumed from the shipped state; the
    trainer then stands as a finished run."""
    stages = [p["stage"] for p in parts]
    if len(set(stages)) != len(stages):
        raise ValueError(f"join: two parts trained the same network ({stages})")
    for p in parts:
        if p["lineage"] != tr.lineage:
            raise ValueError(f"join: the {p['stage']} part continued other weights than the shipped state")
    tr.steps, tr.history = {}, []
    for i, p in enumerate(parts):
        s = p["stage"]
        tr.nets[s].load_state_dict({k: v.float() for k, v in p["state"].items()})
        tr.snapshots[STAGE_SNAPSHOT[s]] = {k: v.detach().clone() for k, v in tr.nets[s].state_dict().items()}
        tr.history += p["history"]
        if i < len(parts) - 1:
            tr.lineage.append(run_summary(p["config"], p["steps"]))
        else:
            tr.steps = dict(p["steps"])   # the last part's run is the one export appends to the lineage
        log(f"join: {s} from a continuation of {p['steps'][s]} steps "
            f"(crop {p['config']['crop']}, batch {p['config']['batch']}, lr {p['config']['lr']})")
    tr.stage_i, tr.step = len(schedule.STAGES), 0


def without_hints(part):
    """A part trained with hint inputs as the network it is when given no hint: its hint columns dropped
    (exact, since no hint is zeros in every hint plane), for a continuation whose hints are not worth
    shipping but whose automatic result is."""
    if not takes_hints(part["config"], part["stage"]):
        return part
    return dict(part, state=widen_state(part["state"], ()), config=dict(part["config"], hints=False))


def join(parts, run_dir, data_root=None, shipped=TRAIN_STATE, export=True, drop_hints=()):
    log = run_log(run_dir)
    parts = [torch.load(p, map_location="cpu", weights_only=False) for p in parts]
    parts = [without_hints(p) if p["stage"] in drop_hints else p for p in parts]
    # the networks that keep hint inputs: the parts trained with them and not dropped
    cfg = dict(parts[-1]["config"], hints=[p["stage"] for p in parts if p["config"].get("hints")])
    data = Data(data_root, epfl_scale=cfg["epfl_scale"], photo_max_side=cfg["photo_max_side"],
                val_every=cfg["val_every"], log=log)
    tr = Trainer(dict(cfg, device="cpu"), run_dir, data, log)
    tr.resume_from_shipped(shipped)
    join_parts(tr, parts, log)
    tr.cfg = cfg   # the lineage entry export adds names the run that trained (its device), not this one
    tr.save()
    return finish_run(tr, log, export=export, device="cpu")   # evaluated here, on the CPU


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("slim")
    s.add_argument("run_dir")
    s.add_argument("out")
    s.add_argument("--chroma-gain", type=float, default=1.0,
                   help="multiply the network's predicted Cb/Cr by this (a colour-strength calibration)")
    j = sub.add_parser("join")
    j.add_argument("parts", nargs="+")
    j.add_argument("--run-dir", required=True)
    j.add_argument("--data", default=None)
    j.add_argument("--shipped-state", default=TRAIN_STATE)
    j.add_argument("--threads", type=int, default=1)
    j.add_argument("--no-export", action="store_true")
    j.add_argument("--drop-hints", default="", metavar="STAGES",
                   help="comma-separated stages (fg, fn) whose parts, trained with hint inputs, are joined "
                        "without them (the networks given no hint)")
    a = ap.parse_args(argv)
    if a.cmd == "slim":
        slim(a.run_dir, a.out, a.chroma_gain)
    else:
        torch.set_num_threads(a.threads)
        join(a.parts, a.run_dir, a.data, a.shipped_state, export=not a.no_export,
             drop_hints=tuple(filter(None, a.drop_hints.split(","))))


if __name__ == "__main__":
    main()
