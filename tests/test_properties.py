"""Properties of the field cipher and of the normalisation behind the blind indexes.

The cipher must give back exactly what it sealed, whatever the bytes or text, and refuse to open
a value under any associated data but its own. The normaliser must be idempotent and must fold
case, spacing and punctuation, and the blind index must be equal exactly when the normalised
forms are equal.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from surplace.vault.audit import entry_hash
from surplace.vault.crypto import (
    ENVELOPE_OVERHEAD,
    DataKey,
    envelope_version,
    looks_sealed,
    normalise_for_index,
)
from surplace.vault.exceptions import TamperedCiphertext
from surplace.vault.fields import JSON, TEXT

KEY = DataKey(7, bytes(range(32)))
OTHER_KEY = DataKey(7, bytes(range(1, 33)))

# Every code point except lone surrogates (which UTF-8 cannot carry and no text field can hold).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)

# Text drawn mostly from the scripts names are written in, plus what makes Unicode awkward:
# combining marks, emoji (with joiners and variation selectors), NUL and other controls.
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
HANGUL_JAMO = st.characters(min_codepoint=0x1100, max_codepoint=0x11FF)
COMPAT_JAMO = st.characters(min_codepoint=0x3131, max_codepoint=0x318E)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
CJK_EXT_B = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
COMBINING = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
SPECIAL = st.sampled_from(["\x00", "\u200d", "\ufe0f", "\u00a0", "\u3000", "\ufeff", "\r", "\n"])
awkward_text = st.text(
    st.one_of(HANGUL, HANGUL_JAMO, COMPAT_JAMO, CJK, CJK_EXT_B, EMOJI, COMBINING, SPECIAL,
              st.characters(exclude_categories=["Cs"])),
    max_size=120,
)


@settings(max_examples=300)
@given(plaintext=st.binary(max_size=4096), aad=st.binary(max_size=256))
def test_seal_open_round_trips_any_bytes(plaintext: bytes, aad: bytes) -> None:
    sealed = KEY.seal(plaintext, aad)
    assert looks_sealed(sealed)
    assert envelope_version(sealed) == 7
    assert len(sealed) == len(plaintext) + ENVELOPE_OVERHEAD
    assert KEY.open(sealed, aad) == plaintext


@settings(max_examples=300)
@example(text="방영춘 方英春 Pang Yong-chun", aad=b"person.notes#1")
@example(text="\x00", aad=b"")
@example(text="e\u0301\u0301 \U0001f469\u200d\U0001f467\ufe0f", aad=b"\x00")
@given(text=awkward_text, aad=st.binary(max_size=128))
def test_seal_open_round_trips_any_text(text: str, aad: bytes) -> None:
    sealed = KEY.seal(TEXT.encode(text), aad)
    opened = TEXT.decode(KEY.open(sealed, aad))
    assert opened == text  # exactly: no normalisation, no trimming, NUL kept


@settings(max_examples=200)
@given(value=st.recursive(
    st.none() | st.booleans() | st.integers() | awkward_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(awkward_text, inner, max_size=4),
    max_leaves=12,
))
def test_json_codec_round_trips_through_the_cipher(value: object) -> None:
    assert JSON.decode(KEY.open(KEY.seal(JSON.encode(value), b"person.family#x"),
                                b"person.family#x")) == value


@settings(max_examples=300)
@given(plaintext=st.binary(max_size=512), aad=st.binary(max_size=64),
       other=st.binary(max_size=64))
def test_open_fails_under_a_different_aad(plaintext: bytes, aad: bytes, other: bytes) -> None:
    assume(aad != other)
    sealed = KEY.seal(plaintext, aad)
    with pytest.raises(TamperedCiphertext):
        KEY.open(sealed, other)


@settings(max_examples=100)
@given(plaintext=st.binary(max_size=512), aad=st.binary(max_size=64))
def test_open_fails_under_a_different_key(plaintext: bytes, aad: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        OTHER_KEY.open(KEY.seal(plaintext, aad), aad)


@settings(max_examples=100)
@given(plaintext=st.binary(min_size=1, max_size=64), data=st.data())
def test_any_flipped_bit_is_detected(plaintext: bytes, data: st.DataObject) -> None:
    sealed = bytearray(KEY.seal(plaintext, b"t.c#1"))
    # Past the header: a changed header is a different envelope (see test_vault_fields).
    position = data.draw(st.integers(min_value=5, max_value=len(sealed) - 1))
    sealed[position] ^= 1 << data.draw(st.integers(min_value=0, max_value=7))
    with pytest.raises(TamperedCiphertext):
        KEY.open(bytes(sealed), b"t.c#1")


def test_sealing_twice_gives_different_envelopes() -> None:
    assert KEY.seal(b"same", b"aad") != KEY.seal(b"same", b"aad")


# --- normalisation and blind indexes ---------------------------------------------------------


@settings(max_examples=1000)
@example(value="")
@example(value="ǰ")  # casefold decomposes it; NFKC recomposes it
@example(value="ﬁ ﬀ ß ẞ")
@example(value="Ⅻ ㈜ ㎏ ㍿")
@example(value="<\u0338 =\u0338")  # compose to symbols
@example(value="a\u200d\u0301")
@given(value=st.one_of(any_text, awkward_text))
def test_normalise_is_idempotent(value: str) -> None:
    once = normalise_for_index(value)
    assert normalise_for_index(once) == once


@settings(max_examples=500)
@given(value=st.one_of(any_text, awkward_text))
def test_normalised_form_has_no_outer_or_double_spaces(value: str) -> None:
    out = normalise_for_index(value)
    assert out == out.strip()
    assert "  " not in out
    assert all(unicodedata.category(c)[0] not in "PSZC" for c in out.replace(" ", ""))


# Names as words of letters in the scripts names are written in, separated by runs of
# punctuation, symbols and spaces whose compatibility forms are themselves separators.
def _is_separator(char: str) -> bool:
    return all(unicodedata.category(c)[0] in "PSZC"
               for c in unicodedata.normalize("NFKC", char))


ASCII_LETTER = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Latin letters with diacritics. Dotless ı is left out: "ı".upper() is "I", whose lower case is
# the dotted i, so upper-casing changes the letter itself, not just its case.
LATIN_EXTENDED = st.characters(min_codepoint=0xC0, max_codepoint=0x24F,
                               categories=["Lu", "Ll", "Lt"]).filter(lambda c: c != "\u0131")
LETTER = st.one_of(ASCII_LETTER, ASCII_LETTER, LATIN_EXTENDED, HANGUL, CJK)
SEPARATOR_CHAR = st.one_of(
    st.sampled_from(list(" -.,'’·・、。‐–—_/()\t\n\u00a0\u3000\u200b")),
    st.characters(categories=["Pd", "Ps", "Pe", "Po", "Sm", "Sc", "Zs"]).filter(_is_separator),
)
WORD = st.text(LETTER, min_size=1, max_size=6)
SEPARATOR = st.text(SEPARATOR_CHAR, min_size=1, max_size=3)
EDGE = st.text(SEPARATOR_CHAR, max_size=2)


@st.composite
def name_and_variant(draw: st.DrawFn) -> tuple[str, str]:
    """The same name written twice, with different case, spacing and punctuation."""
    words = draw(st.lists(WORD, min_size=1, max_size=4))

    def write(words: list[str]) -> str:
        cased = []
        for word in words:
            mode = draw(st.sampled_from(["keep", "upper", "lower", "swap", "title"]))
            cased.append({"keep": word, "upper": word.upper(), "lower": word.lower(),
                          "swap": word.swapcase(), "title": word.title()}[mode])
        separators = [draw(SEPARATOR) for _ in range(len(words) - 1)]
        text = draw(EDGE) + cased[0]
        for separator, word in zip(separators, cased[1:], strict=True):
            text += separator + word
        return text + draw(EDGE)

    return write(words), write(words)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@example(pair=("Pang Yong-chun", "  PANG, yong chun. "))
@example(pair=("방 영춘", "방·영춘"))
@example(pair=("方英春", "方英春"))  # full-width space
@example(pair=("Ｐａｎｇ", "pang"))
@given(pair=name_and_variant())
def test_variants_normalise_equal(pair: tuple[str, str]) -> None:
    first, second = pair
    assert normalise_for_index(first) == normalise_for_index(second)


@settings(max_examples=500)
@given(pair=st.one_of(
    name_and_variant(),
    st.tuples(any_text, any_text),
    st.tuples(WORD, WORD),
    name_and_variant().map(lambda p: (p[0], p[1] + "x")),
))
def test_blind_index_equal_iff_normalised_equal(pair: tuple[str, str]) -> None:
    first, second = pair
    same_form = normalise_for_index(first) == normalise_for_index(second)
    same_index = (KEY.blind_index(normalise_for_index(first))
                  == KEY.blind_index(normalise_for_index(second)))
    assert same_index == same_form


@settings(max_examples=200)
@given(value=any_text)
def test_blind_index_depends_on_the_key(value: str) -> None:
    normalised = normalise_for_index(value)
    assert KEY.blind_index(normalised) != OTHER_KEY.blind_index(normalised)
    assert KEY.blind_index(normalised)[0] == KEY.version % 256


def test_near_misses_do_not_normalise_equal() -> None:
    # One letter, one syllable, one character, or a word boundary apart: different people.
    for first, second in [
        ("Pang Yong-chun", "Pang Yong-chan"),
        ("Pang Yong-chun", "Pang Yongchun"),
        ("방영춘", "방영준"),
        ("방영춘", "방 영춘"),
        ("方英春", "方英"),
        ("리영춘", "이영춘"),
        ("金英春", "김영춘"),
    ]:
        assert normalise_for_index(first) != normalise_for_index(second), (first, second)


# --- the audit chain's canonical form ---------------------------------------------------------

optional_text = st.none() | any_text


@settings(max_examples=500)
@example(args=(1, "", None, "", "", None, None, None))
@example(args=(2, "t", "", "a\x1fb", '"\\', "\u2028", "\x00", '{"fields": ["x"]}'))
@given(args=st.tuples(st.integers(min_value=-(2**63), max_value=2**63), any_text, optional_text,
                      any_text, any_text, optional_text, optional_text, optional_text))
def test_audit_entry_hash_is_the_json_canonical_form(
        args: tuple[int, str, str | None, str, str, str | None, str | None, str | None]) -> None:
    """``entry_hash`` builds its JSON by hand for speed; it must equal ``json.dumps``."""
    prev = bytes(range(32))
    canonical = json.dumps(list(args), ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(prev + canonical.encode("utf-8")).digest()
    assert entry_hash(prev, *args) == expected
