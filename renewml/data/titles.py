"""Title normalisation and Netflix season-title parsing.

Netflix's Top 10 names a season in many ways ("Season 2", "Part 3", "Volume 4", "Limited Series",
"Stranger Things 4", "Barbarians: II", "Love Is Blind: S8: Minneapolis", "시즌 1"). One parser turns all of
them into a season number and a format, or says why it cannot.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


_CITATION = re.compile(r"\[[^\]]*\]")  # Wikipedia citation markers such as [12]
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Fold a title to a matching key: accents, case, '&', punctuation and spaces do not count.

    Every title of a batch file goes through here, so ASCII text (which has no accents to strip) skips the
    decomposition: the 200,000 titles of `benchmarks/batch_scoring.py`'s file fold in 0.14 s instead of 0.49 s.
    """
    text = str(title)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", "and")
    return _NOT_WORD.sub("", _CITATION.sub("", text))


def slugify(title: str) -> str:
    """A readable, stable identifier for a show, used in row ids."""
    text = unicodedata.normalize("NFKD", str(title))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "x" + hashlib.sha1(str(title).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class SeasonTitle:
    """What a Netflix season title says: its number, whether it is a limited series, or why it is out."""

    season_number: int | None
    is_limited: bool
    skip_reason: str | None = None


_NUMBERED = re.compile(
    r":\s*(?:season|part|volume|vol\.|chapter|class|collection|book|series)\s+(\d+)\b", re.IGNORECASE
)
_SHORT_SEASON = re.compile(r":\s*S(\d+)\s*:", re.IGNORECASE)
_KOREAN = re.compile(r"시즌\s*(\d+)")
_TRAILING_NUMBER = re.compile(r"\s(\d{1,2})\.?$")
_LEADING_NUMBER = re.compile(r":\s*(\d{1,2})\.\s")
_TRAILING_ROMAN = re.compile(r":\s*([IVX]{1,4})$")
_DATED = re.compile(
    r":\s*(january|february|march|april|may|june|july|august|september|october|november|december)\s+\d",
    re.IGNORECASE,
)


def parse_season_title(show_title: str, season_title: str) -> SeasonTitle:
    """Read the season number and format out of a Netflix Top 10 season title."""
    title = season_title.strip()
    if title in ("", "N/A"):
        return SeasonTitle(None, False, "no season title (special, film or stand-up)")
    if _DATED.search(title):
        return SeasonTitle(None, False, "dated live episode")
    if re.search(r":\s*limited series\s*$", title, re.IGNORECASE):
        return SeasonTitle(1, True)
    for pattern in (_NUMBERED, _SHORT_SEASON, _KOREAN, _LEADING_NUMBER):
        match = pattern.search(title)
        if match:
            return SeasonTitle(int(match.group(1)), False)
    roman = _TRAILING_ROMAN.search(title)
    if roman and roman.group(1).lower() in _ROMAN:
        return SeasonTitle(_ROMAN[roman.group(1).lower()], False)
    rest = title[len(show_title) :] if title.lower().startswith(show_title.lower()) else title
    trailing = _TRAILING_NUMBER.search(" " + rest.strip())
    if trailing:
        return SeasonTitle(int(trailing.group(1)), False)
    return SeasonTitle(None, False, "season title without a season number")
