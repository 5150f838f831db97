"""The training loop: the staged schedule (schedule.py) run step by step, with time budgets, checkpoints
and resume, and continuations of the shipped weights.

    tr = Trainer(cfg, run_dir, data)        # cfg from config.get, data a data.Data (or the same attributes)
    tr.resume(run_dir + "/last.pt")         # or tr.resume_from_shipped(path); either is optional
    tr.run()                                # every stage with steps left; True when all are done

train.py is the command line around it; evaluate.final_evaluation and export_models.export_run finish a run.
"""
import copy
import json
import os
import random
import time

import torch

from . import schedule
from .checkpoints import (SNAPSHOT_NET, STAGE_SNAPSHOT, TRAIN_STATE, load_nets_state, make_nets, nets_state,
                          network_part, run_summary)
from .cocolor_nets import train_hint_columns_only
from .data import Sampler, make_resident

REFIT_EVERY = 500   # steps between re-fits of a budgeted stage's step count


def refit_total(step, total, left_s, per_step_s):
    """A budgeted stage's step count re-fitted to the time left at the recent step time, or `total` when the
    fit moves it by 1 % or less."""
    fitted = step + max(1, int(left_s / per_step_s))
    return fitted if abs(fitted - total) > 0.01 * total else total


class Trainer:
    def __init__(self, cfg, run_dir, data, log=print):
        self.cfg, self.run_dir, self.data, self.log = cfg, run_dir, data, log
        torch.manual_seed(cfg["seed"])
        random.seed(cfg["seed"])
        self.nets = make_nets(cfg)
        for m in self.nets.values():
            m.to(cfg["device"])
        if cfg["device"] != "cpu":
            train = {id(p): p for name in ("pairs_train", "rgb_train", "photos_train")
                     for p in getattr(data, name, None) or []}
            make_resident(train.values(), cfg["device"])
        self.sampler = Sampler(cfg["seed"], cfg.get("cutmix", 0.0))
        self.stage_i, self.step, self.opt = 0, 0, None
        self._opt_state = None  # the optimiser state a resumed stage continues with
        self.snapshots, self.history = {}, []
        self.steps = dict(cfg["steps"])
        self.times = {}
        self.budget = None      # {stage: seconds} with --budget-minutes
        self.sized = []         # stages whose step count the budget fixed
        self.lineage = []       # earlier runs these weights continue (from the shipped state)
        self.snapshot_dir = None   # with cfg["snapshot_at"]: where mid-stage network parts are written
        self._snaps_done = set()   # snapshot_at fractions the stage in progress has passed

    # ---- checkpoints
    def save(self):
        os.makedirs(self.run_dir, exist_ok=True)
        ck = {"config": self.cfg, "stage_i": self.stage_i, "step": self.step, "steps": self.steps,
              "nets": nets_state(self.nets), "opt": self.opt.state_dict() if self.opt else None,
              "sampler": self.sampler.rng.getstate(), "torch_rng": torch.get_rng_state(),
              "hint_rng": self.sampler.hint_gen.get_state(),
              "camera_rng": self.sampler.camera_gen.get_state(),
              "snapshots": self.snapshots, "history": self.history, "times": self.times,
              "sized": self.sized, "lineage": self.lineage}
        tmp = os.path.join(self.run_dir, "last.pt.tmp")
        torch.save(ck, tmp)
        os.replace(tmp, os.path.join(self.run_dir, "last.pt"))

    def resume(self, path):
        ck = torch.load(path, map_location="cpu", weights_only=False)
        load_nets_state(self.nets, ck["nets"])
        self.stage_i, self.step, self.steps = ck["stage_i"], ck["step"], ck["steps"]
        self.sampler.rng.setstate(ck["sampler"])
        torch.set_rng_state(ck["torch_rng"])
        if "hint_rng" in ck:
            self.sampler.hint_gen.set_state(ck["hint_rng"])
        if "camera_rng" in ck:
            self.sampler.camera_gen.set_state(ck["camera_rng"])
        self.snapshots, self.history, self.times = ck["snapshots"], ck["history"], ck.get("times", {})
        self.sized = ck.get("sized", [])
        self.lineage = ck.get("lineage", [])
        self._opt_state = ck["opt"]
        self.log(f"resumed {path}: stage {schedule.STAGES[self.stage_i] if self.stage_i < len(schedule.STAGES) else 'done'}"
                 f" step {self.step}")

    def resume_from_shipped(self, path=TRAIN_STATE):
        sd = torch.load(path, map_location="cpu", weights_only=False)
        load_nets_state(self.nets, sd["nets"])
        for name in SNAPSHOT_NET:
            if name in sd.get("snapshots", {}):
                self.snapshots[name] = {k: v.float() if v.is_floating_point() else v
                                        for k, v in sd["snapshots"][name].items()}
        self.steps = dict(self.cfg["resume_steps"])
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
        """Step times drift after sizing (a GPU stage slowed by a quarter after its first steps, so a run
        ended by its deadline short of its cosine), so the count is re-fitted to the time left from the step
        time since the last fit; the schedule then still ends with the time share."""
        now, (t, s) = time.time(), since
        per_step = (now - t) / max(1, self.step - s)
        fitted = refit_total(self.step, total, self.budget[stage] - (now - stage_t0), per_step)
        if fitted != total:
            self.log(f"{stage}: {per_step * 1e3:.1f} ms/step since the last fit -> {fitted} steps")
            total = self.steps[stage] = fitted
        return total, (now, self.step)

    def _make_opt(self, stage):
        if self.cfg.get("hint_only"):
            # only the hint columns learn: the automatic result stays the shipped one, bit for bit
            if stage not in ("fg", "fn") or not self.cfg.get("hints"):
                raise ValueError("hint_only trains the hint columns of F_G or F_N: hints=true, fg/fn stages")
            params = train_hint_columns_only(self.nets[stage])
            self.opt = torch.optim.AdamW(params, lr=schedule.stage_lr(self.cfg, stage), weight_decay=0.0)
            return
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

    def _end_stage(self, stage):
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
        """Runs the stages from where the trainer stands; False when the deadline (time.time()) stopped it
        (a checkpoint is saved: resume continues)."""
        cfg = self.cfg
        while self.stage_i < len(schedule.STAGES):
            stage = schedule.STAGES[self.stage_i]
            total = self.steps.get(stage, 0)
            if total <= 0:
                self.stage_i, self.step = self.stage_i + 1, 0
                continue
            if cfg.get("hints") and stage in schedule.HINTLESS_STAGES:
                raise ValueError(f"hints: the {stage} stage runs the colour networks without hint inputs; "
                                 f"give it 0 steps")
            self._begin_stage(stage)
            self._make_opt(stage)
            if self._opt_state is not None and self.step > 0:
                self.opt.load_state_dict(self._opt_state)
            self._opt_state = None
            schedule.set_modes(stage, self.nets, cfg.get("freeze_bn", False) or cfg.get("hint_only", False))
            base = schedule.stage_lr(cfg, stage)
            fn = schedule.STEP[stage]
            t0, acc, n = time.time(), {}, 0
            stage_t0, calib_t0 = time.time(), None
            sizing = bool(self.budget) and stage in self.budget and stage not in self.sized
            fit_since = None      # (time, step) of the last fit, for a stage sized by this process
            self._snaps_done = {f for f in cfg.get("snapshot_at") or [] if self.step > round(f * total)}  # resumed
            while self.step < total:
                for g in self.opt.param_groups:
                    g["lr"] = schedule.lr_at(cfg, base, self.step, total)
                loss, parts = fn(cfg, self.nets, self.data, self.sampler, self.step / total)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.opt.param_groups[0]["params"], 1.0)
                self.opt.step()
                self.step += 1
                n += 1
                acc["loss"] = acc.get("loss", 0.0) + loss.item()   # .item() waits for the GPU: timings hold
                if sizing:
                    total = self._size_stage(stage, total, calib_t0)
                    if self.step == 5:
                        calib_t0 = time.time()
                    sizing = stage not in self.sized
                    fit_since = None if sizing else (time.time(), self.step)
                elif fit_since and self.step - fit_since[1] >= REFIT_EVERY:
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
