"""board.html in a real browser (headless chromium): it renders, every row is laid out, nothing is cut off,
at a laptop's width and a phone's. Skips where no chromium is installed (`.ci/run` installs Debian's)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest

BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BROWSER is None,
        reason="no headless browser to render board.html: install Debian's chromium package (.ci/run does)",
    ),
]
WIDTHS = {"laptop": (1366, 900), "phone": (390, 844)}

# A page that shows board.html in a frame of the device's size (headless chromium's own window is at least
# 500 pixels wide) and measures the layout the browser made there; board.html itself has no scripts.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="board" src="board.html" width="{width}" height="{height}" style="border:0"></iframe>
<script>
document.getElementById('board').addEventListener('load', () => {{
  const win = document.getElementById('board').contentWindow, doc = win.document, root = doc.documentElement;
  const rows = [...doc.querySelectorAll('tr[data-row-id]')];
  const laid = rows.filter(r => {{ const b = r.getBoundingClientRect();
    return b.height > 0 && b.width > 0 && b.left >= -1 && b.right <= win.innerWidth + 1
      && b.bottom + win.scrollY <= root.scrollHeight + 1; }});
  const cut = [...doc.querySelectorAll('td, th, p, h1, h2, svg')].filter(e =>
    e.getBoundingClientRect().right > win.innerWidth + 1);
  const out = {{innerWidth: win.innerWidth, scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight,
    rows: rows.length, laid_out: laid.length, ids: laid.map(r => r.dataset.rowId), cut_off: cut.length}};
  const pre = document.createElement('pre'); pre.id = 'layout'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}});
</script></body></html>"""


def _chromium(*args: str) -> subprocess.CompletedProcess:
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory, shipped_model):
    from renewml.board import build_board, write_board
    from renewml.data import read_table

    out = tmp_path_factory.mktemp("site")
    board = build_board(shipped_model, read_table(), "sha", today=date(2026, 12, 1))
    write_board(board, out)
    return out, board


def _layout(page: Path, width: int, height: int) -> dict:
    frame = page.with_name("measure.html")
    frame.write_text(FRAME.format(width=width, height=height), encoding="utf-8")
    done = _chromium(
        "--allow-file-access-from-files",
        "--window-size=1400,900",
        "--virtual-time-budget=5000",
        "--dump-dom",
        frame.as_uri(),
    )
    found = re.search(r'<pre id="layout">(.*?)</pre>', done.stdout, re.S)
    assert found, f"chromium did not lay the page out: {done.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("device", WIDTHS)
def test_every_row_is_laid_out_and_nothing_is_cut_off(site, device):
    out, board = site
    width, height = WIDTHS[device]
    layout = _layout(out / "board.html", width, height)
    assert layout["rows"] == len(board.rows)
    assert layout["laid_out"] == len(board.rows)  # each row has a box inside the page's height and width
    assert sorted(layout["ids"]) == sorted(r["row_id"] for r in board.rows)
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= layout["innerWidth"]  # no sideways scrolling
    assert layout["cut_off"] == 0
    assert layout["scrollHeight"] > height  # 132 rows do not fit one screen: the page grew to hold them


@pytest.mark.parametrize("device", WIDTHS)
def test_screenshot_is_not_blank(site, device):
    from PIL import Image

    out, _ = site
    width, height = WIDTHS[device]
    shot = out / f"{device}.png"
    done = _chromium(f"--window-size={width},{height}", f"--screenshot={shot}", (out / "board.html").as_uri())
    assert shot.is_file(), done.stderr[-500:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert pixels.shape[:2] == (height, width)
    ink = (pixels.sum(axis=2) < 600).mean()  # share of pixels darker than the page's white and light greys
    assert 0.01 < ink < 0.6
    colours = {tuple(c) for c in pixels[::7, ::7].reshape(-1, 3).tolist()}
    assert len(colours) > 20  # text, rules and the coloured probabilities, not one flat colour


def test_the_bottom_of_the_page_is_the_track_record(site):
    """A window as tall as the page: its last screen holds the reliability plot and the bins, not blank space."""
    from PIL import Image

    out, _ = site
    width = WIDTHS["laptop"][0]
    height = _layout(out / "board.html", width, 900)["scrollHeight"]
    shot = out / "whole.png"
    _chromium(f"--window-size={width},{height}", f"--screenshot={shot}", (out / "board.html").as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    last_screen = pixels[-900:]
    assert (last_screen.sum(axis=2) < 600).mean() > 0.005
