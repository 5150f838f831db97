"""CoColor training driver: the whole staged schedule, checkpoint/resume, final evaluation, export.

    python3 -m models.train.train --config cpu        # retrain from ../shared/data (about 2 h, 2 cores)
    python3 -m models.train.train --config device --budget-minutes 6.5   # one H100/H200 (data-pack)
    python3 -m models.train.train --config cpu --resume-from-shipped   # continue from the shipped weights

Runs live in models/train/runs/<config>/ (ignored by git): last.pt (resumable: a rerun of the same command
continues where it stopped), log.txt, metrics.jsonl, results.json / results.md (final table + ablation).
"""
import argparse
import copy
import json
import os
import random
import sys
import time

import torch

from . import schedule
from .cocolor_nets import FusedNIR, build, count_params
from .config import get
from .data import Data, Sampler

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(HERE, ".."))
TRAIN_STATE = os.path.join(MODELS_DIR, "cocolor-train-state.pt")


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


def has_gain(sd):
    """Whether a state dict is of an F_N with the luma gain head (cocolor_nets.Colorizer)."""
    return "gain_head.weight" in sd


def make_nets(cfg):
    drop = cfg.get("dropout", 0.0)
    nets = {"fg": build("fg", cfg["widths_colour"], dropout=drop),
            "fn": build("fn", cfg["widths_colour"], cfg.get("fn_gain", False), drop),
            "tn2g": build("tn2g", cfg["widths_trans"]), "tg2n": build("tg2n", cfg["widths_trans"])}
    if cfg.get("synth_from", "gray") == "rgb":
        nets["tr2n"] = build("tr2n", cfg["widths_trans"])
    nets["fuse"] = FusedNIR(nets["fn"], nets["fg"], nets["tn2g"], cfg["fuse_width"])
    return nets


def nets_state(nets):
    return {k: schedule.owned(nets, k).state_dict() for k in nets}


def load_nets_state(nets, sd):
    for k in nets:
        if k in sd:
            schedule.owned(nets, k).load_state_dict({n: t.float() if t.is_floating_point() else t
                                                     for n, t in sd[k].items()})
    nets["fn"].set_mode("nir")
    nets["fg"].set_mode("gray")


SNAPSHOT_NET = {"fn_alone": ("fn", "nir"), "fg_pre": ("fg", "gray")}   # snapshot -> (network, mode)
STAGE_SNAPSHOT = {net: snap for snap, (net, _) in SNAPSHOT_NET.items()}  # fn -> fn_alone, fg -> fg_pre


def net_from_snapshot(cfg, snapshots, name):
    """The network a snapshot (F_N alone, F_G before cooperation) holds, or None when there is none."""
    if name not in snapshots:
        return None
    kind, mode = SNAPSHOT_NET[name]
    m = build(kind, cfg["widths_colour"], has_gain(snapshots[name]))
    m.load_state_dict(snapshots[name])
    m.set_mode(mode)
    return m


def load_models_for_eval(ck, nir_choice=None, gray_choice=None):
    """Models {'nir', 'gray'} from a checkpoint dict (last.pt) or a training state."""
    cfg, snaps = ck["config"], ck.get("snapshots", {})
    nets = make_nets(dict(cfg, fn_gain=has_gain(ck["nets"]["fn"])))
    load_nets_state(nets, ck["nets"])
    choice = nir_choice or ck.get("nir_choice", "coop")
    nir = {"fused": nets["fuse"]}.get(choice, nets["fn"])
    if choice == "fn":
        nir = net_from_snapshot(cfg, snaps, "fn_alone") or nir
    gray = nets["fg"]
    if (gray_choice or ck.get("gray_choice")) == "fg_pre":
        gray = net_from_snapshot(cfg, snaps, "fg_pre") or gray
    return {"nir": nir.eval(), "gray": gray.eval()}


class Trainer:
    def __init__(self, cfg, run_dir, data, log=print):
        self.cfg, self.run_dir, self.data, self.log = cfg, run_dir, data, log
        torch.manual_seed(cfg["seed"])
        random.seed(cfg["seed"])
        self.nets = make_nets(cfg)
        for m in self.nets.values():
            m.to(cfg["device"])
        self.sampler = Sampler(cfg["seed"], cfg.get("min_scale", 1.0), cfg.get("exposure", 0.0),
                               cfg.get("cutmix", 0.0), cfg.get("zoom", 0.0))
        self.stage_i, self.step, self.opt = 0, 0, None
        self.snapshots, self.history = {}, []
        self.steps = dict(cfg["steps"])
        self.times = {}
        self.budget = None      # {stage: seconds} with --budget-minutes
        self.sized = []         # stages whose step count the budget fixed
        self.lineage = []       # earlier runs these weights continue (from the shipped state)
        self.ema = {}           # with cfg["ema"]: {network: averaged state} for the stage in progress
        self.ema_raw = {}       # {network: its last raw state} when a stage ended on the average
        self.snapshot_dir = None   # with cfg["snapshot_at"]: where mid-stage network parts are written
        self._snaps_done = set()   # snapshot_at fractions the stage in progress has passed

    # ---- checkpoints
    def save(self):
        os.makedirs(self.run_dir, exist_ok=True)
        ck = {"config": self.cfg, "stage_i": self.stage_i, "step": self.step, "steps": self.steps,
              "nets": nets_state(self.nets), "opt": self.opt.state_dict() if self.opt else None,
              "sampler": self.sampler.rng.getstate(), "torch_rng": torch.get_rng_state(),
              "snapshots": self.snapshots, "history": self.history, "times": self.times,
              "sized": self.sized, "lineage": self.lineage, "ema": self.ema, "ema_raw": self.ema_raw}
        tmp = os.path.join(self.run_dir, "last.pt.tmp")
        torch.save(ck, tmp)
        os.replace(tmp, os.path.join(self.run_dir, "last.pt"))

    def _load_nets(self, sd):
        """Networks saved by a run or in the shipped state.  The configuration follows the weights: an F_N
        saved with the luma gain head is continued with it."""
        if has_gain(sd["fn"]) and not self.cfg.get("fn_gain"):
            self.cfg = dict(self.cfg, fn_gain=True)   # a copy: the caller's configuration stays as given
            self.nets = make_nets(self.cfg)
            for m in self.nets.values():
                m.to(self.cfg["device"])
        load_nets_state(self.nets, sd)

    def resume(self, path):
        ck = torch.load(path, map_location="cpu", weights_only=False)
        self._load_nets(ck["nets"])
        self.stage_i, self.step, self.steps = ck["stage_i"], ck["step"], ck["steps"]
        self.sampler.rng.setstate(ck["sampler"])
        torch.set_rng_state(ck["torch_rng"])
        self.snapshots, self.history, self.times = ck["snapshots"], ck["history"], ck.get("times", {})
        self.sized = ck.get("sized", [])
        self.lineage = ck.get("lineage", [])
        dev = self.cfg["device"]
        self.ema = {k: {n: t.to(dev) for n, t in sd.items()} for k, sd in ck.get("ema", {}).items()}
        self.ema_raw = ck.get("ema_raw", {})
        self._opt_state = ck["opt"]
        self.log(f"resumed {path}: stage {schedule.STAGES[self.stage_i] if self.stage_i < len(schedule.STAGES) else 'done'}"
                 f" step {self.step}")

    def resume_from_shipped(self, path=TRAIN_STATE):
        sd = torch.load(path, map_location="cpu", weights_only=False)
        self._load_nets(sd["nets"])
        for name in SNAPSHOT_NET:
            if name in sd.get("snapshots", {}):
                self.snapshots[name] = {k: v.float() if v.is_floating_point() else v
                                        for k, v in sd["snapshots"][name].items()}
        self.steps = dict(self.cfg["resume_steps"])
        if "tr2n" in self.nets and "tr2n" not in sd["nets"] and not self.steps.get("trans"):
            raise ValueError("synth_from 'rgb' needs T_R2N, which the shipped state lacks: give stage trans "
                             "steps in resume_steps so that it is trained first")
        self.lineage = sd.get("lineage") or [run_summary(sd["config"], None)]
        self.snapshots["continue"] = True   # fg / fn stages continue from their snapshots (_begin_stage)
        self.log(f"resumed from shipped weights {path}; stage steps {self.steps}")

    # ---- training
    def _size_stage(self, stage, total, calib_t0):
        """With a time budget: after 5 untimed and calib_steps timed steps, the stage's step count is the
        number that fits its share.  The warm-up covers these steps, so the learning rate so far did not
        depend on the count."""
        k = self.cfg["calib_steps"]
        if calib_t0 is None or self.step < 5 + k:
            return total
        per_step = (time.time() - calib_t0) / k
        total = max(self.step + 1, self.cfg["warmup"] + 1, int(self.budget[stage] / per_step))
        self.steps[stage] = total
        self.sized.append(stage)
        self.log(f"{stage}: {per_step * 1e3:.1f} ms/step -> {total} steps in {self.budget[stage]:.0f} s")
        return total

    def _refit_stage(self, stage, total, stage_t0, since):
        """Step times drift after sizing (on an H200, F_N: 33 ms a step while sizing, 40-42 ms later, so a
        run ended by its deadline 16 % short of its cosine), so the count is re-fitted to the time left from
        the step time since the last fit; the schedule then still ends with the time share."""
        now, (t, s) = time.time(), since
        per_step = (now - t) / max(1, self.step - s)
        fitted = self.step + max(1, int((self.budget[stage] - (now - stage_t0)) / per_step))
        if abs(fitted - total) > 0.01 * total:
            self.log(f"{stage}: {per_step * 1e3:.1f} ms/step since the last fit -> {fitted} steps")
            total = self.steps[stage] = fitted
        return total, (now, self.step)

    def _make_opt(self, stage):
        params = schedule.trainable(schedule.stage_params(stage, self.nets))
        self.opt = torch.optim.AdamW(params, lr=schedule.stage_lr(self.cfg, stage),
                                     weight_decay=self.cfg["weight_decay"])

    def _begin_stage(self, stage):
        """A stage's starting weights.  From scratch, F_N starts from F_G (the task-domain prior).  When
        continuing the shipped weights, the F_G and F_N stages go on from the networks as those stages left
        them (F_G before cooperation, F_N alone), and a cooperative stage then starts again from these."""
        cont = self.snapshots.get("continue")
        if stage in ("fg", "fn") and self.step == 0 and not self.snapshots.get(stage + "_started"):
            snap = self.snapshots.get(STAGE_SNAPSHOT[stage])
            if cont and snap is not None:
                self.nets[stage].load_state_dict(snap)
            elif not cont and stage == "fn":
                self.nets["fn"].load_state_dict(self.nets["fg"].state_dict())
            self.nets[stage].set_mode("gray" if stage == "fg" else "nir")
            self.snapshots[stage + "_started"] = True

    def _ema_update(self, stage):
        """Moves the average toward the stage's networks after an optimiser step.  The decay ramps up as
        (1 + n) / (10 + n) so that the weights a stage starts from fade out of the average quickly."""
        decay = self.cfg.get("ema", 0.0)
        if decay <= 0:
            return
        d = min(decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for k in (k for k in schedule.STAGE_NETS[stage] if k in self.nets):
                sd = schedule.owned(self.nets, k).state_dict()
                avg = self.ema.setdefault(k, {n: t.detach().clone() for n, t in sd.items()})
                floats = [n for n, t in sd.items() if t.is_floating_point()]
                torch._foreach_lerp_([avg[n] for n in floats], [sd[n].detach() for n in floats], 1 - d)
                for n, t in sd.items():
                    if not t.is_floating_point():   # BatchNorm's batch counter
                        avg[n].copy_(t)

    def _sharpness_aware_grad(self, step_fn, total, batch_rng):
        """Adaptive sharpness-aware minimisation (ASAM, Kwon et al. 2021): replaces the gradient by the one
        at the worst nearby weights on the same batch, so the step seeks a flat minimum (aimed at the gap
        between training and validation pairs).  "Nearby" is relative to each weight's size (radius cfg sam):
        with BatchNorm frozen a plain radius is dominated by the first convolution, whose small weights
        the frozen statistics amplify (measured on F_N: 0.02 raised the loss 2-3x, adaptive 0.01 ~2 %)."""
        params = [p for p in self.opt.param_groups[0]["params"] if p.grad is not None]
        scaled = [p.detach().abs() * p.grad for p in params]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(t) for t in scaled]))
        eps = [p.detach().abs() * t * (self.cfg["sam"] / (norm + 1e-12)) for p, t in zip(params, scaled)]
        buffers = [b for m in self.nets.values() for b in m.buffers()]
        kept = [b.clone() for b in buffers]         # BatchNorm statistics: counted once a step
        with torch.no_grad():
            torch._foreach_add_(params, eps)
        self.sampler.rng.setstate(batch_rng)        # the same crops again
        loss, _ = step_fn(self.cfg, self.nets, self.data, self.sampler, self.step / total)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            torch._foreach_sub_(params, eps)
            for b, k in zip(buffers, kept):
                b.copy_(k)

    def _end_stage(self, stage):
        if self.ema:   # the stage ends on its average; the raw weights stay in the checkpoint for comparison
            for k, avg in self.ema.items():
                m = schedule.owned(self.nets, k)
                self.ema_raw[k] = {n: t.detach().cpu().clone() for n, t in m.state_dict().items()}
                m.load_state_dict(avg)
            self.log(f"{stage}: ended on the moving average (decay {self.cfg['ema']}) of "
                     f"{', '.join(self.ema)}")
            self.ema = {}
        if stage == "fg":
            self.snapshots["fg_pre"] = copy.deepcopy(self.nets["fg"].state_dict())
        if stage == "fn":
            self.snapshots["fn_alone"] = copy.deepcopy(self.nets["fn"].state_dict())

    def _snapshot(self, stage, total):
        """A long run cannot be stopped where validation would peak, so it can leave its network at chosen
        fractions of the stage (cfg snapshot_at) for evaluating afterwards; fg and fn stages only."""
        # fractions passed, not steps equal: a budget re-fits the stage's count as it goes (_refit_stage)
        due = {f for f in self.cfg.get("snapshot_at") or []
               if f not in self._snaps_done and self.step >= round(f * total)}
        if stage not in STAGE_SNAPSHOT or self.step >= total or not due:
            return
        self._snaps_done |= due
        out = self.snapshot_dir or self.run_dir
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, f"{stage}-{self.step}.pt")
        torch.save(network_part(stage, self.nets[stage].state_dict(), self.step, self.cfg, self.history,
                                self.lineage), path)
        self.log(f"{stage}: snapshot at step {self.step} of {total} -> {path}")

    def run(self, deadline=None):
        cfg = self.cfg
        while self.stage_i < len(schedule.STAGES):
            stage = schedule.STAGES[self.stage_i]
            total = self.steps.get(stage, 0)
            if total <= 0:
                self.stage_i, self.step = self.stage_i + 1, 0
                continue
            self._begin_stage(stage)
            self._make_opt(stage)
            if getattr(self, "_opt_state", None) is not None and self.step > 0:
                self.opt.load_state_dict(self._opt_state)
            self._opt_state = None
            schedule.set_modes(stage, self.nets, cfg.get("freeze_bn", False))
            base = schedule.stage_lr(cfg, stage)
            fn = schedule.STEP[stage]
            sam = cfg.get("sam", 0.0) > 0
            t0, acc, n = time.time(), {}, 0
            stage_t0, calib_t0 = time.time(), None
            sizing = bool(self.budget) and stage in self.budget and stage not in self.sized
            fit_since = None      # (time, step) of the last fit, for a stage sized by this process
            self._snaps_done = {f for f in cfg.get("snapshot_at") or [] if self.step > round(f * total)}  # resumed
            while self.step < total:
                for g in self.opt.param_groups:
                    g["lr"] = schedule.lr_at(cfg, base, self.step, total)
                batch_rng = self.sampler.rng.getstate() if sam else None
                loss, parts = fn(cfg, self.nets, self.data, self.sampler, self.step / total)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                if sam:
                    self._sharpness_aware_grad(fn, total, batch_rng)
                torch.nn.utils.clip_grad_norm_(self.opt.param_groups[0]["params"], 1.0)
                self.opt.step()
                self._ema_update(stage)
                self.step += 1
                n += 1
                acc["loss"] = acc.get("loss", 0.0) + loss.item()   # .item() waits for the GPU: timings hold
                if sizing:
                    total = self._size_stage(stage, total, calib_t0)
                    if self.step == 5:
                        calib_t0 = time.time()
                    sizing = stage not in self.sized
                    fit_since = None if sizing else (time.time(), self.step)
                elif fit_since and self.step - fit_since[1] >= 500:
                    total, fit_since = self._refit_stage(stage, total, stage_t0, fit_since)
                if self.budget and stage in self.budget and time.time() - stage_t0 > 1.25 * self.budget[stage]:
                    self.log(f"{stage}: over its time share by 25 %; ending the stage at step {self.step}")
                    total = self.steps[stage] = self.step
                for k, v in parts.items():
                    acc[k] = acc.get(k, 0.0) + float(v)
                if self.step % cfg["log_every"] == 0 or self.step == total:
                    dt = (time.time() - t0) / n
                    rec = {"stage": stage, "step": self.step, "s_per_step": round(dt, 4),
                           **{k: round(v / n, 5) for k, v in acc.items()}}
                    self.history.append(rec)
                    self.times[stage] = dt
                    self.log(json.dumps(rec))
                    t0, acc, n = time.time(), {}, 0
                if self.step % cfg["ckpt_every"] == 0 and self.step < total:
                    self.save()
                if not sizing:
                    self._snapshot(stage, total)
                if deadline and time.time() > deadline:
                    self.save()
                    self.log("time limit reached; checkpoint saved, rerun the same command to resume")
                    return False
            self._end_stage(stage)
            self.stage_i, self.step = self.stage_i + 1, 0
            self.save()
        return True


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)


# The fused graph runs F_N, T_N2G and F_G: 2.3x F_N's multiply-adds (conv_macs at 256², device widths), so
# the op takes over twice as long. It ships only when it validates better than both single networks by
# this much (dB, summed over the VCIP and EPFL validation sets). Measured 2026-11-29: a gate trained over
# the shipped networks learned to pass F_N through and won by 6e-6 dB, which alone would have shipped it.
FUSED_MIN_GAIN_DB = 0.1


def choose_nir(score):
    """The NIR variant to ship from validation scores (name -> summed PSNR): the best of F_N alone and the
    cooperative F_N, or the fused graph when it beats that by FUSED_MIN_GAIN_DB."""
    single = {k: v for k, v in score.items() if k != "fused"}
    if not single:
        return "fused"
    best = max(single, key=single.get)
    if "fused" in score and score["fused"] >= single[best] + FUSED_MIN_GAIN_DB:
        return "fused"
    return best


def final_evaluation(tr, log, max_photos=None, device=None):
    """Ablation + metrics on the validation sets; returns results dict (and picks the NIR model)."""
    from .evaluate import evaluate, format_table, val_psnr
    cfg, nets = tr.cfg, tr.nets
    dev = device or cfg["device"]                 # by default where training ran; in fp32
    on_dev = lambda m: m.to(dev).float().eval()
    # A network identical to its snapshot (no cooperative stage since) is evaluated once, under the
    # snapshot's name, so a choice never claims cooperation that did not happen.
    fn_alone, fg_pre = (net_from_snapshot(cfg, tr.snapshots, n) for n in ("fn_alone", "fg_pre"))
    variants = {"fn": fn_alone} if fn_alone is not None else {}
    if fn_alone is None or not _same_weights(fn_alone, nets["fn"]):
        variants["coop"] = nets["fn"]
    if tr.steps.get("fuse", 0) > 0:
        variants["fused"] = nets["fuse"]
    grays = {"fg_pre": fg_pre} if fg_pre is not None else {}
    if fg_pre is None or not _same_weights(fg_pre, nets["fg"]):
        grays["coop"] = nets["fg"]
    res, score = {}, {}
    for name, m in variants.items():
        r = evaluate(tr.data, {"nir": on_dev(m)}, max_photos=max_photos, device=dev)
        res[name] = r
        score[name] = val_psnr(r, "nir")
        log(f"== NIR model '{name}'\n" + format_table(r))
    for name, m in grays.items():
        r = evaluate(tr.data, {"gray": on_dev(m)}, max_photos=max_photos, device=dev)
        for s, rows in r.items():   # gray rows join the NIR rows of the same name (one table per name)
            res.setdefault(name, {}).setdefault(s, {}).update(rows)
        log(f"== gray model '{name}'\n" + format_table(r))
    choice = choose_nir(score)
    log(f"NIR model chosen by VCIP-val + EPFL-val PSNR (fused only if {FUSED_MIN_GAIN_DB} dB ahead, for its "
        f"cost): {choice} ({ {k: round(v, 3) for k, v in score.items()} })")
    # Cooperation may also cost F_G on photos: ship whichever F_G validates better.
    gscore = {name: val_psnr(res[name], "gray") for name in grays}
    gray_choice = max(gscore, key=gscore.get)
    log(f"gray model chosen by VCIP-val + EPFL-val + photos-val PSNR: {gray_choice} "
        f"({ {k: round(v, 2) for k, v in gscore.items()} })")
    return {"metrics": res, "nir_choice": choice, "nir_scores": score, "gray_choice": gray_choice,
            "gray_scores": gscore}


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
        from .export_models import export_run
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
    step_over = {}
    if a.steps:
        for kv in a.steps.split(","):
            k, v = kv.split("=")
            step_over[k] = int(v)
        cfg["steps"].update(step_over)
    if cfg["device"] == "cuda" and not torch.cuda.is_available():
        sys.exit("config wants CUDA but none is available")
    torch.set_num_threads(cfg["threads"])
    run_dir = a.run_dir or os.path.join(HERE, "runs", a.config)
    log = run_log(run_dir)
    deadline = time.time() + 60 * a.max_minutes if a.max_minutes else None
    log(f"config {a.config}: {json.dumps(cfg)}")
    log(f"bf16 autocast: {'on' if schedule.bf16_enabled(cfg) else 'off'}")
    data = Data(a.data, epfl_scale=cfg["epfl_scale"], photo_max_side=cfg["photo_max_side"],
                val_every=cfg["val_every"], log=log, epfl_zoom=cfg.get("epfl_zoom", 1.0))
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
