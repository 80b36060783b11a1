"""Issue 21's build side end to end: fetch a newer week, build, predict the new seasons by title, diff; a build
with only the Top 10 at hand; a recorded decision in the next build."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from renewml import config
from renewml.data import raw

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SYNTHETIC_WEEK = (FIXTURES / "synthetic_next_week_global.tsv").read_bytes()


def rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {r["row_id"]: r for r in csv.DictReader(handle)}


def served_global(raw_dir: Path) -> bytes:
    """The current global file as Netflix serves it (one header, newest week first) plus the synthetic week."""
    folder = raw_dir / "netflix_top10"
    body = lambda text: text.split(b"\n", 1)[1].rstrip(b"\n") + b"\n"  # noqa: E731
    main = (folder / "all-weeks-global.tsv").read_bytes()
    extension = (folder / "all-weeks-global_extension_2026-07-26_to_2026-09-13.tsv").read_bytes()
    return SYNTHETIC_WEEK + body(extension) + body(main)


@pytest.fixture()
def no_bundled_folder(monkeypatch):
    """A user machine: no raw folder beside the repository."""
    monkeypatch.setattr(raw, "RAW_DIR_CANDIDATES", ())


def check_new_week(new: dict[str, dict[str, str]]) -> None:
    """The three changes of the acceptance: two new rows (one unverified), the season before renewed."""
    second = new["house-of-guinness-s2"]
    assert (second["debut_week"], second["debut_views"], second["unverified"]) == ("2026-09-20", "7000000", "false")
    assert second["original_evidence"] != "" and second["outcome"] == "unknown"
    invented = new["invented-test-series-s1"]
    assert (invented["original_evidence"], invented["unverified"], invented["outcome"]) == ("", "true", "unknown")
    first = new["house-of-guinness-s1"]
    assert (first["outcome"], first["renewed"], first["label_source"]) == ("renewed", "1", "netflix_top10")
    assert first["label_evidence"] == "netflix_top10: season 2+ of the same list charted from 2026-09-20"


@pytest.mark.raw
@pytest.mark.slow
def test_fetch_build_predict_and_diff_a_newer_week(raw_dir, tmp_path, top10_server, run_cli):
    top10_server.files.update(
        {
            "all-weeks-global.tsv": served_global(raw_dir),
            "all-weeks-countries.tsv": (
                raw_dir / "netflix_top10" / "all-weeks-countries_2021-07-04_to_2022-02-27.tsv"
            ).read_bytes(),
            "most-popular.tsv": (raw_dir / "netflix_top10" / "most-popular.tsv").read_bytes(),
        }
    )
    user = tmp_path / "raw"
    code, _, err = run_cli("data", "fetch", "--raw", str(user), "--base-url", top10_server.url)
    assert code == 0, err
    new_csv = tmp_path / "new.csv"
    code, out, err = run_cli("data", "build", "--raw", str(user), "--out", str(new_csv))
    assert code == 0, err
    assert "716 seasons (516 decided, 1 unverified)" in out
    old, new = rows(config.DATASET_PATH), rows(new_csv)
    check_new_week(new)
    assert set(new) - set(old) == {"house-of-guinness-s2", "invented-test-series-s1"}

    sources = json.loads((tmp_path / "new.sources.json").read_text())
    global_files = [s for s in sources["sources"] if s["source"] == "netflix_top10_global"]
    # the fetched file covers the bundled global file and its extension: it replaces both
    assert [(s["folder"], s["file"], s["weeks_used"]) for s in global_files] == [
        ("user", "netflix_top10/all-weeks-global.tsv", 273)
    ]
    manifest = json.loads((user / "netflix_top10" / "MANIFEST.json").read_text())["files"]
    assert global_files[0]["sha256"] == manifest["all-weeks-global.tsv"]["sha256"]
    assert {s["source"] for s in sources["sources"]} >= {"tmdb_tv", "imdb_episode_ratings", "curated"}

    for title in ("House of Guinness", "Invented Test Series"):
        code, out, err = run_cli("predict", title, "--data", str(new_csv), "--json")
        assert code == 0, err
        answer = json.loads(out)
        answer = answer[0] if isinstance(answer, list) else answer
        assert answer["probability"] is not None and 0 < answer["probability"] < 1, answer

    code, out, err = run_cli("board", "--data", str(new_csv), "--date", "2026-10-01", "--json")
    assert code == 0, err
    board = {r["row_id"]: r for r in json.loads(out)["rows"]}
    assert board["invented-test-series-s1"]["unverified"] is True
    assert board["house-of-guinness-s2"]["unverified"] is False and "house-of-guinness-s1" not in board

    code, out, err = run_cli("data", "diff", str(config.DATASET_PATH), str(new_csv))
    assert code == 0, err
    assert "2 new, 0 gone, 1 newly decided, 0 label(s) changed" in out
    assert "  House of Guinness season 2: debut week 2026-09-20, unknown (renewed blank)" in out
    assert "  Invented Test Series season 1: debut week 2026-09-20, unknown (renewed blank); unverified" in out
    assert (
        "  House of Guinness season 1: renewed (renewed 1) (netflix_top10: season 2+ of the same list charted from"
        " 2026-09-20)" in out
    )


@pytest.mark.raw
@pytest.mark.slow
def test_with_only_the_top10_the_committed_rows_are_reused_and_the_week_added(
    raw_dir, tmp_path, no_bundled_folder, run_cli
):
    """A user folder with only the fetched global file (the current one plus the synthetic week): the committed
    seasons keep their rows and evidence, and the new week's seasons join them."""
    folder = tmp_path / "raw" / "netflix_top10"
    folder.mkdir(parents=True)
    (folder / "all-weeks-global.tsv").write_bytes(served_global(raw_dir))
    out_csv = tmp_path / "new.csv"
    code, out, err = run_cli("data", "build", "--raw", str(tmp_path / "raw"), "--out", str(out_csv))
    assert code == 0, err
    assert "renewml: the raw folders lack tmdb_tv/netflix_shows_complete.csv" in err
    assert "reused the committed table's rows and evidence for its 714 seasons" in err
    assert "716 seasons (516 decided, 1 unverified)" in out
    old, new = rows(config.DATASET_PATH), rows(out_csv)
    check_new_week(new)
    assert set(new) - set(old) == {"house-of-guinness-s2", "invented-test-series-s1"}
    # The new week moves the first-four-week figures of the two seasons that debuted in the weeks before it
    # (tests/fixtures/README.md); every other committed row is unchanged, cell for cell.
    changed = {row_id for row_id in old if new[row_id] != old[row_id]}
    assert changed == {"house-of-guinness-s1", "the-gentlemen-s2", "beauty-in-black-s3"}
    moved = {k for k in old["the-gentlemen-s2"] if new["the-gentlemen-s2"][k] != old["the-gentlemen-s2"][k]}
    assert moved == {"weeks_in_top10_first4", "hours_first4_vs_list"}
    sources = json.loads((tmp_path / "new.sources.json").read_text())
    assert sources["build"] == "extended"
    assert [s["file"] for s in sources["sources"] if s["source"] == "committed table"] == ["data/renewals.csv"]


@pytest.mark.raw
@pytest.mark.slow
def test_with_only_the_bundled_top10_the_extended_build_is_the_committed_table(raw_dir, tmp_path, no_bundled_folder):
    """The same Top 10 files, without any other source: the committed table and dropped list, byte for byte."""
    from renewml.data import build_and_write

    folder = tmp_path / "raw" / "netflix_top10"
    folder.mkdir(parents=True)
    for path in (raw_dir / "netflix_top10").glob("all-weeks-*.tsv"):
        shutil.copy(path, folder / path.name)
    result = build_and_write(tmp_path / "raw", tmp_path / "renewals.csv")
    assert result.mode == "extended"
    assert (tmp_path / "renewals.csv").read_bytes() == config.DATASET_PATH.read_bytes()
    assert (tmp_path / "dropped_seasons.csv").read_bytes() == config.DROPPED_PATH.read_bytes()


@pytest.mark.raw
@pytest.mark.slow
def test_a_recorded_decision_changes_the_label_in_the_next_build_with_its_cite(raw_dir, tmp_path, run_cli):
    curation = tmp_path / "curation"
    shutil.copytree(config.CURATION_DIR, curation)
    cite = "https://example.org/news/house-of-guinness-renewed"
    code, _, err = run_cli(
        "data", "decide", "House of Guinness", "--season", "1", "--renewed", "--date", "2025-11-20",
        "--cite", cite, "--overrides", str(curation / "label_overrides.csv"),
    )
    assert code == 0, err
    from renewml.data import build_and_write

    build_and_write(raw_dir, tmp_path / "new.csv", curation_dir=curation)
    row = rows(tmp_path / "new.csv")["house-of-guinness-s1"]
    assert (row["outcome"], row["renewed"], row["label_source"]) == ("renewed", "1", "curated")
    assert row["label_evidence"].startswith("announced 2025-11-20: ") and cite in row["label_evidence"]
    assert rows(config.DATASET_PATH)["house-of-guinness-s1"]["outcome"] == "unknown"
