"""`make openapi`: docs/openapi.json from the wire format's structs (kameng_tui/api/structs.py).

The paths, their descriptions and the security scheme are written here; every schema comes
from the structs, so the file says what the client reads. `--check` exits 1 when the committed
file is not what this would write (tests/test_openapi.py runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from kameng_tui.api import structs
from kameng_tui.api.wire import API_PREFIX

OUT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
REF = "#/components/schemas/{name}"


def _json(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": REF.format(name=name)}}}}


def _answer(description: str, schema: str = "Error", **extra: Any) -> dict[str, Any]:
    return {"description": description, **_json(schema), **extra}


UNAUTHORIZED = _answer("no or wrong token")
NO_SUCH_ORDER = _answer("no such order (on a hub: or no such shop)")
AMBIGUOUS = "on a hub: the number is in several shops, name one with `shop`"
ORDER_NO = {"name": "order_no", "in": "path", "required": True, "schema": {"type": "string"}}
SHOP = {
    "name": "shop",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "on a team hub (docs/api.md): the shop that holds the order",
}


def document() -> dict[str, Any]:
    _, schemas = msgspec.json.schema_components(
        [structs.OrderPage, structs.OrderAnswer, structs.Error, structs.ActionRequest],
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kameng API",
            "version": "1.0.0",
            "description": "Orders of a 卡盟 / 发卡 shop, for kameng-tui. See docs/api.md.",
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "security": [{"bearer": []}],
        "paths": {
            f"{API_PREFIX}/orders": {
                "get": {
                    "operationId": "listOrders",
                    "summary": "Every order, or what changed since a cursor; paged",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "the cursor of the previous answer",
                        }
                    ],
                    "responses": {
                        "200": _answer("a page", "OrderPage"),
                        "400": _answer("bad cursor"),
                        "401": UNAUTHORIZED,
                        "500": _answer("server error"),
                        "503": _answer(
                            "unavailable",
                            headers={"Retry-After": {"schema": {"type": "integer"}}},
                        ),
                    },
                }
            },
            f"{API_PREFIX}/orders/{{order_no}}": {
                "get": {
                    "operationId": "getOrder",
                    "summary": "One order",
                    "parameters": [ORDER_NO, SHOP],
                    "responses": {
                        "200": _answer("the order", "OrderAnswer"),
                        "401": UNAUTHORIZED,
                        "404": NO_SUCH_ORDER,
                        "409": _answer(AMBIGUOUS),
                    },
                }
            },
            f"{API_PREFIX}/orders/{{order_no}}/actions": {
                "post": {
                    "operationId": "actOnOrder",
                    "summary": "Perform an action on an order",
                    "parameters": [ORDER_NO, SHOP],
                    "requestBody": {"required": True, **_json("ActionRequest")},
                    "responses": {
                        "200": _answer("the order after the action", "OrderAnswer"),
                        "400": _answer("the body is not JSON"),
                        "401": UNAUTHORIZED,
                        "403": _answer("on a hub: the shop is read-only there"),
                        "404": NO_SUCH_ORDER,
                        "422": _answer("unknown action"),
                        "409": _answer(f"not possible for this order now; {AMBIGUOUS}"),
                        "502": _answer("on a hub: the shop could not be reached"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the file")
    args = parser.parse_args()
    text = render()
    if args.check:
        if OUT.read_text("utf-8") != text:
            print(f"{OUT} is out of date: run make openapi", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
