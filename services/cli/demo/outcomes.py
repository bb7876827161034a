"""What happens at each door: who receives the document, or why it comes back. Pure."""

from dataclasses import dataclass
from random import Random

from services.cli.demo.applicants import Applicant
from shared.vocabulary import Relationship, ReturnReason

RETURN_NOTES = {
    ReturnReason.RECIPIENT_NOT_HOME: "Rumah kosong, didatangi dua kali; telepon tidak diangkat.",
    ReturnReason.ADDRESS_NOT_FOUND: "Nomor rumah tidak ditemukan; warga sekitar tidak tahu.",
    ReturnReason.RECIPIENT_UNKNOWN: "Penghuni rumah tidak mengenal nama pemohon.",
    ReturnReason.REFUSED: "Penerima menolak; ingin mengambil sendiri di kantor Disdukcapil.",
    ReturnReason.OTHER: "Jalan menuju alamat tergenang banjir, tidak dapat dilalui.",
}
RETURN_WEIGHTS = {
    ReturnReason.RECIPIENT_NOT_HOME: 45,
    ReturnReason.ADDRESS_NOT_FOUND: 25,
    ReturnReason.RECIPIENT_UNKNOWN: 10,
    ReturnReason.REFUSED: 10,
    ReturnReason.OTHER: 10,
}


@dataclass(frozen=True)
class Delivered:
    recipient_name: str
    relationship: Relationship
    note: str


@dataclass(frozen=True)
class Returned:
    reason: ReturnReason
    note: str


def at_the_door(
    applicant: Applicant, rng: Random, return_share: float = 0.1
) -> Delivered | Returned:
    """About one document in ten comes back; a child's goes to the parent who applied."""
    if rng.random() < return_share:
        reasons = list(RETURN_WEIGHTS)
        reason = rng.choices(reasons, weights=list(RETURN_WEIGHTS.values()))[0]
        return Returned(reason, RETURN_NOTES[reason])
    roll = rng.random()
    if roll < 0.04:
        rt = applicant.address.split("RT ")[1][:3] if "RT " in applicant.address else "setempat"
        return Delivered(
            f"Ketua RT {rt}",
            Relationship.OTHER,
            "Dititipkan kepada Ketua RT atas persetujuan pemohon melalui telepon.",
        )
    if applicant.is_child or roll < 0.3:
        return Delivered(
            applicant.family_member, Relationship.FAMILY, "Diterima oleh keluarga pemohon."
        )
    return Delivered(applicant.name, Relationship.SELF, "Diterima langsung oleh pemohon.")
