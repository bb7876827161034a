"""What a reader of a PDF sees: its text, page after page (pypdf; no system tool needed)."""

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
