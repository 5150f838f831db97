"""Data for CoColor training: VCIP 2020 pairs (grouped), EPFL pairs (with masks), RGB photo folders.

Everything is decoded once and kept as uint8 tensors ([C,H,W]); batches are random crops + flips.

Splits (never by pair):
- VCIP: validation = every `val_every`-th source group (groups.tsv), so siblings stay together.
- EPFL: validation = ids with (id // 2) % val_every == 0 per category (ids in the same neighbourhood of
  the sequence stay on one side often enough; EPFL photos are separate shots).  EPFL photos that are the
  *source* of a VCIP validation pair (matched by content, see `_match_vcip_sources`) are dropped from
  training, so no VCIP validation content leaks through EPFL.
- RGB photos: validation = every `val_every`-th file of each folder (sorted).

`python3 -m models.train.data pack [--src DIR] [--out models/train/data-pack]` writes a compact copy
(JPEG: pairs q92, photos q85 by default, q80 to carry as a tar beside the tracked tree; PNG masks;
about 40 MiB, EPFL pre-scaled, photos capped at `photo_max_side`) for carrying to a device
machine; the loader reads a pack exactly like the original tree (pack.json says what was pre-scaled).
"""
import argparse
import glob
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRC = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
DEFAULT_PACK = os.path.join(HERE, "data-pack")
EPFL_CATS = ("country", "field", "forest", "mountain", "indoor", "oldbuilding", "street", "urban", "water")
PHOTO_SETS = ("bsds500", "mcmaster", "sun_hays80", "urban100")
IMG_EXT = (".png", ".jpg", ".jpeg")


def default_root():
    """The shared data if present, else a pack."""
    env = os.environ.get("COCOLOR_DATA")
    if env:
        return env
    if os.path.isdir(os.path.join(DEFAULT_SRC, "nir")):
        return DEFAULT_SRC
    return DEFAULT_PACK


def _load(path, mode, scale=1.0):
    im = Image.open(path).convert(mode)
    if scale != 1.0:
        w, h = im.size
        im = im.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                       Image.NEAREST if mode == "L" and path.endswith("_mask.png") else Image.BICUBIC)
    a = np.array(im, dtype=np.uint8)
    if a.ndim == 2:
        a = a[None]
    else:
        a = a.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(a))


def _find(stem):
    for e in IMG_EXT:
        if os.path.exists(stem + e):
            return stem + e
    return None


def _cap(im, max_side):
    h, w = im.shape[-2:]
    if max(h, w) <= max_side:
        return im
    s = max_side / max(h, w)
    pil = Image.fromarray(im.permute(1, 2, 0).numpy())
    pil = pil.resize((round(w * s), round(h * s)), Image.BICUBIC)
    return torch.from_numpy(np.asarray(pil).transpose(2, 0, 1).copy())


def _load_epfl(stem, scale):
    """NIR, RGB and mask (None where the pair has none; 0 or 255) of EPFL pair `stem` at `scale`, cut to
    the size the NIR and RGB pictures share."""
    nir, rgb = _load(_find(stem + "_nir"), "L", scale), _load(_find(stem + "_rgb"), "RGB", scale)
    mpath = _find(stem + "_mask")
    mask = (_load(mpath, "L", scale) > 127).to(torch.uint8) * 255 if mpath else None
    h, w = min(nir.shape[-2], rgb.shape[-2]), min(nir.shape[-1], rgb.shape[-1])
    return nir[:, :h, :w], rgb[:, :h, :w], None if mask is None else mask[:, :h, :w]


def epfl_is_val(nid, val_every=6):
    """Whether EPFL pair NNNN is in the validation split (one rule for the
    training code and tools/eval-op.py)."""
    return (int(nid) // 2) % val_every == 0


class Pair:
    __slots__ = ("name", "group", "nir", "rgb", "mask", "set")

    def __init__(self, name, group, nir, rgb, mask=None, set_=""):
        self.name, self.group, self.nir, self.rgb, self.mask, self.set = name, group, nir, rgb, mask, set_


class Data:
    """Loaded data, split.  Attributes: vcip_train/vcip_val, epfl_train/epfl_val (Pairs),
    photos_train/photos_val (Pairs with nir=None)."""

    def __init__(self, root=None, epfl_scale=256 / 680, photo_max_side=512, val_every=6,
                 limit=None, log=print):
        root = root or default_root()
        self.root = root
        meta = {}
        if os.path.exists(os.path.join(root, "pack.json")):
            meta = json.load(open(os.path.join(root, "pack.json")))
        pre = meta.get("epfl_scale")
        if pre is not None and abs(pre - epfl_scale) > 1e-6:
            log(f"data: pack has EPFL at scale {pre:.4f}; using it instead of {epfl_scale:.4f}")
        epfl_load_scale = 1.0 if pre is not None else epfl_scale
        self.epfl_scale = pre if pre is not None else epfl_scale

        # VCIP 2020 pairs
        vdir = os.path.join(root, "nir", "vcip2020")
        groups = {}
        with open(os.path.join(vdir, "groups.tsv")) as f:
            next(f)
            for line in f:
                p, g = line.split()
                groups[p] = int(g)
        names = sorted(groups)[:limit] if limit else sorted(groups)
        vcip = [Pair(n, groups[n], _load(_find(os.path.join(vdir, "train", n + "_nir")), "L"),
                     _load(_find(os.path.join(vdir, "train", n + "_rgb")), "RGB"), None, "vcip")
                for n in names]
        gids = sorted({p.group for p in vcip})
        val_groups = set(gids[::val_every])
        self.vcip_train = [p for p in vcip if p.group not in val_groups]
        self.vcip_val = [p for p in vcip if p.group in val_groups]

        # EPFL pairs
        self.epfl_train, self.epfl_val = [], []
        edir = os.path.join(root, "nir", "epfl")
        for cat in EPFL_CATS:
            stems = sorted(glob.glob(os.path.join(edir, cat, "*_nir.*")))
            if limit:
                stems = stems[: max(1, limit // 8)]
            for s in stems:
                stem = s.rsplit("_nir", 1)[0]
                nid = os.path.basename(stem)
                p = Pair(f"{cat}/{nid}", f"epfl/{cat}/{nid}", *_load_epfl(stem, epfl_load_scale), "epfl/" + cat)
                (self.epfl_val if epfl_is_val(nid, val_every) else self.epfl_train).append(p)
        dropped = _match_vcip_sources(self.epfl_train, self.vcip_val)
        if dropped:
            self.epfl_train = [p for p in self.epfl_train if p.name not in dropped]
            log(f"data: dropped {len(dropped)} EPFL training pairs that are sources of VCIP val pairs")

        # RGB photos
        self.photos_train, self.photos_val = [], []
        for s in PHOTO_SETS:
            files = sorted(f for f in glob.glob(os.path.join(root, "rgb", s, "*"))
                           if f.lower().endswith(IMG_EXT))
            if limit:
                files = files[: max(2, limit // 4)]
            for i, f in enumerate(files):
                p = Pair(f"{s}/{os.path.basename(f)}", f"rgb/{s}", None,
                         _cap(_load(f, "RGB"), photo_max_side), None, "rgb/" + s)
                (self.photos_val if i % val_every == 0 else self.photos_train).append(p)
        log(f"data: {root}: VCIP {len(self.vcip_train)} train / {len(self.vcip_val)} val pairs "
            f"({len(val_groups)} val groups); EPFL {len(self.epfl_train)} / {len(self.epfl_val)} "
            f"at scale {self.epfl_scale:.3f}; photos {len(self.photos_train)} / {len(self.photos_val)}")

    @property
    def pairs_train(self):
        return self.vcip_train + self.epfl_train

    @property
    def rgb_train(self):
        """Every RGB image usable for the grayscale task (photos + RGB halves of the pairs)."""
        return self.photos_train + self.vcip_train + self.epfl_train


def source_of(p):
    """'photos', 'vcip' or 'epfl': the collection an image comes from (for sampling mixes)."""
    return "photos" if p.set.startswith("rgb/") else p.set.split("/")[0]


def mix_weights(items, mix):
    """Per-item sampling weights from a mix such as {"photos": 2.0} or {"epfl/urban": 3.0}: an item's set
    ("vcip", "epfl/urban", "rgb/bsds500") is looked up first, then its collection (source_of), else 1.
    None or an empty mix: None (every item alike)."""
    if not mix:
        return None
    return [float(mix.get(p.set, mix.get(source_of(p), 1.0))) for p in items]


def _match_vcip_sources(epfl, vcip_val, thresh=8.0):
    """EPFL names whose top-left or bottom-right square (side min(680,H,W) at full scale) matches a
    VCIP validation pair's NIR (mean abs difference on 32x32 thumbnails, 8-bit units)."""
    if not epfl or not vcip_val:
        return set()

    def thumb(t):
        return F.interpolate(t[None].float(), size=(32, 32), mode="area")[0]

    vt = torch.stack([thumb(p.nir) for p in vcip_val])
    out = set()
    for p in epfl:
        h, w = p.nir.shape[-2:]
        s = min(h, w)
        for crop in (p.nir[:, :s, :s], p.nir[:, h - s:, w - s:]):
            d = (vt - thumb(crop)[None]).abs().mean(dim=(1, 2, 3))
            if d.min().item() < thresh:
                out.add(p.name)
    return out


def make_resident(pairs, device):
    """The pairs' pictures moved onto `device` in place, so that a GPU run makes its crops there (no copy
    from the host, which would hold the GPU up, at every step)."""
    for p in pairs:
        for k in ("nir", "rgb", "mask"):
            t = getattr(p, k)
            if t is not None:
                setattr(p, k, t.to(device))


class Sampler:
    """Random crops + flips from lists of Pairs, as float tensors in [0,1] on the pictures' device.

    cutmix > 0: each crop of a batch, with that probability, gets a square of a quarter to a half of its side
    from the next crop of the batch, at the same place, in NIR, RGB and mask alike (new scene layouts from
    few scenes)."""

    def __init__(self, seed, cutmix=0.0):
        self.rng = random.Random(seed)
        self.cutmix = cutmix
        # simulated colour hints (schedule._hints) draw from their own stream: the crops stay as they were
        self.hint_gen = torch.Generator().manual_seed(seed)
        # and the IR-camera augmentation (camera.py) from another
        self.camera_gen = torch.Generator().manual_seed(seed + 1)

    def crop(self, items, n, size, need_nir=True, weights=None):
        """weights: optional per-item sampling weights (default: every item alike)."""
        nirs, rgbs, masks = [], [], []
        for _ in range(n):
            p = items[self.rng.randrange(len(items))] if weights is None else self.rng.choices(items, weights)[0]
            h, w = p.rgb.shape[-2:]
            cs = min(size, h, w)
            y = self.rng.randint(0, h - cs)
            x = self.rng.randint(0, w - cs)
            r = p.rgb[:, y:y + cs, x:x + cs]
            q = p.nir[:, y:y + cs, x:x + cs] if (need_nir and p.nir is not None) else None
            m = p.mask[:, y:y + cs, x:x + cs] if p.mask is not None else None
            flip = self.rng.random() < 0.5
            if cs != size:  # an image smaller than the crop: enlarged to it
                r = F.interpolate(r[None].float(), size=(size, size), mode="bilinear")[0].round().byte()
                q = None if q is None else F.interpolate(q[None].float(), size=(size, size),
                                                         mode="bilinear")[0].round().byte()
                m = None if m is None else F.interpolate(m[None].float(), size=(size, size), mode="nearest")[0].byte()
            if flip:
                r = r.flip(-1)
                q = None if q is None else q.flip(-1)
                m = None if m is None else m.flip(-1)
            rgbs.append(r)
            nirs.append(q if q is not None else torch.zeros(1, size, size, dtype=torch.uint8, device=r.device))
            masks.append(m if m is not None else torch.full((1, size, size), 255, dtype=torch.uint8,
                                                            device=r.device))
        f = lambda l: torch.stack(l).float().div_(255.0)
        nir, rgb, mask = f(nirs), f(rgbs), f(masks)
        if self.cutmix > 0 and n > 1:
            src = [t.clone() for t in (nir, rgb, mask)]
            for i in range(n):
                if self.rng.random() < self.cutmix:
                    b = round(size * self.rng.uniform(0.25, 0.5))
                    y, x = self.rng.randint(0, size - b), self.rng.randint(0, size - b)
                    for t, s in zip((nir, rgb, mask), src):
                        t[i, :, y:y + b, x:x + b] = s[(i + 1) % n, :, y:y + b, x:x + b]
        return nir, rgb, mask


def pack(src, out, epfl_scale=256 / 680, photo_max_side=384, quality=85):
    """Compact copy of the training data (for carrying to a device machine; never commit it)."""
    os.makedirs(out, exist_ok=True)

    def save(t, path, q=quality):
        a = t.numpy()
        im = Image.fromarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if path.endswith(".png"):
            im.save(path, optimize=True)
        else:
            im.save(path, quality=q)

    vdir = os.path.join(src, "nir", "vcip2020")
    os.makedirs(os.path.join(out, "nir", "vcip2020", "train"), exist_ok=True)
    with open(os.path.join(vdir, "groups.tsv")) as f, \
            open(os.path.join(out, "nir", "vcip2020", "groups.tsv"), "w") as g:
        g.write(f.read())
    for f in sorted(glob.glob(os.path.join(vdir, "train", "*.png"))):
        stem = os.path.basename(f)[:-4]
        t = _load(f, "L" if stem.endswith("_nir") else "RGB")
        save(t, os.path.join(out, "nir", "vcip2020", "train", stem + ".jpg"), 92)
    for cat in EPFL_CATS:
        for f in sorted(glob.glob(os.path.join(src, "nir", "epfl", cat, "*"))):
            stem = os.path.splitext(os.path.basename(f))[0]
            kind = stem.rsplit("_", 1)[1]
            t = _load(f, "RGB" if kind == "rgb" else "L", epfl_scale)
            ext = ".png" if kind == "mask" else ".jpg"
            save(t, os.path.join(out, "nir", "epfl", cat, stem + ext), 92)
    for s in PHOTO_SETS:
        for f in sorted(glob.glob(os.path.join(src, "rgb", s, "*"))):
            if f.lower().endswith(IMG_EXT):
                stem = os.path.splitext(os.path.basename(f))[0]
                save(_cap(_load(f, "RGB"), photo_max_side), os.path.join(out, "rgb", s, stem + ".jpg"))
    json.dump({"epfl_scale": epfl_scale, "photo_max_side": photo_max_side, "source": "../shared/data",
               "note": "research data; never commit"}, open(os.path.join(out, "pack.json"), "w"))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(f"pack: wrote {out} ({total / 2**20:.1f} MiB)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["pack", "info"])
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--out", default=DEFAULT_PACK)
    ap.add_argument("--photo-quality", type=int, default=85,
                    help="JPEG quality of the RGB photos; 80, carried as a tar, keeps pack + tracked tree "
                         "under the 64 MiB a device run takes (85 as a folder did not)")
    a = ap.parse_args()
    if a.cmd == "pack":
        pack(a.src, a.out, quality=a.photo_quality)
    else:
        t = time.time()
        d = Data(a.src)
        print(f"loaded in {time.time() - t:.1f} s")
