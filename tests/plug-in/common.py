# Helpers for the Python-Fu code of the plug-in tests; the shell scripts
# paste this file in front of each test's own code (-b takes one string).
import sys
import numpy as np
from gi.repository import Gimp, Gio, Gegl

PHOTO = "@PHOTO@"
TMP = "@TMP@"


def load_photo(width, height):
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(PHOTO))
    image.scale(width, height)
    return image


def pixels(drawable):
    """The drawable's own pixels (effects not applied) as R'G'B'A floats."""
    w, h = drawable.get_width(), drawable.get_height()
    data = drawable.get_buffer().get(Gegl.Rectangle.new(0, 0, w, h), 1.0, "R'G'B'A float",
                                     Gegl.AbyssPolicy.CLAMP)
    return np.frombuffer(bytes(data), dtype=np.float32).reshape(h, w, 4).copy()


def chroma(rgba):
    rgb = rgba[..., :3]
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean())


def colorize(image, drawables, **args):
    proc = Gimp.get_pdb().lookup_procedure("plug-in-cocolor-colorize")
    config = proc.create_config()
    config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    config.set_property("image", image)
    config.set_core_object_array("drawables", drawables)
    for name, value in args.items():
        if name == "model":
            value = Gio.File.new_for_path(value)
        config.set_property(name.replace("_", "-"), value)
    result = proc.run(config)
    return result.index(0), (result.index(1) if result.length() > 1 else None)


def check(condition, *what):
    if not condition:
        raise AssertionError(" ".join(str(w) for w in what))
    print("ok:", *what)
