"""Reading an AsyncAPI document as a tool would: every `$ref` must point at something in it."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote


def references(node: Any) -> Iterator[str]:
    """Every `$ref` in the document, wherever it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], reference: str) -> Any:
    """What a local reference (`#/a/b`) names; KeyError when nothing does."""
    assert reference.startswith("#/"), f"not a reference into the document: {reference}"
    node: Any = document
    # A fragment is percent-encoded (RFC 6901, section 6): FastStream's names hold braces.
    for part in unquote(reference[2:]).split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def dangling(document: dict[str, Any]) -> list[str]:
    missing = []
    for reference in references(document):
        try:
            resolve(document, reference)
        except (KeyError, TypeError):
            missing.append(reference)
    return missing
