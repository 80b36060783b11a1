"""`renewml data fetch` against a local server: a good fetch, and every bad download refused with nothing changed."""

from __future__ import annotations

import hashlib
import json
import re
import socket
from datetime import date
from pathlib import Path

import pytest

from renewml import config
from renewml.data.fetch import TOP10_FORMATS, check_top10_file, fetch, read_manifest
from renewml.errors import InputError, RawDataError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOP10 = FIXTURES / "netflix_top10"
GLOBAL = (TOP10 / "global_extract_2026-08-16_to_2026-09-13.tsv").read_bytes()
COUNTRIES = (TOP10 / "countries_extract_AR_JP_KE_2022-02-20_to_2022-02-27.tsv").read_bytes()
POPULAR = (TOP10 / "most_popular_extract_tv.tsv").read_bytes()
SYNTHETIC_WEEK = (FIXTURES / "synthetic_next_week_global.tsv").read_bytes()


def weeks(text: bytes, keep: list[str]) -> bytes:
    """The header and the rows of the given weeks (newest first, as Netflix orders them)."""
    header, *rows = text.decode().splitlines(keepends=True)
    return (header + "".join(row for row in rows if row[:10] in keep)).encode()


OLD_WEEKS = ["2026-09-06", "2026-08-30", "2026-08-23", "2026-08-16"]
NEW_WEEKS = ["2026-09-13", *OLD_WEEKS]


def serve(server, global_file: bytes | tuple) -> None:
    server.files.update(
        {"all-weeks-global.tsv": global_file, "all-weeks-countries.tsv": COUNTRIES, "most-popular.tsv": POPULAR}
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def fetched(tmp_path, top10_server) -> Path:
    """A raw folder after a good first fetch of four weeks."""
    serve(top10_server, weeks(GLOBAL, OLD_WEEKS))
    fetch(tmp_path / "raw", top10_server.url)
    return tmp_path / "raw"


def test_the_fixtures_pass_the_checks_they_are_in_the_real_formats():
    checks = {
        name: check_top10_file(TOP10 / file, TOP10_FORMATS[name], file)
        for name, file in [
            ("all-weeks-global.tsv", "global_extract_2026-08-16_to_2026-09-13.tsv"),
            ("all-weeks-countries.tsv", "countries_extract_AR_JP_KE_2022-02-20_to_2022-02-27.tsv"),
            ("most-popular.tsv", "most_popular_extract_tv.tsv"),
        ]
    }
    assert (checks["all-weeks-global.tsv"].rows, checks["all-weeks-global.tsv"].newest_week) == (200, date(2026, 9, 13))
    assert (checks["all-weeks-countries.tsv"].rows, len(checks["all-weeks-countries.tsv"].weeks)) == (120, 2)
    assert (checks["most-popular.tsv"].rows, checks["most-popular.tsv"].newest_week) == (20, None)
    synthetic = check_top10_file(
        FIXTURES / "synthetic_next_week_global.tsv", TOP10_FORMATS["all-weeks-global.tsv"], "x"
    )
    assert (synthetic.rows, synthetic.weeks) == (40, frozenset({date(2026, 9, 20)}))


def test_a_good_fetch_writes_the_files_and_a_manifest(tmp_path, top10_server, run_cli):
    served = weeks(GLOBAL, OLD_WEEKS)
    serve(top10_server, served)
    raw = tmp_path / "raw"
    code, out, err = run_cli("data", "fetch", "--raw", str(raw), "--base-url", top10_server.url)
    assert code == 0, err
    folder = raw / "netflix_top10"
    assert (folder / "all-weeks-global.tsv").read_bytes() == served
    assert (folder / "all-weeks-countries.tsv").read_bytes() == COUNTRIES
    manifest = json.loads((folder / "MANIFEST.json").read_text())["files"]
    assert read_manifest(folder) == manifest and sorted(manifest) == sorted(config.TOP10_FETCH_FILES)
    entry = manifest["all-weeks-global.tsv"]
    assert entry["url"] == top10_server.url + "all-weeks-global.tsv"
    assert (entry["bytes"], entry["sha256"]) == (len(served), hashlib.sha256(served).hexdigest())
    assert (entry["newest_week"], entry["weeks"], entry["rows"]) == ("2026-09-06", 4, 160)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["fetched_at"])
    assert manifest["all-weeks-countries.tsv"]["newest_week"] == "2022-02-27"
    assert manifest["most-popular.tsv"]["newest_week"] is None and manifest["most-popular.tsv"]["rows"] == 20
    assert (
        f"{folder / 'all-weeks-global.tsv'}: {len(served):,} bytes, 160 rows, 4 weeks, newest 2026-09-06 (new)" in out
    )
    assert not list(folder.glob("*.prev"))


def test_a_newer_week_replaces_the_copy_and_keeps_it_as_prev(fetched, top10_server, run_cli):
    folder = fetched / "netflix_top10"
    old = (folder / "all-weeks-global.tsv").read_bytes()
    serve(top10_server, GLOBAL)
    code, out, err = run_cli("data", "fetch", "--raw", str(fetched), "--base-url", top10_server.url)
    assert code == 0, err
    assert (folder / "all-weeks-global.tsv").read_bytes() == GLOBAL
    assert (folder / "all-weeks-global.tsv.prev").read_bytes() == old
    assert "200 rows, 5 weeks, newest 2026-09-13 (1 week(s) newer than the copy it replaced)" in out
    assert (
        json.loads((folder / "MANIFEST.json").read_text())["files"]["all-weeks-global.tsv"]["newest_week"]
        == "2026-09-13"
    )


def test_a_large_download_draws_a_progress_bar_on_stderr(tmp_path, top10_server, run_cli, monkeypatch):
    monkeypatch.setattr(config, "FETCH_PROGRESS_MIN_BYTES", 5_000)
    serve(top10_server, GLOBAL)
    code, out, err = run_cli("data", "fetch", "--raw", str(tmp_path), "--base-url", top10_server.url)
    assert code == 0, err
    assert "\rall-weeks-global.tsv [" + "#" * 30 + "] 100% of 0.0 MB" in err
    assert "most-popular.tsv [" not in err  # 2 KB: no bar
    assert "[" not in out


def _cut(text: bytes) -> bytes:
    return text[: int(len(text) * 0.6)]


def _rows(text: bytes) -> bytes:
    return text.split(b"\n", 1)[1]


def _without_week(text: bytes, week: str) -> bytes:
    return weeks(text, [w for w in NEW_WEEKS if w != week])


REFUSALS = [
    ("a truncated file", _cut(GLOBAL), "(a truncated download?)"),
    (
        "a file cut at a line end",
        GLOBAL[: GLOBAL.index(b"\n2026-08-16\tTV (English)")] + b"\n",
        "has no list TV (English)",
    ),
    (
        "a transfer cut short",
        (GLOBAL[:5000], 200, len(GLOBAL)),
        f"the download was cut short: 5,000 of {len(GLOBAL):,} bytes",
    ),
    (
        "an HTML page",
        b"<!DOCTYPE html>\n<html><body>Sorry, something went wrong</body></html>\n",
        "(an HTML page, not a Top 10 file)",
    ),
    ("an HTTP error", (b"gone", 503, None), "the server answered HTTP 503"),
    (
        "weeks the old copy has are missing",
        weeks(GLOBAL, NEW_WEEKS[:3]),
        "refused: 2 week(s) of the copy it would replace (",
    ),
    (
        "a week missing in the middle",
        _without_week(GLOBAL, "2026-08-30"),
        "column 'week': expected 2026-09-06 or 2026-08-30 (weeks newest first, one week apart), found 2026-08-23",
    ),
    ("weeks oldest first", weeks(GLOBAL, ["2026-08-16"]) + _rows(weeks(GLOBAL, ["2026-08-23"])), "found 2026-08-23"),
]


@pytest.mark.parametrize(("served", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_bad_download_is_refused_with_one_error_line_and_nothing_changes(
    fetched, top10_server, run_cli, served, message
):
    before = snapshot(fetched)
    serve(top10_server, served)
    code, out, err = run_cli("data", "fetch", "--raw", str(fetched), "--base-url", top10_server.url)
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {top10_server.url}all-weeks-global.tsv") and err.count("\n") == 1, err
    assert message in err, err
    assert err.rstrip().endswith("nothing was changed")
    assert snapshot(fetched) == before


def test_a_bad_second_file_leaves_the_good_first_one_unreplaced(fetched, top10_server, run_cli):
    before = snapshot(fetched)
    serve(top10_server, GLOBAL)
    top10_server.files["most-popular.tsv"] = b"category\trank\n"
    code, _, err = run_cli("data", "fetch", "--raw", str(fetched), "--base-url", top10_server.url)
    assert code == 1 and "most-popular.tsv, row 1: expected the header of most-popular.tsv" in err
    assert snapshot(fetched) == before


def test_no_server_gives_one_error_line_naming_the_address_and_touches_nothing(tmp_path, run_cli):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run_cli("data", "fetch", "--raw", str(tmp_path / "raw"), "--base-url", f"http://127.0.0.1:{port}/")
    assert code == 1 and out == ""
    assert (
        err.startswith(f"Error: http://127.0.0.1:{port}/all-weeks-global.tsv: could not download (")
        and err.count("\n") == 1
    )
    assert not (tmp_path / "raw").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://example.org/top10/"], "--base-url: expected an http(s) address"),
        (["--engagement", "http://127.0.0.1:9/report.xlsx"], "--engagement: expected the address of an .xlsx report"),
    ],
)
def test_bad_addresses_are_refused_before_any_download(tmp_path, run_cli, args, message):
    code, _, err = run_cli("data", "fetch", "--raw", str(tmp_path), *args)
    assert code == 1 and err.startswith(f"Error: {message}") and err.count("\n") == 1


def _engagement_report(path: Path) -> bytes:
    """A small workbook in the layout of Netflix's engagement reports: five preamble rows, the header on row 6."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "TV"
    sheet["B1"] = "What We Watched: A Netflix Engagement Report"
    header = ["Title", "Available Globally?", "Release Date", "Hours Viewed", "Runtime", "Views"]
    rows = [
        ["House of Guinness: Season 1", "Yes", date(2025, 9, 25), 61_100_000, "6:54", 8_900_000],
        ["The Gentlemen: Season 1", "Yes", date(2024, 3, 7), 12_500_000, "6:41", 1_900_000],
        ["Squid Game: Season 2 // 오징어 게임: 시즌 2", "Yes", date(2024, 12, 26), 9_800_000, "7:10", 1_400_000],
    ]
    for number, cells in enumerate([header, *rows], start=6):
        for column, value in enumerate(cells, start=2):
            sheet.cell(row=number, column=column, value=value)
    book.save(path)
    return path.read_bytes()


def test_an_engagement_report_is_fetched_the_same_way(fetched, tmp_path, top10_server):
    from renewml.data.raw import read_engagement

    name = "What_We_Watched_A_Netflix_Engagement_Report_2025Jul-Dec.xlsx"
    report = _engagement_report(tmp_path / name)
    serve(top10_server, weeks(GLOBAL, OLD_WEEKS))
    top10_server.files[f"reports/{name}"] = report
    results = fetch(fetched, top10_server.url, engagement_url=f"{top10_server.url}reports/{name}")
    target = fetched / "netflix_engagement" / name
    assert target.read_bytes() == report and results[-1].path == target
    entry = json.loads((target.parent / "MANIFEST.json").read_text())["files"][name]
    assert (entry["rows"], entry["period"], entry["sha256"]) == (
        3,
        "2025-07-01/2025-12-31",
        hashlib.sha256(report).hexdigest(),
    )
    titles = read_engagement(fetched)  # the build's reader reads the fetched report
    assert titles["title"].tolist() == [
        "House of Guinness: Season 1",
        "The Gentlemen: Season 1",
        "Squid Game: Season 2",
    ]
    assert titles["original_title"].tolist() == ["", "", "오징어 게임: 시즌 2"]

    before = snapshot(fetched)
    top10_server.files[f"reports/{name}"] = b"<html>moved</html>"
    with pytest.raises(
        RawDataError, match=r"expected an xlsx workbook, found a file starting '<html>moved</html>' \(an HTML page\)"
    ):
        fetch(fetched, top10_server.url, engagement_url=f"{top10_server.url}reports/{name}")
    assert snapshot(fetched) == before


def test_a_bad_base_url_in_the_library_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="--base-url"):
        fetch(tmp_path, "example.org/top10")


@pytest.mark.raw
def test_the_real_global_file_and_the_synthetic_week_pass_as_one_served_file(raw_dir, tmp_path, top10_server):
    """The acceptance set-up of issue 21: the raw global file, its extension and the synthetic next week, served as
    Netflix serves the current file (one header, newest week first); the real countries and most-popular files."""
    folder = raw_dir / "netflix_top10"
    main = (folder / "all-weeks-global.tsv").read_bytes()
    extension = (folder / "all-weeks-global_extension_2026-07-26_to_2026-09-13.tsv").read_bytes()
    body = lambda text: text.split(b"\n", 1)[1].rstrip(b"\n") + b"\n"  # noqa: E731
    served = SYNTHETIC_WEEK + body(extension) + body(main)
    top10_server.files.update(
        {
            "all-weeks-global.tsv": served,
            "all-weeks-countries.tsv": (folder / "all-weeks-countries_2021-07-04_to_2022-02-27.tsv").read_bytes(),
            "most-popular.tsv": (folder / "most-popular.tsv").read_bytes(),
        }
    )
    results = {r.path.name: r for r in fetch(tmp_path, top10_server.url)}
    world = results["all-weeks-global.tsv"].check
    assert (world.rows, len(world.weeks), world.newest_week) == (10_560 + 320 + 40, 264 + 8 + 1, date(2026, 9, 20))
    assert min(world.weeks) == date(2021, 7, 4)
    assert results["all-weeks-countries.tsv"].check.rows == 65_800
    assert results["most-popular.tsv"].check.rows == 40
