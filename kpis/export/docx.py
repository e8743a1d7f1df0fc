"""The report as an editable Word document (python-docx): the same text and
tables as the PDF, in the layout of Decree 30/2020 (A4, margins, Times New
Roman 13 pt, page numbers top centre from page 2), so a leader can edit it and
sign it in Word. Charts are PNG pictures (Word cannot take SVG everywhere)."""

import io
from collections.abc import Callable

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kpis.export import charts as chart_module
from kpis.export.document import Document, Table, numbered_headings

FONT = "Times New Roman"  # Tinos is metric-compatible: the PDF and Word lay out alike
BODY_PT = 13
TABLE_PT = 11
TEXT_WIDTH_MM = 165  # 210 - 30 - 15
INDICATOR_WIDTHS = (7, 28, 11, 9.5, 9.5, 11.5, 11, 12.5)  # per cent of the text width (pdf.css)
MILESTONE_WIDTHS = (7, 44, 21, 14, 14)
HEADER_WIDTHS = (45.5, 54.5)  # the agency block and the national heading (pdf.css)
CELL_PADDING_TWIPS = 57  # 1 mm, about the 3 pt of the PDF's cells
Progress = Callable[[int], None]


def _set_font(run, *, size: float | None = None, bold: bool | None = None, italic: bool | None = None,
              underline: bool | None = None) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if italic is not None:
        run.font.italic = italic
    if underline is not None:
        run.font.underline = underline


def _paragraph(container, text: str = "", *, size: float = BODY_PT, bold: bool = False, italic: bool = False,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, after: float = 6, underline: bool = False,
               keep_with_next: bool = False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
    if keep_with_next:
        paragraph.paragraph_format.keep_with_next = True
    if text:
        _set_font(paragraph.add_run(text), size=size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _cell_paragraph(cell, text: str, **kwargs):
    """Write into a table cell, reusing its empty first paragraph."""
    first = cell.paragraphs[0]
    if not first.text and not first.runs:
        paragraph = first
        paragraph.alignment = kwargs.pop("align", WD_ALIGN_PARAGRAPH.LEFT)
        paragraph.paragraph_format.space_after = Pt(kwargs.pop("after", 0))
        if text:
            _set_font(paragraph.add_run(text), size=kwargs.pop("size", TABLE_PT), bold=kwargs.pop("bold", False),
                      italic=kwargs.pop("italic", False), underline=kwargs.pop("underline", False))
        return paragraph
    kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.LEFT)
    kwargs.setdefault("after", 0)
    kwargs.setdefault("size", TABLE_PT)
    return _paragraph(cell, text, **kwargs)


def _rule(container, width_fraction: float, width_mm: float, *, in_cell: bool = True) -> None:
    """A short centred line (the rule under the agency's name or the subject)."""
    paragraph = (_cell_paragraph(container, "", align=WD_ALIGN_PARAGRAPH.CENTER, after=2, size=4) if in_cell
                 else _paragraph(container, "", align=WD_ALIGN_PARAGRAPH.CENTER, after=12, size=4))
    side = Mm(width_mm * (1 - width_fraction) / 2)
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.line_spacing = Pt(3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # WordprocessingML requires this order of paragraph properties.
    paragraph._p.get_or_add_pPr().insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
        "w:rPr", "w:sectPr", "w:pPrChange")


def _no_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                     "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _tight_cells(table, twips: int = 0) -> None:
    """Narrow cell padding (Word's default is 1.9 mm each side): the header
    blocks need the whole width of the page, the figures their whole column."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(twips))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                           "w:tblPrChange")


def _widths(table, percents) -> None:
    table.autofit = False
    for column, percent in zip(table.columns, percents, strict=False):
        column.width = Mm(TEXT_WIDTH_MM * percent / 100)  # the grid, which LibreOffice follows
    for row in table.rows:
        for cell, percent in zip(row.cells, percents, strict=False):
            cell.width = Mm(TEXT_WIDTH_MM * percent / 100)


def _row_properties(row, *, header: bool = False) -> None:
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")  # a row never breaks across pages
    properties.append(cant_split)
    if header:
        repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
        properties.append(repeat)


def _page_number_header(section) -> None:
    section.different_first_page_header_footer = True  # no number on page 1
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    _set_font(run, size=BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _header_blocks(word, document: Document) -> None:
    header = document.header
    table = word.add_table(rows=1, cols=2)
    _no_borders(table)
    _tight_cells(table)
    _widths(table, HEADER_WIDTHS)
    left, right = table.rows[0].cells
    if header.issuing_agency:
        _cell_paragraph(left, header.parent_agency, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
        _cell_paragraph(left, header.issuing_agency, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, bold=True)
    else:
        _cell_paragraph(left, header.parent_agency, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, bold=True)
    _rule(left, 0.32, TEXT_WIDTH_MM * HEADER_WIDTHS[0] / 100)
    _cell_paragraph(left, header.number_line, align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_PT)
    _cell_paragraph(right, document.headings.get("nation", ""), align=WD_ALIGN_PARAGRAPH.CENTER, size=12, bold=True)
    _cell_paragraph(right, document.headings.get("motto", ""), align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_PT,
                    bold=True, underline=True, after=4)
    _cell_paragraph(right, document.place_date, align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_PT, italic=True)


def _grid(word, document: Document):
    grid = word.add_table(rows=1, cols=len(document.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _tight_cells(grid, CELL_PADDING_TWIPS)
    for cell, title in zip(grid.rows[0].cells, document.columns, strict=False):
        _cell_paragraph(cell, title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _row_properties(grid.rows[0], header=True)
    return grid


def _add_rows(grid, table: Table) -> None:
    for row in table.rows:
        cells = grid.add_row().cells
        values = (
            (row.number, WD_ALIGN_PARAGRAPH.CENTER, ""), (row.name, WD_ALIGN_PARAGRAPH.LEFT, ""),
            (row.unit, WD_ALIGN_PARAGRAPH.CENTER, ""), (row.value, WD_ALIGN_PARAGRAPH.RIGHT, ""),
            (row.previous, WD_ALIGN_PARAGRAPH.RIGHT, ""), (row.change, WD_ALIGN_PARAGRAPH.RIGHT, ""),
            (row.target, WD_ALIGN_PARAGRAPH.CENTER, row.target_year),
            (row.status, WD_ALIGN_PARAGRAPH.CENTER, row.achievement),
        )
        for cell, (text, align, extra) in zip(cells, values, strict=False):
            _cell_paragraph(cell, text, align=align)
            if extra:
                _cell_paragraph(cell, extra, align=align, size=9.5)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _row_properties(grid.rows[-1])


def _notes(word, tables: list[Table]) -> None:
    for table in tables:
        for note in table.notes:
            _paragraph(word, note, size=10.5, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=2)
    _paragraph(word, "", after=2, size=6)


def _indicator_table(word, document: Document, table: Table) -> None:
    """One sector: its heading, then its table."""
    _paragraph(word, table.heading, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=3, keep_with_next=True)
    grid = _grid(word, document)
    _add_rows(grid, table)
    _widths(grid, INDICATOR_WIDTHS)
    _notes(word, [table])


def _annex_table(word, document: Document, tables: list[Table]) -> None:
    """One unit: one table, a merged row heading each sector."""
    grid = _grid(word, document)
    for table in tables:
        group = grid.add_row()
        merged = group.cells[0].merge(group.cells[-1])
        _cell_paragraph(merged, table.heading, bold=True).paragraph_format.keep_with_next = True
        _row_properties(group)
        _add_rows(grid, table)
    _widths(grid, INDICATOR_WIDTHS)
    _notes(word, tables)


def _page_setup(word, document: Document) -> None:
    """A4 portrait, the decree's margins, Times New Roman 13 pt, page numbers from page 2."""
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    word.core_properties.title = document.file_title
    word.core_properties.author = document.header.issuing_agency or document.header.parent_agency
    _page_number_header(section)


def _section_heading(word, text: str) -> None:
    _paragraph(word, text, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, keep_with_next=True)


def _title(word, document: Document) -> None:
    """The header blocks, then the title and subject over a short rule."""
    _header_blocks(word, document)
    _paragraph(word, "", after=4)
    _paragraph(word, document.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(word, document.subject, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _rule(word, 0.28, TEXT_WIDTH_MM, in_cell=False)


def _summary(word, document: Document, heading: str) -> None:
    _section_heading(word, heading)
    for text in document.summary:
        _paragraph(word, text, indent=True)
    _paragraph(word, document.data_note, italic=True, indent=True)


def _sectors(word, document: Document, heading: str) -> None:
    _section_heading(word, heading)
    for table in document.tables:
        _indicator_table(word, document, table)
    if not document.tables:
        _paragraph(word, document.headings["no_figures"], indent=True)


def _charts(word, document: Document, heading: str, progress: Progress) -> None:
    """Each chart as a PNG picture with its caption; progress from 40 to 80."""
    if not document.charts:
        return
    _section_heading(word, heading)
    for index, chart in enumerate(document.charts):
        picture = _paragraph(word, "", align=WD_ALIGN_PARAGRAPH.CENTER, after=2, keep_with_next=True)
        png = chart_module.chart(chart.kind, chart.data, fmt="png")
        picture.add_run().add_picture(io.BytesIO(png), width=Mm(160))
        _paragraph(word, chart.caption, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        progress(40 + int(40 * (index + 1) / len(document.charts)))


_MILESTONE_ALIGNS = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT,
                     WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.CENTER)


def _milestone_table(word, document: Document) -> None:
    grid = word.add_table(rows=1, cols=len(document.milestone_columns))
    grid.style = "Table Grid"
    _tight_cells(grid, CELL_PADDING_TWIPS)
    for cell, title in zip(grid.rows[0].cells, document.milestone_columns, strict=False):
        _cell_paragraph(cell, title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _row_properties(grid.rows[0], header=True)
    for row in document.milestones:
        cells = grid.add_row().cells
        status = row.status + (f" ({row.completed})" if row.completed else "")
        texts = (row.number, row.title, row.sector, row.due, status)
        for cell, text, align in zip(cells, texts, _MILESTONE_ALIGNS, strict=True):
            _cell_paragraph(cell, text, align=align)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _row_properties(grid.rows[-1])
    _widths(grid, MILESTONE_WIDTHS)


def _milestones(word, document: Document, heading: str) -> None:
    _section_heading(word, heading)
    if document.milestones:
        _milestone_table(word, document)
    else:
        _paragraph(word, document.headings["no_milestones"], indent=True)


def _signature(word, document: Document) -> None:
    """Recipients on the left, the signer on the right, in a borderless table."""
    _paragraph(word, "", after=6)
    signature = word.add_table(rows=1, cols=2)
    _no_borders(signature)
    _widths(signature, (45, 55))
    _row_properties(signature.rows[0])
    left, right = signature.rows[0].cells
    _cell_paragraph(left, document.recipients_label, size=12, bold=True, italic=True)
    for line in document.header.recipients:
        _cell_paragraph(left, f"- {line}", size=11)
    if document.header.signer_authority:
        _cell_paragraph(right, document.header.signer_authority, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True,
                        size=BODY_PT)
    _cell_paragraph(right, document.header.signer_title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True,
                    size=BODY_PT, after=72)
    _cell_paragraph(right, document.header.signer_name, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=BODY_PT)


def _annex(word, document: Document) -> None:
    """On a new page: one part per unit below, a table each."""
    if not document.annex:
        return
    word.add_page_break()
    _paragraph(word, document.annex_title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(word, document.annex_subtitle, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(word, document.headings["annex_ref"], italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    for number, part in enumerate(document.annex, start=1):
        _section_heading(word, f"{number}. {part.heading}")
        if part.tables:
            _annex_table(word, document, part.tables)
        else:
            _paragraph(word, part.empty_text, indent=True)


def _sources(word, document: Document) -> None:
    """On a new page, as in the PDF: where each numbered indicator's figures come from."""
    if not document.sources:
        return
    word.add_page_break()
    _paragraph(word, document.sources_title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(word, document.headings["annex_ref"], italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    for entry in document.sources:
        paragraph = _paragraph(word, f"[{entry.number}] ", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=4)
        _set_font(paragraph.add_run(entry.name), size=11, bold=True)
        if entry.source:
            _set_font(paragraph.add_run(f": {entry.source}"), size=11)
        if entry.value_note:
            paragraph.add_run().add_break()
            _set_font(paragraph.add_run(entry.value_note), size=11, italic=True)


def render_docx(document: Document, *, progress: Progress = lambda _p: None) -> bytes:
    word = WordDocument()
    _page_setup(word, document)
    _title(word, document)
    headings = dict(numbered_headings(document))
    _summary(word, document, headings["summary"])
    _sectors(word, document, headings["sectors"])
    progress(40)
    _charts(word, document, headings.get("charts", ""), progress)
    _milestones(word, document, headings["milestones"])
    _signature(word, document)
    _annex(word, document)
    _sources(word, document)
    progress(95)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
