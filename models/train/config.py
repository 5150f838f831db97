"""Seeded training configurations.

cpu    -- the from-scratch schedule on a CPU: about two hours on two cores (96^2 crops, batch 16, one thread,
          bf16 autocast where the CPU computes it natively).
device -- one H100/H200, data from the packed copy (models/train/data-pack): larger crops and batches, wider
          deep levels; run it with --budget-minutes, which gives each stage its share of the time
          (budget_frac) and fixes the stage's step count from its first steps' timing (the counts reached
          are logged and saved, so --steps repeats them).  The shipped state was made with this config,
          so continuations of it (--resume-from-shipped) use it too.
smoke  -- seconds; for the tests (tests/train), on synthetic data.

Stages and their step counts: fg (F_G on every RGB image), trans (T_N2G + T_G2N on the pairs), fn (F_N from
F_G on real NIR pairs + T_G2N(gray of RGB photos)), coop (cooperative fine-tuning with pixel + feature
consistency), fuse (the fusion gate over F_N and F_G(T_N2G)).  Any key can be overridden with
`train.py --set KEY=JSON`; `--set hints=true` gives F_G and F_N colour-hint inputs (hints.py).
"""
import copy

# Loss weights (losses.colour_loss).  The colourfulness hinge ("colourful") is off: clamped, as it is now
# measured, it buys colour only with PSNR.  "range" keeps outputs near [0, 1] instead: it weighs the one
# worst pixel, so it removes a lone spike that per-pixel terms hardly see; F_G only tolerates a gentle
# weight with a margin.  "psnr" (off here) is minus the crops' mean PSNR, the validation metric.
W_GRAY = {"chroma": 2.0, "mag": 1.0, "colourful": 0.0, "colourful_target": 0.9, "range": 0.003, "range_margin": 0.1}
# F_N: luma weighted up and chroma down, since its error is mostly lightness, not colour.
W_NIR = {"chroma": 1.0, "luma": 1.0, "mag": 0.5, "colourful": 0.0, "colourful_target": 0.9, "grad": 0.5,
         "range": 0.05}

BASE = {
    "seed": 20230803,
    "threads": 1,                 # on a shared two-core machine a second thread made steps slower
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
    "fn_camera": 0.0,             # share of F_N's crops given as the op derives them from an IR camera's
                                  # colour-cast file (camera.py: gains, exposure, gamma, 8 bits, noise)
    "fn_gray_file": 0.0,          # share of F_N's crops given as the op derives them from a gray NIR file at a
                                  # camera's exposure and gamma (camera.py; after the fn_camera share)
    "coop_lr_frac": 0.3,          # cooperative stage lr = lr * this
    "coop_extra_frac": 0.5,       # coop: extra half-batches of photos for F_G (gray) and F_N (synthetic NIR)
    "w_gray": W_GRAY,
    "w_nir": W_NIR,
    "w_cons_pix": 0.5,
    "w_cons_feat": 0.1,
    # pixel consistency on CbCr only ("rgb": all of sRGB): on sRGB it ties F_N's lightness to T_N2G's
    # estimate, which cost F_N more than the consistency gave (schedule._consistency)
    "cons_pix_space": "chroma",
    "w_trans_anchor": 1.0,        # coop: keep T_N2G supervised by the pairs' true gray
    "freeze_bn": False,           # BatchNorm on running statistics while training (schedule.set_modes): for
                                  # continuations at small batches, whose batch statistics are noisy
    "fg_mix": None,               # F_G stage: per-image sampling weight by collection or set, e.g.
                                  # {"photos": 2.0, "epfl/urban": 4.0} (data.mix_weights); None: every image alike
    "cutmix": 0.0,                # > 0: share of crops given a square from another crop of the batch (data.Sampler)
    "snapshot_at": None,          # e.g. [0.5, 0.75]: fg / fn stages leave their network at these fractions
                                  # (trainer.Trainer._snapshot; evaluate them with join)
    "log_every": 50,
    "ckpt_every": 250,
    "calib_steps": 25,            # with --budget-minutes: steps timed (after 5 untimed) to size a stage
    "resume_steps": {"fg": 0, "trans": 0, "fn": 0, "coop": 1200, "fuse": 300},  # --resume-from-shipped
    # Colour hints (hints.py): F_G and F_N take hint channels beside their input and the fg / fn stages
    # train them with simulated hints (coop and fuse take none: give them 0 steps).  Continuing the shipped
    # weights, the networks are widened with zero weights for the hint channels (cocolor_nets.widen_state).
    "hints": False,
    "hint_only": False,           # train only the hint channels' input columns (the rest frozen, BatchNorm too)
    "hint_gate": False,           # a hint network also adds its input times a computed gate to its output
                                  # (cocolor_nets.Colorizer): the nearest hint's colour, where the gate opens
    "hint_p0": 0.3,               # share of samples with no hint (automatic colour must not get worse)
    "hint_mean": 8.0,             # mean hint count per sample, the zeros included (1 + geometric otherwise)
    "hint_stroke": 0.15,          # share of hints that are strokes (a thick polyline of one colour)
    "hint_region": 0.1,           # share of hints that are larger regions (an ellipse, 5-25 % of the side)
    "hint_similar": 0.08,         # strokes and regions keep to pixels this close (YCbCr) to their seed's colour
}

CONFIGS = {
    "cpu": {
        # only with --budget-minutes (a CPU slower than the one the step counts were set on): the shares
        # its stages take at the step counts above
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
        "log_every": 10, "ckpt_every": 20,
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
