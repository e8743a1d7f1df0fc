"""The portal's English catalogue (locale/en/LC_MESSAGES/django.po).

Vietnamese is the source language; English is chosen with the language switch.
These tests keep the catalogue well formed (no fuzzy entries, placeholders
intact, the committed .mo compiled from the committed .po) and check that the
translations are actually used, while the default language stays Vietnamese.
"""

import ast
import gettext
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
MSGFMT = shutil.which("msgfmt")

# Fixed elements of the official document (Decree 30/2020/NĐ-CP): the exported
# report is always rendered in settings.LANGUAGE_CODE, so these stay Vietnamese
# (an empty msgstr falls back to the msgid).
OFFICIAL_DOCUMENT_STRINGS = {
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "BÁO CÁO",
    "Báo cáo – %(subject)s",  # the exported file's title
    "PHỤ LỤC",
    "Nơi nhận:",
    "Số: %(number)s/%(symbol)s",
    "ngày %(day)s tháng %(month)s năm %(year)s",
    "Tỉnh",
    "Huyện",
    "Xã",
}

# printf-style: "%%", "%(name)s", "%(pct).1f", "%s", "%d"; brace-style: "{name}", "{0}", "{}".
_PERCENT = re.compile(r"%%|%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
_BRACE = re.compile(r"\{\{|\}\}|\{(?P<field>[A-Za-z_]\w*|\d*)(?:![rsa])?(?::[^{}]*)?\}")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"flags": set, "msgctxt"?, "msgid", "msgid_plural"?,
    "msgstr" or "msgstr[0]", "msgstr[1]"...}. Obsolete (#~) entries are skipped."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _sep, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [value for key, value in sorted(entry.items()) if key.startswith("msgstr[")]
    return [entry["msgstr"]]


def is_translated(entry: dict) -> bool:
    return all(translations(entry))


def placeholders(text: str, flags: set[str]) -> tuple[frozenset, Counter]:
    """Named placeholders (a set) and unnamed ones (counted: their order matters)."""
    named, unnamed = set(), Counter()
    for match in _PERCENT.finditer(text):
        token = match.group()
        if token == "%%":
            continue
        if match.group("name") is not None:
            named.add(token)
        else:
            unnamed[token] += 1
    if "python-brace-format" in flags:
        for match in _BRACE.finditer(text):
            if match.group() in ("{{", "}}"):
                continue
            if match.group("field"):
                named.add(match.group())
            else:
                unnamed[match.group()] += 1
    return frozenset(named), unnamed


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages -l en (see docs)"
    return parse_po(PO_FILE)


def _label(entry: dict) -> str:
    return (f"[{entry['msgctxt']}] " if "msgctxt" in entry else "") + repr(entry["msgid"])


# -- (a) the catalogue is well formed -------------------------------------------------------


def test_header_declares_english_and_plural_forms(entries):
    header = entries[0]
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"]


def test_no_fuzzy_entries(entries):
    fuzzy = [_label(entry) for entry in entries if "fuzzy" in entry["flags"]]
    assert fuzzy == []


def test_every_string_is_translated_except_the_official_document_ones(entries):
    untranslated = {entry["msgid"] for entry in entries[1:] if not is_translated(entry)}
    assert untranslated == OFFICIAL_DOCUMENT_STRINGS


def test_official_document_strings_are_left_empty(entries):
    for entry in entries[1:]:
        if entry["msgid"] in OFFICIAL_DOCUMENT_STRINGS and "msgctxt" not in entry:
            assert translations(entry) == [""], _label(entry)


def test_placeholders_are_kept(entries):
    wrong = []
    for entry in entries[1:]:
        if not is_translated(entry):
            continue
        expected = placeholders(entry["msgid"], entry["flags"])
        if "msgid_plural" in entry:
            assert placeholders(entry["msgid_plural"], entry["flags"]) == expected, _label(entry)
        for text in translations(entry):
            if placeholders(text, entry["flags"]) != expected:
                wrong.append(f"{_label(entry)} → {text!r}")
    assert wrong == []


def test_plural_entries_have_both_forms(entries):
    for entry in entries[1:]:
        if "msgid_plural" in entry:
            assert {key for key in entry if key.startswith("msgstr[")} == {"msgstr[0]", "msgstr[1]"}, _label(entry)


def test_leading_and_trailing_whitespace_match_the_source(entries):
    for entry in entries[1:]:
        for text in filter(None, translations(entry)):
            source = entry["msgid"]
            assert source[:len(source) - len(source.lstrip())] == text[:len(text) - len(text.lstrip())], _label(entry)
            assert source[len(source.rstrip()):] == text[len(text.rstrip()):], _label(entry)


def test_one_catalogue_for_the_whole_portal():
    """Two catalogues holding the same msgid translate it twice, and the first
    in LOCALE_PATHS silently wins: the portal has one."""
    assert [Path(path) for path in settings.LOCALE_PATHS] == [ROOT / "locale"]
    assert sorted(path.relative_to(ROOT).as_posix() for path in ROOT.glob("kpis/**/locale")) == []


@pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) is not installed")
def test_msgfmt_accepts_the_catalogue():
    result = subprocess.run([MSGFMT, "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],
                            capture_output=True, text=True, timeout=60, env={"LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr
    untranslated = re.search(r"(\d+) untranslated", result.stderr)
    assert int(untranslated.group(1) if untranslated else 0) == len(OFFICIAL_DOCUMENT_STRINGS), result.stderr


# -- (b) the committed .mo is compiled from the committed .po -------------------------------


def _catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


@pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) is not installed")
def test_compiled_catalogue_is_up_to_date(tmp_path):
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages"
    fresh = tmp_path / "django.mo"
    result = subprocess.run([MSGFMT, "--check-format", "-o", str(fresh), str(PO_FILE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert _catalog(MO_FILE) == _catalog(fresh), "django.mo is stale: run compilemessages"


# -- (c) the translations are used ----------------------------------------------------------


def test_default_language_is_vietnamese():
    assert settings.LANGUAGE_CODE == "vi"
    with translation.override(settings.LANGUAGE_CODE):
        assert str(admin.site.site_header) == "Chỉ tiêu chuyển đổi số – Quản trị"
        assert _("Chỉ duyệt được báo cáo đã gửi duyệt.") == "Chỉ duyệt được báo cáo đã gửi duyệt."


def test_key_strings_in_english():
    with translation.override("en"):
        assert str(admin.site.site_header) == "Digital transformation indicators – Administration"
        assert str(admin.site.site_title) == "Digital transformation indicators"
        assert _("Đã duyệt báo cáo.") == "The report has been approved."
        assert translation.pgettext("menu", "Lĩnh vực") == "Sectors"
        assert translation.ngettext("%(n)s nhiệm vụ đã quá hạn", "%(n)s nhiệm vụ đã quá hạn", 1) % {"n": 1} \
            == "1 task overdue"
        assert translation.ngettext("%(n)s nhiệm vụ đã quá hạn", "%(n)s nhiệm vụ đã quá hạn", 3) % {"n": 3} \
            == "3 tasks overdue"
        # A string only the dashboards' catalogue holds still comes from it.
        assert _("Xếp hạng") == "Rank"


def test_official_document_strings_stay_vietnamese_in_english():
    with translation.override("en"):
        for text in OFFICIAL_DOCUMENT_STRINGS:
            assert _(text) == text


@pytest.mark.django_db
def test_workflow_message_in_each_language(world):
    from kpis.services.reports import report_approve, report_create

    draft = report_create(sector=world.telecom, org_unit=world.province, year=2020, user=world.users.staff)
    with translation.override(settings.LANGUAGE_CODE), pytest.raises(ValidationError) as vietnamese:
        report_approve(report=draft, user=world.users.approver)
    assert vietnamese.value.messages == ["Chỉ duyệt được báo cáo đã gửi duyệt."]
    with translation.override("en"), pytest.raises(ValidationError) as english:
        report_approve(report=draft, user=world.users.approver)
    assert english.value.messages == ["Only submitted reports can be approved."]


@pytest.mark.django_db
def test_admin_pages_follow_the_language_switch(client):
    assert "Chỉ tiêu chuyển đổi số – Quản trị" in client.get("/admin/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = client.get("/admin/login/").content.decode()
    assert "Digital transformation indicators – Administration" in page
