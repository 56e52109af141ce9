"""The `kameng-tui` command: the tracker, and commands for scripts, the demo server and config.

Exit codes: 0 success; 1 the platform failed (one line on stderr); 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from kameng_tui import __version__
from kameng_tui.config import Config, ConfigError, Profile, config_path, load
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Lang, detect_lang
from kameng_tui.store.files import private_dir, replace_file

if TYPE_CHECKING:
    import socket

    from kameng_tui.backends.base import Backend, BackendError
    from kameng_tui.domain.clock import Clock
    from kameng_tui.domain.order import Order, TimelineEvent
    from kameng_tui.logfile import LogHandler
    from kameng_tui.store.history import HistoryStore
    from kameng_tui.tui.app import KamengApp

EXIT_PLATFORM = 1
EXIT_USAGE = 2

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit code 2, never a usage dump."""

    def error(self, message: str) -> NoReturn:
        # The message may quote the user's arguments: control characters made visible, so it
        # stays one line and cannot drive the terminal.
        self.exit(EXIT_USAGE, f"kameng-tui: error: {clean(message)} (see --help)\n")


def _demo_orders(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= number <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100,000")
    return number


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.05 <= seconds <= 3600:
        raise argparse.ArgumentTypeError("must be between 0.05 and 3600 seconds")
    return seconds


def _fault_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return rate


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= number <= 65_535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: must be between 1 and 65535")
    return number


def _source_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Where orders come from. Repeated on each command, so they work after its name too."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="use the offline demo platform (the default while no configuration exists)",
    )
    parser.add_argument(
        "--demo-orders",
        type=_demo_orders,
        default=default,
        metavar="N",
        help="orders in the demo platform, 1 to 100,000 (default 300)",
    )
    parser.add_argument(
        "--seed", type=int, default=default, metavar="N", help="demo random seed (default 7)"
    )
    parser.add_argument(
        "--config",
        default=default,
        metavar="FILE",
        help="configuration file (default: $KAMENG_TUI_CONFIG, else the user config dir)",
    )
    parser.add_argument(
        "--profile",
        default=default,
        metavar="NAME",
        help="a profile, a view, or profiles separated by commas (default: the default view, "
        "else the default profile)",
    )
    _all_option(parser, top=top)


def _all_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument(
        "--all",
        dest="all_profiles",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="every profile of the configuration",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kameng-tui",
        description="Track 卡盟 / 发卡 orders in the terminal: status, label, delay reason and "
        "what to do next, refreshed live.",
    )
    parser.add_argument("--version", action="version", version=f"kameng-tui {__version__}")
    _source_options(parser, top=True)
    parser.add_argument(
        "--interval",
        type=_interval,
        default=None,
        metavar="SECONDS",
        help="seconds between polls (default: the profile's, else 5)",
    )
    parser.add_argument(
        "--log", metavar="FILE", help="write a log: requests with timings, errors (no secrets)"
    )
    parser.add_argument(
        "--debug", action="store_true", help="log in more detail (to --log, or the log dir)"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="no actions on orders, whatever the profile allows",
    )
    parser.add_argument(
        "--lang",
        choices=[lang.value for lang in Lang],
        help="interface language (default from LC_ALL / LANG: zh* gives zh, else en)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    orders = commands.add_parser("orders", help="print orders (table, JSON or CSV) and exit")
    _source_options(orders, top=False)
    orders.add_argument("--status", action="append", metavar="S", help="only this status (repeat)")
    orders.add_argument("--type", action="append", metavar="T", help="only this type (repeat)")
    orders.add_argument("--format", choices=("table", "json", "csv"), default="table")
    orders.add_argument(
        "--query",
        metavar="Q",
        help="only orders matching the search, as / in the tracker: words, and keys such as "
        '"status:failed type:phone age:>10m label:库存"',
    )
    orders.add_argument("--attention", action="store_true", help="only orders that need attention")
    orders.add_argument(
        "--bom",
        action="store_true",
        help="with --format csv: start with a UTF-8 byte order mark, for Excel on Windows",
    )

    show = commands.add_parser("show", help="print one order and exit")
    show.add_argument("order_no", metavar="ORDER_NO")
    _source_options(show, top=False)
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.add_argument(
        "--reveal", action="store_true", help="print the order's card codes (secrets: masked else)"
    )

    history = commands.add_parser("history", help="print an order's timeline as remembered")
    history.add_argument("order_no", metavar="ORDER_NO")
    _source_options(history, top=False)

    server = commands.add_parser("demo-server", help="serve the demo platform over the API")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=_port, default=8765, help="1 to 65535 (default 8765)")
    server.add_argument(
        "--token-env",
        metavar="NAME",
        help="require the bearer token in this environment variable (never on the command line)",
    )
    server.add_argument("--token", dest="token_given", help=argparse.SUPPRESS)  # see _demo_server
    server.add_argument("--orders", type=_demo_orders, default=300, metavar="N")
    server.add_argument("--seed", type=int, default=7, metavar="N")
    server.add_argument(
        "--fault-rate",
        type=_fault_rate,
        default=0.0,
        metavar="F",
        help="share of answers that fail (500, 503, slow, bad JSON, cut connection)",
    )

    serve = commands.add_parser("serve", help="serve the tracker to web browsers")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="1 to 65535 (default 8000)")
    serve.add_argument(
        "--public-url", metavar="URL", help="the address browsers use (behind a proxy)"
    )
    _source_options(serve, top=False)
    serve.add_argument("--interval", type=_interval, metavar="SECONDS", default=argparse.SUPPRESS)
    serve.add_argument("--lang", choices=[lang.value for lang in Lang], default=argparse.SUPPRESS)
    serve.add_argument(
        "--read-only", action="store_true", default=argparse.SUPPRESS, help="no actions on orders"
    )
    auth = serve.add_mutually_exclusive_group()
    auth.add_argument(
        "--token-env",
        metavar="NAME",
        help="browsers must give the token (or password) in this environment variable "
        "(default: a new random one, in the printed URL)",
    )
    auth.add_argument(
        "--no-auth", action="store_true", help="no token: whoever reaches the port gets the tracker"
    )
    serve.add_argument("--token", dest="token_given", help=argparse.SUPPRESS)  # see _serve
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=4,
        metavar="N",
        help="browser tabs at once, each running a tracker (default 4)",
    )

    watch = commands.add_parser("watch", help="poll without a screen and send alerts")
    watch.add_argument(
        "--profile",
        action="append",
        dest="profiles",
        metavar="NAME",
        help="profile to watch, a view, or profiles separated by commas (repeat; default: the "
        "default view, else the default profile)",
    )
    _all_option(watch, top=False)
    watch.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="watch the demo platform"
    )
    watch.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS)
    watch.add_argument("--interval", type=_interval, metavar="SECONDS", default=argparse.SUPPRESS)
    watch.add_argument("--lang", choices=[lang.value for lang in Lang], default=argparse.SUPPRESS)
    watch.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS)
    watch.add_argument(
        "--once", action="store_true", help="poll once, deliver what is due, exit (for cron)"
    )
    watch.add_argument(
        "--serve",
        action="store_true",
        help="also serve the watched shops over the kameng API: the team hub (docs/api.md)",
    )
    watch.add_argument("--host", default="127.0.0.1", help="--serve: address (default 127.0.0.1)")
    watch.add_argument("--port", type=_port, default=8765, help="--serve: port (default 8765)")
    watch.add_argument(
        "--token-env",
        metavar="NAME",
        default=HUB_TOKEN_ENV,
        help=f"--serve: the variable holding the hub's bearer token (default {HUB_TOKEN_ENV})",
    )
    watch.add_argument(
        "--read-only", action="store_true", help="--serve: refuse every action sent to the hub"
    )
    alerts = commands.add_parser("alerts", help="list recent alerts and their delivery")
    alerts.add_argument("--failed", action="store_true", help="only those not delivered")

    commands.add_parser("info", help="the version and every path in use")

    config = commands.add_parser("config", help="where the configuration is; write or check it")
    config.add_argument("action", choices=("path", "init", "check"))
    config.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS)
    config.add_argument("--force", action="store_true", help="init: overwrite an existing file")
    return parser


def fail(code: int, message: str) -> int:
    print(f"kameng-tui: {message}", file=sys.stderr)
    return code


class UsageError(Exception):
    """Bad usage only seen after parsing: one line, exit 2."""


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    try:
        _start_log(getattr(args, "log", None), getattr(args, "debug", False))
    except LogError as exc:
        return fail(EXIT_USAGE, str(exc))
    try:
        if args.command == "info":
            return _info(env, getattr(args, "config", None))
        if args.command == "config":
            return _config(args, env)
        if args.command == "demo-server":
            return _demo_server(args, env)
        if args.command == "watch":
            return _watch(args, env)
        if args.command == "alerts":
            return _alerts(args)
        config, profiles = _source(args, env)
        # The tracker and serve take the first profile; the whole selection rides along for
        # the tracker to read them as one.
        args.selected_profiles = profiles
        profile = profiles[0]
        if args.command == "serve":
            if len(profiles) > 1:
                names = ", ".join(clean(p.name, limit=64) for p in profiles)
                return fail(
                    EXIT_USAGE,
                    f"error: serve takes one profile, not {names}: name one with --profile",
                )
            return _serve(args, profile, env)
        if args.command == "orders":
            return _orders(args, profiles, env)
        if args.command == "show":
            return _show(args, profiles, env)
        if args.command == "history":
            return _print_history(args, profiles)
        return _tui(args, config, profile, env)
    except ConfigError as exc:
        return fail(EXIT_USAGE, f"configuration: {exc}")
    except UsageError as exc:
        return fail(EXIT_USAGE, f"error: {exc}")


# -- choosing the source ----------------------------------------------------------------------


def _source(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Config, list[Profile]]:
    """The configuration and the profiles to use (never none): see _select."""
    explicit = getattr(args, "config", None)
    path = config_path(env, explicit)
    config = load(path, required=bool(explicit))
    return config, _select(args, config)


def _select(args: argparse.Namespace, config: Config) -> list[Profile]:
    """`--demo` wins (one demo profile), then `--all` or `--profile` (a profile, a view or a
    comma list: Config.select), then the file's default view or profile, then the demo. Each
    profile once, in the order named. Raises UsageError, ConfigError."""
    demo_options = {
        key: value
        for key, value in (("orders", getattr(args, "demo_orders", None)),
                           ("seed", getattr(args, "seed", None)))
        if value is not None
    }  # fmt: skip
    if getattr(args, "demo", False):
        return [Profile("demo", "demo", demo_options)]
    # watch repeats --profile (dest "profiles"); the other commands take one value.
    specs: list[str | None] = getattr(args, "profiles", None) or [getattr(args, "profile", None)]
    if getattr(args, "all_profiles", False):
        if any(specs):
            raise UsageError("--all takes every profile: leave out --profile")
        chosen = config.select(None, every=True)
    else:
        chosen = [profile for spec in specs for profile in config.select(spec)]
    profiles = list({profile.name: profile for profile in chosen}.values())
    if demo_options:
        profiles = [
            Profile(p.name, "demo", {**p.options, **demo_options}) if p.platform == "demo" else p
            for p in profiles
        ]
    return profiles


def _clock() -> Clock:
    from kameng_tui.domain.clock import SystemClock

    return SystemClock()


# -- commands -----------------------------------------------------------------------------------


def _tui(args: argparse.Namespace, config: Config, profile: Profile, env: Mapping[str, str]) -> int:
    # Start-up makes some 60,000 objects the collector tracks, nearly all living as long as the
    # process (modules, classes, styles, the first screen's widgets): its passes over them cost
    # ~40 ms before the first frame. It is off until that frame is painted; then they are
    # frozen, so no pass scans them again: each full pass during a big sync had cost 50-80 ms
    # (a frozen frame). The one thing that makes garbage of them, a switch to another profile,
    # thaws them.
    gc.disable()
    try:
        app, history = _tracker(args, config, profile, env)
    except BaseException:
        gc.enable()
        raise
    app.after_first_frame = _freeze_start_up
    try:
        app.run()
    finally:
        gc.enable()  # if the first frame never came
        gc.unfreeze()
        if history is not None:
            history.close()  # done by the app on unmount; again here if it never mounted
    return app.return_code or 0


def _freeze_start_up() -> None:
    gc.freeze()
    gc.enable()


def _tracker(
    args: argparse.Namespace, config: Config, profile: Profile, env: Mapping[str, str]
) -> tuple[KamengApp, HistoryStore | None]:
    """The tracker's app, not yet running, and the history it writes to."""
    from kameng_tui.profiles import Profiles
    from kameng_tui.tui.app import KamengApp

    lang = Lang(args.lang) if args.lang else detect_lang(env)
    interval = args.interval or float(profile.get("interval", 5.0))
    clock = _clock()
    profiles = Profiles(config, env, clock, profile)
    backend = profiles.open(profile.name)
    selected: list[Profile] = getattr(args, "selected_profiles", None) or [profile]
    shops: list[tuple[Profile, Backend]] = []
    title = None
    if len(selected) > 1:
        from kameng_tui.backends.factory import make_backend

        if args.interval:  # --interval: every shop's, else each keeps its own
            selected = [Profile(p.name, p.platform, {**p.options, "interval": args.interval})
                        for p in selected]  # fmt: skip
        shops = [(selected[0], backend)]
        shops += [(p, make_backend(p, env, clock)) for p in selected[1:]]
        spec = getattr(args, "profile", None)
        title = spec if spec in config.views else None
    notices: list[str] = []
    history = _history(config, notices)
    app = KamengApp(
        backend,
        shops=shops,
        title=title,
        lang=lang,
        interval=interval,
        clock=clock,
        profiles=profiles,
        history=history,
        read_only=args.read_only,
        notices=notices,
        keymap=config.keymap,
    )
    return app, history


def _serve(args: argparse.Namespace, profile: Profile, env: Mapping[str, str]) -> int:
    """The browser's tracker runs with the options given here. The profile and its secrets are
    checked now, so a mistake shows here rather than as a blank browser tab."""
    try:
        from kameng_tui.serve import serve
    except ModuleNotFoundError as exc:
        return _missing_extra("serve", "serve", exc)

    if profile.platform != "demo":
        import asyncio

        from kameng_tui.backends.factory import make_backend

        asyncio.run(make_backend(profile, env, _clock()).aclose())  # ConfigError if one is unset
    app_args: list[str] = []
    if getattr(args, "demo", False):
        app_args.append("--demo")
    for option, value in (
        ("--demo-orders", getattr(args, "demo_orders", None)),
        ("--seed", getattr(args, "seed", None)),
        ("--config", getattr(args, "config", None)),
        ("--profile", getattr(args, "profile", None)),  # else the child finds the same default
        ("--interval", args.interval),
        ("--lang", args.lang),
        ("--log", args.log),  # every tab's tracker appends to the one log
    ):
        if value is not None:
            if option in ("--config", "--log"):  # the same file whatever the child's directory
                value = str(Path(value).expanduser().resolve())
            app_args += [option, str(value)]
    if args.debug:
        app_args.append("--debug")
    if args.read_only:
        app_args.append("--read-only")
    if args.token_given is not None:  # else argparse would take it for --token-env
        return fail(EXIT_USAGE, TOKEN_ON_COMMAND_LINE)
    if args.max_sessions < 1:
        return fail(EXIT_USAGE, "--max-sessions must be at least 1")
    token = None
    if args.token_env is not None and not (token := env.get(args.token_env)):
        return fail(EXIT_USAGE, f"{args.token_env} is not set (--token-env)")
    try:
        _listen(args.host, args.port).close()  # busy: say so before announcing anything
        return serve(
            args.host,
            args.port,
            app_args,
            url=args.public_url,
            read_only=bool(args.read_only),
            token=token,
            token_env=args.token_env,
            no_auth=args.no_auth,
            max_sessions=args.max_sessions,
        )
    except PortError as exc:
        return fail(EXIT_USAGE, str(exc))
    except OSError as exc:  # taken between the check and the server's own bind
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        return fail(EXIT_USAGE, _port_trouble(args.host, args.port, exc))


EXTRAS_HINT = "kameng-tui: {command} needs the '{extra}' extra: pip install 'kameng-tui[{extra}]'"


def _missing_extra(command: str, extra: str, error: ModuleNotFoundError) -> int:
    """A command whose optional packages are not installed: one line naming the extra."""
    if (error.name or "").partition(".")[0] == "kameng_tui":
        raise error  # our own module missing: a broken installation, not an extra
    log.debug("%s: %s", command, error)
    print(EXTRAS_HINT.format(command=command, extra=extra), file=sys.stderr)
    return EXIT_USAGE


class PortError(Exception):
    """The address cannot be listened on (one line)."""


def _port_trouble(host: str, port: int, error: OSError) -> str:
    where = f"{clean(host, limit=100)}:{port}"
    if error.errno == errno.EADDRINUSE:
        return f"port {port} is in use on {clean(host, limit=100)} (choose another with --port)"
    if error.errno == errno.EACCES:
        return f"no permission to listen on {where} (ports below 1024 need privileges)"
    return f"cannot listen on {where}: {clean(error.strerror or str(error), limit=200)}"


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port as servers bind them (SO_REUSEADDR where it is safe), not
    yet listening; PortError when the port is taken, the host unknown or not ours."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (OSError, UnicodeError) as exc:
        raise PortError(f"cannot listen on {clean(host, limit=100)}: unknown address") from exc
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows it would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise PortError(_port_trouble(host, port, exc)) from None
    return sock


def default_log_path() -> Path:
    from platformdirs import user_log_path

    return user_log_path("kameng-tui") / "kameng-tui.log"


class LogError(Exception):
    """The log cannot be written (one line)."""


def log_handler() -> LogHandler | None:
    """The log in use, if any (the app says once when it cannot be written)."""
    handlers = logging.getLogger("kameng_tui").handlers
    if not handlers:
        return None  # no log: logging.handlers is not even imported
    from kameng_tui.logfile import LogHandler

    return next((h for h in handlers if isinstance(h, LogHandler)), None)


def _start_log(path: str | None, debug: bool) -> None:
    """Log to a file when asked. Only our own loggers: httpx logs full URLs, and an older
    shop's URL can carry a password, so its loggers stay quiet. Raises LogError."""
    if path is None and not debug:
        return
    target = Path(path).expanduser() if path else default_log_path()
    if not target.is_absolute() and path is None:
        raise LogError("no home directory for the log (is HOME set?): use --log FILE")
    try:
        from kameng_tui.logfile import LogHandler  # with --log or --debug only

        private_dir(target.parent)
        handler = LogHandler(target)
    except OSError as exc:
        raise LogError(f"--log {clean(target)}: cannot write: {exc.strerror or exc}") from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours = logging.getLogger("kameng_tui")
    for old in list(ours.handlers):  # one log at a time
        ours.removeHandler(old)
        old.close()
    ours.addHandler(handler)
    ours.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _info(env: Mapping[str, str], explicit_config: str | None) -> int:
    import platform as py

    import textual

    from kameng_tui.settings import settings_path
    from kameng_tui.store.history import default_path

    config = config_path(env, explicit_config)
    rows = [
        ("version", f"kameng-tui {__version__}"),
        ("python", py.python_version()),
        ("textual", textual.__version__),
        ("config", f"{config}{'' if config.exists() else '  (not there yet)'}"),
        ("history", str(default_path())),
        ("settings", str(settings_path())),
        ("log", f"{default_log_path()}  (with --debug; or --log FILE)"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _history(config: Config | None = None, notices: list[str] | None = None) -> HistoryStore | None:
    """The history store with the configuration's retention. When it cannot be opened (a
    read-only or missing home), the tracker runs without it and says so: on stderr, and in
    `notices` (the app shows them)."""
    from kameng_tui.store.history import HistoryError, HistoryStore, Retention

    retention = Retention(config.history_days, config.history_max_mb) if config else Retention()
    try:
        return HistoryStore(retention=retention)
    except HistoryError as exc:
        line = f"{exc}; going on without history"
        if notices is not None:
            notices.append(line)
        print(f"kameng-tui: {line}", file=sys.stderr)
        return None


def _each_shop(
    profiles: Sequence[Profile],
    env: Mapping[str, str],
    work: Callable[[Backend], Awaitable[_T]],
) -> list[_T | BackendError]:
    """`work` on each profile's backend, all at once, in the profiles' order: a shop that
    fails gives its BackendError and the others go on. Every backend is built before any
    request, so a profile that cannot be (a secret not set) is a ConfigError and no shop is
    asked anything."""
    import asyncio

    from kameng_tui.backends.base import BackendError
    from kameng_tui.backends.factory import make_backend

    async def one(backend: Backend) -> _T | BackendError:
        try:
            return await work(backend)
        except BackendError as exc:
            return exc
        finally:
            await backend.aclose()

    async def run() -> list[_T | BackendError]:
        clock = _clock()
        backends: list[Backend] = []
        try:
            for profile in profiles:
                backends.append(make_backend(profile, env, clock))
        except BaseException:
            for backend in backends:
                await backend.aclose()
            raise
        return list(await asyncio.gather(*(one(backend) for backend in backends)))

    return asyncio.run(run())


def _orders(args: argparse.Namespace, profiles: Sequence[Profile], env: Mapping[str, str]) -> int:
    """Every profile's orders, merged newest first. A shop that fails is one stderr line and
    the others still print; exit 1 only when nothing could be read from any."""
    from kameng_tui.backends.base import BackendError
    from kameng_tui.domain.attention import needs_attention
    from kameng_tui.domain.query import Query, QueryError, parse, select
    from kameng_tui.domain.status import OrderStatus, ProductType
    from kameng_tui.output import (
        BOM,
        SHOP_TABLE_COLUMNS,
        TABLE_COLUMNS,
        record,
        to_csv,
        to_json,
        to_table,
    )
    from kameng_tui.sync import read_all

    statuses = _choices(args.status, OrderStatus, "--status")
    types = _choices(args.type, ProductType, "--type")
    if statuses is None or types is None:
        return EXIT_USAGE
    query = Query()
    if args.query:
        try:
            query = parse(args.query)
        except QueryError as exc:  # before any request: a typo costs no poll
            return fail(EXIT_USAGE, f"error: --query: {clean(str(exc), limit=300)}")
    if args.bom and args.format != "csv":
        return fail(EXIT_USAGE, "error: --bom is for --format csv")
    results = _each_shop(profiles, env, read_all)
    now = _clock().now()
    shown: list[tuple[Profile, Order]] = []
    answered = False  # a shop answered: its orders are printed (perhaps none)
    read = False  # and something was read from one
    for profile, fetched in zip(profiles, results, strict=True):
        if isinstance(fetched, BackendError):
            print(f"kameng-tui: {clean(profile.name)}: {fetched}", file=sys.stderr)
            continue
        answered = True
        read = read or bool(fetched.orders) or not fetched.problems
        # One line per order that could not be read; every readable one is printed.
        for problem in fetched.problems:
            line = f"kameng-tui: {clean(profile.name)}: {clean(problem, limit=300)}"
            print(line, file=sys.stderr)
        orders = [
            o
            for o in fetched.orders
            if (not statuses or o.status in statuses) and (not types or o.product_type in types)
        ]
        # Filtered shop by shop: the search indexes orders by key, and two shops can share
        # an order number.
        if not query.is_empty:
            orders = select(orders, query, now)
        if args.attention:
            orders = [o for o in orders if needs_attention(o, now, profile.policy)]
        shown += [(profile, o) for o in orders]
    if not answered:
        return EXIT_PLATFORM
    shown.sort(
        key=lambda po: (po[1].updated_at, po[1].order_no, po[1].shop, po[0].name), reverse=True
    )
    records = [record(o, now, p.policy, p.name) for p, o in shown]
    if args.format == "json":
        sys.stdout.write(to_json(records) + "\n")
    elif args.format == "csv":
        text = to_csv(records)
        if args.bom:
            _write_utf8(BOM + text)
        else:
            sys.stdout.write(text)
    else:
        columns = SHOP_TABLE_COLUMNS if len(profiles) > 1 else TABLE_COLUMNS
        sys.stdout.write(to_table(records, columns))
    return 0 if read else EXIT_PLATFORM


def _write_utf8(text: str) -> None:
    """UTF-8 whatever the terminal's encoding (a BOM'd CSV is UTF-8 or nothing)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8", "surrogateescape"))
    buffer.flush()


def _fold(name: str) -> str:
    return "_".join(name.replace("-", " ").replace("_", " ").split()).casefold()


def _choice_names(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """Every name a status or type goes by, folded: its value (any case, - or space for _), its
    English and Chinese texts (STATUS_ZH / PRODUCT_TYPE_ZH and the catalogue's), and each half
    of a text like 已支付/待处理."""
    from kameng_tui.domain.status import PRODUCT_TYPE_ZH, STATUS_ZH, OrderStatus
    from kameng_tui.i18n import CATALOGUE

    chinese: Mapping[Any, str] = STATUS_ZH if enum is OrderStatus else PRODUCT_TYPE_ZH
    prefixes = ("status", "badge") if enum is OrderStatus else ("type", "type_short")
    names: dict[str, StrEnum] = {}
    for member in enum:
        texts = [member.value, member.name, chinese.get(member, "")]
        for prefix in prefixes:
            texts += CATALOGUE.get(f"{prefix}.{member.value}", ())
        for text in texts:
            for name in (text, *text.split("/")):
                if _fold(name):
                    names.setdefault(_fold(name), member)  # the first owner keeps a shared name
    return names


def _choices(values: list[str] | None, enum: type[StrEnum], option: str) -> set[object] | None:
    chosen: set[object] = set()
    names = _choice_names(enum) if values else {}
    for value in values or []:
        member = names.get(_fold(value))
        if member is None:
            choices = ", ".join(member.value for member in enum)
            print(
                f"kameng-tui: error: {option} {clean(value, limit=64)!r}: one of {choices} "
                "(any case, or the Chinese name)",
                file=sys.stderr,
            )
            return None
        chosen.add(member)
    return chosen


def _show(args: argparse.Namespace, profiles: Sequence[Profile], env: Mapping[str, str]) -> int:
    """The order in whichever profile has it, all asked at once; in several, a usage error
    naming them (the user says which with --profile)."""
    from kameng_tui.backends.base import BackendError, OrderProblem
    from kameng_tui.output import record, to_detail, to_json
    from kameng_tui.sync import read_all

    async def find(backend: Backend) -> Order | None:
        order = await backend.get_order(args.order_no)
        if order is None:  # km123 for KM123: the one known order of that number, any case
            try:
                fetched = await read_all(backend)
            except BackendError:
                return None  # the shop cannot list its orders: not found, as asked
            order = _one_match(args.order_no, fetched.orders, lambda o: o.order_no)
        return order

    found: list[tuple[Profile, Order]] = []
    missing: list[str] = []
    for profile, result in zip(profiles, _each_shop(profiles, env, find), strict=True):
        if isinstance(result, OrderProblem):  # that order's own trouble: name it
            fail(EXIT_PLATFORM, f"{profile.name}: {clean(args.order_no, limit=64)}: {result}")
        elif isinstance(result, BackendError):
            fail(EXIT_PLATFORM, f"{profile.name}: {result}")
        elif result is None:
            missing.append(profile.name)
        else:
            found.append((profile, result))
    if len(found) > 1:
        return _in_several(args.order_no, [p.name for p, _ in found])
    if not found:
        if missing:
            fail(EXIT_PLATFORM, f"{', '.join(missing)}: no order {args.order_no!r}")
        return EXIT_PLATFORM
    ((profile, order),) = found
    data = record(order, _clock().now(), profile.policy, profile.name)
    if args.reveal:
        # Asked for by name, for this one order: the only way the CLI prints card codes.
        data["card_codes"] = [clean(code, limit=500) for code in order.card_codes]
    sys.stdout.write(to_json(data) + "\n" if args.format == "json" else to_detail(data))
    return 0


def _print_history(args: argparse.Namespace, profiles: Sequence[Profile]) -> int:
    """The platform's timeline as last seen, merged with the changes this machine observed,
    from whichever profile remembers the order (in several: a usage error naming them). Read
    from several profiles, each line starts with the profile."""
    from kameng_tui.output import local_time, to_lines
    from kameng_tui.store.history import HistoryError, HistoryStore, merged_timeline

    try:
        store = HistoryStore()
    except HistoryError as exc:
        return fail(EXIT_PLATFORM, str(exc))
    try:
        found = [
            (profile, remembered)
            for profile in profiles
            if (remembered := _remembered(store, profile.name, args.order_no)) is not None
        ]
    finally:
        store.close()
    if len(found) > 1:
        return _in_several(args.order_no, [p.name for p, _ in found])
    if not found:
        names = ", ".join(p.name for p in profiles)
        return fail(EXIT_PLATFORM, f"{names}: no history of {args.order_no!r}")
    ((profile, (order, observed)),) = found
    events = merged_timeline(order, observed) if order is not None else tuple(observed)
    shop = [clean(profile.name, limit=64)] if len(profiles) > 1 else []
    rows = [
        [
            *shop,
            local_time(e.at),
            e.status.value,
            clean(e.raw_status),
            clean(e.note) if e.note else "",
        ]
        for e in events
    ]
    sys.stdout.write(to_lines(rows))  # aligned by display width: 待支付 is six cells
    return 0


def _remembered(
    store: HistoryStore, profile: str, order_no: str
) -> tuple[Order | None, list[TimelineEvent]] | None:
    """What the history holds of the order in `profile` (its last known state, the changes
    observed); None when nothing. km123 finds KM123 when only one order matches."""
    order = store.last_order(profile, order_no)
    observed = store.observed(profile, order_no)
    if order is None and not observed:
        known = _remembered_numbers(store, profile, order_no)
        if (match := _one_match(order_no, known, lambda n: n)) is None:
            return None
        order = store.last_order(profile, match)
        observed = store.observed(profile, match)
    return None if order is None and not observed else (order, observed)


def _in_several(order_no: str, names: Sequence[str]) -> int:
    """An order number several selected profiles have: which, and exit 2."""
    shown = ", ".join(clean(name, limit=64) for name in names)
    return fail(
        EXIT_USAGE,
        f"error: {clean(order_no, limit=64)!r} is in {len(names)} profiles ({shown}): "
        "name one with --profile",
    )


def _one_match(wanted: str, items: Iterable[_T], number: Callable[[_T], str]) -> _T | None:
    """The one item whose number is `wanted` ignoring case; None for none, or several."""
    folded = wanted.casefold()
    matches = [item for item in items if number(item).casefold() == folded]
    return matches[0] if len(matches) == 1 else None


def _remembered_numbers(store: HistoryStore, profile: str, order_no: str) -> list[str]:
    """Order numbers the history holds for `profile` equal to `order_no` but for ASCII case."""
    sql = (
        "SELECT order_no FROM orders WHERE profile = ? AND order_no = ? COLLATE NOCASE"
        " UNION SELECT order_no FROM changes WHERE profile = ? AND order_no = ? COLLATE NOCASE"
    )
    rows = store._rows(sql, (profile, order_no, profile, order_no))
    return [row[0] for row in rows if isinstance(row[0], str)]


HUB_TOKEN_ENV = "KAMENG_TUI_HUB_TOKEN"
TOKEN_ON_COMMAND_LINE = (
    "--token is not accepted: every user of this machine can read a command line; "
    "put the token in an environment variable and give its name with --token-env"
)


def _demo_server(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """The token comes from the environment: a command line is in every user's process list."""
    try:
        import uvicorn

        from kameng_tui.server.app import ServerOptions, create_app
    except ModuleNotFoundError as exc:
        return _missing_extra("demo-server", "server", exc)
    from kameng_tui.backends.demo import DemoPlatform

    platform = DemoPlatform(
        seed=args.seed, orders=args.orders, clock=_clock(), page_size=1_000, max_page=2_000
    )
    if args.token_given is not None:  # the old option, or argparse would take it for --token-env
        return fail(EXIT_USAGE, TOKEN_ON_COMMAND_LINE)
    token = None
    if args.token_env is not None and not (token := env.get(args.token_env)):
        return fail(EXIT_USAGE, f"{args.token_env} is not set (--token-env)")
    options = ServerOptions(token=token, fault_rate=args.fault_rate, fault_seed=args.seed)
    try:
        sock = _listen(args.host, args.port)  # bound here: a busy port is one line, no banner
    except PortError as exc:
        return fail(EXIT_USAGE, str(exc))
    print(
        f"kameng-tui demo server on http://{args.host}:{args.port}/api/v1 "
        f"({args.orders:,} orders, faults {args.fault_rate:.0%}"
        f"{', token required' if token else ''})",
        flush=True,
    )
    config = uvicorn.Config(
        create_app(platform, options), host=args.host, port=args.port, log_level="warning"
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def _keymap_problem(config: Config) -> str | None:
    """The first thing wrong with `[keymap]` (an id the app does not have, or a key two
    bindings active together would share), one line; None when it is fine."""
    if not config.keymap:
        return None
    from kameng_tui.tui.keymap import keymap_problems  # Textual: only when there is a keymap

    problems = keymap_problems(config.keymap)
    return clean(problems[0], limit=300) if problems else None


def _config(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    path = config_path(env, getattr(args, "config", None))
    if args.action == "path":
        print(path)  # exact, for scripts: the user's own setting
        return 0
    if args.action == "init":
        from kameng_tui.config import example_text

        if path.exists() and not args.force:
            return fail(EXIT_USAGE, f"{clean(path)} exists (use --force to overwrite it)")
        try:
            private_dir(path.parent)
            replace_file(path, example_text())  # 0600: it names the secrets' variables
        except OSError as exc:
            return fail(EXIT_USAGE, f"{clean(path)}: cannot write: {exc.strerror or exc}")
        print(f"wrote {clean(path)}")
        return 0
    config: Config = load(path, required=True)
    problem = _keymap_problem(config)
    if problem:
        return fail(EXIT_USAGE, f"configuration: {clean(path)} · {problem}")
    if _alert_problems(config, env):
        return EXIT_USAGE
    # Names are the user's, but a config file can come from anywhere: shown, never obeyed.
    names = ", ".join(clean(name, limit=200) for name in sorted(config.profiles)) or "none"
    default = clean(config.default_profile, limit=200) if config.default_profile else "none"
    views = ", ".join(clean(name, limit=200) for name in sorted(config.views)) or "none"
    chosen = (
        f"; default view: {clean(config.default_view, limit=200)}" if config.default_view else ""
    )
    for name in sorted(set(config.views) & set(config.profiles)):
        # Allowed (a profile wins, so a name with a comma stays one profile), but surprising.
        print(
            f"kameng-tui: configuration: views.{clean(name, limit=200)}: a profile has this "
            "name too: --profile reads that profile, not the view",
            file=sys.stderr,
        )
    print(f"{clean(path)}: ok (profiles: {names}; default: {default}; views: {views}{chosen})")
    return 0


# -- alerts ---------------------------------------------------------------------------------


def _alert_problems(config: Config, env: Mapping[str, str]) -> bool:
    """`config check` on `[[alerts]]`: one line each on stderr; whether any is a mistake."""
    from kameng_tui.alerts.rules import alert_problems

    problems = alert_problems(config, env)
    for problem in problems:
        print(f"kameng-tui: configuration: {clean(problem, limit=300)}", file=sys.stderr)
    return bool(problems)


def _watch(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import asyncio
    import signal

    from kameng_tui.alerts.deliver import AppriseDelivery
    from kameng_tui.alerts.outbox import Outbox, OutboxError
    from kameng_tui.alerts.rules import parse_rules
    from kameng_tui.backends.factory import make_backend
    from kameng_tui.watch import Watcher

    explicit = getattr(args, "config", None)
    config = load(config_path(env, explicit), required=bool(explicit))
    rules = parse_rules(config)
    profiles = _select(args, config)
    hub: HubServer | None = None
    if args.serve:
        try:
            hub = HubServer.prepare(args, env)
        except ModuleNotFoundError as exc:
            return _missing_extra("watch --serve", "server", exc)
        except (PortError, ValueError) as exc:
            return fail(EXIT_USAGE, str(exc))
    elif not rules:
        print("kameng-tui: no [[alerts]] rules: watching, nothing will be sent", file=sys.stderr)
    lang = Lang(args.lang) if getattr(args, "lang", None) else detect_lang(env)
    clock = _clock()
    try:
        outbox = Outbox()
    except OutboxError as exc:
        return fail(EXIT_USAGE, str(exc))
    for notice in outbox.notices:
        print(f"kameng-tui: {clean(notice)}", file=sys.stderr)
    history = _history(config)

    ours = logging.getLogger("kameng_tui")
    if not ours.handlers:  # no --log: the lines below are the only ones on stderr
        ours.addHandler(logging.NullHandler())

    def say(line: str) -> None:
        log.warning("%s", line)
        print(f"kameng-tui: {line}", file=sys.stderr, flush=True)

    async def run() -> bool:
        shops = []
        for profile in profiles:
            interval = getattr(args, "interval", None) or float(profile.get("interval", 30.0))
            shops.append((profile, make_backend(profile, env, clock), interval))
        watcher = Watcher(
            [(p, b) for p, b, _ in shops],
            rules,
            outbox,
            AppriseDelivery(),
            clock,
            environ=env,
            lang=lang,
            history=history,
            say=say,
        )
        for shop, (_, _, interval) in zip(watcher.shops, shops, strict=True):
            shop.syncer.interval = interval
        try:
            if args.once:
                return await watcher.once()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            if hub is None:
                await watcher.run(stop)
                return True
            async with hub.serving(watcher):
                await watcher.run(stop)
            return True
        finally:
            await watcher.aclose()

    try:
        ok = asyncio.run(run())
    finally:
        outbox.close()
        if history is not None:
            history.close()
        if hub is not None:
            hub.close()
    return 0 if ok else EXIT_PLATFORM


class HubServer:
    """`watch --serve`, checked before anything polls: the server extra, the token and the
    port (bound here, so a busy port is one line)."""

    def __init__(self, args: argparse.Namespace, token: str, sock: socket.socket) -> None:
        self.read_only = bool(args.read_only)
        self.token = token
        self.sock = sock

    @classmethod
    def prepare(cls, args: argparse.Namespace, env: Mapping[str, str]) -> HubServer:
        """Raises ModuleNotFoundError (no server extra), ValueError or PortError."""
        import uvicorn  # noqa: F401  (the server extra)

        if args.once:
            raise ValueError("--serve runs until stopped: it cannot be used with --once")
        token = env.get(args.token_env, "")
        if not token:
            # The hub acts on shops for whoever reaches it: never without a token.
            raise ValueError(f"--serve needs a bearer token: set {clean(args.token_env)}")
        return cls(args, token, _listen(args.host, args.port))

    def serving(self, watcher: Any) -> contextlib.AbstractAsyncContextManager[object]:
        from kameng_tui.server.hub import serving

        return serving(watcher, self.sock, self.token, read_only=self.read_only)

    def close(self) -> None:
        self.sock.close()


def _alerts(args: argparse.Namespace) -> int:
    """One line per alert: time, rule, shop, order, transition, state, attempts, last error.
    Never a URL: the errors name channels by number and scheme only."""
    from kameng_tui.alerts.outbox import Outbox, OutboxError
    from kameng_tui.output import local_time, to_lines

    try:
        outbox = Outbox()
    except OutboxError as exc:
        return fail(EXIT_PLATFORM, str(exc))
    try:
        rows = outbox.recent(failed_only=args.failed)
    finally:
        outbox.close()
    lines = [
        (
            local_time(row.created_at),
            clean(row.rule, limit=64),
            clean(row.profile, limit=64),
            clean(row.order_no, limit=64),
            row.transition,
            row.state,
            str(row.attempts),
            clean(row.last_error, limit=200),
        )
        for row in rows
    ]
    sys.stdout.write(to_lines(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
