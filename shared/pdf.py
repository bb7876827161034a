"""Printable papers (Daftar Rekapan, Surat Pengantar, Laporan Pengiriman): one look for
all of them, the office's letterhead (kop surat, `shared.letterhead`), tables, signature
blocks with name, NIP and rank, and a QR code."""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared.events import Actor
from shared.letterhead import Letterhead

NIP = re.compile(r"\d{18}")  # a civil servant's number: birth date, appointment, sex, serial


def _latin1(text: object) -> str:
    # The core PDF fonts carry Latin-1; anything beyond it is shown as '?', never dropped.
    return str(text).encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # millimetres
    align: str = "L"


@dataclass(frozen=True)
class Signatory:
    """Who signs or initials a paper, as the block under it names them. NIP and rank come
    from the officer's record where the actor carries them; a NIP-shaped officer id is a
    NIP. Without them the block prints the name alone."""

    titles: tuple[str, ...]  # e.g. ("a.n. KEPALA DINAS ...", "Sekretaris,")
    name: str
    nip: str | None = None
    rank: str | None = None
    note: str = ""

    @classmethod
    def of(cls, actor: Actor | None, *titles: str, note: str = "") -> "Signatory":
        if actor is None:
            return cls(titles, "(...............................)", note=note)
        nip = getattr(actor, "nip", None) or (
            actor.officer_id if NIP.fullmatch(actor.officer_id) else None
        )
        return cls(titles, actor.name, nip=nip, rank=getattr(actor, "rank", None), note=note)


class OfficePaper(FPDF):
    def __init__(self, letterhead: Letterhead, title: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.letterhead, self.paper_title = letterhead, title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_creator("Jasa Dukcapil")
        self.add_page()

    def header(self) -> None:
        head = self.letterhead
        top = self.get_y()
        logo = head.logo
        if logo is not None and logo.is_file():
            # A logo that cannot be read leaves the kop in words only: the paper still prints.
            try:
                self.image(str(logo), x=self.l_margin, y=top, h=22)
            except (OSError, ValueError, RuntimeError):
                pass
        bold = [head.government, head.agency]
        plain = [head.address, head.contact]
        for n, line in enumerate(line for line in [*bold, *plain] if line):
            strong = n < len([b for b in bold if b])
            self.set_font("Helvetica", "B" if strong else "", 12 if strong else 9)
            self.cell(
                0, 6 if strong else 5, _latin1(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.set_y(max(self.get_y(), top + 22 if logo is not None and logo.is_file() else 0))
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

    def signature_block(
        self, signatory: Signatory, x: float | None = None, width: float = 80
    ) -> None:
        """A block of titles (`a.n.` line, office role), space for the signature (or the
        note of an electronic one), then the name underlined, the rank and the NIP. At the
        bottom right unless placed at `x`; the date is the paper's, printed once elsewhere."""
        left = self.w - self.r_margin - width if x is None else x
        if self.get_y() + 45 > self.page_break_trigger:
            self.add_page()
        self.set_font("Helvetica", "", 10)
        for line in signatory.titles:
            self.set_x(left)
            self.multi_cell(width, 5, _latin1(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_x(left)
        self.set_font("Helvetica", "I", 8)
        self.cell(
            width, 16, _latin1(signatory.note), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_x(left)
        self.set_font("Helvetica", "BU", 10)
        self.cell(width, 5, _latin1(signatory.name), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 9)
        for extra in (signatory.rank, f"NIP. {signatory.nip}" if signatory.nip else None):
            if extra:
                self.set_x(left)
                self.cell(width, 5, _latin1(extra), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def qr_code(self, url: str, x: float, y: float, size: float = 28, caption: str = "") -> None:
        """A QR code of `url` (anyone's phone opens it), beside it a caption and the address
        itself, for whoever types it in."""
        image = io.BytesIO()
        segno.make(url, error="m").save(image, kind="png", scale=4, border=2)
        image.seek(0)
        self.image(image, x=x, y=y, w=size, h=size)
        self.set_xy(x + size + 3, y + size / 2 - 5)
        self.set_font("Helvetica", "", 8)
        text = f"{caption}:\n{url}" if caption else url
        self.multi_cell(self.w - self.r_margin - x - size - 3, 4, _latin1(text))
        self.set_y(y + size + 2)

    def render(self) -> bytes:
        self.alias_nb_pages()
        return bytes(self.output())
