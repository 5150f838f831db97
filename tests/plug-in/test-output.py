
# The plug-in's output choices and saturation: a new colour layer leaves the
# original as it was; saturation scales the colour; an effect with a
# saturation is two effects.
image = load_photo(160, 120)
layer = image.get_layers()[0]
layer.desaturate(Gimp.DesaturateMode.LUMA)
layer.set_name("photo")
old = pixels(layer)

status, error = colorize(image, [layer], mode="gray", working_size=128, output="layer")
check(status == Gimp.PDBStatusType.SUCCESS, "layer output status", status, error)
layers = image.get_layers()
check(len(layers) == 2 and layers[1].get_name() == "photo", "original still there, below",
      [l.get_name() for l in layers])
check(np.array_equal(pixels(layers[1]), old), "original pixels intact")
colour = layers[0]
check(colour.get_name() == "photo (CoColor)", "new layer's name", colour.get_name())
check(colour.get_mode() == Gimp.LayerMode.LCH_COLOR, "new layer in LCh Color mode",
      colour.get_mode())
check(colour.get_mask() is not None, "new layer has a mask to paint on")
check(chroma(pixels(colour)) > 0.03, "new layer chroma", chroma(pixels(colour)))
plain = pixels(colour)
image.delete()


def colorized(saturation):
    image = load_photo(160, 120)
    layer = image.get_layers()[0]
    layer.desaturate(Gimp.DesaturateMode.LUMA)
    status, error = colorize(image, [layer], mode="gray", working_size=128,
                             saturation=saturation)
    check(status == Gimp.PDBStatusType.SUCCESS, "saturation", saturation, "status", status, error)
    result = pixels(layer)
    image.delete()
    return result


muted, normal, vivid = colorized(0.0), colorized(1.0), colorized(2.0)
check(chroma(muted) < 0.01, "saturation 0: no colour", chroma(muted))
# Two renders of one picture differ by float noise (up to ~1e-5 seen), which
# in this 8-bit layer now and then rounds a pixel one step (1/255) the other
# way: far below what any saturation change makes (2: +100 % chroma).
check(np.abs(normal - plain).max() <= 1 / 255 + 1e-6, "saturation 1: the plain result",
      np.abs(normal - plain).max())
check(chroma(vivid) > 1.3 * chroma(normal), "saturation 2: more colour", chroma(normal), "->",
      chroma(vivid))

image = load_photo(160, 120)
layer = image.get_layers()[0]
status, error = colorize(image, [layer], mode="gray", working_size=128, output="effect",
                         saturation=1.5)
check(status == Gimp.PDBStatusType.SUCCESS, "effect with saturation status", status, error)
names = [f.get_operation_name() for f in layer.get_filters()]
check(names == ["cocolor:colorize", "gegl:saturation"] or
      names == ["gegl:saturation", "cocolor:colorize"], "two effects", names)
image.delete()

proc = Gimp.get_pdb().lookup_procedure("plug-in-cocolor-colorize")
# "domain?id": the plug-in's own help domain (its help/ folder) is
# registered, and the id is the one its pages map (test-help.py).
check(proc.get_help_id() == "cocolor?plug-in-cocolor-colorize", "help id in CoColor's domain",
      proc.get_help_id())
