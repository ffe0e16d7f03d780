"""War room names that every platform accepts: lowercase letters, digits and dashes."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80


def room_name(key: str, customer: str) -> str:
    """`ESC-42` + `Café Müller & Co.` → `esc-42-cafe-muller-co`, at most 80 characters."""
    ascii_text = unicodedata.normalize("NFKD", customer).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    name = f"{key.lower()}-{slug}" if slug else key.lower()
    return name[:MAX_LENGTH].rstrip("-")
