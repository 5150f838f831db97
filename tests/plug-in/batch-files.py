"""Real photo files for the batch tests, and checks of what the batch made.

  batch-files.py PHOTO make-metadata FOLDER
      a.jpg   8-bit RGB JPEG, quality 95, with EXIF, XMP and an Adobe RGB
              (1998) profile
      b.png   16-bit RGB PNG with EXIF, XMP and that profile
      c.tif   16-bit RGB TIFF with EXIF (Artist), XMP and that profile
      d.webp  RGB WebP with EXIF, XMP and that profile
    (gray pictures in RGB files: the pixels are the photo's luminance)
  batch-files.py PHOTO check-metadata FOLDER
      each file there kept its EXIF, XMP, profile and bit depth (and the
      JPEG its quality), and is colorized
  batch-files.py PHOTO make-mixed FOLDER
      gray.png  a grayscale photo; colour.png the colour photo itself;
      nir.png   an infrared-converted camera's picture: one brightness
                signal in a red cast
  batch-files.py PHOTO colourful FILE   (exit status 1 when it is not)
  batch-files.py PHOTO make-hints FOLDER COLOUR WIDTH HEIGHT NAME...
      a hint picture under each name: RGBA, WIDTHxHEIGHT, transparent but
      for two opaque patches of COLOUR (red, blue); COLOUR clear: none;
      COLOUR junk: a file that is no picture
  batch-files.py PHOTO no-hints-shown COLOUR FILE...
      the patches of make-hints COLOUR are not in the files' pixels (a
      hints layer left in the image would show in the saved file), and a
      TIFF has one page

The pictures are small (150x100): the test models have random weights, so
only what the batch keeps or loses is checked, not the colours.
"""

import io
import os
import struct
import sys
import zlib

import numpy as np
import tifffile
from PIL import Image, ImageCms

# Adobe RGB (1998) as Ghostscript ships it (libgs-common, which GIMP needs).
ADOBE_RGB = "/usr/share/color/icc/ghostscript/a98.icc"
ARTIST = "CoColor batch test"
XMP_MARK = "cocolor-batch-xmp-mark"
XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{XMP_MARK}</rdf:li></rdf:Alt>"
    "</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
).encode()
SIZE = (150, 100)
# make-hints: the patches (x0, y0, x1, y1), inside a hint picture of 120x80.
HINT_PATCHES = ((10, 10, 40, 30), (80, 50, 110, 70))
HINT_COLOURS = {"red": (230, 20, 20), "blue": (20, 40, 230)}


def exif():
    e = Image.Exif()
    e[0x013B] = ARTIST  # Artist
    e[0x010F] = "CoColor"  # Make
    e[0x0110] = "Test Camera"  # Model
    e[0x0132] = "2024:05:06 07:08:09"  # DateTime
    return e


def gray_rgb(photo, depth):
    """The photo's luminance in three channels, 8 or 16 bits."""
    gray = np.asarray(Image.open(photo).convert("L").resize(SIZE), dtype=np.float64) / 255
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    if depth == 8:
        return (rgb * 255).round().astype(np.uint8)
    return (rgb * 65535).round().astype(np.uint16)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png16(path, rgb, icc, exif_bytes):
    """A 16-bit RGB PNG (Pillow writes 16 bits for gray only)."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\0" + rgb[y].astype(">u2").tobytes() for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)))
        f.write(png_chunk(b"iCCP", b"Adobe RGB\0\0" + zlib.compress(icc)))
        f.write(png_chunk(b"eXIf", exif_bytes))
        f.write(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP))
        f.write(png_chunk(b"IDAT", zlib.compress(raw)))
        f.write(png_chunk(b"IEND", b""))


def png_header(path):
    """(bit depth, colour type) from a PNG's IHDR."""
    with open(path, "rb") as f:
        head = f.read(33)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return head[24], head[25]


def profile_name(icc):
    if not icc:
        return None
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()


def make_metadata(photo, folder):
    os.makedirs(folder, exist_ok=True)
    icc = open(ADOBE_RGB, "rb").read()
    e = exif()
    rgb8 = Image.fromarray(gray_rgb(photo, 8))
    rgb8.save(os.path.join(folder, "a.jpg"), quality=95, exif=e, icc_profile=icc, xmp=XMP)
    rgb8.save(os.path.join(folder, "d.webp"), quality=95, exif=e, icc_profile=icc, xmp=XMP)
    rgb16 = gray_rgb(photo, 16)
    # Exif for a PNG eXIf chunk: the TIFF structure without "Exif\0\0".
    write_png16(os.path.join(folder, "b.png"), rgb16, icc, e.tobytes()[6:])
    tifffile.imwrite(
        os.path.join(folder, "c.tif"),
        rgb16,
        photometric="rgb",
        iccprofile=icc,
        extratags=[(315, "s", 0, ARTIST, True), (700, "B", len(XMP), XMP, True)],
    )


def check_metadata(photo, folder):
    """Returns the list of what was lost."""
    icc_name = profile_name(open(ADOBE_RGB, "rb").read())
    lost = []

    def expect(name, what, condition):
        print(f"{name}: {what}: {'kept' if condition else 'LOST'}")
        if not condition:
            lost.append(f"{name}: {what}")

    for name in ("a.jpg", "d.webp", "b.png"):
        path = os.path.join(folder, name)
        im = Image.open(path)
        expect(name, "Artist in EXIF", im.getexif().get(0x013B) == ARTIST)
        expect(name, "camera in EXIF", im.getexif().get(0x0110) == "Test Camera")
        xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
        if isinstance(xmp, str):
            xmp = xmp.encode()
        expect(name, "XMP", XMP_MARK.encode() in xmp)
        expect(name, f"profile {icc_name}", profile_name(im.info.get("icc_profile")) == icc_name)
        expect(name, "colorized", colourful(np.asarray(im.convert("RGB"))))
        if name == "a.jpg":
            # The same quantization tables as the input's quality 95.
            reference = io.BytesIO()
            Image.new("RGB", (8, 8)).save(reference, format="JPEG", quality=95)
            tables = Image.open(reference).quantization
            expect(name, "quality 95", im.quantization == tables)
    depth, colour_type = png_header(os.path.join(folder, "b.png"))
    expect("b.png", f"16 bits (has {depth}, colour type {colour_type})", depth == 16)

    with tifffile.TiffFile(os.path.join(folder, "c.tif")) as tif:
        page = tif.pages[0]
        tags = page.tags
        artist = tags.get(315)
        exif_ifd = tags.get(34665)
        exif_artist = bool(exif_ifd) and ARTIST in str(exif_ifd.value)
        artist_kept = (artist is not None and artist.value == ARTIST) or exif_artist
        expect("c.tif", "Artist", artist_kept)
        xmp = tags.get(700)
        expect("c.tif", "XMP", xmp is not None and XMP_MARK.encode() in bytes(xmp.value))
        icc = tags.get(34675)
        icc_kept = icc is not None and profile_name(bytes(icc.value)) == icc_name
        expect("c.tif", f"profile {icc_name}", icc_kept)
        expect("c.tif", f"16 bits (has {page.bitspersample})", page.bitspersample == 16)
    # Pillow reads it in 8 bits, LZW too (tifffile would need imagecodecs).
    expect("c.tif", "colorized", colourful(Image.open(os.path.join(folder, "c.tif")).convert("RGB")))
    return lost


def make_mixed(photo, folder):
    os.makedirs(folder, exist_ok=True)
    colour = Image.open(photo).convert("RGB").resize(SIZE)
    colour.save(os.path.join(folder, "colour.png"))
    colour.convert("L").save(os.path.join(folder, "gray.png"))
    # An infrared-converted camera's picture: one brightness signal (foliage
    # bright, sky dark) in a red cast, green and blue about half of red.
    rgb = np.asarray(colour, dtype=np.float64) / 255
    ir = np.clip(0.2 * rgb[:, :, 0] + 0.7 * rgb[:, :, 1] + 0.1 * rgb[:, :, 2] + 0.1, 0, 1)
    cast = ir[:, :, None] * np.array([0.95, 0.55, 0.4])
    Image.fromarray((cast * 255).round().astype(np.uint8)).save(os.path.join(folder, "nir.png"))


def make_hints(folder, colour, width, height, names):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        path = os.path.join(folder, name)
        if colour == "junk":
            with open(path, "w") as f:
                f.write("not a picture")
            continue
        rgba = np.zeros((height, width, 4), np.uint8)
        if colour != "clear":
            for x0, y0, x1, y1 in HINT_PATCHES:
                rgba[y0:y1, x0:x1] = (*HINT_COLOURS[colour], 255)
        Image.fromarray(rgba).save(path)


def no_hints_shown(colour, paths):
    """Returns the list of files that show the hints or have more than one page."""
    shown = []
    want = np.array(HINT_COLOURS[colour], dtype=np.float64)
    for path in paths:
        im = Image.open(path)
        pages = getattr(im, "n_frames", 1)
        rgb = np.asarray(im.convert("RGB"), dtype=np.float64)
        distance = min(
            float(np.abs(rgb[y0:y1, x0:x1] - want).mean()) for x0, y0, x1, y1 in HINT_PATCHES)
        print(f"{path}: {pages} page(s), patches {distance:.1f}/255 from {colour}")
        if pages != 1 or distance < 20:
            shown.append(path)
    return shown


def colourful(rgb):
    rgb = np.asarray(rgb, dtype=np.float64)
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean()) > 0.03 * 255


def main():
    photo, command, target = sys.argv[1:4]
    if command == "make-metadata":
        make_metadata(photo, target)
    elif command == "check-metadata":
        lost = check_metadata(photo, target)
        if lost:
            sys.exit("lost: " + "; ".join(lost))
    elif command == "make-mixed":
        make_mixed(photo, target)
    elif command == "make-hints":
        colour, width, height, *names = sys.argv[4:]
        make_hints(target, colour, int(width), int(height), names)
    elif command == "no-hints-shown":
        shown = no_hints_shown(target, sys.argv[4:])
        if shown:
            sys.exit("the hints show in: " + ", ".join(shown))
    elif command == "colourful":
        if not colourful(Image.open(target).convert("RGB")):
            sys.exit(f"{target} has no colour")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
