"""The networks of a run and their saved states: where things live, building the networks of a
configuration, loading them from a checkpoint (a run's last.pt) or the shipped training state, the
snapshots (F_N alone, F_G before cooperation), and the lineage of runs behind a set of weights.

Checkpoint (last.pt, written by trainer.Trainer.save): config, stage_i, step, steps, nets, opt, sampler,
torch_rng, snapshots, history, times, sized, lineage; after the final evaluation also nir_choice and
gray_choice.  Training state (models/cocolor-train-state.pt, training_state below): config, nir_choice,
gray_choice, lineage, nets and snapshots in fp16.
"""
import os

import torch

from .cocolor_nets import FusedNIR, build, widen
from .schedule import owned

TRAIN_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(TRAIN_DIR, ".."))
RUNS_DIR = os.path.join(TRAIN_DIR, "runs")
TRAIN_STATE = os.path.join(MODELS_DIR, "cocolor-train-state.pt")

SNAPSHOT_NET = {"fn_alone": ("fn", "nir"), "fg_pre": ("fg", "gray")}   # snapshot -> (network, mode)
STAGE_SNAPSHOT = {net: snap for snap, (net, _) in SNAPSHOT_NET.items()}  # fn -> fn_alone, fg -> fg_pre


def run_summary(cfg, steps):
    """One entry of a model's lineage: the run's configuration and the steps each stage took."""
    out = {"config": cfg["name"], "device": cfg["device"], "crop": cfg["crop"], "batch": cfg["batch"],
           "steps": steps if steps is not None else "not recorded"}
    if cfg.get("chroma_gain", 1.0) != 1.0:   # join slim --chroma-gain
        out["chroma_gain"] = cfg["chroma_gain"]
    return out


def network_part(stage, state, reached, cfg, history, lineage):
    """One network cut out of a run (join.slim, mid-stage snapshots): its weights on the CPU, the steps it
    reached, and what `join` needs to put it back into the shipped state."""
    return {"stage": stage, "state": {k: v.detach().cpu().clone() for k, v in state.items()},
            "steps": {stage: reached}, "config": cfg, "history": list(history), "lineage": lineage}


def takes_hints(cfg, net):
    """Whether colour network `net` (fg, fn) of a run takes hint inputs: cfg hints is true (both), false, or
    the list of those that do (a join of a hint F_G with an F_N without)."""
    h = cfg.get("hints", False)
    return net in h if isinstance(h, (list, tuple)) else bool(h)


def colour_net(cfg, net):
    """Colour network `net` (fg, fn) as a run's config builds it: its hint inputs and hint gate."""
    hints = takes_hints(cfg, net)
    return build(net, cfg["widths_colour"], hints, gate=hints and cfg.get("hint_gate", False))


def make_nets(cfg):
    """The networks of a run: {fg, fn, tn2g, tg2n, fuse}; the fusion module holds F_N, F_G and T_N2G and
    owns only its gate (schedule.owned)."""
    nets = {"fg": colour_net(cfg, "fg"), "fn": colour_net(cfg, "fn"),
            "tn2g": build("tn2g", cfg["widths_trans"]), "tg2n": build("tg2n", cfg["widths_trans"])}
    nets["fuse"] = FusedNIR(nets["fn"], nets["fg"], nets["tn2g"], cfg["fuse_width"])
    return nets


def nets_state(nets):
    return {k: owned(nets, k).state_dict() for k in nets}


def load_nets_state(nets, sd):
    for k in nets:
        if k in sd:
            owned(nets, k).load_state_dict({n: t.float() if t.is_floating_point() else t
                                            for n, t in sd[k].items()})
    nets["fn"].set_mode("nir")
    nets["fg"].set_mode("gray")


def net_from_snapshot(cfg, snapshots, name):
    """The network a snapshot (F_N alone, F_G before cooperation) holds, or None when there is none."""
    if name not in snapshots:
        return None
    kind, mode = SNAPSHOT_NET[name]
    m = colour_net(cfg, kind)
    m.load_state_dict(snapshots[name])
    m.set_mode(mode)
    return m


def load_models_for_eval(ck, nir_choice=None, gray_choice=None):
    """Models {'nir', 'gray'} from a checkpoint dict (last.pt) or a training state."""
    cfg, snaps = ck["config"], ck.get("snapshots", {})
    nets = make_nets(cfg)
    load_nets_state(nets, ck["nets"])
    choice = nir_choice or ck.get("nir_choice", "coop")
    nir = {"fused": nets["fuse"]}.get(choice, nets["fn"])
    if choice == "fn":
        nir = net_from_snapshot(cfg, snaps, "fn_alone") or nir
    gray = nets["fg"]
    if (gray_choice or ck.get("gray_choice")) == "fg_pre":
        gray = net_from_snapshot(cfg, snaps, "fg_pre") or gray
    return {"nir": nir.eval(), "gray": gray.eval()}


def shipped_with_hints(path=TRAIN_STATE, gate=False):
    """The shipped networks {'nir', 'gray'} (the state's choices, F_N alone or cooperative, F_G before or after
    cooperation; a fused NIR graph has no hint form) taking colour hints: those without hint inputs widened with
    zero weights for them, so that with no hint they compute what the shipped ones do; a hint continuation
    starts there.  gate: with a closed hint gate (cocolor_nets.Colorizer) too."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    if ck.get("nir_choice") == "fused":
        raise ValueError(f"{path}: the shipped NIR model is the fused graph, which takes no hints")
    return {k: (m.float() if m.hints else widen(m.float(), gate)).eval() for k, m in load_models_for_eval(ck).items()}


def training_state(ck, nir_choice, gray_choice, lineage):
    """What --resume-from-shipped loads: all networks and the snapshots, fp16, with the runs behind them."""
    half = lambda sd: {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
    return {"config": ck["config"], "nir_choice": nir_choice, "gray_choice": gray_choice, "lineage": lineage,
            "nets": {k: half(v) for k, v in ck["nets"].items()},
            "snapshots": {k: half(ck["snapshots"][k]) for k in SNAPSHOT_NET if k in ck["snapshots"]}}
