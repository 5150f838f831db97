#!/usr/bin/env python3
"""Training smoke test: a few steps of every CoColor stage on a handful of synthetic pairs.

No research data needed: RGB images are the CC0 samples shipped by Debian's python3-skimage (or, where
absent, procedural pictures); the "NIR" is a fixed nonlinear function of the RGB (foliage bright, sky dark,
as in real NIR), so there is something learnable.  One run from scratch through every stage (made once,
shared) and a training state made from it feed the checks; each test_* function checks one thing through
the package's public entry points (Trainer.run / resume / resume_from_shipped, the schedule's step
functions, join, finish_run, export) and fails with an AssertionError saying what it found.  All tests run;
the exit status is 1 if any failed, 77 (skipped) without PyTorch.

Usage: smoke.py [REPO_ROOT] [TEST_NAME...]
"""
import copy
import functools
import math
import os
import sys
import tempfile
import time

import runner

ROOT = runner.setup()
import numpy as np                                                                    # noqa: E402
import torch                                                                          # noqa: E402
from PIL import Image                                                                 # noqa: E402

from models.train import export, schedule, train                                     # noqa: E402
from models.train.checkpoints import load_models_for_eval, net_from_snapshot, run_summary, training_state  # noqa: E402
from models.train.cocolor_nets import build, rgb_to_gray, rgb_to_ycbcr                # noqa: E402
from models.train.config import get                                                   # noqa: E402
from models.train.data import Pair, Sampler, mix_weights, source_of                   # noqa: E402
from models.train.evaluate import FUSED_MIN_GAIN_DB, choose_nir                       # noqa: E402
from models.train.export_models import last_crop                                      # noqa: E402
from models.train.join import join_parts, slim                                        # noqa: E402
from models.train.losses import colour_loss, colourfulness_loss, psnr_loss, range_loss  # noqa: E402
from models.train.reference import run_file                                           # noqa: E402
from models.train.trainer import Trainer, refit_total                                 # noqa: E402

TMP = tempfile.mkdtemp(prefix="cocolor-smoke-")
QUIET = lambda msg: None   # noqa: E731
torch.manual_seed(0)
torch.set_num_threads(1)


# ---- synthetic data and the shared runs

def sample_images():
    ims = []
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png"):
        p = os.path.join("/usr/lib/python3/dist-packages/skimage/data", name)
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
    """The attributes of data.Data, from the sample pictures; validation sets are two training pairs (the
    final evaluation needs some)."""

    def __init__(self):
        ims = sample_images()
        pairs = [Pair(f"s{i}", i, fake_nir(im), im, None, "synth") for i, im in enumerate(ims)]
        self.vcip_train, self.epfl_train, self.photos_train = pairs, [], pairs
        self.vcip_val, self.epfl_val, self.photos_val = pairs[:2], [], pairs[:2]

    @property
    def pairs_train(self):
        return self.vcip_train

    @property
    def rgb_train(self):
        return self.photos_train


DATA = SynthData()
CFG = get("smoke", steps={"fg": 40, "trans": 8, "fn": 40, "coop": 6, "fuse": 4})
HELD = Sampler(123).crop(DATA.pairs_train, 8, 64)   # a fixed batch the losses are measured on


def held_loss(net, task):
    """Pixel loss of a colour network on the held batch, in eval mode (BatchNorm's running statistics)."""
    nir, rgb, mask = HELD
    was = net.training
    net.eval()
    with torch.no_grad():
        out = net(rgb_to_gray(rgb) if task == "gray" else nir)
    net.train(was)
    return colour_loss(out.float(), rgb, mask, CFG["w_gray" if task == "gray" else "w_nir"])[1]["pix"].item()


@functools.cache
def scratch_run():
    """Every stage from scratch: (the trainer, F_G's held loss before training)."""
    tr = Trainer(CFG, os.path.join(TMP, "scratch"), DATA, log=QUIET)
    fg0 = held_loss(tr.nets["fg"], "gray")
    assert tr.run(), "the run did not finish"
    return tr, fg0


@functools.cache
def shipped_state():
    """A training state made from the scratch run as export_models makes the shipped one (F_N alone and
    F_G before cooperation chosen): what the continuation tests start from."""
    tr, _ = scratch_run()
    ck = torch.load(os.path.join(tr.run_dir, "last.pt"), map_location="cpu", weights_only=False)
    path = os.path.join(TMP, "state.pt")
    torch.save(training_state(ck, "fn", "fg_pre", []), path)
    return path


def continuation(name, **over):
    """A trainer continuing the shipped state (resume_steps in `over` say which stages run)."""
    tr = Trainer(dict(CFG, **over), os.path.join(TMP, name), DATA, log=QUIET)
    tr.resume_from_shipped(shipped_state())
    return tr


@functools.cache
def fn_continuation():
    """F_N continued for 3 steps, leaving snapshots at steps 1 and 2 (the end is the run itself)."""
    tr = continuation("cont-fn", resume_steps={"fn": 3}, snapshot_at=[0.34, 0.67, 1.0])
    tr.snapshot_dir = os.path.join(TMP, "snaps")
    tr.run()
    return tr


def same_state(a, b):
    """Equal weights, to_rgb aside (the fixed YCbCr->sRGB matrix is re-set exactly, not taken from fp16)."""
    return all(torch.equal(a[k].float(), b[k].float()) for k in b if not k.startswith("to_rgb"))


# ---- the stages

def test_fg_stage_learns():
    tr, fg0 = scratch_run()
    fg1 = held_loss(net_from_snapshot(CFG, tr.snapshots, "fg_pre"), "gray")   # F_G as its stage left it
    print(f"  F_G held-batch pixel loss {fg0:.4f} -> {fg1:.4f}")
    assert fg1 < 0.85 * fg0, f"F_G loss did not fall enough: {fg0:.4f} -> {fg1:.4f}"


def test_fn_stage_learns_from_fg_prior():
    tr, _ = scratch_run()
    start = build("fn", CFG["widths_colour"])      # F_N starts from F_G (the task-domain prior)
    start.load_state_dict(tr.snapshots["fg_pre"])
    start.set_mode("nir")
    fn0, fn1 = held_loss(start, "nir"), held_loss(net_from_snapshot(CFG, tr.snapshots, "fn_alone"), "nir")
    print(f"  F_N held-batch pixel loss {fn0:.4f} -> {fn1:.4f}")
    assert fn1 < 0.85 * fn0, f"F_N loss did not fall enough: {fn0:.4f} -> {fn1:.4f}"


def test_every_stage_ran_with_finite_losses():
    tr, _ = scratch_run()
    assert {r["stage"] for r in tr.history} == set(schedule.STAGES), f"stages logged: {tr.history}"
    bad = [r for r in tr.history if not math.isfinite(r["loss"])]
    assert not bad, f"non-finite losses: {bad}"


def test_coop_one_forward_pass_per_network():
    """One forward pass per colour network per cooperative step: BatchNorm's running statistics then describe
    the batches the network was trained on (separate real / synthetic passes did not)."""
    nets = copy.deepcopy(scratch_run()[0].nets)
    calls = {"fn": 0, "fg": 0}
    for k in calls:
        nets[k].core.e0.register_forward_hook(lambda *a, k=k: calls.__setitem__(k, calls[k] + 1))
    schedule.step_coop(CFG, nets, DATA, Sampler(5), 0.5)
    assert calls == {"fn": 1, "fg": 1}, f"forward passes per network {calls}, expected one each"


def test_resume_restores_the_run():
    tr, _ = scratch_run()
    tr2 = Trainer(CFG, tr.run_dir, DATA, log=QUIET)
    tr2.resume(os.path.join(tr.run_dir, "last.pt"))
    for k in ("fg", "fn", "tn2g", "tg2n"):
        a, b = tr.nets[k].state_dict(), tr2.nets[k].state_dict()
        changed = [n for n in a if not torch.equal(a[n], b[n])]
        assert not changed, f"resume changed {k}: {changed[:3]}"
    assert (tr2.stage_i, tr2.steps, tr2.history) == (tr.stage_i, tr.steps, tr.history), "resume lost the progress"


def test_stopped_run_resumes_where_it_stopped():
    """A run stopped by its deadline and resumed from its checkpoint ends where an uninterrupted one does
    (weights, sampler, optimiser and random state all restored)."""
    cfg = dict(CFG, steps={"fg": 4, "trans": 0, "fn": 0, "coop": 0, "fuse": 0})
    whole = Trainer(cfg, os.path.join(TMP, "whole"), DATA, log=QUIET)
    assert whole.run()
    stopped = Trainer(cfg, os.path.join(TMP, "stopped"), DATA, log=QUIET)
    assert not stopped.run(deadline=time.time() - 1), "the deadline did not stop the run"
    assert stopped.step == 1, f"stopped at step {stopped.step}, expected 1"
    resumed = Trainer(cfg, stopped.run_dir, DATA, log=QUIET)
    resumed.resume(os.path.join(stopped.run_dir, "last.pt"))
    assert resumed.run()
    a, b = whole.nets["fg"].state_dict(), resumed.nets["fg"].state_dict()
    changed = [n for n in a if not torch.equal(a[n], b[n])]
    assert not changed, f"the resumed run ended elsewhere: {changed[:3]}"


def test_finish_run_evaluates_and_exports():
    """The end of a run (train.finish_run): evaluation, the choices in results.json and last.pt, the model
    files and the training state, which rebuilds the networks the files hold."""
    tr, _ = scratch_run()
    out = os.path.join(TMP, "models")
    os.makedirs(out)
    res = train.finish_run(tr, QUIET, out_dir=out)
    assert res["nir_choice"] in ("fn", "coop", "fused") and res["gray_choice"] in ("fg_pre", "coop"), res
    files = sorted(os.listdir(out))
    assert files == ["cocolor-gray.safetensors", "cocolor-nir.safetensors", "cocolor-train-state.pt"], files
    state = torch.load(os.path.join(out, "cocolor-train-state.pt"), weights_only=False)
    assert (state["nir_choice"], state["gray_choice"]) == (res["nir_choice"], res["gray_choice"])
    assert state["lineage"] == [run_summary(CFG, tr.steps)], state["lineage"]
    nets = load_models_for_eval(state)
    x = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(2))
    for task in ("nir", "gray"):
        with torch.no_grad():
            got = run_file(os.path.join(out, f"cocolor-{task}.safetensors"), x)
            want = nets[task].float()(x)
        err = (got - want).abs().mean().item()
        assert got.shape == (1, 3, 32, 32) and err < 5e-3, f"{task}: the file is {err:.2e} from its network"



def test_each_file_states_its_own_training_resolution():
    """A run that fine-tuned one network at another crop does not restamp the other network's file."""
    lineage = [{"crop": 192, "steps": {"fg": 10, "fn": 10}}, {"crop": 256, "steps": {"fg": 5}},
               {"crop": 160, "steps": {"fn": 7, "fg": 0}}]
    assert last_crop(lineage, "gray", 999) == 256 and last_crop(lineage, "nir", 999) == 160
    assert last_crop([], "gray", 192) == 192

# ---- continuing the shipped weights

def test_continuation_starts_from_the_stage_snapshots():
    """F_N goes on from F_N alone (not from F_G, nor the cooperative F_N), F_G from before cooperation: at
    learning rate 0 with BatchNorm frozen, a step leaves each as it started."""
    tr = continuation("cont-lr0", lr=0.0, freeze_bn=True, resume_steps={"fg": 1, "fn": 1})
    shipped = torch.load(shipped_state(), weights_only=False)
    tr.run()
    assert same_state(tr.nets["fn"].state_dict(), shipped["snapshots"]["fn_alone"]), \
        "F_N did not start from the fn_alone snapshot"
    assert same_state(tr.nets["fg"].state_dict(), shipped["snapshots"]["fg_pre"]), \
        "F_G did not start from the fg_pre snapshot"
    assert not torch.equal(tr.nets["fn"].core.e0[0].weight, tr.nets["fg"].core.e0[0].weight), \
        "F_N was restarted from F_G"
    assert [e.get("config") for e in tr.lineage] == [CFG["name"]], f"lineage {tr.lineage}"
    assert (tr.nets["fn"].mode, tr.nets["fg"].mode) == ("nir", "gray"), "colour networks in the wrong mode"


def test_budget_refits_step_count():
    """A time-budgeted stage re-fits its step count to the time left at the recent step time: 5 s of a 10 s
    share left at 10 ms a step -> 500 more steps; a change of 1 % or less is not made."""
    assert refit_total(2000, 1000, 5.0, 0.01) == 2500
    assert refit_total(2000, 2510, 5.0, 0.01) == 2510
    # and the trainer records it (the one private method called here: reaching it takes 500 timed steps)
    tr = continuation("budget")
    tr.budget, tr.step, now = {"fn": 10.0}, 2000, time.time()
    total, since = tr._refit_stage("fn", 1000, now - 5.0, (now - 1.0, 1900))
    assert 2495 <= total <= 2500 and tr.steps["fn"] == total and since[1] == 2000, f"re-fitted to {total} steps"


def test_mid_stage_snapshots():
    tr = fn_continuation()
    snaps = sorted(os.listdir(tr.snapshot_dir)) if os.path.isdir(tr.snapshot_dir) else []
    assert snaps == ["fn-1.pt", "fn-2.pt"], f"wrote {snaps}, expected fn-1.pt and fn-2.pt"
    mid = [torch.load(os.path.join(tr.snapshot_dir, f), weights_only=False) for f in snaps]
    w = lambda sd: sd["core.e0.0.weight"].float()   # noqa: E731
    assert [p["steps"] for p in mid] == [{"fn": 1}, {"fn": 2}], [p["steps"] for p in mid]
    assert not torch.equal(w(mid[0]["state"]), w(mid[1]["state"])) and \
        not torch.equal(w(mid[1]["state"]), w(tr.nets["fn"].state_dict())), "not the network at steps 1 and 2"


def test_slim_and_join():
    """A continuation cut down to its network (join slim) and joined to the shipped state carries that
    network and its snapshot, and nothing else changes."""
    tr = fn_continuation()
    part_path = os.path.join(TMP, "fn-part.pt")
    slim(tr.run_dir, part_path)
    joined = continuation("joined")
    join_parts(joined, [torch.load(part_path, weights_only=False)], log=QUIET)
    shipped = torch.load(shipped_state(), weights_only=False)
    fn = tr.nets["fn"].state_dict()
    assert same_state(joined.nets["fn"].state_dict(), fn) and same_state(joined.snapshots["fn_alone"], fn), \
        "F_N is not the continuation's"
    assert not same_state(joined.nets["fn"].state_dict(), shipped["snapshots"]["fn_alone"]), \
        "F_N did not change (the continuation trained nothing?)"
    assert same_state(joined.nets["fg"].state_dict(), shipped["nets"]["fg"]) and joined.steps == {"fn": 3}, \
        f"F_G changed or steps wrong ({joined.steps})"


def test_slim_chroma_gain():
    """slim --chroma-gain: the part computes the network with its Cb/Cr scaled, luma untouched, and says so
    in its lineage entry."""
    tr = fn_continuation()
    path = os.path.join(TMP, "fn-gain.pt")
    slim(tr.run_dir, path, chroma_gain=1.5)
    gained = torch.load(path, weights_only=False)
    plain = copy.deepcopy(tr.nets["fn"]).eval()
    net = copy.deepcopy(plain)
    net.load_state_dict({k: v.float() for k, v in gained["state"].items()})
    x = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        a, b = rgb_to_ycbcr(plain(x)), rgb_to_ycbcr(net(x))
    assert torch.allclose(b[:, 0], a[:, 0], atol=1e-5) and torch.allclose(b[:, 1:], 1.5 * a[:, 1:], atol=1e-5) \
        and a[:, 1:].abs().max() > 1e-3, "not the network with its chroma scaled"
    assert run_summary(gained["config"], {}).get("chroma_gain") == 1.5, "the gain is not in the lineage"


def test_join_refuses_a_part_of_other_weights():
    slim(fn_continuation().run_dir, os.path.join(TMP, "fn-alien.pt"))
    alien = dict(torch.load(os.path.join(TMP, "fn-alien.pt"), weights_only=False), lineage=[{"config": "x"}])
    try:
        join_parts(continuation("joined2"), [alien], log=QUIET)
    except ValueError:
        return
    raise AssertionError("join took a part that continued other weights")


def test_freeze_bn():
    """A continuation with freeze_bn changes F_N's weights but not BatchNorm's running statistics."""
    bn_stats = lambda sd: {k: v.float() for k, v in sd.items() if "running_" in k}   # noqa: E731
    for freeze in (False, True):
        tr = continuation(f"freeze-{freeze}", freeze_bn=freeze, resume_steps={"fn": 3})
        start = tr.snapshots["fn_alone"]   # where the F_N stage starts from
        tr.run()
        after = tr.nets["fn"].state_dict()
        moved = any(not torch.equal(v, bn_stats(after)[k]) for k, v in bn_stats(start).items())
        assert moved != freeze, f"freeze_bn={freeze}: running statistics moved={moved}"
        assert not torch.equal(start["core.e0.0.weight"].float(), after["core.e0.0.weight"]), \
            f"freeze_bn={freeze}: weights unchanged"


# ---- losses

def test_psnr_loss():
    """Minus the crops' mean PSNR: an error of 0.1 everywhere is 20 dB, of 0.01 is 40 dB; the masked-out
    half of the second crop does not count."""
    gt = torch.full((2, 3, 8, 8), 0.5)
    pred = gt.clone()
    pred[0] += 0.1
    pred[1] += 0.01
    half = torch.ones(2, 1, 8, 8)
    half[1, :, :, :4] = 0.0
    pred[1, :, :, :4] += 0.3
    got = psnr_loss(pred, gt, half, eps=0.0).item()
    assert abs(got + 30.0) <= 1e-3, f"psnr loss {got} (want -30.0)"


def test_colourfulness_hinge_is_measured_clamped():
    """Measured on the prediction as shown (clamped), so one far-out pixel does not pass for colour."""
    colourful = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    grey = rgb_to_gray(colourful).expand(-1, 3, -1, -1).clone()
    spiked = grey.clone()
    spiked[:, :, -1, -1] = torch.tensor([60.0, -40.0, 20.0])
    plain, gamed = colourfulness_loss(grey, colourful, None, 0.9), colourfulness_loss(spiked, colourful, None, 0.9)
    assert plain.item() >= 0.8 and gamed.item() >= plain.item() - 0.05, \
        f"grey {plain.item():.3f}, grey + one spike {gamed.item():.3f}"


def test_range_loss():
    """Each crop's farthest value from [0, 1], averaged (0 inside the range)."""
    inside = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(6))
    spikes = inside.clone()
    spikes[0, 1, 7, 7], spikes[1, 2, 0, 3] = 3.0, -0.5
    got = (range_loss(inside).item(), range_loss(spikes).item(), range_loss(spikes, 1.0).item())
    assert got[0] == 0.0 and abs(got[1] - 1.25) <= 1e-6 and abs(got[2] - 0.5) <= 1e-6, \
        f"{got} (want 0, 1.25 and 0.5 with a margin of 1)"


# ---- sampling

def test_crops_are_plain_slices():
    """64 px of a 400-px ramp span 63 x 255/399 levels, flipped or not."""
    ramp = torch.linspace(0, 255, 400).round().byte().expand(3, 300, 400).contiguous()
    _, r, _ = Sampler(7).crop([Pair("ramp", "ramp", ramp[:1].clone(), ramp, None, "rgb/ramp")], 16, 64)
    span = (r[:, 0, 0, -1] - r[:, 0, 0, 0]).abs() * 255
    assert tuple(r.shape) == (16, 3, 64, 64), f"crop shape {tuple(r.shape)}"
    assert ((span - 63 * 255 / 399).abs() <= 1.0).all(), f"spans {span.tolist()}"


def test_cutmix():
    """A square of a quarter to a half of the side from the next crop, in NIR and RGB alike."""
    black = Pair("k", "k", torch.zeros(1, 48, 48, dtype=torch.uint8), torch.zeros(3, 48, 48, dtype=torch.uint8),
                 None, "vcip")
    white = Pair("w", "w", torch.full((1, 48, 48), 255, dtype=torch.uint8),
                 torch.full((3, 48, 48), 255, dtype=torch.uint8), None, "vcip")
    q, r, _ = Sampler(4, cutmix=1.0).crop([black, white], 16, 32)
    light = (r[:, 0] > 0.5).float().mean((1, 2))
    other = torch.minimum(light, 1 - light)          # share of each crop from the other (at most a quarter)
    own = light > 0.5
    differs = own != own[(torch.arange(16) + 1) % 16]
    _, r0, _ = Sampler(4).crop([black, white], 16, 32)
    assert torch.equal(q[:, 0], r[:, 0]) and (other[differs] >= 0.0625 - 1e-6).all() \
        and (other[differs] <= 0.25 + 1e-6).all() and (other[~differs] == 0).all() and differs.any() \
        and (r0 == r0[:, :1, :1, :1]).all(), f"shares from the next crop {other.tolist()}"


def test_fg_mix():
    """Per-collection or per-set sampling weights in the F_G stage; a set's weight wins over its collection's,
    and an image weighted 0 is never drawn."""
    dark, light = torch.zeros(3, 64, 64, dtype=torch.uint8), torch.full((3, 64, 64), 255, dtype=torch.uint8)
    items = [Pair("d", "d", None, dark, None, "rgb/dark"), Pair("l", "l", light[:1], light, None, "vcip"),
             Pair("u", "u", dark[:1], dark, None, "epfl/urban"), Pair("w", "w", dark[:1], dark, None, "epfl/water")]
    mix = {"epfl": 0.0, "epfl/urban": 2.0}
    assert mix_weights(items, mix) == [1.0, 1.0, 2.0, 0.0] and mix_weights(items, None) is None, \
        f"weights {mix_weights(items, mix)}"

    class Recorder(Sampler):
        def crop(self, items, n, size, need_nir=True, weights=None):
            self.drawn = [p for p, w in zip(items, weights or [1.0] * len(items)) if w > 0]
            return super().crop(items, n, size, need_nir, weights)

    data = type("Mixed", (), {"rgb_train": items[:2]})()
    nets, sampler, drawn = copy.deepcopy(scratch_run()[0].nets), Recorder(5), []
    for fg_mix in (None, {"vcip": 0.0}):
        schedule.step_fg(dict(CFG, fg_mix=fg_mix), nets, data, sampler, 0.0)
        drawn.append([source_of(p) for p in sampler.drawn])
    _, r, _ = Sampler(5).crop(items[:2], 32, 16, weights=[0.0, 1.0])
    assert drawn == [["photos", "vcip"], ["photos"]] and r.min().item() == 1.0, \
        f"a collection weighted 0 was drawn ({drawn}; darkest crop {r.min().item()})"


# ---- the command line, the choice, the export

def test_cli_refuses_unknown_settings():
    for bad in (["--set", "sam=0.01"], ["--set", 'w_nir={"chroma": 1.0, "cast": 3.0}']):
        try:
            train.main(["--config", "smoke", "--run-dir", os.path.join(TMP, "cli"), *bad])
        except SystemExit as e:
            assert e.code and "--set" in str(e.code), f"{bad}: exit {e.code!r}"
            continue
        raise AssertionError(f"{bad} was accepted")
    assert not os.path.exists(os.path.join(TMP, "cli")), "a refused command made its run folder"


def test_choose_nir():
    """The fused graph (2.3x the op's work) ships only when it validates clearly better."""
    g = FUSED_MIN_GAIN_DB
    for score, want in (({"fn": 41.5, "fused": 41.5 + 1e-5}, "fn"),
                        ({"fn": 41.5, "coop": 41.6, "fused": 41.6 + g / 2}, "coop"),
                        ({"fn": 41.5, "coop": 41.2, "fused": 41.5 + 2 * g}, "fused"),
                        ({"fn": 40.0, "coop": 40.3}, "coop")):
        assert choose_nir(score) == want, f"choose_nir({score}) = {choose_nir(score)}, expected {want}"


def test_trained_networks_export():
    """The trained networks stay within the C core's layer set."""
    nets = scratch_run()[0].nets
    for name, net, task in (("gray", nets["fg"], "gray"), ("nir", nets["fn"], "nir"), ("fused", nets["fuse"], "nir")):
        export.export_model(net, os.path.join(TMP, name + ".safetensors"), export.make_contract(task), dtype="fp16")


TESTS = [f for name, f in globals().items() if name.startswith("test_")]


if __name__ == "__main__":
    sys.exit(runner.run(TESTS, "smoke test", cleanup=TMP))
