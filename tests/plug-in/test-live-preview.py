
# GIMP's own filter entry for the op (Colors -> CoColor -> Colorize (Live
# Preview), and effects edited later), with the op's defaults: mode auto.


def live_result(layer, **settings):
    """The layer's pixels with a fresh cocolor:colorize effect merged."""
    live = Gimp.DrawableFilter.new(layer, "cocolor:colorize", "")
    config = live.get_config()
    for name, value in settings.items():
        config.set_property(name.replace("_", "-"), value)
    live.update()
    layer.merge_filter(live)
    return pixels(layer)


# A grayscale image: GIMP keeps the layer gray, so colour cannot show; auto
# takes the gray picture as a grayscale photo and keeps its brightness, so
# the layer stays as it was (before: NIR, a blurred gray picture), up to
# GIMP's gray of the added colour (its luminance, not the op's BT.601 luma).
image = load_photo(96, 64)
image.convert_grayscale()
layer = image.get_layers()[0]
old = pixels(layer)
diff = np.abs(live_result(layer) - old)
layer.get_buffer().set(Gegl.Rectangle.new(0, 0, 96, 64), "R'G'B'A float", old.tobytes())
nir = np.abs(live_result(layer, mode="nir") - old)
print("gray image, in 1/255: auto max", diff.max() * 255, "mean", diff.mean() * 255,
      "- nir max", nir.max() * 255, "mean", nir.mean() * 255)
check(diff.max() <= 6 / 255 and diff.mean() <= 3 / 255 and nir.mean() > 5 * diff.mean(),
      "a gray image stays as it was, where NIR mode changes it")
image.delete()

# An IR camera's file (red cast: green and blue channel gains): auto is NIR.
results = []
for mode in (None, "nir"):
    image = load_photo(96, 64)
    layer = image.get_layers()[0]
    layer.desaturate(Gimp.DesaturateMode.LUMA)
    layer.levels(Gimp.HistogramChannel.GREEN, 0.0, 1.0, True, 1.0, 0.0, 0.55, True)
    layer.levels(Gimp.HistogramChannel.BLUE, 0.0, 1.0, True, 1.0, 0.0, 0.40, True)
    before = pixels(layer)
    results.append(live_result(layer, **({"mode": mode} if mode else {})))
    image.delete()
# (two renders: float noise may round a pixel of the 8-bit layer one step)
check(np.abs(results[0] - results[1]).max() <= 1 / 255 + 1e-6,
      "auto colorizes an IR camera's file as NIR")
check(np.abs(results[0] - before).mean() > 0.01, "and changes it",
      np.abs(results[0] - before).mean())

# A colour photo: auto leaves it as it is (the op says why, once, in
# GIMP's log).
image = load_photo(96, 64)
layer = image.get_layers()[0]
old = pixels(layer)
check(np.abs(live_result(layer) - old).max() <= 1.5 / 255, "a colour photo is left as it is")
image.delete()

# An effect saved with working-size 0 (full-resolution tiles, no longer
# offered) still loads: GLib refuses the value, the effect keeps the
# default working size and renders.  The XCF holds the value as a 32-bit
# integer after the property's name.
image = load_photo(96, 64)
layer = image.get_layers()[0]
layer.desaturate(Gimp.DesaturateMode.LUMA)
effect = Gimp.DrawableFilter.new(layer, "cocolor:colorize", "")
effect.get_config().set_property("working-size", 64)
effect.get_config().set_property("mode", "gray")
effect.update()
layer.append_filter(effect)
xcf = TMP + "/working-size-0.xcf"
Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(xcf), None)
image.delete()
stored = b"\rworking-size\x00\x00\x00\x00\x01\x00\x00\x00\x40"
with open(xcf, "rb") as f:
    data = f.read()
check(data.count(stored) == 1, "the XCF holds working-size 64 once")
with open(xcf, "wb") as f:
    f.write(data.replace(stored, stored[:-1] + b"\x00"))
image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(xcf))
layer = image.get_layers()[0]
filters = layer.get_filters()
check(len(filters) == 1 and filters[0].get_operation_name() == "cocolor:colorize",
      "an effect with working-size 0 loads")
size = filters[0].get_config().get_property("working-size")
check(size == 384 and filters[0].get_config().get_property("mode") == "gray",
      "with the default working size", size)
layer.merge_filters()
check(chroma(pixels(layer)) > 0.03, "and colorizes", chroma(pixels(layer)))
image.delete()

# The plug-in's default is auto too: a colour photo is left as it is (with
# the op's reason as a message) and reported as "none", a gray layer is
# colorized and reported as "gray".
check(Gimp.get_pdb().lookup_procedure("plug-in-cocolor-colorize").create_config()
      .get_property("mode") == "auto", "the plug-in's default mode is auto")
image = load_photo(96, 64)
layer = image.get_layers()[0]
old = pixels(layer)
status, applied = colorize(image, [layer], mode="auto")
check(status == Gimp.PDBStatusType.SUCCESS and list(applied) == ["none"]
      and np.array_equal(pixels(layer), old), "a colour photo is left as it is:", applied)
layer.desaturate(Gimp.DesaturateMode.LUMA)
status, applied = colorize(image, [layer], mode="auto")
check(status == Gimp.PDBStatusType.SUCCESS and list(applied) == ["gray"]
      and chroma(pixels(layer)) > 0.03, "a gray layer is colorized, as gray:", applied)
image.delete()
