#!/usr/bin/env python3
"""Write the seed corpus for the zip_reader fuzz target (byte-for-byte reproducible).

    python3 fuzz/make_seeds.py          # writes fuzz/corpus/zip_reader/seed-*.zip

Small valid bags: stored, deflated, with folder entries, with a comment, zip64
records, and a fuller bag with a manifest and a non-ASCII name. Hostile
fixtures from tests/fixtures/hostile-zips/ are copied in by hand as seed-hostile-*.
"""
import hashlib
import os
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "zip_reader")
WHEN = (2026, 1, 1, 0, 0, 0)
BAGIT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
A = b"hello, petition office\n" * 4


def info(name, comp):
    i = zipfile.ZipInfo(name, date_time=WHEN)
    i.compress_type = comp
    i.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o100644 << 16
    return i


def bag(name, comp, top="bag/", dirs=False, comment=b"", zip64=False, extra=()):
    with zipfile.ZipFile(os.path.join(OUT, name), "w") as z:
        if dirs:
            for d in (top, top + "data/"):
                z.writestr(info(d, zipfile.ZIP_STORED), b"")
        for n, data in [("bagit.txt", BAGIT), ("data/a.txt", A), *extra]:
            i = info(top + n, comp)
            if zip64:
                with z.open(i, "w", force_zip64=True) as f:
                    f.write(data)
            else:
                z.writestr(i, data)
        z.comment = comment


os.makedirs(OUT, exist_ok=True)
bag("seed-stored.zip", zipfile.ZIP_STORED)
bag("seed-deflated.zip", zipfile.ZIP_DEFLATED)
bag("seed-dirs.zip", zipfile.ZIP_STORED, dirs=True)
bag("seed-toplevel-comment.zip", zipfile.ZIP_DEFLATED, top="", comment=b"anjuan seed")
bag("seed-zip64.zip", zipfile.ZIP_STORED, zip64=True)
manifest = ("%s  data/a.txt\n" % hashlib.sha256(A).hexdigest()).encode()
bag(
    "seed-full-bag.zip",
    zipfile.ZIP_DEFLATED,
    top="X012-WS-2026-XFB/",
    dirs=True,
    extra=[
        ("bag-info.txt", b"Bagging-Date: 2026-01-01\n"),
        ("manifest-sha256.txt", manifest),
        ("data/\u6848\u5377.txt", "\u4fe1\u8bbf\u6848\u5377\n".encode()),
    ],
)
