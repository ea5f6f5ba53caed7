"""The locale file: every key the code uses exists with the same placeholders; texts are
Persian with Persian digits; the loader fails fast on a broken file."""

from __future__ import annotations

import re

import pytest

from bot.text.i18n import Locale, LocaleError, default_locale, t, used_keys


def test_every_key_the_code_uses_exists_with_its_placeholders():
    default_locale().check_usage()
    assert len(used_keys()) > 20


def test_the_check_catches_a_missing_key_and_a_wrong_placeholder(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text('t("a.b", x=1)\nt("a.c")\nt("nope")\n')
    monkeypatch.setattr("bot.text.i18n.ROOT", tmp_path)
    path = tmp_path / "fa.yml"
    path.write_text("a:\n  b: '{y}'\n  c: سلام\n", encoding="utf-8")
    with pytest.raises(LocaleError) as caught:
        Locale.load(path).check_usage(["pkg"])
    message = str(caught.value)
    assert "missing locale key nope" in message and "a.b takes ['y']" in message


@pytest.mark.parametrize(("text", "error"), [
    ("a: [1, 2]\n", "expected text"),
    ("a: '{x:>5}'\n", "plain name"),
    ("a: '{'\n", "a:"),
    ("- just a list\n", "mapping"),
])
def test_a_broken_locale_file_fails_at_load(tmp_path, text, error):
    path = tmp_path / "fa.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LocaleError, match=re.escape(error)):
        Locale.load(path)


def test_rendering_checks_placeholders_and_uses_persian_digits():
    assert "۱۲۲" in t("help.text", emergency=122)
    with pytest.raises(LocaleError):
        t("help.text")
    with pytest.raises(LocaleError):
        t("help.text", emergency="۱۲۲", extra=1)


def test_texts_use_persian_digits():
    ascii_digit = re.compile(r"[0-9]")
    offenders = [key for key, text in default_locale().strings.items()
                 if ascii_digit.search(re.sub(r"\{\w+\}", "", text))]
    assert offenders == []

