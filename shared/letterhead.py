"""The office's letterhead (kop surat) and who its letters are signed for: from settings
(`JASA_LETTERHEADS`), with Pekanbaru's as the default of office 1471."""

from pathlib import Path

from pydantic import BaseModel, Field


class Letterhead(BaseModel):
    government: str = Field(description="the first line, e.g. PEMERINTAH KOTA PEKANBARU")
    agency: str = Field(
        default="DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL", description="the second line"
    )
    address: str = Field(default="", description="street, city, postcode")
    contact: str = Field(default="", description="telephone, e-mail, website; one line")
    place: str = Field(default="", description="the city a letter is dated in")
    head: str = Field(
        default="",
        description="the head of the agency as a letter signed on their behalf names them: "
        "`a.n. <head>` above the Sekretaris",
    )
    logo: Path | None = Field(default=None, description="a PNG or JPEG printed left of the kop")


PEKANBARU = Letterhead(
    government="PEMERINTAH KOTA PEKANBARU",
    agency="DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    address="Jl. Jenderal Sudirman, Pekanbaru, Riau",
    place="Pekanbaru",
    head="KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA PEKANBARU",
)
DEFAULTS = {"1471": PEKANBARU}


def letterhead_for(given: dict[str, Letterhead], office: str) -> Letterhead:
    """The office's own letterhead, else its default, else one that names the office."""
    found = given.get(office) or DEFAULTS.get(office)
    if found is not None:
        return found
    return Letterhead(
        government=f"KANTOR DINAS DUKCAPIL {office}",
        head="KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    )
