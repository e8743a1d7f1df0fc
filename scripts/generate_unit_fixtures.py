"""Write the org-unit fixtures of the 2025 reorganisation from their sources:

- fixtures/vietnam/provinces.yaml: the country (VN), the 63 provinces valid until 2024 and the 34 from
  2025, with the lineage of Resolution 202/2025/QH15;
- fixtures/hau_giang/communes.yaml: Hậu Giang's 75 commune-level units (until 2024, under their districts)
  and the new Cần Thơ city's 103 commune-level units (from 2025, directly under the city), with the
  lineage of Resolution 1668/NQ-UBTVQH15 for the units formed from Hậu Giang's communes.

Names and NSO codes come from the PyPI package ``vietnam-provinces`` (0.6.0: the units before
1 July 2025; 2025.10.1: after). It is not a dependency of the portal: this script downloads the two
pinned wheels into a temporary directory (``pip download --no-deps``), checks their SHA-256, reads
their JSON and writes the YAML, which is committed (data with a source). Run it again only to
regenerate: ``python scripts/generate_unit_fixtures.py``. Needs the internet (PyPI) and pip."""

import hashlib
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROVINCES_FILE = ROOT / "fixtures" / "vietnam" / "provinces.yaml"
COMMUNES_FILE = ROOT / "fixtures" / "hau_giang" / "communes.yaml"

PACKAGE = "vietnam-provinces"
WHEELS = {  # version: SHA-256 of the wheel on PyPI
    "0.6.0": "4b5772870efdcb7c58a64fbdc0e0c9ce497e67017a0c189dff99582ddadb7815",
    "2025.10.1": "1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57",
}
OLD, NEW = "0.6.0", "2025.10.1"
DATA_FILE = "vietnam_provinces/data/nested-divisions.json"

RESOLUTION_202 = "Nghị quyết 202/2025/QH15 ngày 12/06/2025 của Quốc hội"
RESOLUTION_1668 = "Nghị quyết 1668/NQ-UBTVQH15 ngày 16/06/2025 của Ủy ban Thường vụ Quốc hội"

# Resolution 202/2025/QH15: new province's NSO code (2025.10.1) -> the old provinces' NSO codes
# (0.6.0) merged whole into it. A new province keeps the code of one of its predecessors.
MERGERS = {
    8: [2, 8], 15: [10, 15], 19: [6, 19], 25: [17, 25, 26], 24: [24, 27], 33: [33, 34], 31: [30, 31],
    37: [35, 36, 37], 44: [44, 45], 48: [48, 49], 51: [51, 62], 52: [52, 64], 56: [56, 58],
    68: [60, 67, 68], 66: [54, 66], 79: [74, 77, 79], 75: [70, 75], 80: [72, 80], 92: [92, 93, 94],
    86: [83, 84, 86], 82: [82, 87], 96: [95, 96], 91: [89, 91],
}
UNCHANGED = [1, 4, 11, 12, 14, 20, 22, 38, 40, 42, 46]

# Codes the demo and its scripts already use; every other code is made from the name.
FIXED_CODES = {(OLD, 93): "HG"}
# What the demo says about its province beyond the lineage (FACTS.md, "Administrative units").
EXTRA_NOTES = {"HG": ("Tỉnh có 8 đơn vị hành chính cấp huyện và 75 đơn vị cấp xã (51 xã, 13 phường, 11 thị trấn) "
                      "trước khi sắp xếp năm 2025. / 8 district-level and 75 commune-level units before the 2025 "
                      "reorganisation. ")}
HG_DISTRICTS = {930: "HG-VT", 931: "HG-NB", 932: "HG-CTA", 933: "HG-CT", 934: "HG-PH", 935: "HG-VTY",
                936: "HG-HLM", 937: "HG-TXLM"}

# Which old communes formed which new one is in Resolution 1668/NQ-UBTVQH15's own text, which we have
# not been able to read: the only old → new tables found are unofficial compilations, which FACTS.md
# allows as a cross-check only. So no commune lineage is written: the old communes end with 2024, the new
# ones begin in 2025, and neither has a `successors` link until the resolution's text is at hand.
HAU_GIANG, CAN_THO = 93, 92

_PREFIXES = ("Thành phố ", "Tỉnh ")
_KINDS_EN = {"Phường": "ward", "Xã": "commune", "Thị trấn": "township"}


def ascii_text(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def short_name(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def slug(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in ascii_text(short_name(name)).upper()).split()
    return "-".join(words)


def province_name_en(name: str) -> str:
    kind = "city" if name.startswith("Thành phố") else "province"
    return f"{ascii_text(short_name(name))} {kind}"


def commune_name_en(name: str) -> str:
    for kind, english in _KINDS_EN.items():
        if name.startswith(kind + " "):
            rest = ascii_text(name[len(kind) + 1:])
            # Numbered units read "Ward 5", "Ward IV"; named ones "Vi Thanh ward".
            return f"{english.capitalize()} {rest}" if rest.isdigit() or set(rest) <= set("IVX") else \
                f"{rest} {english}"
    return ascii_text(name)


def download(version: str, into: Path) -> list[dict]:
    target = into / version
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                    "--dest", str(target), f"{PACKAGE}=={version}"], check=True, stdout=subprocess.DEVNULL)
    (wheel,) = target.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEELS[version]:
        raise SystemExit(f"{wheel.name}: SHA-256 {digest}, expected {WHEELS[version]}")
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(DATA_FILE))


def province_codes(old: dict[int, dict], new: dict[int, dict]) -> dict[tuple[str, int], str]:
    """Unit code of every (version, NSO code). An old province that ends in 2024 and whose name a
    new province takes gets the suffix -CU (cũ, former) so that both can coexist."""
    codes = {(NEW, code): slug(unit["name"]) for code, unit in new.items()}
    for code in UNCHANGED:
        codes[(OLD, code)] = codes[(NEW, code)]
    for new_code, old_codes in MERGERS.items():
        for code in old_codes:
            own = slug(old[code]["name"])
            codes[(OLD, code)] = own + "-CU" if own == codes[(NEW, new_code)] else own
    codes.update(FIXED_CODES)
    if len(set(codes.values())) != len(codes) - len(UNCHANGED):
        raise SystemExit("two provinces got the same code")
    return codes


def names(units: list[str]) -> str:
    return ", ".join(units[:-1]) + " và " + units[-1] if len(units) > 1 else units[0]


def province_entries(old: dict[int, dict], new: dict[int, dict]) -> list[dict]:
    codes = province_codes(old, new)
    entries = [{"code": "VN", "name": "Việt Nam", "name_en": "Viet Nam", "level": "country",
                "note": "Cả nước. / The whole country."}]
    for code in UNCHANGED:
        unit = new[code]
        entries.append(_province(unit, codes[(NEW, code)], note=(
            f"Không sắp xếp theo {RESOLUTION_202}. / Unchanged by Resolution 202/2025/QH15.")))
    for new_code, old_codes in MERGERS.items():
        target = new[new_code]
        members = [short_name(old[code]["name"]) for code in old_codes]
        for code in old_codes:
            entries.append(_province(old[code], codes[(OLD, code)], valid_to=2024,
                                     successors=[codes[(NEW, new_code)]], note=(
                f"Từ 01/07/2025 hợp nhất với {names([m for m in members if m != short_name(old[code]['name'])])} "
                f"thành {short_name(target['name'])} ({RESOLUTION_202}); theo quy ước của cổng, năm 2025 "
                f"thuộc đơn vị mới. / Merged into the new {province_name_en(target['name'])} from 1 July 2025 "
                "(Resolution 202/2025/QH15); a year belongs to the tree valid at its end, so 2025 is the "
                "new unit's first year.")))
        entries.append(_province(target, codes[(NEW, new_code)], valid_from=2025, note=(
            f"Hình thành từ 01/07/2025 trên cơ sở hợp nhất {names(members)} ({RESOLUTION_202}). / Formed "
            "on 1 July 2025 by merging " + ", ".join(ascii_text(m) for m in members) +
            " (Resolution 202/2025/QH15).")))
    return entries


def _province(unit: dict, code: str, *, note: str, valid_from=None, valid_to=None, successors=None) -> dict:
    entry = {"code": code, "name": short_name(unit["name"]), "name_en": province_name_en(unit["name"]),
             "level": "province", "parent": "VN", "nso_code": f"{unit['code']:02d}"}
    if valid_from:
        entry["valid_from"] = valid_from
    if valid_to:
        entry["valid_to"] = valid_to
    if successors:
        entry["successors"] = successors
    entry["note"] = EXTRA_NOTES.get(code, "") + note
    return entry


def commune_entries(old: dict[int, dict], new: dict[int, dict], city: str) -> list[dict]:
    hau_giang = {w["code"]: (w, d["code"]) for d in old[HAU_GIANG]["districts"] for w in d["wards"]}
    can_tho = {w["code"]: w for w in new[CAN_THO]["wards"]}
    entries = []
    for code, (ward, district) in sorted(hau_giang.items()):
        entries.append({
            "code": f"HG-{code}", "name": ward["name"], "name_en": commune_name_en(ward["name"]),
            "level": "commune", "parent": HG_DISTRICTS[district], "nso_code": str(code), "valid_to": 2024,
            "note": (f"Mã thống kê {code}. Cấp xã được sắp xếp lại từ 01/07/2025 ({RESOLUTION_1668}); đơn vị kế "
                     "thừa chưa được ghi vì chưa đối chiếu được văn bản nghị quyết. / NSO code "
                     f"{code}. Commune-level units were reorganised from 1 July 2025; the successor is not "
                     "recorded until the resolution's text has been checked."),
        })
    for code, ward in sorted(can_tho.items()):
        entries.append({"code": f"{city}-{code}", "name": ward["name"], "name_en": commune_name_en(ward["name"]),
                        "level": "commune", "parent": city, "nso_code": str(code), "valid_from": 2025,
                        "note": (f"Mã thống kê {code}. Hình thành từ 01/07/2025 ({RESOLUTION_1668}). Các đơn vị "
                                 "cấp xã cũ hợp thành chưa được ghi vì chưa đối chiếu được văn bản nghị quyết, nên "
                                 "đơn vị chưa có số liệu trước năm 2025. / NSO code "
                                 f"{code}. Formed on 1 July 2025; its predecessor communes are not recorded until "
                                 "the resolution's text has been checked, so it has no figures before 2025.")})
    return entries


HEADER = """# GENERATED by scripts/generate_unit_fixtures.py: edit the script, not this file.
# Names and NSO codes: PyPI package vietnam-provinces {old} (units before 1 July 2025) and {new}
# (after), https://pypi.org/project/vietnam-provinces/ (data from the General Statistics Office;
# the package's repository declares GPL-3.0-or-later: only these facts are copied, not its code).
# {what}
"""


def write(path: Path, what: str, entries: list[dict]) -> None:
    text = HEADER.format(old=OLD, new=NEW, what=what)
    text += yaml.safe_dump({"org_units": entries}, allow_unicode=True, sort_keys=False, width=110)
    path.write_text(text, encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(entries)} units")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = {p["code"]: p for p in download(OLD, Path(tmp))}
        new = {p["code"]: p for p in download(NEW, Path(tmp))}
    if sorted([c for cs in MERGERS.values() for c in cs] + UNCHANGED) != sorted(old) or \
            sorted(list(MERGERS) + UNCHANGED) != sorted(new):
        raise SystemExit("Resolution 202 table does not cover the 63 old and 34 new provinces exactly")
    city = province_codes(old, new)[(NEW, CAN_THO)]
    write(PROVINCES_FILE, f"Lineage: {RESOLUTION_202} (which provinces merged into which).",
          province_entries(old, new))
    write(COMMUNES_FILE, (f"The new communes: {RESOLUTION_1668}; no commune lineage (see the script).\n"
                          "# Loaded by load_demo after fixtures/vietnam/provinces.yaml and catalogue.yaml."),
          commune_entries(old, new, city))


if __name__ == "__main__":
    main()
