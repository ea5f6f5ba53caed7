"""Tracking codes: Damm check digit, randomness, format and parsing, the throttle."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.identifiers import (
    CODE_LENGTH,
    IdentifierError,
    TrackingCodeError,
    damm_digit,
    format_code,
    is_valid,
    new_code,
    parse_bill_id,
    parse_code,
    parse_subscription,
)

bodies = st.text(alphabet="0123456789", min_size=CODE_LENGTH - 1, max_size=CODE_LENGTH - 1)


def with_check(body: str) -> str:
    return body + str(damm_digit(body))


def test_known_damm_values():
    assert damm_digit("572") == 4  # the textbook example
    assert is_valid("57240000000") is (damm_digit("57240000000") == 0)


@given(bodies, st.integers(0, CODE_LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_change_is_caught(body, position, shift):
    code = with_check(body)
    wrong = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1:]
    assert is_valid(code) and not is_valid(wrong)
    with pytest.raises(TrackingCodeError) as err:
        parse_code(wrong)
    assert err.value.code == "check_digit"


@given(bodies, st.integers(0, CODE_LENGTH - 2))
def test_every_adjacent_transposition_is_caught(body, position):
    code = with_check(body)
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2:]
    assert (a == b) or not is_valid(swapped)


def test_every_single_error_and_transposition_exhaustively_for_one_code():
    code = new_code()
    for i in range(CODE_LENGTH):
        for d in "0123456789":
            if d != code[i]:
                assert not is_valid(code[:i] + d + code[i + 1:])
        if i < CODE_LENGTH - 1 and code[i] != code[i + 1]:
            assert not is_valid(code[:i] + code[i + 1] + code[i] + code[i + 2:])


def test_new_codes_are_valid_unique_and_not_sequential():
    codes = [new_code() for _ in range(2000)]
    assert all(is_valid(c) and len(c) == CODE_LENGTH and c[0] != "0" for c in codes)
    assert len(set(codes)) == len(codes)
    numbers = [int(c[:-1]) for c in codes]
    steps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(steps) > 1900  # no fixed stride
    assert len({c[0] for c in codes}) == 9 and len({c[5] for c in codes}) == 10


def test_a_new_code_is_never_a_subscription_number_or_bill_id_too():
    """Pasted alone, an issued code must be read as a tracking code without a question."""
    for code in (new_code() for _ in range(3000)):
        for parse in (parse_subscription, lambda d: parse_bill_id(d, service_type=None)):
            with pytest.raises(IdentifierError):
                parse(code)


@given(bodies.filter(lambda b: b[0] != "0"))
def test_format_and_parse_round_trip(body):
    code = with_check(body)
    shown = format_code(code)
    assert shown.count("-") == 2 and [len(p) for p in shown.split("-")] == [4, 3, 4]
    assert parse_code(shown) == code
    assert parse_code(" ".join(code)) == code


@pytest.mark.parametrize(("text", "error"), [
    ("", "not_digits"), ("کد من", "not_digits"), ("۱۲۳۴", "wrong_length"),
    ("1234567890123", "wrong_length"),
])
def test_parse_errors_say_length_or_digits(text, error):
    with pytest.raises(TrackingCodeError) as err:
        parse_code(text)
    assert err.value.code == error


async def test_lookup_limit_per_kind_and_subject(store):
    """A burst of `limit`, then one more every window / limit; kinds and users apart."""
    assert [await store.take_lookup("track", 1, 2, 60, now=0) for _ in range(3)] == [0, 0, 30]
    assert await store.take_lookup("track", 2, 2, 60, now=0) == 0
    assert await store.take_lookup("number", 1, 2, 60, now=0) == 0
    assert await store.take_lookup("track", 1, 2, 60, now=29.5) == 1
    assert await store.take_lookup("track", 1, 2, 60, now=30.0) == 0
    assert await store.take_lookup("track", 1, 2, 60, now=30.1) == 30
