#!/usr/bin/env python3
"""CoColor's help pages as GIMP's help system reads them: for English and
every language of po/LINGUAS, LANG/gimp-help.xml maps the procedure's help
id to a page that exists, and the page is in that language (every
paragraph of a translated page differs from the English one).
    test-help.py HELP_DIR PO_DIR"""
import os
import re
import sys
import xml.etree.ElementTree as ET

HELP_ID = "plug-in-cocolor-colorize"   # the procedure's name, its help id (plug-in/cocolor.c)


def paragraphs(path):
    text = open(path, encoding="utf-8").read()
    return re.findall(r"<(?:p|dd|dt|h1|h2)>(.*?)</", text, re.S)


def main():
    help_dir, po_dir = sys.argv[1], sys.argv[2]
    langs = open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8").read().split()
    failures = []
    english = None
    for lang in ["en"] + langs:
        mapping = os.path.join(help_dir, lang, "gimp-help.xml")
        root = ET.parse(mapping).getroot()
        refs = {item.get("id"): item.get("ref") for item in root.iter("help-item")}
        if root.tag != "gimp-help" or HELP_ID not in refs:
            failures.append(f"{mapping}: no help-item for {HELP_ID}")
            continue
        page = os.path.join(help_dir, lang, refs[HELP_ID])
        if not os.path.isfile(page):
            failures.append(f"{mapping}: maps {HELP_ID} to {page}, which is missing")
            continue
        texts = paragraphs(page)
        if lang == "en":
            english = texts
            if len(texts) < 10:
                failures.append(f"{page}: only {len(texts)} paragraphs")
            continue
        # Headings of one or two words may be the same word (French "Mode").
        same = [t for t, e in zip(texts, english) if t == e and len(t.split()) > 3]
        if len(texts) != len(english) or same:
            failures.append(f"{page}: {len(same)} paragraphs left in English: {same[:2]}")
        else:
            print(f"ok: {lang}: {len(texts)} paragraphs, translated")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
