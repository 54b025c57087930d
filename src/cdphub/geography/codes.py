"""GSS codes the code itself needs to name (pure Python: no Django, so any layer may import it)."""

from __future__ import annotations

#: England as a country (ONS GSS code).
ENGLAND_CODE = "E92000001"
