"""The report font: Tinos (metric-compatible with Times New Roman, full
Vietnamese coverage), from the pinned npm package ``@fontsource/tinos``.

Fontsource ships each style split into unicode-range subsets (latin,
latin-ext, vietnamese). Neither consumer can use those as they are:
WeasyPrint keys the fonts it embeds by family, weight and style, so glyphs of
several subset files of one family collide in the PDF (Vietnamese comes out
garbled), and matplotlib reads neither WOFF2 nor per-character subsets of one
family. So, once per machine, the subsets of each style are joined into one
TrueType file (same glyph names in every subset, identical hinting programs:
a union, not a re-design), cached under the system temporary directory by a
hash of the source files. The PDF embeds these files through @font-face,
matplotlib measures (and, for PNG, draws) chart text with them, so text and
charts use the same glyphs on every machine and nothing depends on the fonts
installed there.
"""

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FAMILY = "Tinos"
FALLBACK_FAMILY = "DejaVu Serif"
SUBSETS = ("latin", "latin-ext", "vietnamese")  # the first is the base: its kerning is kept
STYLES = ((400, "normal"), (400, "italic"), (700, "normal"), (700, "italic"))
_MERGE_VERSION = "1"


def source_dir() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / "@fontsource" / "tinos" / "files"


def _sources(weight: int, style: str) -> list[Path]:
    return [source_dir() / f"tinos-{subset}-{weight}-{style}.woff2" for subset in SUBSETS]


def _merge(paths: list[Path], target: Path) -> None:
    from fontTools.ttLib import TTFont

    base = TTFont(paths[0])
    base.flavor = None
    order = list(base.getGlyphOrder())
    known = set(order)
    glyf, hmtx = base["glyf"], base["hmtx"]
    mapping = dict(base.getBestCmap())
    for path in paths[1:]:
        other = TTFont(path)
        for name in other.getGlyphOrder():
            if name in known:
                continue
            glyph = other["glyf"][name]
            glyph.expand(other["glyf"])
            glyf[name] = glyph
            hmtx[name] = other["hmtx"][name]
            order.append(name)
            known.add(name)
        for codepoint, name in other.getBestCmap().items():
            mapping.setdefault(codepoint, name)
    base.setGlyphOrder(order)
    glyf.glyphOrder = order
    for table in base["cmap"].tables:
        if table.isUnicode():
            table.cmap = {cp: name for cp, name in mapping.items() if table.format != 4 or cp <= 0xFFFF}
    if "OS/2" in base:
        base["OS/2"].recalcUnicodeRanges(base)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    base.save(partial)
    os.replace(partial, target)  # atomic: concurrent workers never read half a file


def _truetype_files(sources: dict[tuple[int, str], list[Path]], name: str, package: str) -> dict[tuple[int, str], Path]:
    """(weight, style) → one TrueType file joined from its source files, built
    at first use in a folder named by a hash of the sources (so new npm files
    make new files)."""
    missing = [path for paths in sources.values() for path in paths if not path.exists()]
    if missing:
        raise ImproperlyConfigured(
            f"A report font is missing ({missing[0]}): run `npm ci` (make install) to install "
            f"{package} from package.json.")
    digest = hashlib.sha256(_MERGE_VERSION.encode())
    for paths in sources.values():
        for path in paths:
            digest.update(path.read_bytes())
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"kpi-portal-fonts-{uid}" / digest.hexdigest()[:16]
    files = {}
    for (weight, style), paths in sources.items():
        target = folder / f"{name}-{weight}-{style}.ttf"
        if not target.exists():
            _merge(paths, target)
        files[(weight, style)] = target
    return files


@lru_cache(maxsize=1)
def font_files() -> dict[tuple[int, str], Path]:
    """(weight, style) → a complete Tinos TrueType file, built at first use."""
    return _truetype_files({(weight, style): _sources(weight, style) for weight, style in STYLES},
                           FAMILY, "@fontsource/tinos")


@lru_cache(maxsize=1)
def fallback_files() -> dict[tuple[int, str], Path]:
    """(weight, style) → the fallback font, for the few characters Tinos lacks
    (Fontsource's Tinos has no ≥ or ≤): DejaVu Serif's latin subset, from the
    pinned npm package ``@fontsource/dejavu-serif``, as TrueType."""
    return _truetype_files({(weight, style): [fallback_source_dir() / f"dejavu-serif-latin-{weight}-{style}.woff2"]
                            for weight, style in STYLES}, "DejaVuSerif", "@fontsource/dejavu-serif")


def fallback_source_dir() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / "@fontsource" / "dejavu-serif" / "files"


def all_font_files() -> list[Path]:
    return [*font_files().values(), *fallback_files().values()]


def font_face_css() -> str:
    """@font-face rules for WeasyPrint, pointing at the joined files; the
    stylesheet names the fallback family after Tinos, so WeasyPrint takes
    from it only the characters Tinos does not have."""
    return "\n".join(
        f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: {style}; "
        f"src: url('{path.as_uri()}') format('truetype'); }}"
        for family, files in ((FAMILY, font_files()), (FALLBACK_FAMILY, fallback_files()))
        for (weight, style), path in files.items()
    )
