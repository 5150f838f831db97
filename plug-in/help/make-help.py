#!/usr/bin/env python3
"""CoColor's page in GIMP's help system, one folder per language.

    make-help.py OUTDIR PO_DIR

writes OUTDIR/LANG/index.html and OUTDIR/LANG/gimp-help.xml for English and
every language of PO_DIR/LINGUAS, the text translated through the project's
catalogs (the strings below are in po/POTFILES).  The plug-in registers
OUTDIR, installed beside it, as its help domain; GIMP's help system reads
LANG/gimp-help.xml for the user's language (English when there is none) and
opens the page it maps the procedure's help id to.
"""
import ast
import html
import os
import sys

HELP_ID = "plug-in-cocolor-colorize"


def _(text):
    """Marks a string for xgettext; translated when the page is written."""
    return text


TITLE = _("CoColor Colorize")
# (tag, text): the page, top to bottom.
PAGE = [
    ("p", _("CoColor gives natural colour to near-infrared (NIR) photos and to grayscale photos. "
            "A neural network looks at the whole picture and predicts its colours; the detail "
            "comes from your picture.")),
    ("h2", _("Settings")),
    ("dt", _("Mode")),
    ("dd", _("Near-infrared for pictures from an infrared-converted camera, Grayscale for black "
             "and white photos. In grayscale mode the result keeps the lightness of every pixel "
             "exactly; in near-infrared mode the network also corrects the lightness, since "
             "foliage is bright and sky is dark in infrared.")),
    ("dt", _("Strength")),
    ("dd", _("How much of the predicted colour is applied: 0 gives back the input, 1 the full "
             "result.")),
    ("dt", _("Saturation")),
    ("dd", _("Scales the colour afterwards, keeping the lightness: below 1 more muted, above 1 "
             "more vivid.")),
    ("dt", _("Output")),
    ("dd", _("Replace the layer's pixels (one undo step); add a non-destructive effect that "
             "keeps the pixels and can be edited or removed later; or add a new colour layer "
             "above the original in LCh Color mode, with a white mask on which you paint black "
             "where the colour should not go.")),
    ("dt", _("Working size")),
    ("dd", _("The long side, in pixels, at which the network sees the whole picture. The colour "
             "is then carried to full resolution along the edges of your picture. Larger sizes "
             "take longer and are not always better.")),
    ("dt", _("Device")),
    ("dd", _("Where the network runs: a GPU through OpenCL when there is one, or the CPU. The "
             "result is the same.")),
    ("dt", _("Model file")),
    ("dd", _("Leave it empty to use the model shipped for the mode.")),
    ("dt", _("Colour hints")),
    ("dd", _("A layer whose opaque pixels give the colours you want there. Add hints layer makes "
             "an empty layer named “CoColor hints” above the layer; paint a few dots or strokes "
             "of the colours you want on it with any brush, then press Update preview. Its "
             "transparent parts leave the colour to the network, and it is never colorized "
             "itself. An image with a layer of that name gets it chosen when the dialog opens. "
             "A model that takes no hints colorizes without them and says so.")),
    ("h2", _("Preview")),
    ("p", _("The preview shows the whole layer as it will be colorized. Hold a mouse button down "
            "on it, or tick “Show the original”, to compare with the picture as it is. Make the "
            "dialog larger for a larger preview.")),
    ("h2", _("Good to know")),
    ("p", _("The colours are the network's best guess: landscapes come out plausible, while "
            "faces, clothes and objects may get wrong colours. Lower the strength or the "
            "saturation, or paint on the colour layer's mask, to keep what works.")),
    ("p", _("For one layer with a live preview on the canvas and GIMP's split view, use Colors → "
            "CoColor → Colorize (Live Preview). Folders of pictures can be colorized with the "
            "batch procedure script-fu-cocolor-batch in gimp-console.")),
]


def read_po(path):
    """msgid -> msgstr of a catalog (translated, non-fuzzy entries)."""
    table, entry, field, fuzzy = {}, {}, None, False

    def flush():
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            table[entry["msgid"]] = entry["msgstr"]

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                flush()
                entry, field, fuzzy = {}, None, False
            elif line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgid ", "msgstr ")):
                field, _, rest = line.partition(" ")
                entry[field] = ast.literal_eval(rest)
            elif line.startswith('"') and field:
                entry[field] += ast.literal_eval(line)
    flush()
    return table


def page(lang, tr):
    t = lambda s: html.escape(tr.get(s, s))
    body, in_list = [], False
    for tag, text in PAGE:
        if tag in ("dt", "dd") and not in_list:
            body.append("<dl>")
            in_list = True
        elif tag not in ("dt", "dd") and in_list:
            body.append("</dl>")
            in_list = False
        body.append(f"<{tag}>{t(text)}</{tag}>")
    if in_list:
        body.append("</dl>")
    return (f'<!DOCTYPE html>\n<html lang="{lang.replace("_", "-")}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{t(TITLE)}</title>\n</head>\n<body>\n'
            f"<h1>{t(TITLE)}</h1>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def main():
    outdir, po_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8") as f:
        langs = [w for line in f for w in line.split("#")[0].split()]
    for lang in ["en"] + langs:
        tr = {} if lang == "en" else read_po(os.path.join(po_dir, lang + ".po"))
        folder = os.path.join(outdir, lang)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "index.html"), "w", encoding="utf-8") as f:
            f.write(page(lang, tr))
        with open(os.path.join(folder, "gimp-help.xml"), "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<gimp-help>\n'
                    f'  <help-item id="{HELP_ID}" ref="index.html"/>\n'
                    '  <help-missing ref="index.html"/>\n</gimp-help>\n')


if __name__ == "__main__":
    main()
