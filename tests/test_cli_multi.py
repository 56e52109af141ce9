"""Every shop in one view (issue 14): named views in the configuration, `--profile a,b`,
`--profile VIEW` and `--all`, and `orders`, `show`, `history` over several profiles."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from kameng_tui import cli
from kameng_tui.backends.base import Backend
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.cli import main
from kameng_tui.config import Config, ConfigError, Profile, load, parse
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import FIXED_EPOCH, Clock, ManualClock
from kameng_tui.output import FIELDS
from kameng_tui.store.history import HistoryStore

DEMO = {"platform": "demo"}
# A shop that cannot be reached: nothing listens on the discard port, and it gives up in 1 s.
DOWN = '[profiles.down]\nplatform = "kameng"\nbase_url = "http://127.0.0.1:9"\ntimeout = 1\n'


def demo(name: str, seed: int, orders: int = 6) -> str:
    return f'[profiles."{name}"]\nplatform = "demo"\nseed = {seed}\norders = {orders}\n'


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    clock = ManualClock(FIXED_EPOCH)
    monkeypatch.setattr(cli, "_clock", lambda: clock)
    return clock


def write_config(tmp_path: Path, *parts: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def run(argv: list[str], config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv, environ={"KAMENG_TUI_CONFIG": str(config)})
    out, err = capsys.readouterr()
    return code, out, err


# -- the configuration ------------------------------------------------------------------------


def test_views_and_the_default_view_are_read(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'default_view = "desk"\n',
        demo("a", 1),
        demo("b", 2),
        '[views.desk]\nprofiles = ["b", "a", "b"]\n',
    )
    config = load(path)
    assert config.views == {"desk": ("b", "a")}  # repeats dropped, order kept
    assert config.default_view == "desk"
    assert [p.name for p in config.select(None)] == ["b", "a"]
    plain = parse({"profiles": {"a": DEMO}})
    assert (plain.views, plain.default_view) == ({}, None)


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"views": ["a"]}, "views", "must be a table of views"),
        ({"views": {"desk": ["a"]}}, "views.desk", "must be a table"),
        ({"views": {"desk": {}}}, "views.desk.profiles", "missing"),
        ({"views": {"desk": {"profiles": []}}}, "views.desk.profiles", "non-empty list"),
        ({"views": {"desk": {"profiles": "a"}}}, "views.desk.profiles", "non-empty list"),
        ({"views": {"desk": {"profiles": [1]}}}, "views.desk.profiles", "non-empty list"),
        ({"views": {"desk": {"profiles": ["a", "x"]}}}, "views.desk.profiles", "no profile 'x'"),
        ({"views": {"desk": {"profiles": ["a"], "sort": "age"}}}, "views.desk.sort", "unknown"),
        ({"default_view": "desk"}, "default_view", "no view 'desk'"),
        ({"default_view": "a"}, "default_view", "no view 'a'"),  # a profile is not a view
        ({"default_view": 1}, "default_view", "must be a string"),
    ],
)
def test_bad_views_name_the_key(
    data: dict[str, object], key: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as error:
        parse({"profiles": {"a": DEMO, "b": DEMO}, **data}, tmp_path / "c.toml")
    assert error.value.key == key
    assert message in error.value.message


def test_select_a_profile_a_view_a_list_or_every_one() -> None:
    config = parse(
        {
            "default_profile": "b",
            "profiles": {name: DEMO for name in ("c", "a", "b", "a,b", "desk")},
            "views": {"desk": {"profiles": ["c"]}, "pair": {"profiles": ["b", "c"]}},
        }
    )

    def names(spec: str | None, every: bool = False) -> list[str]:
        return [p.name for p in config.select(spec, every)]

    assert names("a") == ["a"]
    assert names("a,b") == ["a,b"]  # the profile of that name wins over the split
    assert names("b,a") == ["b", "a"]
    assert names(" c , a,,c ") == ["c", "a"]  # blanks stripped, repeats dropped, order kept
    assert names("pair") == ["b", "c"]
    assert names("desk") == ["desk"]  # a profile and a view of one name: the profile
    assert names(None) == ["b"] and names("") == ["b"]  # no default view: the default profile
    assert names(None, every=True) == ["a", "a,b", "b", "c", "desk"]
    assert names("pair", every=True) == names(None, every=True)
    with pytest.raises(ConfigError, match=r"no profile 'x' \(profiles: .*; views: desk, pair\)"):
        config.select("a,x")
    with pytest.raises(ConfigError, match="no profile 'pair'"):  # views do not go in a list
        config.select("a,pair")
    with pytest.raises(ConfigError, match="no profile named"):
        config.select(" , ")
    empty = parse({})
    assert [(p.name, p.platform) for p in empty.select(None, every=True)] == [("demo", "demo")]
    assert [p.name for p in empty.select(None)] == ["demo"]


def test_config_check_lists_the_views(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'default_view = "desk"\n',
        demo("a", 1),
        demo("b", 2),
        '[views.desk]\nprofiles = ["a", "b"]\n[views.a]\nprofiles = ["b"]\n',
    )
    code, out, err = run(["config", "check"], path, capsys)
    assert code == 0
    assert (
        out == f"{path}: ok (profiles: a, b; default: none; views: a, desk; default view: desk)\n"
    )
    assert err == (
        "kameng-tui: configuration: views.a: a profile has this name too: --profile reads that "
        "profile, not the view\n"
    )


# -- orders -----------------------------------------------------------------------------------


def test_orders_of_two_profiles_each_with_its_own_profile(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2, orders=4), demo("c", 3))
    code, out, _ = run(["orders", "--profile", "a", "--format", "json"], path, capsys)
    alone = json.loads(out)
    code, out, err = run(["orders", "--profile", "a,b", "--format", "json"], path, capsys)
    assert code == 0 and err == ""
    records = json.loads(out)
    assert [r["profile"] for r in records].count("a") == 6
    assert [r["profile"] for r in records].count("b") == 4
    assert [r for r in records if r["profile"] == "a"] == alone  # the same records, merged
    assert [r["updated_at"] for r in records] == sorted(
        (r["updated_at"] for r in records), reverse=True
    )
    assert {r["shop"] for r in records} == {""}  # read directly, not through a hub
    numbers = {p: {r["order_no"] for r in records if r["profile"] == p} for p in ("a", "b")}
    assert not numbers["a"] & numbers["b"]  # different seeds, different shops


def test_a_view_and_all(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        demo("a", 1),
        demo("b", 2),
        demo("c", 3),
        '[views.desk]\nprofiles = ["c", "a"]\n',
    )
    _, out, _ = run(["orders", "--profile", "desk", "--format", "json"], path, capsys)
    assert {r["profile"] for r in json.loads(out)} == {"a", "c"}
    _, out, _ = run(["orders", "--all", "--format", "json"], path, capsys)
    assert {r["profile"] for r in json.loads(out)} == {"a", "b", "c"}
    _, out, _ = run(["--all", "orders", "--format", "json"], path, capsys)  # before the command
    assert {r["profile"] for r in json.loads(out)} == {"a", "b", "c"}
    code, out, err = run(["orders", "--all", "--profile", "a"], path, capsys)
    assert (code, out) == (2, "") and err == (
        "kameng-tui: error: --all takes every profile: leave out --profile\n"
    )
    code, _, err = run(["orders", "--profile", "a,nope"], path, capsys)
    assert code == 2 and "no profile 'nope'" in err and err.count("\n") == 1


def test_the_default_view_is_read_without_a_profile(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(
        tmp_path,
        'default_profile = "a"\ndefault_view = "desk"\n',
        demo("a", 1),
        demo("b", 2),
        '[views.desk]\nprofiles = ["a", "b"]\n',
    )
    _, out, _ = run(["orders", "--format", "json"], path, capsys)
    assert {r["profile"] for r in json.loads(out)} == {"a", "b"}


def test_one_shop_down_the_others_still_print(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), DOWN)
    code, out, err = run(["orders", "--profile", "down,a", "--format", "json"], path, capsys)
    assert code == 0
    assert {r["profile"] for r in json.loads(out)} == {"a"}
    (line,) = err.splitlines()
    assert line.startswith("kameng-tui: down: ") and "127.0.0.1:9" in line


def test_every_shop_down_is_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(tmp_path, DOWN, DOWN.replace("down", "gone"))
    code, out, err = run(["orders", "--all"], path, capsys)
    assert (code, out) == (1, "")
    assert [line.split(":")[1] for line in err.splitlines()] == [" down", " gone"]


def test_csv_of_several_profiles(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2))
    code, out, _ = run(["orders", "--all", "--format", "csv"], path, capsys)
    assert code == 0
    assert out.splitlines()[0] == ",".join(FIELDS)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["profile"] for r in rows} == {"a", "b"} and len(rows) == 12


def test_the_table_gains_a_shop_column_for_several_profiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2))
    _, single, _ = run(["orders", "--profile", "a"], path, capsys)
    assert single.splitlines()[0].split()[:2] == ["ORDER_NO", "STATUS"]
    code, out, _ = run(["orders", "--profile", "a,b"], path, capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["SHOP", "ORDER_NO", "STATUS"]
    assert {line.split()[0] for line in lines[1:]} == {"a", "b"} and len(lines) == 13
    # One profile's rows are its own table's rows, behind the shop (the column widths aside).
    mine = [line.split()[1:] for line in lines[1:] if line.split()[0] == "a"]
    assert mine == [line.split() for line in single.splitlines()[1:]]


# -- show and history -------------------------------------------------------------------------


def test_show_finds_the_one_profile_holding_the_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2))
    _, out, _ = run(["orders", "--profile", "b", "--format", "json"], path, capsys)
    number = json.loads(out)[0]["order_no"]
    code, out, err = run(["show", number, "--all", "--format", "json"], path, capsys)
    assert code == 0 and err == ""
    assert (json.loads(out)["order_no"], json.loads(out)["profile"]) == (number, "b")
    code, out, err = run(["show", "KM-nope", "--profile", "a,b"], path, capsys)
    assert (code, out) == (1, "") and err == "kameng-tui: a, b: no order 'KM-nope'\n"


def test_show_an_order_in_two_profiles_asks_which(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2), demo("twin", 1))
    _, out, _ = run(["orders", "--profile", "a", "--format", "json"], path, capsys)
    number = json.loads(out)[0]["order_no"]
    code, out, err = run(["show", number, "--all"], path, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"kameng-tui: error: {number!r} is in 2 profiles (a, twin): name one with --profile\n"
    )
    code, out, _ = run(["show", number, "--profile", "twin", "--format", "json"], path, capsys)
    assert code == 0 and json.loads(out)["profile"] == "twin"


def test_show_with_one_shop_down_still_finds_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, demo("a", 1), DOWN)
    _, out, _ = run(["orders", "--profile", "a", "--format", "json"], path, capsys)
    number = json.loads(out)[0]["order_no"]
    code, out, err = run(["show", number, "--all", "--format", "json"], path, capsys)
    assert code == 0 and json.loads(out)["profile"] == "a"
    assert err.startswith("kameng-tui: down: ") and err.count("\n") == 1


def remember(profile: str, seed: int, clock: ManualClock) -> OrderBook:
    book = OrderBook()
    store = HistoryStore()  # the private test home's data directory
    store.record(profile, book.apply(DemoPlatform(seed=seed, orders=30, clock=clock).orders()),
                 clock.now())  # fmt: skip
    store.close()
    return book


def test_history_over_two_profiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fixed_clock: ManualClock
) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2), demo("twin", 2))
    remember("a", 1, fixed_clock)
    book = remember("b", 2, fixed_clock)
    order = next(o for o in book if len(o.timeline) >= 2)
    code, out, _ = run(["history", order.order_no, "--profile", "a,b"], path, capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(order.timeline)
    assert all(line.split()[0] == "b" for line in lines)  # the profile it came from
    _, alone, _ = run(["history", order.order_no, "--profile", "b"], path, capsys)
    assert [line.split()[1:] for line in lines] == [line.split() for line in alone.splitlines()]
    code, out, err = run(["history", "KM-never", "--profile", "a,b"], path, capsys)
    assert (code, out) == (1, "") and err == "kameng-tui: a, b: no history of 'KM-never'\n"
    remember("twin", 2, fixed_clock)
    code, out, err = run(["history", order.order_no, "--all"], path, capsys)
    assert (code, out) == (2, "") and "is in 2 profiles (b, twin)" in err


# -- the tracker, serve and watch -------------------------------------------------------------


def test_the_tracker_gets_the_first_profile_and_the_whole_selection(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[str, list[str]]] = []

    def fake_tui(
        args: argparse.Namespace, config: Config, profile: Profile, env: Mapping[str, str]
    ) -> int:
        seen.append((profile.name, [p.name for p in args.selected_profiles]))
        return 0

    monkeypatch.setattr(cli, "_tui", fake_tui)
    path = write_config(tmp_path, demo("a", 1), demo("b", 2), demo("c", 3))
    env = {"KAMENG_TUI_CONFIG": str(path)}
    assert main(["--profile", "c,a"], env) == 0
    assert main(["--all"], env) == 0
    assert main(["--demo", "--all"], env) == 0  # --demo stays one demo profile
    assert seen == [("c", ["c", "a"]), ("a", ["a", "b", "c"]), ("demo", ["demo"])]


def test_serve_takes_one_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(tmp_path, demo("a", 1), demo("b", 2))
    code, out, err = run(["serve", "--all"], path, capsys)
    assert (code, out) == (2, "")
    assert err == "kameng-tui: error: serve takes one profile, not a, b: name one with --profile\n"


def test_watch_selects_the_same_way(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from kameng_tui.backends import factory

    built: list[str] = []
    real = factory.make_backend

    def spy(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
        built.append(profile.name)
        return real(profile, environ, clock)

    monkeypatch.setattr(factory, "make_backend", spy)
    path = write_config(
        tmp_path, demo("a", 1), demo("b", 2), demo("c", 3), '[views.desk]\nprofiles = ["c"]\n'
    )
    assert run(["watch", "--once", "--profile", "b,a", "--profile", "desk"], path, capsys)[0] == 0
    assert built == ["b", "a", "c"]
    built.clear()
    assert run(["watch", "--once", "--all"], path, capsys)[0] == 0
    assert built == ["a", "b", "c"]
