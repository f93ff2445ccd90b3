"""Text made safe for Plex without changing what a person reads."""

from __future__ import annotations

import unicodedata

import pytest

from validation.sanitize import (
    ELLIPSIS,
    SUMMARY_MAX,
    TAG_MAX,
    TITLE_MAX,
    clean_summary,
    clean_tags,
    clean_text,
    clean_title,
    cut_at_word,
    transliterate,
)


@pytest.mark.parametrize("value", [None, ""])
def test_empty_values_become_empty_text(value: str | None) -> None:
    assert clean_title(value) == ""
    assert clean_summary(value) == ""


def test_title_line_breaks_and_tabs_become_single_spaces() -> None:
    assert clean_title("  Part\r\n1\tof\n\n2  ") == "Part 1 of 2"


def test_title_control_and_invisible_characters_are_removed() -> None:
    assert clean_title("A\x00B\x07C\x1bD\x7fE\x85F\u200bG\ufeffH\u2028I") == "ABCDEFGHI"


def test_lone_surrogates_are_removed() -> None:
    assert clean_title("ok\ud800ay") == "okay"


def test_runs_of_spaces_and_no_break_spaces_collapse() -> None:
    assert clean_title("a   b\u00a0\u00a0c") == "a b c"


def test_text_is_normalised_to_nfc() -> None:
    assert clean_title("Cafe\u0301") == "Caf\u00e9"


def test_summary_keeps_paragraphs_but_not_more_than_one_blank_line() -> None:
    text = "First  line \r\nsecond\tline\r\r\n\n\n\nnext paragraph\x00\n"
    assert clean_summary(text) == "First line\nsecond line\n\nnext paragraph"


def test_title_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    title = clean_title("word " * 100)
    assert len(title) <= TITLE_MAX
    assert title.endswith("word" + ELLIPSIS)
    assert ELLIPSIS == "\u2026"


def test_title_without_spaces_is_cut_hard_at_the_limit() -> None:
    title = clean_title("x" * 1000)
    assert title == "x" * (TITLE_MAX - 1) + ELLIPSIS


def test_title_of_exactly_the_limit_is_kept() -> None:
    assert clean_title("x" * TITLE_MAX) == "x" * TITLE_MAX


def test_summary_is_capped_at_its_limit() -> None:
    summary = clean_summary("long words here\n" * 2000)
    assert len(summary) <= SUMMARY_MAX
    assert summary.endswith(ELLIPSIS)


def test_cut_at_word_does_not_cut_too_early_for_a_far_space() -> None:
    text = "a " + "b" * 50
    assert cut_at_word(text, 20) == "a " + "b" * 17 + ELLIPSIS


def test_clean_tags_drop_empty_and_case_insensitive_duplicates_keeping_order() -> None:
    assert clean_tags(["Blonde", " ", "blonde", "Outdoor\n", "BLONDE", "", "Outdoor"]) == (
        "Blonde",
        "Outdoor",
    )


def test_clean_tags_cap_each_tag() -> None:
    [tag] = clean_tags(["t" * 400])
    assert len(tag) == TAG_MAX


def test_transliterate_makes_ascii_titles() -> None:
    assert transliterate("\u65e5\u672c\u8a9e") == "Ri Ben Yu"
    assert transliterate("Cr\u00e8me Br\u00fbl\u00e9e") == "Creme Brulee"
    assert transliterate("\u041f\u0440\u0438\u0432\u0435\u0442").isascii()


def test_clean_text_with_custom_limit() -> None:
    assert clean_text("one two three", 9) == "one two" + ELLIPSIS


@pytest.mark.parametrize(
    "value",
    ["e\x00\u0301", "e\u200b\u0301", "\u1100\x00\u1161"],
    ids=["nul-before-accent", "zwsp-before-accent", "hangul-jamo"],
)
def test_clean_title_is_idempotent_when_a_removed_character_separates_a_composition(
    value: str,
) -> None:
    once = clean_title(value)
    assert clean_title(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_clean_tags_treat_tags_that_read_the_same_as_duplicates() -> None:
    assert clean_tags(["Caf\u00e9", "Cafe\x00\u0301"]) == ("Caf\u00e9",)
