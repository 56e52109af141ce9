"""Command line: `kameng-tui [options]` opens the tracker."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from kameng_tui import __version__
from kameng_tui.i18n import Lang, detect_lang

MAX_DEMO_ORDERS = 100_000


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit code 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _demo_orders(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= number <= MAX_DEMO_ORDERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_DEMO_ORDERS:,}")
    return number


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.05 <= seconds <= 3600:
        raise argparse.ArgumentTypeError("must be between 0.05 and 3600 seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kameng-tui",
        description="Track 卡盟 / 发卡 orders in the terminal: status, label, delay reason and "
        "what to do next, refreshed live.",
    )
    parser.add_argument("--version", action="version", version=f"kameng-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the offline demo platform (the default until a configuration exists)",
    )
    parser.add_argument(
        "--demo-orders",
        type=_demo_orders,
        default=300,
        metavar="N",
        help="orders in the demo platform, 1 to 100,000 (default 300)",
    )
    parser.add_argument(
        "--seed", type=int, default=7, metavar="N", help="demo random seed (default 7)"
    )
    parser.add_argument(
        "--interval",
        type=_interval,
        default=5.0,
        metavar="SECONDS",
        help="seconds between polls (default 5)",
    )
    parser.add_argument(
        "--lang",
        choices=[lang.value for lang in Lang],
        help="interface language (default from LC_ALL / LANG: zh* gives zh, else en)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lang = Lang(args.lang) if args.lang else detect_lang(os.environ)

    # Imported here so --help and --version answer without loading Textual.
    from kameng_tui.backends.demo import DemoBackend, DemoPlatform
    from kameng_tui.domain.clock import SystemClock
    from kameng_tui.tui.app import KamengApp

    clock = SystemClock()
    platform = DemoPlatform(seed=args.seed, orders=args.demo_orders, clock=clock)
    app = KamengApp(DemoBackend(platform), lang=lang, interval=args.interval, clock=clock)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
