
# The non-destructive path: the layer's pixels stay, the effect is there,
# it survives an XCF save and reload, and merging it gives colour.
image = load_photo(160, 120)
layer = image.get_layers()[0]
layer.desaturate(Gimp.DesaturateMode.LUMA)
old = pixels(layer)
status, error = colorize(image, [layer], mode="gray", strength=0.8, working_size=128,
                         output="effect")
check(status == Gimp.PDBStatusType.SUCCESS, "run status", status, error)
check(np.array_equal(pixels(layer), old), "layer pixels intact")
filters = layer.get_filters()
check(len(filters) == 1 and filters[0].get_operation_name() == "cocolor:colorize",
      "one cocolor:colorize effect")

xcf = TMP + "/nde.xcf"
Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path(xcf), None)
image.delete()
image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(xcf))
layer = image.get_layers()[0]
filters = layer.get_filters()
check(len(filters) == 1 and filters[0].get_operation_name() == "cocolor:colorize",
      "effect kept through XCF")
config = filters[0].get_config()
check(abs(config.get_property("strength") - 0.8) < 1e-6 and config.get_property("mode") == "gray",
      "effect settings kept", config.get_property("strength"), config.get_property("mode"))
check(np.array_equal(pixels(layer), old), "reloaded layer pixels intact")
layer.merge_filters()
check(chroma(pixels(layer)) > 0.03, "merged effect chroma", chroma(pixels(layer)))
image.delete()
