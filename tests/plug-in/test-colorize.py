
# Two layers of an RGB image (one with alpha) and a GRAY image: colour
# appears, alpha stays, and the GRAY image has become RGB.
image = load_photo(160, 120)
bottom = image.get_layers()[0]
bottom.desaturate(Gimp.DesaturateMode.LUMA)
top = bottom.copy()
image.insert_layer(top, None, 0)
top.add_alpha()
# An alpha ramp, so that "kept" means more than "opaque stays opaque".
sel = image.get_selection()
Gimp.context_set_foreground(Gegl.Color.new("black"))
image.select_rectangle(Gimp.ChannelOps.REPLACE, 0, 0, 80, 120)
Gimp.Drawable.edit_clear(top)
Gimp.Selection.none(image)
before = [pixels(top), pixels(bottom)]
status, error = colorize(image, [top, bottom], mode="gray", strength=1.0, working_size=128)
check(status == Gimp.PDBStatusType.SUCCESS, "RGB run status", status, error)
for layer, old in zip([top, bottom], before):
    new = pixels(layer)
    check(chroma(old) < 0.01 and chroma(new) > 0.03, layer.get_name(), "chroma",
          chroma(old), "->", chroma(new))
    check(np.array_equal(new[..., 3], old[..., 3]), layer.get_name(), "alpha kept")
check(np.all(pixels(top)[:, :80, 3] == 0) and np.all(pixels(top)[:, 80:, 3] == 1),
      "top layer still half transparent")

gray = load_photo(160, 120)
gray.convert_grayscale()
layer = gray.get_layers()[0]
layer.add_alpha()
gray.select_ellipse(Gimp.ChannelOps.REPLACE, 0, 0, 160, 120)
Gimp.Selection.invert(gray)
Gimp.Drawable.edit_clear(layer)
Gimp.Selection.none(gray)
old = pixels(layer)
status, error = colorize(gray, [layer], mode="gray", working_size=128)
check(status == Gimp.PDBStatusType.SUCCESS, "GRAY run status", status, error)
check(gray.get_base_type() == Gimp.ImageBaseType.RGB, "GRAY image converted to RGB")
new = pixels(layer)
check(chroma(new) > 0.03, "GRAY layer chroma", chroma(new))
check(np.abs(new[..., 3] - old[..., 3]).max() < 1 / 255, "GRAY layer alpha kept")
image.delete()
gray.delete()

# An INDEXED image (a gray photo in 256 colours, as GIF files arrive): made
# RGB like a GRAY one, and coloured.
from PIL import Image
Image.open(PHOTO).convert("L").resize((160, 120)).save(TMP + "/gray.gif")
indexed = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(TMP + "/gray.gif"))
check(indexed.get_base_type() == Gimp.ImageBaseType.INDEXED, "test image is INDEXED")
layer = indexed.get_layers()[0]
status, error = colorize(indexed, [layer], mode="gray", working_size=128)
check(status == Gimp.PDBStatusType.SUCCESS, "INDEXED run status", status, error)
check(indexed.get_base_type() == Gimp.ImageBaseType.RGB, "INDEXED image converted to RGB")
check(chroma(pixels(layer)) > 0.03, "INDEXED layer chroma", chroma(pixels(layer)))
indexed.delete()
