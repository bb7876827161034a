"""`jasa registry load FILE.csv`: the whole file or nothing, reloads update, lines named."""

import asyncio
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app as jasa
from tests.integration.intake.conftest import FO, Desk, a_document_number, a_nik

HEADER = "document_number,document_type,nik,name,signed\n"


def load(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(jasa, ["registry", "load", str(path)])
    return result.exit_code, result.stdout, result.stderr


def registry_rows(data_dir: Path) -> dict[str, tuple[str, str, int]]:
    with sqlite3.connect(data_dir / "intake.db") as db:
        rows = db.execute(
            "SELECT document_number, document_type, nik, signed FROM intake_registry_entry"
        ).fetchall()
    return {number: (kind, nik, signed) for number, kind, nik, signed in rows}


def write(tmp_path: Path, text: str, name: str = "registry.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_is_loaded_and_a_reload_updates_without_duplicating(
    service_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    nik_a, nik_b = a_nik(), a_nik(woman=True)
    first = write(
        tmp_path,
        HEADER + f"KTP-1,KTP_EL,{nik_a},Rina Marlina,false\nKK-1, KK, {nik_b}, Budi Santoso, yes\n",
    )
    code, out, _ = load(first)
    assert code == 0
    assert "2 added, 0 updated" in out
    assert registry_rows(data_dir) == {"KTP-1": ("KTP_EL", nik_a, 0), "KK-1": ("KK", nik_b, 1)}

    second = write(
        tmp_path,
        HEADER + f"KTP-1,KTP_EL,{nik_a},Rina Marlina,true\n"
        f"KK-1,KK,{nik_b},Budi Santoso,1\n"
        f"AKTA-1,AKTA,{nik_a},Rina Marlina,ya\n",
        "again.csv",
    )
    code, out, _ = load(second)
    assert code == 0
    assert "1 added, 1 updated, 1 unchanged" in out
    rows = registry_rows(data_dir)
    assert len(rows) == 3 and rows["KTP-1"] == ("KTP_EL", nik_a, 1)


def test_a_malformed_row_is_named_by_line_and_nothing_of_the_file_is_loaded(
    service_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    good = a_nik()
    path = write(
        tmp_path,
        HEADER + f"KTP-1,KTP_EL,{good},Rina Marlina,true\n"
        f"KTP-2,PASPOR,{good},Rina Marlina,true\n"
        "KTP-3,KTP_EL,1471013102900001,Rina Marlina,true\n"
        f"KTP-4,KTP_EL,{good},Rina Marlina,perhaps\n"
        f"KTP-5,KTP_EL,{good}\n"
        f"KTP-1,KTP_EL,{good},Rina Marlina,true\n",
    )
    code, _, err = load(path)
    assert code == 1
    assert "line 3: document_type 'PASPOR' is not one of" in err
    assert "line 4: nik:" in err and "not a real birth date" in err
    assert "line 5: signed 'perhaps' is not true/false" in err
    assert "line 6: expected 5 columns, found 3" in err
    assert "line 7: KTP_EL KTP-1 was already given on line 2" in err
    assert "nothing was loaded" in err
    assert registry_rows(data_dir) == {}


def test_a_file_missing_a_column_is_refused_on_line_1(
    service_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "document_number,document_type,nik,name\nKTP-1,KTP_EL,x,y\n")
    code, _, err = load(path)
    assert code == 1
    assert "line 1: the header lacks the column(s) signed" in err


async def test_a_registry_loaded_while_the_service_runs_is_used_at_once(
    desk: Desk, tmp_path: Path
) -> None:
    nik, number = a_nik(), a_document_number("KIA")
    path = write(tmp_path, HEADER + f"{number},KIA,{nik},Adik Kecil,true\n")
    code, out, _ = await asyncio.to_thread(load, path)
    assert code == 0, out
    body = {
        "nik": nik,
        "name": "Adik Kecil",
        "address": "Jl. Riau No. 1",
        "phone": "+62 811-765-4321",
        "document_type": "KIA",
        "document_number": number,
    }
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 201, response.text
