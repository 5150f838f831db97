#!/usr/bin/env python3
"""Training smoke test (issue 4): a few steps of every CoColor stage on a handful of synthetic pairs.

No research data needed: RGB images are the CC0 samples shipped by Debian's python3-skimage (or, where
absent, procedural pictures); the "NIR" is a fixed nonlinear function of the RGB (foliage bright, sky dark,
as in real NIR), so there is something learnable.  Checks:
  1. F_G and F_N losses on a fixed held batch fall by a clear margin after a few steps,
  2. the translators and the cooperative / fusion stages run and give finite losses,
  3. checkpoint -> resume restores the state exactly,
  4. the trained networks still export through models/train/export.py (only the C core's layers).
Usage: smoke.py [REPO_ROOT]
"""
import copy
import glob
import math
import os
import sys
import tempfile
import time

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)
try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:
    print(f"SKIP: {e}")
    sys.exit(77)

from models.train import schedule                      # noqa: E402
from models.train.config import get                    # noqa: E402
from models.train.data import Pair, Sampler            # noqa: E402
from models.train.losses import colour_loss            # noqa: E402
from models.train.cocolor_nets import rgb_to_gray      # noqa: E402
from models.train.train import FUSED_MIN_GAIN_DB, Trainer, choose_nir   # noqa: E402

t_start = time.time()
torch.manual_seed(0)


def sample_images():
    ims = []
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png"):
        for d in ("/usr/lib/python3/dist-packages/skimage/data",):
            p = os.path.join(d, name)
            if os.path.exists(p):
                im = Image.open(p).convert("RGB")
                im.thumbnail((160, 160))
                ims.append(torch.from_numpy(np.array(im).transpose(2, 0, 1).copy()))
    if len(ims) < 3:  # procedural fallback: smooth colour fields with edges
        g = torch.Generator().manual_seed(1)
        yy, xx = torch.meshgrid(torch.linspace(0, 1, 128), torch.linspace(0, 1, 128), indexing="ij")
        for i in range(4):
            a = torch.rand(3, 3, generator=g)
            f = torch.stack([a[c, 0] * torch.sin(6 * xx + i) + a[c, 1] * yy + a[c, 2] * (xx > 0.5) for c in range(3)])
            f = (f - f.min()) / (f.max() - f.min() + 1e-6)
            ims.append((f * 255).byte())
    return ims


def fake_nir(rgb):
    x = rgb.float() / 255
    r, g, b = x[0], x[1], x[2]
    veg = (g - 0.5 * (r + b)).clamp(min=0)
    nir = (0.55 * r + 0.35 * g + 0.1 * b + 1.5 * veg - 0.3 * (b - r).clamp(min=0)).clamp(0, 1) ** 0.8
    return (nir * 255).round().byte()[None]


class SynthData:
    def __init__(self):
        ims = sample_images()
        pairs = [Pair(f"s{i}", i, fake_nir(im), im, None, "synth") for i, im in enumerate(ims)]
        self.vcip_train, self.epfl_train, self.photos_train = pairs, [], pairs
        self.vcip_val = self.epfl_val = self.photos_val = []

    @property
    def pairs_train(self):
        return self.vcip_train

    @property
    def rgb_train(self):
        return self.photos_train


def held_loss(cfg, tr, which, batch):
    nir, rgb, mask = batch
    net = tr.nets[which]
    was = net.training
    net.eval()
    with torch.no_grad():
        out = net(rgb_to_gray(rgb) if which == "fg" else nir)
    net.train(was)
    return colour_loss(out.float(), rgb, mask, cfg["w_gray" if which == "fg" else "w_nir"])[1]["pix"].item()


def main():
    failures = []
    cfg = get("smoke")
    cfg["steps"] = {"fg": 40, "trans": 8, "fn": 40, "coop": 6, "fuse": 4}
    torch.set_num_threads(1)
    data = SynthData()
    held = Sampler(123).crop(data.pairs_train, 8, 64)
    with tempfile.TemporaryDirectory() as run_dir:
        tr = Trainer(cfg, run_dir, data, log=lambda m: None)
        fg0 = held_loss(cfg, tr, "fg", held)
        # stage by stage: fg, then check; trans; fn, then check; coop, fuse
        tr.steps = dict(cfg["steps"], trans=0, fn=0, coop=0, fuse=0)
        tr.run()
        fg1 = held_loss(cfg, tr, "fg", held)
        print(f"F_G held-batch pixel loss {fg0:.4f} -> {fg1:.4f}")
        if not fg1 < 0.85 * fg0:
            failures.append(f"F_G loss did not fall enough: {fg0:.4f} -> {fg1:.4f}")

        tr.stage_i, tr.step, tr.steps = 1, 0, dict(cfg["steps"], fg=0)
        tr.steps["fn"] = 0
        tr.steps["coop"] = tr.steps["fuse"] = 0
        tr.run()
        tr.nets["fn"].load_state_dict(tr.nets["fg"].state_dict())   # what _begin_stage does
        tr.nets["fn"].set_mode("nir")
        tr.snapshots["fn_started"] = True
        fn0 = held_loss(cfg, tr, "fn", held)
        tr.stage_i, tr.step, tr.steps = 2, 0, dict(cfg["steps"], fg=0, trans=0, coop=0, fuse=0)
        tr.run()
        fn1 = held_loss(cfg, tr, "fn", held)
        print(f"F_N held-batch pixel loss {fn0:.4f} -> {fn1:.4f}")
        if not fn1 < 0.85 * fn0:
            failures.append(f"F_N loss did not fall enough: {fn0:.4f} -> {fn1:.4f}")

        tr.stage_i, tr.step, tr.steps = 3, 0, dict(cfg["steps"], fg=0, trans=0, fn=0)
        tr.run()
        # one forward pass per colour network per cooperative step: BatchNorm's running statistics then
        # describe the batches the network was trained on (separate real / synthetic passes did not)
        calls = {"fn": 0, "fg": 0}
        hooks = [tr.nets[k].core.e0.register_forward_hook(lambda *a, k=k: calls.__setitem__(k, calls[k] + 1))
                 for k in calls]
        schedule.step_coop(cfg, tr.nets, data, Sampler(5), 0.5)
        for h in hooks:
            h.remove()
        if calls != {"fn": 1, "fg": 1}:
            failures.append(f"cooperative step: forward passes per network {calls}, expected one each")
        for rec in tr.history:
            if not math.isfinite(rec["loss"]):
                failures.append(f"non-finite loss: {rec}")
        stages = {r["stage"] for r in tr.history}
        if stages != set(schedule.STAGES):
            failures.append(f"stages logged: {sorted(stages)}")

        # checkpoint -> resume gives the same weights
        tr.save()
        tr2 = Trainer(cfg, run_dir, data, log=lambda m: None)
        tr2.resume(os.path.join(run_dir, "last.pt"))
        for k in ("fg", "fn", "tn2g", "tg2n"):
            for (n, a), b in zip(tr.nets[k].state_dict().items(), tr2.nets[k].state_dict().values()):
                if not torch.equal(a, b):
                    failures.append(f"resume changed {k}.{n}")
                    break

        # continuing shipped weights: F_N goes on from F_N alone (not from F_G), F_G from before cooperation
        from models.train.export_models import training_state
        ck = torch.load(os.path.join(run_dir, "last.pt"), map_location="cpu", weights_only=False)
        state_path = os.path.join(run_dir, "state.pt")
        torch.save(training_state(ck, "fn", "fg_pre", []), state_path)
        tr3 = Trainer(cfg, os.path.join(run_dir, "cont"), data, log=lambda m: None)
        tr3.resume_from_shipped(state_path)
        for stage, snap in (("fn", "fn_alone"), ("fg", "fg_pre")):
            tr3._begin_stage(stage)
            got, want = tr3.nets[stage].state_dict(), tr3.snapshots[snap]
            # (to_rgb is the fixed YCbCr->RGB matrix, re-set exactly rather than taken from fp16)
            if any(not torch.equal(got[k], want[k]) for k in want if not k.startswith("to_rgb")):
                failures.append(f"continuing: {stage} did not start from the {snap} snapshot")
        if torch.equal(tr3.nets["fn"].core.e0[0].weight, tr3.nets["fg"].core.e0[0].weight):
            failures.append("continuing: F_N was restarted from F_G")
        if [e.get("config") for e in tr3.lineage] != [cfg["name"]]:
            failures.append(f"continuing: lineage {tr3.lineage} does not name the run continued")
        if tr3.nets["fn"].mode != "nir" or tr3.nets["fg"].mode != "gray":
            failures.append("continuing: colour networks in the wrong mode")

        # a time-budgeted stage re-fits its step count to the time left at the recent step time: 5 s of a
        # 10 s share left at 10 ms a step -> 500 more steps
        tr3.budget, tr3.step, now = {"fn": 10.0}, 2000, time.time()
        total, since = tr3._refit_stage("fn", 1000, now - 5.0, (now - 1.0, 1900))
        if not 2495 <= total <= 2500 or tr3.steps["fn"] != total or since[1] != 2000:
            failures.append(f"budget: re-fitted to {total} steps, expected 2500")
        tr3.budget = None

        # a continuation cut down to its network (join slim) and joined to the shipped state carries that
        # network and its snapshot, and nothing else changes
        from models.train.join import join_parts, slim
        tr3.steps, tr3.stage_i, tr3.step = {"fn": 3}, 0, 0
        tr3.cfg = dict(tr3.cfg, snapshot_at=[0.34, 0.67, 1.0])   # steps 1 and 2; the end is the run itself
        tr3.snapshot_dir = os.path.join(run_dir, "snaps")
        tr3.run()
        snaps = sorted(os.listdir(tr3.snapshot_dir)) if os.path.isdir(tr3.snapshot_dir) else []
        if snaps != ["fn-1.pt", "fn-2.pt"]:
            failures.append(f"snapshots: wrote {snaps}, expected fn-1.pt and fn-2.pt")
        else:
            mid = [torch.load(os.path.join(tr3.snapshot_dir, f), weights_only=False) for f in snaps]
            w = lambda sd: sd["core.e0.0.weight"].float()
            if [p["steps"] for p in mid] != [{"fn": 1}, {"fn": 2}] or \
                    torch.equal(w(mid[0]["state"]), w(mid[1]["state"])) or \
                    torch.equal(w(mid[1]["state"]), w(tr3.nets["fn"].state_dict())):
                failures.append("snapshots: not the network at steps 1 and 2")
        slim(tr3.run_dir, os.path.join(run_dir, "fn-part.pt"))
        tr4 = Trainer(cfg, os.path.join(run_dir, "joined"), data, log=lambda m: None)
        tr4.resume_from_shipped(state_path)
        join_parts(tr4, [torch.load(os.path.join(run_dir, "fn-part.pt"), weights_only=False)],
                   log=lambda m: None)
        same = lambda a, b: all(torch.equal(a[k].float(), b[k].float()) for k in b if not k.startswith("to_rgb"))
        shipped = torch.load(state_path, weights_only=False)
        if not same(tr4.nets["fn"].state_dict(), tr3.nets["fn"].state_dict()) or \
                not same(tr4.snapshots["fn_alone"], tr3.nets["fn"].state_dict()):
            failures.append("join: F_N is not the continuation's")
        if same(tr4.nets["fn"].state_dict(), shipped["snapshots"]["fn_alone"]):
            failures.append("join: F_N did not change (the continuation trained nothing?)")
        if not same(tr4.nets["fg"].state_dict(), shipped["nets"]["fg"]) or tr4.steps != {"fn": 3}:
            failures.append(f"join: F_G changed or steps wrong ({tr4.steps})")
        # slim --chroma-gain: the part computes the network with its Cb/Cr scaled, luma untouched, and says so
        from models.train.cocolor_nets import rgb_to_ycbcr
        from models.train.train import run_summary
        slim(tr3.run_dir, os.path.join(run_dir, "fn-gain.pt"), chroma_gain=1.5)
        gained = torch.load(os.path.join(run_dir, "fn-gain.pt"), weights_only=False)
        net_g = copy.deepcopy(tr3.nets["fn"]).eval()
        net_g.load_state_dict({k: v.float() for k, v in gained["state"].items()})
        x = torch.rand(1, 1, 32, 32)
        with torch.no_grad():
            a, b = rgb_to_ycbcr(tr3.nets["fn"].eval()(x)), rgb_to_ycbcr(net_g(x))
        tr3.nets["fn"].train()
        if not (torch.allclose(b[:, 0], a[:, 0], atol=1e-5) and torch.allclose(b[:, 1:], 1.5 * a[:, 1:], atol=1e-5)
                and a[:, 1:].abs().max() > 1e-3) or run_summary(gained["config"], {}).get("chroma_gain") != 1.5:
            failures.append("slim --chroma-gain: not the network with its chroma scaled, or not in the lineage")
        alien = dict(torch.load(os.path.join(run_dir, "fn-part.pt"), weights_only=False), lineage=[{"config": "x"}])
        tr5 = Trainer(cfg, os.path.join(run_dir, "joined2"), data, log=lambda m: None)
        tr5.resume_from_shipped(state_path)
        try:
            join_parts(tr5, [alien], log=lambda m: None)
            failures.append("join: took a part that continued other weights")
        except ValueError:
            pass

        # freeze_bn: a continuation changes F_N's weights but not BatchNorm's running statistics
        def bn_stats(sd):
            return {k: v.float() for k, v in sd.items() if "running_" in k}
        for freeze in (False, True):
            tr6 = Trainer(dict(cfg, freeze_bn=freeze), os.path.join(run_dir, f"fz{freeze}"), data,
                          log=lambda m: None)
            tr6.resume_from_shipped(state_path)
            start = tr6.snapshots["fn_alone"]   # where the F_N stage starts from
            before = bn_stats(start)
            tr6.steps, tr6.stage_i, tr6.step = {"fn": 3}, 0, 0
            tr6.run()
            after = tr6.nets["fn"].state_dict()
            moved = any(not torch.equal(v, bn_stats(after)[k]) for k, v in before.items())
            if moved == freeze or torch.equal(start["core.e0.0.weight"].float(), after["core.e0.0.weight"]):
                failures.append(f"freeze_bn={freeze}: running statistics moved={moved}, or weights unchanged")

        # ema: the stage ends on the moving average of its per-step weights (decay ramped by step); the raw
        # weights are kept beside it
        tr7 = Trainer(dict(cfg, ema=0.5), os.path.join(run_dir, "ema"), data, log=lambda m: None)
        tr7.resume_from_shipped(state_path)
        seen, update = [], tr7._ema_update
        def record(stage):
            seen.append({k: v.detach().clone() for k, v in tr7.nets["fn"].state_dict().items()})
            update(stage)
        tr7._ema_update = record
        tr7.steps, tr7.stage_i, tr7.step = {"fn": 4}, 0, 0
        tr7.run()
        want = dict(seen[0])
        for i, w in enumerate(seen[1:], start=1):
            d = min(0.5, (1 + i) / (10 + i))
            want = {k: d * want[k] + (1 - d) * v if v.is_floating_point() else v for k, v in w.items()}
        got = tr7.nets["fn"].state_dict()
        err = max((got[k] - want[k]).abs().max().item() for k in want if want[k].is_floating_point())
        raw = tr7.ema_raw.get("fn", {})
        if len(seen) != 4 or err > 1e-6 or not raw or torch.equal(raw["core.e0.0.weight"], got["core.e0.0.weight"]) \
                or not torch.equal(raw["core.e0.0.weight"], seen[-1]["core.e0.0.weight"]) or tr7.ema:
            failures.append(f"ema: F_N is not the moving average of its steps ({len(seen)} steps, error {err:.2e})")
        if not all(torch.equal(tr7.snapshots["fn_alone"][k], got[k]) for k in got):
            failures.append("ema: the F_N-alone snapshot is not the averaged network")

        # fn_gain: an F_N with the luma gain head continues a state without it as the same function, trains the
        # head, and a state saved with it is continued and evaluated with it (without being asked again)
        from models.train.train import load_models_for_eval
        tr8 = Trainer(dict(cfg, fn_gain=True, freeze_bn=True), os.path.join(run_dir, "gain"), data,
                      log=lambda m: None)
        tr8.resume_from_shipped(state_path)
        tr8._begin_stage("fn")
        plain = load_models_for_eval(torch.load(state_path, weights_only=False), "fn")["nir"]
        probe = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(9))
        with torch.no_grad():
            start_err = (tr8.nets["fn"].eval()(probe) - plain(probe)).abs().max().item()
        tr8.steps, tr8.stage_i, tr8.step = {"fn": 3}, 0, 0
        tr8.run()
        head = tr8.nets["fn"].gain_head.weight
        gain_path = os.path.join(run_dir, "gain-state.pt")
        gck = torch.load(os.path.join(tr8.run_dir, "last.pt"), map_location="cpu", weights_only=False)
        torch.save(training_state(gck, "fn", "fg_pre", []), gain_path)
        tr9 = Trainer(cfg, os.path.join(run_dir, "gain2"), data, log=lambda m: None)   # fn_gain not set
        tr9.resume_from_shipped(gain_path)
        tr10 = Trainer(cfg, tr8.run_dir, data, log=lambda m: None)   # rerun of the run without --set fn_gain
        tr10.resume(os.path.join(tr8.run_dir, "last.pt"))
        evaluated = load_models_for_eval(torch.load(gain_path, weights_only=False), "fn")["nir"]
        if start_err > 1e-5 or head.abs().max().item() == 0.0 or not tr9.nets["fn"].gain or not tr10.nets["fn"].gain or \
                not evaluated.gain or not torch.equal(evaluated.gain_head.weight, head.detach().half().float()):
            failures.append(f"fn_gain: start differs by {start_err:.2e}, head {head.abs().max().item():.2e}, "
                            f"continued with gain {tr9.nets['fn'].gain} / resumed {tr10.nets['fn'].gain}, "
                            f"evaluated with gain {evaluated.gain}")

        # cast loss: the mean chroma difference per crop (a uniform +0.1 on blue shifts Cb by
        # 0.0886 / 1.772 and Cr by -0.0114 / 1.402)
        from models.train.losses import cast_loss
        img = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(3))
        bluer = img + torch.tensor([0.0, 0.0, 0.1])[None, :, None, None]
        want = (0.1 * 0.886 / 1.772 + 0.1 * 0.114 / 1.402) / 2
        if cast_loss(img, img).item() > 1e-7 or abs(cast_loss(bluer, img).item() - want) > 1e-5:
            failures.append(f"cast loss: {cast_loss(img, img).item()}, {cast_loss(bluer, img).item()} (want 0, {want})")

        # psnr loss: minus the crops' mean PSNR (an error of 0.1 everywhere is 20 dB, of 0.01 is 40 dB; the
        # masked-out half of the second crop does not count)
        from models.train.losses import psnr_loss
        gt = torch.full((2, 3, 8, 8), 0.5)
        pred = gt.clone()
        pred[0] += 0.1
        pred[1] += 0.01
        half = torch.ones(2, 1, 8, 8)
        half[1, :, :, :4] = 0.0
        pred[1, :, :, :4] += 0.3
        got = psnr_loss(pred, gt, half, eps=0.0).item()
        if abs(got + 30.0) > 1e-3:
            failures.append(f"psnr loss: {got} (want -30.0)")

        # colourfulness hinge: measured on the prediction as shown (clamped), so one far-out pixel does not
        # pass for colour (the networks learned such a spike at the bottom-right pixel when it was not)
        from models.train.losses import colourfulness_loss
        from models.train.cocolor_nets import rgb_to_gray
        colourful = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
        grey = rgb_to_gray(colourful).expand(-1, 3, -1, -1).clone()
        spiked = grey.clone()
        spiked[:, :, -1, -1] = torch.tensor([60.0, -40.0, 20.0])
        plain, gamed = colourfulness_loss(grey, colourful, None, 0.9), colourfulness_loss(spiked, colourful, None, 0.9)
        if plain.item() < 0.8 or gamed.item() < plain.item() - 0.05:
            failures.append(f"colourfulness hinge: grey {plain.item():.3f}, grey + one spike {gamed.item():.3f}")

        # range loss: each crop's farthest value from [0, 1], averaged (0 inside the range)
        from models.train.losses import range_loss
        inside = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(6))
        spikes = inside.clone()
        spikes[0, 1, 7, 7], spikes[1, 2, 0, 3] = 3.0, -0.5
        got = (range_loss(inside).item(), range_loss(spikes).item(), range_loss(spikes, 1.0).item())
        if got[0] != 0.0 or abs(got[1] - 1.25) > 1e-6 or abs(got[2] - 0.5) > 1e-6:
            failures.append(f"range loss: {got} (want 0, 1.25 and 0.5 with a margin of 1)")

        # scale augmentation: windows of size/scale pixels resized to the crop size; off by default, and then
        # every crop is a plain slice of the picture (64 px of the ramp span 63 x 255/399 levels, flipped or not)
        ramp = torch.linspace(0, 255, 400).round().byte().expand(3, 300, 400).contiguous()
        ramp_pairs = [Pair("ramp", "ramp", ramp[:1].clone(), ramp, None, "rgb/ramp")]
        spans = {}
        for ms in (1.0, 0.25):
            _, r, _ = Sampler(7, ms).crop(ramp_pairs, 16, 64)
            span = (r[:, 0, 0, -1] - r[:, 0, 0, 0]).abs() * 255
            spans[ms] = span.max().item()
            if ms == 1.0 and not ((span - 63 * 255 / 399).abs() <= 1.0).all():
                failures.append(f"min_scale=1: crops are not plain slices (spans {span.tolist()})")
            if tuple(r.shape) != (16, 3, 64, 64):
                failures.append(f"min_scale={ms}: crop shape {tuple(r.shape)}")
        print(f"widest horizontal span in 16 crops of 64 px: {spans[1.0]:.0f} (scale 1), {spans[0.25]:.0f} (min_scale 0.25)")
        if not spans[0.25] > 1.5 * spans[1.0]:
            failures.append(f"min_scale 0.25 did not widen the crops' view: {spans}")

        # exposure: RGB and NIR of a crop scaled by one gain within [1/(1+e), 1+e]; gains differ between crops
        mid = torch.full((3, 80, 80), 128, dtype=torch.uint8)
        flat = [Pair("mid", "mid", torch.full((1, 80, 80), 96, dtype=torch.uint8), mid, None, "vcip")]
        q, r, _ = Sampler(3, 1.0, 0.25).crop(flat, 32, 32)
        gain_rgb, gain_nir = r[:, 0, 0, 0] * 255 / 128, q[:, 0, 0, 0] * 255 / 96
        if not (((gain_rgb - gain_nir).abs() < 0.02).all() and gain_rgb.min() >= 0.79 and gain_rgb.max() <= 1.26
                and gain_rgb.max() - gain_rgb.min() > 0.2 and (r == r[:, :1, :1, :1]).all()):
            failures.append(f"exposure: gains {gain_rgb.tolist()} (NIR {gain_nir.tolist()})")
        q0, r0, _ = Sampler(3).crop(flat, 4, 32)
        if not ((r0 * 255 - 128).abs() < 0.5).all() or not ((q0 * 255 - 96).abs() < 0.5).all():
            failures.append("exposure off: crops changed")

        # cutmix: a square of a quarter to a half of the side from the next crop, in NIR and RGB alike
        black = Pair("k", "k", torch.zeros(1, 48, 48, dtype=torch.uint8), torch.zeros(3, 48, 48, dtype=torch.uint8),
                     None, "vcip")
        white = Pair("w", "w", torch.full((1, 48, 48), 255, dtype=torch.uint8),
                     torch.full((3, 48, 48), 255, dtype=torch.uint8), None, "vcip")
        q, r, _ = Sampler(4, cutmix=1.0).crop([black, white], 16, 32)
        light = (r[:, 0] > 0.5).float().mean((1, 2))
        other = torch.minimum(light, 1 - light)          # share of each crop from the other (at most a quarter)
        own = light > 0.5
        differs = own != own[(torch.arange(16) + 1) % 16]
        q0, r0, _ = Sampler(4).crop([black, white], 16, 32)
        if not (torch.equal(q[:, 0], r[:, 0]) and (other[differs] >= 0.0625 - 1e-6).all()
                and (other[differs] <= 0.25 + 1e-6).all() and (other[~differs] == 0).all() and differs.any()
                and (r0 == r0[:, :1, :1, :1]).all()):
            failures.append(f"cutmix: shares from the next crop {other.tolist()}")

        # zoom: a pair's larger copy (Pair.hires) gives crops of its scene zoomed in by 1 to the copy's zoom: a window
        # of 32 to 64 px of a copy at x2 (its values are the x coordinate) resized to 32; without zoom, the pair itself
        base = Pair("z", "z", torch.zeros(1, 64, 64, dtype=torch.uint8), torch.zeros(3, 64, 64, dtype=torch.uint8),
                    None, "epfl/field")
        xs = torch.arange(128, dtype=torch.uint8).expand(3, 128, 128).contiguous()
        base.hires = (2.0, xs[:1].clone(), xs, None)
        q, r, _ = Sampler(8, zoom=1.0).crop([base], 16, 32)
        span = (r[:, 0, 0, -1] - r[:, 0, 0, 0]).abs() * 255 * 32 / 31     # the window's width, px of the copy
        q0, r0, _ = Sampler(8).crop([base], 4, 32)
        print(f"zoomed windows: {span.min().item():.0f}-{span.max().item():.0f} px of the x2 copy for 32 px crops")
        if not (torch.equal(q[:, 0], r[:, 0]) and span.min() >= 30 and span.max() <= 66
                and span.max() - span.min() > 12 and r0.max() == 0 and tuple(r.shape) == (16, 3, 32, 32)):
            failures.append(f"zoom: windows {span.tolist()}, unzoomed max {r0.max().item()}")

        # dropout: channel dropout at 1/8 and 1/16 while training only; eval mode (and so export) is the plain network
        from models.train.cocolor_nets import build
        plain, dropped = build("fn"), build("fn", dropout=0.5)
        torch.manual_seed(9)
        for m in (plain.core.head, dropped.core.head):
            torch.nn.init.normal_(m.weight, std=0.1)
        dropped.load_state_dict(plain.state_dict())
        x = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(9))
        with torch.no_grad():
            dropped.eval(), plain.eval()
            same = (dropped(x) - plain(x)).abs().max().item()
            dropped.train()          # (this moves its BatchNorm statistics: compared last)
            twice = (dropped(x) - dropped(x)).abs().max().item()
        if not (twice > 1e-4 and same == 0.0):
            failures.append(f"dropout: two training passes differ by {twice}, eval against plain by {same}")

        # synth_from "rgb": stage trans also trains T_R2N (sRGB -> NIR), which sees colour and so beats T_G2N
        # on NIR that depends on hue (fake_nir's foliage term); F_N's intermittent images then come from it
        tr11 = Trainer(dict(cfg, synth_from="rgb"), os.path.join(run_dir, "r2n"), data, log=lambda m: None)

        def trans_err(k):
            nir, rgb, mask = held
            with torch.no_grad():
                x = rgb if k == "tr2n" else rgb_to_gray(rgb)
                return (tr11.nets[k].eval()(x).float() - nir).abs().mean().item()

        r0, g0 = trans_err("tr2n"), trans_err("tg2n")
        tr11.steps = dict(cfg["steps"], fg=0, trans=40, fn=0, coop=0, fuse=0)
        tr11.run()
        r1, g1 = trans_err("tr2n"), trans_err("tg2n")
        print(f"held-batch NIR error: T_R2N {r0:.4f} -> {r1:.4f}, T_G2N {g0:.4f} -> {g1:.4f}")
        used = {"tr2n": 0, "tg2n": 0}
        hooks = [tr11.nets[k].register_forward_hook(lambda *a, k=k: used.__setitem__(k, used[k] + 1))
                 for k in used]
        schedule.step_fn(dict(cfg, synth_from="rgb", fn_synth_frac=0.5), tr11.nets, data, Sampler(5), 0.5)
        for h in hooks:
            h.remove()
        if not (r1 < 0.8 * r0 and r1 < 0.8 * g1) or used != {"tr2n": 1, "tg2n": 0}:
            failures.append(f"synth_from rgb: T_R2N {r0:.4f} -> {r1:.4f} against T_G2N {g1:.4f}; "
                            f"translator calls in an F_N step {used}")

        # fn_synth_decay: the intermittent share of an F_N batch falls linearly to none over the stage
        counts = [schedule.synth_count(dict(cfg, batch=16, fn_synth_frac=0.25, fn_synth_decay=d), f)
                  for d in (False, True) for f in (0.0, 0.5, 0.99)]
        if counts != [4, 4, 4, 4, 2, 0]:
            failures.append(f"fn_synth_decay: synthetic crops per batch {counts}")

        # fg_mix: per-collection sampling weights; a collection weighted 0 is never drawn
        from models.train.data import source_of
        from models.train.schedule import step_fg
        dark, light = torch.zeros(3, 64, 64, dtype=torch.uint8), torch.full((3, 64, 64), 255, dtype=torch.uint8)
        mixed = type("Mixed", (), {"rgb_train": [Pair("d", "d", None, dark, None, "rgb/dark"),
                                                 Pair("l", "l", light[:1], light, None, "vcip")]})()

        class Recorder(Sampler):
            def crop(self, items, n, size, need_nir=True, weights=None):
                self.drawn = [p for p, w in zip(items, weights or [1.0] * len(items)) if w > 0]
                return super().crop(items, n, size, need_nir, weights)

        mix_sampler = Recorder(5)
        drawn = []
        for mix in (None, {"vcip": 0.0}):
            step_fg(dict(cfg, fg_mix=mix), tr.nets, mixed, mix_sampler, 0.0)
            drawn.append([source_of(p) for p in mix_sampler.drawn])
        _, r, _ = Sampler(5).crop(mixed.rgb_train, 32, 16, weights=[0.0, 1.0])
        if drawn != [["photos", "vcip"], ["photos"]] or r.min().item() != 1.0:
            failures.append(f"fg_mix: a collection weighted 0 was drawn ({drawn}; darkest crop {r.min().item()})")

        # fn_mix: F_N's real pairs weighted by set ("epfl/urban") before collection ("epfl")
        from models.train.data import mix_weights
        from models.train.schedule import step_fn
        pairs = type("Pairs", (), {"pairs_train": [Pair("v", "v", light[:1], light, None, "vcip"),
                                                   Pair("u", "u", dark[:1], dark, None, "epfl/urban"),
                                                   Pair("w", "w", dark[:1], dark, None, "epfl/water")]})()
        fn_mix = {"epfl": 0.0, "epfl/urban": 2.0}
        step_fn(dict(cfg, fn_synth_frac=0.0, fn_mix=fn_mix), tr.nets, pairs, mix_sampler, 0.0)
        weights = mix_weights(pairs.pairs_train, fn_mix)
        if weights != [1.0, 2.0, 0.0] or [p.name for p in mix_sampler.drawn] != ["v", "u"] or mix_weights(
                pairs.pairs_train, None) is not None:
            failures.append(f"fn_mix: weights {weights}, drawn {[p.name for p in mix_sampler.drawn]}")

        # sam: each step's gradient is taken at perturbed weights on the same crops (the sampler replays its
        # batch), then the weights come back before the optimiser moves them
        plain, sharp = (Trainer(dict(cfg, sam=r), os.path.join(run_dir, f"sam{r}"), data, log=lambda m: None)
                        for r in (0.0, 0.01))
        for t in (plain, sharp):
            t.steps = dict(cfg["steps"], fg=3, trans=0, fn=0, coop=0, fuse=0)
            t.run()
        moved = max((a - b).abs().max().item() for a, b in zip(plain.nets["fg"].parameters(),
                                                               sharp.nets["fg"].parameters()))
        if plain.sampler.rng.getstate() != sharp.sampler.rng.getstate() or not 0 < moved < 0.05:
            failures.append(f"sam: crops drawn differ from a plain run's or weights off ({moved})")

        # the networks stay within the C core's layer set
        try:
            from models.train import export
            for name, net, task in (("gray", tr.nets["fg"], "gray"), ("nir", tr.nets["fn"], "nir"),
                                    ("fused", tr.nets["fuse"], "nir"), ("nir-gain", tr8.nets["fn"], "nir")):
                export.export_model(net, os.path.join(run_dir, name + ".safetensors"),
                                    export.make_contract(task), dtype="fp16")
        except ImportError as e:
            print(f"(exporter not importable, export not checked: {e})")
        except Exception as e:
            failures.append(f"export failed: {type(e).__name__}: {e}")

    # the fused graph (2.3x the op's work) ships only when it validates clearly better
    g = FUSED_MIN_GAIN_DB
    for score, want in (({"fn": 41.5, "fused": 41.5 + 1e-5}, "fn"),
                        ({"fn": 41.5, "coop": 41.6, "fused": 41.6 + g / 2}, "coop"),
                        ({"fn": 41.5, "coop": 41.2, "fused": 41.5 + 2 * g}, "fused"),
                        ({"fn": 40.0, "coop": 40.3}, "coop")):
        if choose_nir(score) != want:
            failures.append(f"choose_nir({score}) = {choose_nir(score)}, expected {want}")

    print(f"smoke test took {time.time() - t_start:.1f} s")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
