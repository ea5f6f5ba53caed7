"""bot/understand: folding, identifiers and quantities in pasted text, cancel words, the
vocabulary's checks and the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.identifiers import BillId, PaymentId, SubscriptionNumber, bill_barcode, new_code
from bot.text.fmt import digits as persian
from bot.text.normalise import fold
from bot.understand import understand
from bot.understand.cli import main as cli
from bot.understand.matcher import cancel_word
from bot.understand.vocabulary import INTENTS, VOCABULARY_FILE, VocabularyError, load_vocabulary

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUB = SubscriptionNumber.build("11", "0002", "0000001").digits  # 14 digits: only a subscription
BILL = BillId.build("2853241552").digits
PAYMENT = PaymentId.build(BillId.build("2853241552"), 1_250_000, 1403, 3).digits


@pytest.mark.parametrize(("typed", "folded"), [
    ("می‌خوام", "میخوام"), ("مـــیخوام", "میخوام"), ("خیلیییی زیاده", "خیلی زیاده"),
    ("قبضِ آبم؟!", "قبض ابم"), ("ﻗﺒﺾ", "قبض"), ("كنتور يهو", "کنتور یهو"), ("ۀ ة", "ه ه"),
    ("Salaaam 🙏", "salam"), ("۱۲۳ ٤٥٦", "123 456"), ("1000000", "1000000"),
])
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize("text", [
    SUB, persian(SUB), SUB.translate(ARABIC), f"{SUB[:4]} {SUB[4:8]} {SUB[8:]}",
    f"{SUB[:6]}-{SUB[6:]}", f"شماره اشتراک: {persian(SUB)}", f"سلام\nاشتراکم اینه\n{SUB}\nممنون",
])
def test_a_pasted_subscription_number_in_any_digits(text: str) -> None:
    got = understand(text)
    assert got.intent == "bill" and got.values == {"subscription_number": SUB}


@pytest.mark.parametrize("text", [
    f"شناسه قبض: {BILL}\nشناسه پرداخت: {PAYMENT}", f"{BILL} {PAYMENT}", f"{BILL}\n{PAYMENT}",
    persian(f"شناسه قبض {BILL} شناسه پرداخت {PAYMENT}"),
    f"مبلغ قابل پرداخت: 1,250,000 ریال\nشناسه پرداخت: {PAYMENT}\nشناسه قبض: {BILL}",
    bill_barcode(BillId.build("2853241552"), PaymentId.build(BillId.build("2853241552"),
                                                             1_250_000, 1403, 3)),
])
def test_a_bill_id_with_its_payment_id_in_any_layout(text: str) -> None:
    got = understand(text)
    assert got.values == {"bill_id": BILL, "payment_id": PAYMENT}
    assert got.intent == "bill"


# Forms found failing by a blind set and a generator of pastes (issue 11, helper nlu2).
@pytest.mark.parametrize("text", [
    f"«{SUB[:7]} {SUB[7:]}» شماره اشتراکمه",  # the label after the number
    f"شماره اشتراک\n{persian(SUB)}",  # a bank app: the label alone on the line above
    f"شماره اشتراک\n{SUB[:3]} {SUB[3:6]} {SUB[6:9]} {SUB[9:]}",
    f"شماره اشتراک\u00a0{SUB}", f"اشتراک:{SUB[:5]}\u200c{SUB[5:]}",
])
def test_a_labelled_subscription_number_in_real_layouts(text: str) -> None:
    assert understand(text).values == {"subscription_number": SUB}


@pytest.mark.parametrize("text", [
    persian(f"شناسه\u200cقبض {BILL} شناسه\u200cپرداخت {PAYMENT}"),  # labels with a half-space
    f"شناسه قبض\n{BILL}\nشناسه پرداخت\n{PAYMENT}\nمبلغ (ریال)\n1,250,000",
    f"*شناسه قبض*: {BILL}\n*شناسه پرداخت*: {PAYMENT}",
    f"شناسه پرداخت : {PAYMENT}\n\nشناسه قبض : {BILL}",
])
def test_a_pair_in_more_layouts(text: str) -> None:
    assert understand(text).values == {"bill_id": BILL, "payment_id": PAYMENT}


def test_an_sms_with_the_subscription_number_and_the_pair_reads_all_three() -> None:
    sub = SubscriptionNumber.build("29", "9302", "2").digits
    got = understand(persian(f"مشترک گرامی شماره اشتراک {sub} مبلغ ۲۵۰۰۰۰ ریال شناسه قبض {BILL}"
                             f" شناسه پرداخت {PAYMENT} مهلت ۱۴۰۳/۰۱/۱۵"))
    assert got.values == {"subscription_number": sub, "bill_id": BILL, "payment_id": PAYMENT}


def test_a_receipt_titled_pay_is_the_bill_but_asking_to_pay_is_pay() -> None:
    receipt = f"پرداخت قبض\nقبض آب\nشناسه قبض\n{BILL}\nشناسه پرداخت\n{PAYMENT}"
    assert understand(receipt).intent == "bill"
    assert understand(f"این قبضو پرداخت کنید\n{BILL}\n{PAYMENT}").intent == "pay"


@pytest.mark.parametrize("dash", ["-", "\u2010", "\u2011", "\u2013", "\u2212", " "])
def test_a_tracking_code_with_any_dash(dash: str) -> None:
    code = new_code()
    got = understand(persian(f"کد رهگیری: {code[:4]}{dash}{code[4:7]}{dash}{code[7:]}"))
    assert got.intent == "tracking" and got.values == {"tracking_code": code}


def test_a_tracking_code_with_dashes_and_persian_digits() -> None:
    code = new_code()
    got = understand(persian(f"{code[:4]}-{code[4:7]}-{code[7:]}"))
    assert got.intent == "tracking" and got.values["tracking_code"] == code


def test_a_number_of_two_kinds_keeps_the_other_reading() -> None:
    got = understand("70520925650")  # a valid tracking code and subscription number
    assert got.values == {"tracking_code": "70520925650"}
    assert got.alternatives == [{"subscription_number": "70520925650"}]
    labelled = understand("شماره اشتراک 70520925650")
    assert labelled.values == {"subscription_number": "70520925650"} and not labelled.alternatives


def test_numbers_that_are_not_identifiers() -> None:
    assert understand("موبایلم 09121234567 هست").values == {}
    assert understand("مبلغ 1,250,000 ریال").values == {}
    electricity = BillId.build("1234567890", service_type=2).digits
    got = understand(f"شناسه قبض {electricity}")
    assert got.intent == "unknown" and got.out_of_domain == "electricity"
    typo = SUB[:-1] + str((int(SUB[-1]) + 1) % 10)
    assert understand(typo).invalid_number == typo


@pytest.mark.parametrize(("text", "values"), [
    ("۳۰ متر مکعب آب چقدر میشه؟", {"consumption": "30"}),
    ("٢٥ مترمکعب", {"consumption": "25"}),
    ("اگه 12.5 متر مصرف کنم", {"consumption": "12.5"}),
    ("۳۰۰۰۰ لیتر آب", {"consumption": "30"}),
    ("عدد کنتورم ۰۱۲۴۵ هست", {"reading": "1245"}),
    ("الگوی مصرف تبریز", {"city": "tabriz"}),
    ("olgoo masraf mashhad", {"city": "mashhad"}),
])
def test_quantities_and_places(text: str, values: dict) -> None:
    assert understand(text).values == values


@pytest.mark.parametrize(("text", "kind"), [
    ("لغو", "cancel"), ("انصراف", "cancel"), ("بیخیال", "cancel"), ("لغو کن", "cancel"),
    ("منو", "menu"), ("بازگشت", "menu"), ("منوی اصلی", "menu"),
    ("قبض", None), ("لغو درخواست انشعاب فاضلاب که دیروز ثبت کردم", None),
])
def test_cancel_words(text: str, kind: str | None) -> None:
    assert cancel_word(text) == kind


@given(st.text(alphabet="0123456789", min_size=1, max_size=8), st.sampled_from(["", " ", "-"]),
       st.sampled_from(["ascii", "persian", "arabic"]))
@settings(max_examples=150, deadline=None)
def test_any_valid_subscription_number_is_read(serial: str, sep: str, script: str) -> None:
    number = SubscriptionNumber.build("12", "3456", serial).digits
    typed = sep.join([number[:6], number[6:]])
    typed = {"ascii": typed, "persian": persian(typed), "arabic": typed.translate(ARABIC)}[script]
    got = understand(typed)
    readings = [got.values, *got.alternatives]
    assert {"subscription_number": number} in readings or {"bill_id": number} in readings


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "vocabulary.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["intents"]["bill"]["rules"].update({"bill nonsense": 3}),
     "intents.bill.rules 'bill nonsense': unknown concept 'nonsense'"),
    (lambda d: d["intents"]["service"]["targets"].pop("tanker_water"),
     "intents.service.targets.tanker_water: no rules for this catalog entry"),
    (lambda d: d["intents"]["service"]["targets"].update({"flying": {"rules": {"tanker": 3}}}),
     "intents.service.targets.flying: not in the catalog"),
    (lambda d: d["intents"].update({"dance": {"rules": {"bill": 2}}}), "intents.dance: unknown intent"),
    (lambda d: d["intents"]["pay"]["rules"].update({"pay": -1}), "the score must be a number above 0"),
    (lambda d: d.pop("labels"), "labels: expected a mapping"),
    (lambda d: d["places"].update({"atlantis": ["atlantis"]}), "places.atlantis: no such place"),
])
def test_a_bad_vocabulary_is_refused_with_a_clear_error(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(VocabularyError) as error:
        load_vocabulary(_write(tmp_path, change))
    assert message in str(error.value) and "vocabulary.yaml" in str(error.value)


def test_command_line_one_text_and_jsonl_in_order() -> None:
    out = io.StringIO()
    assert cli(["آب تانکری میخوام"], stdout=out) == 0
    assert json.loads(out.getvalue()) == {"intent": "service", "target": "tanker_water",
                                          "values": {}}
    lines = [{"text": "سلام"}, {"text": f"شناسه قبض: {BILL}\nشناسه پرداخت: {PAYMENT}"},
             {"text": "لوله جلوی خونه ترکیده"}]
    stdin = io.StringIO("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n")
    out = io.StringIO()
    assert cli(["--jsonl"], stdin=stdin, stdout=out) == 0
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a.get("intent") for a in answers] == ["greeting", "bill", "incident", None]
    assert answers[1]["values"] == {"bill_id": BILL, "payment_id": PAYMENT}
    assert answers[2]["target"] == "burst_pipe" and "error" in answers[3]


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_is_understood_without_error(text: str) -> None:
    got = understand(text)
    assert got.intent in (*INTENTS, "unknown")
    assert all(v.isascii() for v in got.values.values())
    json.dumps(got.as_json())


def test_a_message_of_telegram_s_maximum_length() -> None:
    text = ("سلام قبض آبم خیلی زیاد اومده xqzv " * 150)[:4096]
    assert understand(text).intent == "high_bill"
