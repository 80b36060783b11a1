import pytest

from renewml.data.titles import normalize_title, parse_season_title, slugify


@pytest.mark.parametrize(
    ("show", "season_title", "number", "limited", "skipped"),
    [
        ("HIS & HERS", "HIS & HERS: Limited Series", 1, True, False),
        ("Squid Game", "Squid Game: Season 2", 2, False, False),
        ("Lupin", "Lupin: Part 3", 3, False, False),
        ("Love, Death & Robots", "Love, Death & Robots: Volume 4", 4, False, False),
        ("Stranger Things", "Stranger Things 4", 4, False, False),
        ("Barbarians", "Barbarians: II", 2, False, False),
        ("Love Is Blind", "Love Is Blind: S8: Minneapolis", 8, False, False),
        ("Idol I", "Idol I: 시즌 1", 1, False, False),
        ("The Snow Girl", "The Snow Girl: 2. The Soul Game", 2, False, False),
        ("Weak Hero", "Weak Hero: Class 2", 2, False, False),
        ("Furies", "Furies: Season 2: : Resistance", 2, False, False),
        ("KAOS", "N/A", None, False, True),
        ("Raw", "Raw: June 1, 2026", None, False, True),
        ("DAHMER", "DAHMER: Monster: The Jeffrey Dahmer Story", None, False, True),
    ],
)
def test_parse_season_title(show, season_title, number, limited, skipped):
    parsed = parse_season_title(show, season_title)
    assert parsed.season_number == number
    assert parsed.is_limited is limited
    assert (parsed.skip_reason is not None) is skipped


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HIS & HERS", "His and Hers"),
        ("Pokémon", "pokemon"),
        ("The Witcher[12]", "the witcher"),
        ("XO, Kitty", "xo kitty"),
        ("시즌 1", "시즌1"),
    ],
)
def test_normalize_title_folds_case_accents_and_punctuation(a, b):
    assert normalize_title(a) == normalize_title(b)


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Pokémon [12] & Co.", "pokemonandco"),  # the accent path
        ("Pokemon [12] & Co.", "pokemonandco"),  # the ASCII path: the same key
        ("Ｆｕｌｌ Ｗｉｄｔｈ", "fullwidth"),  # compatibility forms fold too
        ("a [1] b [unclosed", "abunclosed"),
    ],
)
def test_normalize_title_gives_the_same_key_on_both_paths(title, key):
    assert normalize_title(title) == key


def test_slugify_is_stable_and_readable():
    assert slugify("HIS & HERS") == "his-and-hers"
    assert slugify("【OSHI NO KO】") == "oshi-no-ko"
    assert slugify("시즌") == slugify("시즌")  # non-Latin titles get a stable hash
    assert slugify("시즌").startswith("x")
