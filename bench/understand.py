"""Understanding speed: start-up of `python -m bot understand` and texts per second on one core.

The texts are the labelled utterances of tests/data/ varied so that repeated words do not
make the run a cache test: each text gets random pasted numbers (valid identifiers in
Persian, Arabic or ASCII digits), greetings, emoji, repeated letters, Arabic letters and
half-spaces. They are built before the clock starts. `--jsonl` also times the whole
command on standard input, as a caller would use it.

    .venv/bin/python -m bench.understand --texts 20000
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.domain.identifiers import BillId, PaymentId, SubscriptionNumber, new_code

ROOT = Path(__file__).resolve().parents[1]
PERSIAN, ARABIC = "۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"
PREFIXES = ("", "", "سلام ", "سلام وقت بخیر، ", "ببخشید ", "salam ")
SUFFIXES = ("", "", "؟", " لطفا", " 🙏", "!!!", " ممنون")


def digits(text: str, rng: random.Random) -> str:
    """The same number in ASCII, Persian or Arabic-Indic digits."""
    script = rng.choice(("0123456789", PERSIAN, ARABIC))
    return text.translate(str.maketrans("0123456789", script))


def number(rng: random.Random) -> str:
    """A pasted identifier, sometimes labelled, sometimes two lines."""
    kind = rng.randrange(4)
    if kind == 0:
        sub = SubscriptionNumber.build(f"{rng.randint(10, 40)}", f"{rng.randint(1, 9999):04d}",
                                       str(rng.randint(1, 9_999_999)))
        return rng.choice(("", "شماره اشتراک: ")) + digits(sub.digits, rng)
    if kind == 1:
        bill = BillId.build(str(rng.randint(10**5, 10**10)))
        pay = PaymentId.build(bill, rng.randint(50, 3000) * 1000, 1403, rng.randint(1, 6))
        return digits(f"شناسه قبض: {bill.digits}\nشناسه پرداخت: {pay.digits}", rng)
    if kind == 2:
        code = new_code()
        return digits(f"{code[:4]}-{code[4:7]}-{code[7:]}", rng)
    return digits(str(rng.randint(5, 120)), rng) + " متر مکعب"


def vary(text: str, rng: random.Random) -> str:
    """A labelled utterance as another subscriber might type it."""
    if rng.random() < 0.3:
        text = text.replace("ی", "ي").replace("ک", "ك")
    if rng.random() < 0.3:
        word = rng.choice(text.split() or [text])
        text = text.replace(word, word + word[-1] * rng.randint(2, 4), 1)
    if rng.random() < 0.2:
        text = text.replace("می", "می\u200c").replace(" ", "  ")
    if rng.random() < 0.25:
        text += " " + number(rng)
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


def texts(count: int, seed: int = 11) -> list[str]:
    """`count` varied texts from the labelled utterances."""
    rng = random.Random(seed)
    base = [item["text"] for part in ("dev", "heldout") for item in yaml.safe_load(
        (ROOT / "tests" / "data" / f"understand_{part}.yaml").read_text(encoding="utf-8"))]
    return [vary(rng.choice(base), rng) for _ in range(count)]


def startup(runs: int) -> list[float]:
    """Seconds of `python -m bot understand TEXT`, a fresh process each time."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "understand", "سلام، قبض آبم چقدر شده؟"],
                       check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--startups", type=int, default=7)
    parser.add_argument("--jsonl", action="store_true", help="also time the --jsonl command")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    times = sorted(startup(args.startups))
    print(f"start-up of `python -m bot understand TEXT`: min {times[0]:.3f} s, "
          f"median {times[len(times) // 2]:.3f} s, max {times[-1]:.3f} s ({args.startups} runs)")
    from bot.understand import understand
    from bot.understand.matcher import lexicon

    start = time.perf_counter()
    lexicon()
    print(f"loading and checking the vocabulary in-process: {time.perf_counter() - start:.3f} s")
    batch = texts(args.texts)
    start = time.perf_counter()
    intents: dict[str, int] = {}
    for text in batch:
        intent = understand(text).intent
        intents[intent] = intents.get(intent, 0) + 1
    seconds = time.perf_counter() - start
    print(f"{len(batch)} texts in {seconds:.2f} s: {len(batch) / seconds:,.0f} texts/s on one core")
    print("intents:", ", ".join(f"{k} {v}" for k, v in sorted(intents.items(), key=lambda x: -x[1])))
    if args.jsonl:
        lines = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in batch)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "bot", "understand", "--jsonl"], input=lines,
                              text=True, capture_output=True, check=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        assert len(done.stdout.splitlines()) == len(batch)
        print(f"`--jsonl` with {len(batch)} lines, start-up included: {seconds:.2f} s, "
              f"{len(batch) / seconds:,.0f} texts/s")


if __name__ == "__main__":
    main()
