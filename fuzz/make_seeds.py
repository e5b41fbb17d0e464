#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (byte-for-byte reproducible).

    python3 fuzz/make_seeds.py   # writes fuzz/corpus/{zip_reader,case_file,ledger_csv}/seed-*

case_file: the demo office's cases as TOML and as JSON, and a few small records
with the characters that once broke the checks (full-width digits, emoji,
combining marks, zero-width and bidi characters, deep nesting). ledger_csv: a
small ledger with the same, including a GBK-encoded one. The bad-case and
bad-ledger fixtures are copied in by scripts/fuzz.sh as seed-fixture-*.

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


# ---- case_file -------------------------------------------------------------
import datetime
import json
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "examples", "demo-office", "cases")
OUT_CASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "case_file")
os.makedirs(OUT_CASE, exist_ok=True)


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def put(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


for name in sorted(os.listdir(CASES)):
    if not name.endswith(".toml"):
        continue
    with open(os.path.join(CASES, name), "rb") as f:
        raw = f.read()
    stem = name[: -len(".toml")]
    put(OUT_CASE, "seed-demo-%s.toml" % stem, raw)
    doc = plain(tomllib.loads(raw.decode("utf-8")))
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    put(OUT_CASE, "seed-demo-%s.json" % stem, text.encode("utf-8"))

SMALL = """id = "XF-2026-0900"
[arrival]
channel = "来信"
received = 2026-03-02
[[petitioners]]
name = "%s"
id_number = "%s"
phone = "%s"
[matter]
summary = "排水沟堵塞"
requests = ["疏通排水沟"]
category = "城乡建设"
"""
for i, (n, ident, ph) in enumerate(
    [
        ("王喆", "33012219780415231X", "13957112468"),
        ("王\u200b喆", "３３０１２２１９７８０４１５２３１Ｘ", "１３９５７１１２４６８"),
        ("\u202e王喆", "330122197804\U0001f600" + "5231X", "0\U0001f600\U0001f6000000000"),
        ("王喆\u3000", "33012219780415231\u0301X", "00５７１８８１２３４"),
        ("\u00a0王喆\t", "99012219780415231X", "0571-88123456-123"),
    ]
):
    put(OUT_CASE, "seed-small-%d.toml" % i, (SMALL % (n, ident, ph)).encode("utf-8"))
    doc = plain(tomllib.loads(SMALL % (n, ident, ph)))
    put(OUT_CASE, "seed-small-%d.json" % i, json.dumps(doc, ensure_ascii=(i % 2 == 0)).encode())
# Nesting just under and just over the bound (80) in both syntaxes.
for d in (79, 81):
    put(OUT_CASE, "seed-nest-%d.json" % d, b'{"id": ' + b"[" * d + b"]" * d + b"}")
    put(OUT_CASE, "seed-nest-%d.toml" % d, b"id = " + b"[" * d + b"]" * d + b"\n")

# ---- ledger_csv ------------------------------------------------------------
OUT_LEDGER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "ledger_csv")
os.makedirs(OUT_LEDGER, exist_ok=True)
HEAD = "案件编号,登记日期,信访形式,信访人,身份证号码,联系电话,住址,问题类别,诉求内容,分类处理情况,具体工作措施,包案领导,责任单位,责任人,处理时限,办理进展,销号,销号依据,销号日期,备注\n"
ROWS = [
    "XF-2026-0101,2026-09-14,来访,张桂兰,330122196203182420,13867152290,青溪县柳河镇石桥村下湾组8号,自然资源,要求确认宅基地使用权,解决问题到位,现场测量,周海涛,柳河镇自然资源所,方卫东,2026-11-28,已现场测量,未销号,,,\n",
    'XF-2026-0102,2026年10月8日,来信,"刘建国\n李红梅","330122197009063131\n330122198807303624",１５９８８１２３４７６,青溪县柳河镇柳河村东街41号,劳动社保,"1. 要求支付工资\n2. 要求补缴社会保险",依法处理,约谈用工单位,孙丽华,柳河镇劳动保障所,黄丽君,46000,已约谈,已销号,办结,2026-11-20,\n',
    "XF-2026-0103,2026-10-09,交办,张\u200b三,３３０１２２１９６２０３１８２４２０,135884\ufeff26017,\u202e地址,民政,低保,帮扶救助到位,,,,,,,,,,\n",
]
put(OUT_LEDGER, "seed-ledger.csv", (HEAD + "".join(ROWS)).encode("utf-8"))
put(OUT_LEDGER, "seed-ledger-bom.csv", b"\xef\xbb\xbf" + (HEAD + ROWS[0]).encode("utf-8"))
put(OUT_LEDGER, "seed-ledger-gbk.csv", (HEAD + ROWS[0] + ROWS[1]).encode("gb18030"))
put(OUT_LEDGER, "seed-ledger-title.csv", ("青溪县柳河镇信访事项台账\n" + HEAD + ROWS[0]).encode("utf-8"))
