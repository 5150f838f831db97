"""Seeded training configurations.

cpu    -- the shipped schedule: fits two hours on 2 CPU cores (bf16 autocast where native, 96^2 crops, batch 16, 1 thread).
          Measured per-step times (1 thread, machine loaded by compiles): fg 0.34-0.49 s, trans 0.30 s,
          fn 0.51-0.65 s, coop 1.18-1.39 s, fuse 1.0 s; final evaluation ~6 min -> about 1 h 45 min.
device -- one H100/H200 (data from models/train/data-pack): larger crops, batches and deeper levels, run with
          --budget-minutes: each stage gets a share of the time (budget_frac), its step count is fixed after
          timing its first steps (the counts reached are logged and saved, so --steps reproduces them).
smoke  -- seconds; used by tests/train/smoke.py (with synthetic data).

Step counts per stage: fg (F_G pretrain on every RGB image), trans (T_N2G + T_G2N on pairs), fn (F_N from
F_G on real NIR pairs + T_G2N(gray of RGB photos)), coop (progressive cooperative fine-tuning with pixel +
feature consistency), fuse (fusion gate over F_N and F_G(T_N2G)).
"""
import copy

# The colourfulness hinge ("colourful") is off: measured unclamped it had only taught a spike at the bottom-right
# pixel (so it was in effect off in every model trained with it); clamped, it buys colour with PSNR at the
# weights tried (models/README.md, Known limits). "range" keeps the outputs near [0, 1] instead; F_G took only
# a gentle weight with a margin (0.05 cost it 30 % more L1), F_N took 0.05 at no cost.
W_GRAY = {"chroma": 2.0, "mag": 1.0, "colourful": 0.0, "colourful_target": 0.9, "range": 0.003, "range_margin": 0.1}
# F_N: luma weighted up (short run: with the true Y its PSNR would be 27.7 dB instead of 15.7; with the
# true chroma only 16.2), chroma down.
W_NIR = {"chroma": 1.0, "luma": 1.0, "mag": 0.5, "colourful": 0.0, "colourful_target": 0.9, "grad": 0.5,
         "range": 0.05}

BASE = {
    "seed": 20230803,
    "threads": 1,                 # measured: with colleagues compiling (load ~5), 2 threads ran 4-5x
                                  # slower per step than 1; on an idle machine use --threads 2
    "device": "cpu",
    "bf16": "auto",               # autocast bfloat16 where native (CPU: AVX-512 BF16 or AMX; GPU: tensor
                                  # cores); true/false force it (schedule.bf16_enabled)
    "crop": 96,
    "batch": 16,
    "lr": 2e-3,
    "lr_min_frac": 0.05,          # cosine to lr * this, per stage
    "warmup": 100,
    "weight_decay": 1e-4,
    "epfl_scale": 256 / 680,      # EPFL full-res pairs resized to VCIP's scale (680-px squares -> 256)
    "photo_max_side": 512,
    "val_every": 6,
    "widths_colour": (16, 32, 64, 96, 128),
    "widths_trans": (8, 16, 32, 48, 64),
    "fuse_width": 16,
    "steps": {"fg": 3500, "trans": 800, "fn": 4000, "coop": 1200, "fuse": 300},
    "fn_synth_frac": 0.25,        # share of an F_N batch that is T_G2N(gray of RGB photos)
    "fn_synth_decay": False,      # true: that share falls linearly to 0 over stage fn (schedule.synth_count)
    "synth_from": "gray",         # "rgb": those intermittent NIR images come from T_R2N(RGB photo) instead,
                                  # a translator trained beside the others in stage trans
    "coop_lr_frac": 0.3,          # cooperative stage lr = lr * this
    "coop_extra_frac": 0.5,       # coop: extra half-batches of photos for F_G (gray) and F_N (synthetic NIR)
    "w_gray": W_GRAY,
    "w_nir": W_NIR,
    "w_cons_pix": 0.5,
    "w_cons_feat": 0.1,
    # pixel consistency on CbCr only (schedule._consistency; "rgb" for all of sRGB). Measured, 300 coop
    # steps from the shipped weights (device widths, 128^2 crops, batch 8, CPU), VCIP-val PSNR of F_N
    # (start 18.99): rgb 18.35, chroma 18.68, no consistency 18.93 -- tying F_N's lightness to T_N2G's
    # estimate is what hurt most.
    "cons_pix_space": "chroma",
    "w_trans_anchor": 1.0,        # coop: keep T_N2G supervised by the pairs' true gray
    "freeze_bn": False,           # BatchNorm on running statistics while training (schedule.set_modes);
                                  # or a list of the networks it applies to, e.g. ["fn"]
    "fg_mix": None,               # F_G stage: per-image sampling weight by collection or set, e.g.
                                  # {"photos": 2.0, "epfl/urban": 4.0} (data.mix_weights); None: every image alike
    "fn_mix": None,               # F_N's real pairs: per-image sampling weight by set or collection, e.g.
                                  # {"epfl/urban": 3.0, "vcip": 1.0} (data.mix_weights); None: every pair alike
    "fn_gain": False,             # F_N with a multiplicative luma gain, Y = x + dY + x * g (cocolor_nets)
    "dropout": 0.0,               # > 0: channel dropout on the colour networks' 1/8 and 1/16 features while
                                  # training (cocolor_nets.UNetCore; nothing at inference)
    "min_scale": 1.0,             # < 1: crops at a random scale in [min_scale, 1] (data.Sampler)
    "epfl_zoom": 1.0,             # > 1: EPFL training pairs also loaded at this many times epfl_scale (data.Data)
    "zoom": 0.0,                  # > 0: share of those pairs' crops zoomed in by up to epfl_zoom (data.Sampler)
    "exposure": 0.0,              # > 0: RGB and NIR of a crop scaled by one gain in [1/(1+e), 1+e] (data.Sampler)
    "cutmix": 0.0,                # > 0: share of crops given a square from another crop of the batch (data.Sampler)
    "sam": 0.0,                   # > 0: adaptive sharpness-aware minimisation, radius rho relative to the
                                  # weights (two passes a step; train.Trainer._sharpness_aware_grad)
    "ema": 0.0,                   # > 0: decay of a per-step moving average of the trained weights; each
                                  # stage ends on the average (train.Trainer._ema_update)
    "snapshot_at": None,          # e.g. [0.5, 0.75]: fg / fn stages leave their network at these fractions
                                  # (train.Trainer._snapshot; evaluate them with join)
    "log_every": 50,
    "ckpt_every": 250,
    "eval_photos": 40,            # photos used in between-stage evaluations (all at the end)
    "calib_steps": 25,            # with --budget-minutes: steps timed (after 5 untimed) to size a stage
    "resume_steps": {"fg": 0, "trans": 0, "fn": 0, "coop": 1200, "fuse": 300},  # --resume-from-shipped
}

CONFIGS = {
    "cpu": {
        # only with --budget-minutes (a CPU slower than the one the step counts were set on): the shares its
        # stages take at the step counts above (model card: fg 0.31, trans 0.31, fn 0.54, coop 1.27, fuse 0.94 s)
        "budget_frac": {"fg": 0.20, "trans": 0.05, "fn": 0.41, "coop": 0.29, "fuse": 0.05},
    },
    "device": {
        "device": "cuda", "threads": 8, "crop": 192, "batch": 32, "lr": 2e-3,
        # deeper levels are wider: capacity for scene semantics at 1/8 and 1/16 resolution costs the op
        # little (about +20 % FLOPs over the cpu widths, most of it at full and half resolution unchanged)
        "widths_colour": (16, 32, 64, 128, 192),
        "steps": {"fg": 6000, "trans": 1500, "fn": 5000, "coop": 3000, "fuse": 600},
        "budget_frac": {"fg": 0.28, "trans": 0.07, "fn": 0.32, "coop": 0.27, "fuse": 0.06},
        "ckpt_every": 1000, "log_every": 200,
    },
    "smoke": {
        "threads": 1, "crop": 48, "batch": 4, "lr": 3e-3, "warmup": 5,
        "widths_colour": (8, 16, 16, 24, 32), "widths_trans": (4, 8, 8, 12, 16), "fuse_width": 4,
        "steps": {"fg": 30, "trans": 10, "fn": 10, "coop": 10, "fuse": 5},
        "log_every": 10, "ckpt_every": 20, "eval_photos": 2,
    },
}


def get(name, **overrides):
    cfg = copy.deepcopy(BASE)
    for k, v in CONFIGS[name].items():
        cfg[k] = copy.deepcopy(v)
    for k, v in overrides.items():
        cfg[k] = v
    cfg["name"] = name
    return cfg
