"""Personal identifiers as the utility checks them (issue 13, point 2)."""

from __future__ import annotations

import pytest

from bot.text.personal import (
    normalize_mobile,
    normalize_name,
    normalize_national_id,
    normalize_phone,
)


@pytest.mark.parametrize(("typed", "stored"), [
    ("09121234567", "09121234567"), ("۰۹۳۵۱۲۳۴۵۶۷", "09351234567"), ("+98 901 123 4567", "09011234567"),
    ("00989211234567", "09211234567"), ("9901234567", "09901234567"), ("0941 123 4567", "09411234567"),
    ("09501234567", None), ("09061234567", None), ("09231234567", None), ("0912123456", None),
    ("04133318871", None), ("+9121234567", None), ("۰۹۱۲-۱۲۳-۴۵۶۷", "09121234567"),
])
def test_mobile_numbers_need_a_real_operator_prefix(typed, stored):
    assert normalize_mobile(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    ("۰۴۱-۳۳۳۱۸۸۷۱", "04133318871"), ("+98 41 3331 8871", "04133318871"), ("09121234567", "09121234567"),
    ("021223344", None), ("09501234567", None), ("00413331887100", None),
])
def test_callback_phones_are_mobiles_or_landlines_with_the_area_code(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    ("0013542419", "0013542419"), ("۰۰۱۳۵۴۲۴۱۹", "0013542419"), ("13542419", "0013542419"),
    ("001-354241-9", "0013542419"), ("0013542418", None), ("1111111111", None), ("3542419", None),
    ("00135424190", None),
])
def test_national_id_check_digit_and_left_out_zeros(typed, stored):
    assert normalize_national_id(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    ("علی رضایی", "علی رضایی"), ("سيد علي", "سید علی"), ("  مریم   حسینی ", "مریم حسینی"),
    ("محمدرضا نیک‌نام", "محمدرضا نیک‌نام"), ("ژاله چگینی-پور", "ژاله چگینی-پور"),
    ("12345", None), ("Ali Rezaei", None), ("علی ۲", None), ("ع", None), ("علی٪", None), ("", None),
])
def test_names_are_persian_letters(typed, stored):
    assert normalize_name(typed) == stored
