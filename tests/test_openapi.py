"""docs/openapi.json is what tools/openapi.py generates from the wire format's structs now: a
change to kameng_tui/api/structs.py needs `make openapi` (and a look at the diff)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOL = runpy.run_path(str(ROOT / "tools" / "openapi.py"))


def test_the_committed_file_is_current() -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text("utf-8")
    assert committed == TOOL["render"](), "docs/openapi.json is out of date: run make openapi"


def test_every_reference_resolves() -> None:
    spec = json.loads(TOOL["render"]())
    schemas = spec["components"]["schemas"]

    def refs(value: Any) -> list[str]:
        if isinstance(value, dict):
            own = [value["$ref"]] if "$ref" in value else []
            return own + [r for v in value.values() for r in refs(v)]
        if isinstance(value, list):
            return [r for v in value for r in refs(v)]
        return []

    found = refs(spec)
    assert found and all(r.startswith("#/components/schemas/") for r in found)
    assert {r.rpartition("/")[2] for r in found} <= set(schemas)
    assert {"Order", "OrderPage", "OrderAnswer", "Error", "ActionRequest"} <= set(schemas)
