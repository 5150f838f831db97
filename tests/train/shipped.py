#!/usr/bin/env python3
"""The shipped models in the C core agree with PyTorch on a real photo.

For models/cocolor-nir.safetensors and models/cocolor-gray.safetensors, on
the luminance of a CC0 photo (Debian's python3-skimage), the C core
(tests/core/run-model) must
- match PyTorch running the file itself (models/train/reference.py) within
  1e-4, and carry colour;
- stay close to the trained networks rebuilt in PyTorch from
  models/cocolor-train-state.pt (shipped beside them): the file holds the
  BatchNorm-folded weights rounded to fp16 after folding, the state the
  unfolded fp16 ones, so only the mean difference is held to a bound; it
  catches an export that lost or mixed up a layer;
- stay near the displayable range everywhere, the borders included: the
  op clamps, but a far-out pixel still shows as a blotch once its colour
  is upsampled (models trained with an unclamped colourfulness term had
  a spike of 10-70 at the bottom-right pixel).
A model with hint inputs is run with its hint planes (models/train/hints.py,
as the op fills them) twice: without hints, and with ten hint discs of the
photo's own colours, which must also bring the colour at the hint pixels
closer to the hints than the run without them.

    shipped.py RUN_MODEL SOURCE_ROOT PHOTO
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

RUN_MODEL, ROOT, PHOTO = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, ROOT)
from models.train.reference import run_file  # noqa: E402
from models.train.checkpoints import load_models_for_eval  # noqa: E402
from models.train.hints import eval_hints, net_input  # noqa: E402

TOLERANCE = 1e-4       # C core against PyTorch on the same file
MEAN_TOLERANCE = 5e-3  # C core against the trained network (fp16 after folding)
RANGE_EXCESS = 0.25    # largest distance of an output value from [0, 1]
torch.set_num_threads(1)


def luminance(path, h, w):
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)[:h, :w] / 255.0
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def run_core(model, x, tmp):
    src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
    x.astype(np.float32).tofile(src)
    c, h, w = x.shape
    r = subprocess.run([RUN_MODEL, model, src, str(c), str(h), str(w), dst, "2"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"run-model {model}: {r.stderr.strip()}")
    return np.fromfile(dst, dtype=np.float32).reshape([int(s) for s in r.stdout.split()])


def main():
    state = torch.load(os.path.join(ROOT, "models", "cocolor-train-state.pt"), map_location="cpu",
                       weights_only=False)
    state["nets"] = {k: {n: t.float() for n, t in sd.items()} for k, sd in state["nets"].items()}
    state["snapshots"] = {k: {n: t.float() for n, t in sd.items()}
                          for k, sd in state.get("snapshots", {}).items()}
    nets = load_models_for_eval(state, state.get("nir_choice"))
    x = luminance(PHOTO, 256, 384)
    photo = torch.from_numpy(np.asarray(Image.open(PHOTO).convert("RGB"), dtype=np.float32)[:256, :384] / 255.0)
    hinted = eval_hints(photo.permute(2, 0, 1)[None], 10, 1)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for task in ("nir", "gray"):
            path = os.path.join(ROOT, "models", f"cocolor-{task}.safetensors")
            net = nets[task].float()
            runs = [("", None)] + ([(" with 10 hints", hinted)] if getattr(net, "n_hints", 0) else [])
            hint_error = []
            for label, hints in runs:
                inp = net_input(net, torch.from_numpy(x)[None, None], hints)
                with torch.no_grad():
                    want = run_file(path, inp)[0].numpy()
                    trained = net(inp)[0].numpy()
                got = run_core(path, inp[0].numpy(), tmp)
                if got.shape != want.shape:
                    raise SystemExit(f"{task}: C core gives {got.shape}, PyTorch {want.shape}")
                err = float(np.abs(got - want).max())
                drift = float(np.abs(got - trained).mean())
                chroma = float((got.max(axis=0) - got.min(axis=0)).mean())
                excess = np.abs(got - got.clip(0.0, 1.0)).max(axis=0)
                worst = tuple(int(i) for i in np.unravel_index(int(excess.argmax()), excess.shape))
                ok = err <= TOLERANCE and drift <= MEAN_TOLERANCE and chroma > 0.01 and excess.max() <= RANGE_EXCESS
                print(f"{'ok' if ok else 'FAIL'} {task}{label}: max abs error {err:.2e} against the file in "
                      f"PyTorch (≤ {TOLERANCE:g}); mean {drift:.2e} against the trained network "
                      f"(≤ {MEAN_TOLERANCE:g}); mean chroma {chroma:.3f}; farthest from [0, 1] by "
                      f"{excess.max():.3f} at {worst} (≤ {RANGE_EXCESS:g})")
                failures += not ok
                on = hinted[1][0, 0].numpy() > 0.5
                hint_error.append(float(np.abs(got[:, on] - hinted[0][0].numpy()[:, on]).mean()))
            if len(hint_error) == 2:
                ok = hint_error[1] < hint_error[0]
                print(f"{'ok' if ok else 'FAIL'} {task}: mean error at the hint pixels {hint_error[0]:.4f} "
                      f"without hints, {hint_error[1]:.4f} with them")
                failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
