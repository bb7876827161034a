"""Where each role works: its home page after sign-in and the links of its menu. A page
lives on the service of its unit, so a link may lead to another service's port; the
screens of each unit add their entries here."""

from dataclasses import dataclass

from shared.vocabulary import Role


@dataclass(frozen=True, slots=True)
class Link:
    service: str
    path: str
    label: str


ROLE_LABELS = {
    Role.FO: "Petugas Front Office",
    Role.KASUBBAG_UMUM: "Kasubbag Umum",
    Role.SEKRETARIS: "Sekretaris",
    Role.COURIER: "Kurir",
    Role.AUDITOR: "Auditor",
}

MENU: dict[Role, tuple[Link, ...]] = {
    Role.FO: (
        Link("intake", "/", "Pendaftaran"),
        Link("intake", "/berkas", "Daftar berkas"),
        Link("intake", "/rekapan", "Daftar rekapan"),
    ),
    Role.KASUBBAG_UMUM: (
        Link("approval", "/", "Surat pengantar"),
        Link("approval", "/surat", "Daftar surat"),
        Link("courier", "/kembali", "Dokumen kembali"),
        Link("reporting", "/", "Laporan"),
    ),
    Role.SEKRETARIS: (
        Link("approval", "/", "Tanda tangan"),
        Link("approval", "/surat?status=SIGNED", "Surat ditandatangani"),
        Link("reporting", "/", "Laporan"),
    ),
    Role.COURIER: (
        Link("courier", "/", "Serah terima"),
        Link("courier", "/antaran", "Antaran"),
    ),
    Role.AUDITOR: (
        Link("reporting", "/", "Audit"),
        Link("reporting", "/laporan/pengiriman", "Laporan"),
        Link("reporting", "/kartu", "Kartu kendali"),
        Link("reporting", "/audit/masuk", "Catatan masuk"),
        Link("reporting", "/webhook", "Webhook kurir"),
    ),
}


def home_of(role: Role) -> Link:
    """The page an officer lands on after sign-in: their queue."""
    return MENU[role][0]
