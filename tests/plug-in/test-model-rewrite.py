# Crash safety of GIMP itself (test-model-rewrite.sh runs this while the
# model file is rewritten in place): a cocolor:colorize effect renders
# RENDERS times inside gimp-console, then the plug-in (which loads the
# model in its own process to check it) runs PLUGIN_RUNS times.  Renders
# may pass the picture through with a warning; nothing may die.
import os
import time

sys.stdout.reconfigure(line_buffering=True)  # what was done shows, however GIMP ends

MODEL_DIR = os.environ["COCOLOR_MODEL_DIR"]
MODEL = MODEL_DIR + "/cocolor-nir.safetensors"
STOP = TMP + "/stop"
RENDERS = int(os.environ.get("COCOLOR_REWRITE_RUNS", "20"))
PLUGIN_RUNS = int(os.environ.get("COCOLOR_REWRITE_PLUGIN_RUNS", "10"))

image = load_photo(48, 32)
layer = image.get_layers()[0]
layer.desaturate(Gimp.DesaturateMode.LUMA)
effect = Gimp.DrawableFilter.new(layer, "cocolor:colorize", "CoColor Colorize")
config = effect.get_config()
config.set_property("mode", "nir")
config.set_property("device", "cpu")
# libgimp 3.0.4 does not carry GEGL file paths to effects (see
# effects_take_model): there the effect finds the file through
# COCOLOR_MODEL_DIR, the same file.
if "model" in [spec.name for spec in config.list_properties()]:
    config.set_property("model", MODEL)
effect.update()
layer.append_filter(effect)


def render(i, strength=None):
    """The layer with its effect, rendered by GIMP into a new image."""
    # A new working size is a new prediction: the model is looked at again
    # (and loaded again when the file changed).
    config.set_property("strength", strength or 0.6 + 0.02 * (i % 20))
    config.set_property("working-size", 64 + 8 * (i % 3))
    effect.update()
    copy = image.duplicate()
    merged = copy.flatten()
    out = pixels(merged)
    copy.delete()
    return out


start = time.monotonic()
for i in range(RENDERS):
    out = render(i)
    check(out.shape == (32, 48, 4), "render", i, "while the model is rewritten")
print(f"model-rewrite: {RENDERS} effect renders in {time.monotonic() - start:.1f} s")

# The plug-in checks the model in its own process, then renders there.
# It may colorize or refuse the model (an execution error naming the
# file); a plug-in that died returns no values (a calling error).
outcomes = {"colorized": 0, "refused the model": 0, "died": 0}
start = time.monotonic()
photo = load_photo(48, 32)
for i in range(PLUGIN_RUNS):
    target = photo.duplicate()
    status, error = colorize(target, target.get_layers(), mode="nir", device="cpu",
                             working_size=64, model=MODEL)
    if status == Gimp.PDBStatusType.SUCCESS:
        outcomes["colorized"] += 1
    elif status == Gimp.PDBStatusType.EXECUTION_ERROR and "safetensors" in str(error):
        outcomes["refused the model"] += 1
    else:
        outcomes["died"] += 1
        print("model-rewrite: plug-in run", i, "status", status, "error", error)
    target.delete()
photo.delete()
print(f"model-rewrite: {PLUGIN_RUNS} plug-in runs in {time.monotonic() - start:.1f} s:", outcomes)

# The loop stops and leaves a whole model: the effect colorizes with it.
open(STOP, "w").close()
for _ in range(100):
    if os.path.exists(STOP + ".done"):
        break
    time.sleep(0.05)
check(os.path.exists(STOP + ".done"), "the rewrite loop stopped")
out = render(RENDERS, strength=1.0)
check(chroma(out) > 0.01, "the effect colorizes with the model left whole", chroma(out))
check(outcomes["died"] == 0, "no plug-in run died", outcomes)
image.delete()
print("model-rewrite: gimp-console survived")
