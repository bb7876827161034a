"""Printable papers (Daftar Rekapan, Surat Pengantar, Laporan Pengiriman): one look for
all of them, the office's letterhead (kop surat), tables and a signature block."""

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

OFFICE_NAMES = {
    "1471": (
        "PEMERINTAH KOTA PEKANBARU",
        "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
        "Jl. Jenderal Sudirman, Pekanbaru, Riau",
    ),
}


def _latin1(text: object) -> str:
    # The core PDF fonts carry Latin-1; anything beyond it is shown as '?', never dropped.
    return str(text).encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # millimetres
    align: str = "L"


class OfficePaper(FPDF):
    def __init__(self, office: str, title: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.office, self.paper_title = office, title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Jasa Dukcapil")
        self.add_page()

    def header(self) -> None:
        lines = OFFICE_NAMES.get(self.office, (f"DINAS DUKCAPIL KANTOR {self.office}", "", ""))
        self.set_font("Helvetica", "B", 12)
        for n, line in enumerate(line for line in lines if line):
            self.set_font("Helvetica", "B" if n < 2 else "", 12 if n < 2 else 9)
            self.cell(
                0, 6 if n < 2 else 5, _latin1(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, _latin1(f"{self.paper_title} - halaman {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str) -> None:
        self.set_font("Helvetica", "B", 13)
        self.cell(0, 8, _latin1(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font("Helvetica", "", size)
        self.multi_cell(0, 5, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def fields(self, rows: Sequence[tuple[str, str]], label_width: float = 45) -> None:
        """`label : value` lines, as at the top of a letter (Nomor, Lampiran, Perihal)."""
        self.set_font("Helvetica", "", 10)
        for label, value in rows:
            self.cell(label_width, 5, _latin1(label))
            self.cell(4, 5, ":")
            self.multi_cell(0, 5, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> None:
        def head() -> None:
            self.set_font("Helvetica", "B", 9)
            self.set_fill_color(225, 225, 225)
            for column in columns:
                self.cell(column.width, 7, _latin1(column.title), border=1, align="C", fill=True)
            self.ln()

        head()
        self.set_font("Helvetica", "", 8.5)
        for row in rows:
            height = 6 * max(
                1,
                *(
                    len(self._lines(c.width, 6, _latin1(v), dry_run=True, output="LINES"))
                    for c, v in zip(columns, row, strict=True)
                ),
            )
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                head()
                self.set_font("Helvetica", "", 8.5)
            top, left = self.get_y(), self.l_margin
            for column, value in zip(columns, row, strict=True):
                self.set_xy(left, top)
                self.multi_cell(column.width, 6, _latin1(value), border=0, align=column.align)
                self.rect(left, top, column.width, height)
                left += column.width
            self.set_xy(self.l_margin, top + height)
        self.ln(3)

    def _lines(self, width: float, height: float, text: str, **_: object) -> list[str]:
        lines = self.multi_cell(width, height, text, dry_run=True, output="LINES")
        return lines if isinstance(lines, list) else [text]

    def signature_block(self, place_and_date: str, role: str, name: str, note: str = "") -> None:
        """The block at the bottom right: place and date, office role, space, name."""
        x = self.w - self.r_margin - 75
        if self.get_y() + 40 > self.page_break_trigger:
            self.add_page()
        self.set_font("Helvetica", "", 10)
        for line in (place_and_date, role):
            self.set_x(x)
            self.cell(75, 5, _latin1(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_x(x)
        self.set_font("Helvetica", "I", 8)
        self.cell(75, 16, _latin1(note), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_x(x)
        self.set_font("Helvetica", "BU", 10)
        self.cell(75, 5, _latin1(name), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def render(self) -> bytes:
        self.alias_nb_pages()
        return bytes(self.output())
