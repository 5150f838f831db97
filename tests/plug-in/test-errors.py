
# A broken model: EXECUTION_ERROR with a message naming the file, the
# pixels untouched; in German (LANGUAGE=de) the message is translated.
import os
broken = TMP + "/broken.safetensors"
with open(broken, "wb") as f:
    f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header}")
image = load_photo(96, 64)
layer = image.get_layers()[0]
old = pixels(layer)
for nde in (False, True):
    status, error = colorize(image, [layer], mode="nir", model=broken,
                            output="effect" if nde else "replace")
    check(status == Gimp.PDBStatusType.EXECUTION_ERROR, "status", status)
    print("message:", error)
    check(error and "broken.safetensors" in error, "message names the model file")
    check(np.array_equal(pixels(layer), old) and not layer.get_filters(), "picture untouched")
# A good model of the other task: the op's own contract check, reached
# through GEGL (the plug-in runs the op on a tiny picture), names it.
gray_model = os.environ["COCOLOR_MODEL_DIR"] + "/cocolor-gray.safetensors"
status, wrong = colorize(image, [layer], mode="nir", model=gray_model)
print("message:", wrong)
check(status == Gimp.PDBStatusType.EXECUTION_ERROR and wrong and "cocolor-gray.safetensors" in wrong,
      "model of the other task refused by the op's check")
check(np.array_equal(pixels(layer), old) and not layer.get_filters(), "picture untouched")
# An effect takes a model file too (the op's "model" is a string, which
# GIMP carries to an effect's settings; a file-path property it cannot).
good = os.environ["COCOLOR_MODEL_DIR"] + "/cocolor-nir.safetensors"
status, nde_error = colorize(image, [layer], mode="nir", model=good, output="effect")
filters = layer.get_filters()
check(status == Gimp.PDBStatusType.SUCCESS and len(filters) == 1
      and filters[0].get_config().get_property("model") == good,
      "effect with a model file keeps it:", nde_error)
expected = os.environ.get("EXPECT_MESSAGE")
if expected:
    check(expected in error, "translated message", repr(expected))
    label = Gimp.get_pdb().lookup_procedure("plug-in-cocolor-colorize").get_menu_label()
    check(label == os.environ["EXPECT_LABEL"], "translated menu label", label)
    # GIMP's own filter dialog for the op shows the labels GIMP's process
    # has for the op's properties.
    live = Gimp.DrawableFilter.new(layer, "cocolor:colorize", "")
    nick = [p for p in live.get_config().list_properties() if p.name == "mode"][0].get_nick()
    check(nick == os.environ["EXPECT_OP_LABEL"], "the op's label in GIMP's filter dialog", nick)
    live.delete()
image.delete()

# A model file that does not exist: the plug-in's own message naming it,
# not GIMP's "value '<not transformable to string>' ... out of range".
image = load_photo(96, 64)
layer = image.get_layers()[0]
missing = TMP + "/no such model.safetensors"
status, error = colorize(image, [layer], mode="gray", model=missing)
print("message:", error)
check(status == Gimp.PDBStatusType.EXECUTION_ERROR, "missing model: status", status)
check(error and missing in error and "out of range" not in error,
      "missing model: the message names the file")

# No layer at all: a calling error with the plug-in's message, not a crash
# (the error was once freed twice).
status, error = colorize(image, [])
print("message:", error)
check(status == Gimp.PDBStatusType.CALLING_ERROR and error
      and "no return values" not in error and "crashed" not in error,
      "no layer: calling error", status)
image.delete()
