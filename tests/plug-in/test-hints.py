
# Colour hints: a layer whose opaque pixels give the colours wanted there,
# handed to the op as its aux input (models with hint inputs: random
# weights, COCOLOR_MODEL_DIR; hints change their output, not towards the
# hint colour).  NOHINT_MODEL_DIR holds models without hint inputs.
import os

W, H = 128, 96
NOISE = 1e-4  # float noise between renders; a hint changes pixels by 1e-2
SIZE = 128  # working size: one network pixel per image pixel
GRAY = "gray"
DOTS = [(30, 28, (1.0, 0.1, 0.1)), (92, 64, (0.1, 0.3, 1.0))]  # x, y, colour


def gray_photo():
    """In float precision: two renders of one picture differ by float noise
    (up to ~1e-5), which 8 bits would round to 1/255 now and then."""
    image = load_photo(W, H)
    image.convert_precision(Gimp.Precision.FLOAT_NON_LINEAR)
    layer = image.get_layers()[0]
    layer.desaturate(Gimp.DesaturateMode.LUMA)
    return image, layer


def put(layer, array):
    h, w = array.shape[:2]
    buffer = layer.get_buffer()
    buffer.set(Gegl.Rectangle.new(0, 0, w, h), "R'G'B'A float", array.astype(np.float32).tobytes())
    buffer.flush()
    layer.update(0, 0, w, h)


def hints_layer(image, dots, size=None, offsets=(0, 0), name="CoColor hints"):
    """A transparent layer with 5x5 opaque dots at the layer's (x, y)."""
    w, h = size or (image.get_width(), image.get_height())
    layer = Gimp.Layer.new(image, name, w, h, Gimp.ImageType.RGBA_IMAGE, 100,
                           Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.fill(Gimp.FillType.TRANSPARENT)
    array = np.zeros((h, w, 4), np.float32)
    for x, y, colour in dots:
        array[y - 2:y + 3, x - 2:x + 3] = (*colour, 1.0)
    put(layer, array)
    layer.set_offsets(*offsets)
    return layer


def run(image, layer, **args):
    status, applied = colorize(image, [layer], mode=GRAY, working_size=SIZE, **args)
    check(status == Gimp.PDBStatusType.SUCCESS, "run status", args.get("output", "replace"), status,
          applied)
    return pixels(layer)


def near(a, b, x, y, r=8):
    return float(np.abs(a[y - r:y + r, x - r:x + r, :3] - b[y - r:y + r, x - r:x + r, :3]).mean())


# No hints: the reference.
image, layer = gray_photo()
plain = run(image, layer)
image.delete()

# (a) Opaque dots change the result near them; the hints layer stays as it
# was (pixels, visibility, offsets).
image, layer = gray_photo()
hints = hints_layer(image, DOTS)
hints_before = pixels(hints)
hinted = run(image, layer, hints_layer=hints)
for x, y, _ in DOTS:
    check(near(hinted, plain, x, y) > 0.002, "hints change the result near", (x, y),
          near(hinted, plain, x, y))
check(np.array_equal(pixels(hints), hints_before) and hints.get_visible()
      and hints.get_offsets()[1:] == (0, 0) and not hints.get_filters(),
      "the hints layer is left as it was")
check(np.array_equal(hinted[..., 3], plain[..., 3]), "alpha kept")
image.delete()

# (b) A fully transparent hints layer: exactly the result without hints.
image, layer = gray_photo()
empty = run(image, layer, hints_layer=hints_layer(image, []))
check(np.abs(empty - plain).max() < NOISE, "transparent hints: the plain result",
      np.abs(empty - plain).max())
image.delete()

# (c) Offsets: a small hints layer moved to (50, 40) with a dot at its
# (10, 12) acts as a full-size one with the dot at (60, 52); a target layer
# moved by (16, 8) on a larger canvas takes the hints where they lie on the
# canvas, as its unmoved twin does with them 16, 8 pixels less far.
results = []
for dots, size, offsets in (([(60, 52, (1.0, 0.8, 0.0))], None, (0, 0)),
                            ([(10, 12, (1.0, 0.8, 0.0))], (40, 30), (50, 40))):
    image, layer = gray_photo()
    results.append(run(image, layer, hints_layer=hints_layer(image, dots, size, offsets)))
    image.delete()
check(near(results[0], plain, 60, 52) > 0.002, "the dot at (60, 52) acts")
check(np.abs(results[0] - results[1]).max() < NOISE, "a moved hints layer acts where it lies",
      np.abs(results[0] - results[1]).max())
results = []
for dot_x, dot_y, target in ((44, 44, (0, 0)), (60, 52, (16, 8))):
    image, layer = gray_photo()
    image.resize(W + 16, H + 8, 0, 0)
    layer.set_offsets(*target)
    results.append(run(image, layer,
                       hints_layer=hints_layer(image, [(dot_x, dot_y, (1.0, 0.8, 0.0))])))
    image.delete()
check(near(results[0], plain, 44, 44) > 0.002, "the dot at the target's (44, 44) acts")
check(np.abs(results[0] - results[1]).max() < NOISE,
      "a moved target takes the hints where they lie",
      np.abs(results[0] - results[1]).max())

# (d) Every output leaves the hints layer as it was and never colorizes it:
# given among the layers, it is skipped ("none") and left alone.  (GIMP
# 3.0.4's PDB has no undo: that the plug-in's changes are one undo step is
# not checked here.)
image, layer = gray_photo()
hints = hints_layer(image, DOTS)
hints_before = pixels(hints)
status, applied = colorize(image, [hints, layer], mode=GRAY, working_size=SIZE,
                           hints_layer=hints)
check(status == Gimp.PDBStatusType.SUCCESS and list(applied) == ["none", GRAY],
      "the hints layer among the layers is skipped:", applied)
check(np.array_equal(pixels(hints), hints_before) and not hints.get_filters(),
      "and left as it was")
check(np.abs(pixels(layer) - hinted).max() < NOISE, "the other layer colorized with the hints")
status, error = colorize(image, [hints], mode=GRAY, working_size=SIZE, hints_layer=hints)
check(status == Gimp.PDBStatusType.EXECUTION_ERROR, "the hints layer alone: nothing to do",
      error)
image.delete()

# The new colour layer output renders with the hints too.
image, layer = gray_photo()
hints = hints_layer(image, DOTS)
run(image, layer, hints_layer=hints, output="layer")
colour = [l for l in image.get_layers() if l.get_name().endswith("(CoColor)")]
check(len(colour) == 1 and np.abs(pixels(colour[0]) - hinted).max() < NOISE,
      "colour layer output: the hinted result")
image.delete()

# A hints layer of another image is refused, the picture untouched.
image, layer = gray_photo()
other, _ = gray_photo()
old = pixels(layer)
status, error = colorize(image, [layer], mode=GRAY, hints_layer=hints_layer(other, DOTS))
print("message:", error)
check(status == Gimp.PDBStatusType.EXECUTION_ERROR and np.array_equal(pixels(layer), old),
      "a hints layer of another image is refused")
image.delete()
other.delete()

# (e) The effect output with hints: GIMP 3.0 keeps no effect of an op with
# an aux input, so the plug-in says so before anything changes (the effect
# without hints is plug-in-nde's).
image, layer = gray_photo()
hints = hints_layer(image, DOTS)
before = pixels(layer)
status, error = colorize(image, [layer], mode=GRAY, working_size=SIZE, hints_layer=hints,
                         output="effect")
print("message:", error)
check(status == Gimp.PDBStatusType.EXECUTION_ERROR and error and "non-destructive effect" in error,
      "effect output with hints: refused with the reason and the outputs that take hints")
check(np.array_equal(pixels(layer), before) and not layer.get_filters(), "and the layer as it was")
image.delete()

# (f) A model without hint inputs and a hints layer: it runs, colorizes as
# without hints, and the op's note is no failure: the plug-in says it once
# in each such run (test-hints.sh counts the lines this prints).
nohint = os.environ["NOHINT_MODEL_DIR"] + "/cocolor-gray.safetensors"
image, layer = gray_photo()
without = run(image, layer, model=nohint)
image.delete()
image, layer = gray_photo()
hints = hints_layer(image, DOTS)
with_hints = run(image, layer, model=nohint, hints_layer=hints)
check(np.abs(with_hints - without).max() < NOISE, "no hint inputs: the result without hints",
      np.abs(with_hints - without).max())
check(np.abs(without - plain).max() > 0.01, "(another model than the hints test's)")
image.delete()
print("expected notes on colour hints:", 1)
