"""The demo's texts are data files: they load, they ship in the wheel, and a slip in one of them
stops the build with the file's name instead of quietly changing the crawl."""

from __future__ import annotations

import configparser
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO
from weft.demo.content import ARTICLES, SITES, TEXTS_DIR, UI, format_date, load_texts


@pytest.fixture()
def texts(tmp_path: Path) -> Path:
    """A copy of the shipped texts that a test may break."""
    return Path(shutil.copytree(TEXTS_DIR, tmp_path / "texts"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_article_file_is_crawled_once_in_the_listed_order() -> None:
    files = sorted(path.stem for path in TEXTS_DIR.glob("*/*.txt"))
    assert sorted(article.key for article in ARTICLES) == files
    assert [a.key for a in ARTICLES][:3] == ["trail-ridge", "hut-packing", "winter-walks"]
    assert {site.lang for site in SITES.values()} == set(UI) == {"en", "de", "fr", "es", "ja", "zh"}


def test_package_data_ships_every_texts_file() -> None:
    """A new kind of file under demo/texts must be added to setup.cfg, or wheels lack it."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    patterns = [p.strip() for p in cfg["options.package_data"]["weft.demo"].split(",")]
    package = REPO / "demo"
    shipped = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    on_disk = {path for path in TEXTS_DIR.rglob("*") if path.is_file()}
    assert on_disk and shipped == on_disk


def test_a_copy_of_the_texts_loads_the_same(texts: Path) -> None:
    loaded = load_texts(texts)
    assert loaded.articles == ARTICLES and loaded.sites == SITES and loaded.ui == UI


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "2 February 2024"), ("de", "02.02.2024"), ("fr", "02/02/2024"),
    ("es", "02/02/2024"), ("ja", "2024年2月2日"), ("zh", "2024年2月2日"),
])
def test_dates_follow_each_language_s_date_format(lang: str, expected: str) -> None:
    assert format_date("2024-02-02", lang) == expected


def test_a_misspelt_front_matter_key_names_the_file(texts: Path) -> None:
    _edit(texts / "en" / "sourdough.txt", "warc_images = true", "warc_image = true")
    with pytest.raises(ValueError, match=r"sourdough\.txt.*unknown warc_image"):
        load_texts(texts)


def test_an_article_missing_from_the_crawl_order_is_an_error(texts: Path) -> None:
    _edit(texts / "crawl.toml", '"radis",', "")
    with pytest.raises(ValueError, match="missing from pages: radis"):
        load_texts(texts)


def test_a_new_article_needs_front_matter(texts: Path) -> None:
    (texts / "fr" / "brouillon.txt").write_text("Un texte sans en-tête.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"brouillon\.txt: an article starts with a front matter"):
        load_texts(texts)


def test_languages_must_offer_the_same_interface_strings(texts: Path) -> None:
    _edit(texts / "es" / "ui.toml", 'subscribe = "Suscribirse"\n', "")
    with pytest.raises(ValueError, match=re.escape("differ in subscribe")):
        load_texts(texts)


def test_a_copy_keeps_its_text_in_the_original(texts: Path) -> None:
    path = texts / "de" / "kraeuter-copy.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nEin eigener Absatz.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="leave the body empty"):
        load_texts(texts)
