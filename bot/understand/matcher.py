"""From a text to an intent, a target and values.

1. Numbers first (bot/understand/numbers.py): pasted identifiers are read by their own
   rules and blanked, quantities (m³, a meter number) read with their units.
2. The rest is folded (bot.text.normalise.fold) into words; «می خوام» becomes «میخوام».
3. Each word is looked up in the vocabulary's concepts: as written, without a suffix
   («قبضمو» → قبض), without a verb prefix («بپردازم»), by its consonant key (Finglish and
   homophone misspellings: «ghabz», «قبظ»), and last by edit distance (rapidfuzz) against
   the forms of four letters or more. Phrases of several words («آب و هوا», «شناسه پرداخت»)
   are matched first and their words are not read again on their own.
4. Every rule whose concepts are all present (and whose excluded ones are absent) scores
   its intent and target; the best wins. Out-of-domain topics (gas, electricity, currency,
   weather) are rules too: when one wins the intent is `unknown` with `out_of_domain` set.
5. Identifiers decide when the words do not (a bare pasted number), quantities after that.
   When nothing scores, or two different intents score alike, up to three suggestions
   are given (near rules and the closest example phrases).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from bot.text.normalise import fold
from bot.understand import numbers
from bot.understand.phonetic import (
    LATIN_ENDINGS,
    homophone_key,
    is_latin,
    key,
    latin_canon,
    slips,
)
from bot.understand.vocabulary import Catalogs, VocabularyFile, vocabulary
from bot.understand.words import common_words

MIN_SCORE = 2.0
CLOSE = 0.5
MAX_SUGGESTIONS = 3
FUZZY_CUTOFF = 82
EXAMPLE_CUTOFF = 70
CACHE_WORDS = 100_000
_DOUBLED = re.compile(r"(.)\1")
SUFFIXES = tuple(sorted((
    "هایمان", "هایتان", "هایشان", "هامون", "هاتون", "هاشون", "هایم", "هایت", "هایش", "های",
    "هام", "هات", "هاش", "ها", "مون", "تون", "شون", "مان", "تان", "شان", "ام", "ات", "اش",
    "یم", "ید", "ند", "مو", "تو", "شو", "رو", "یی", "ای", "ست", "م", "ت", "ش", "و", "ی", "ه",
    "ن", "ا",
), key=len, reverse=True))
PREFIXES = ("نمی", "می", "ب", "ن")
SUFFIX_DEPTH = 3
BOUND = frozenset({"غیر", "بی", "خود", "نا", "gheir", "gheyr", "gheire", "gheyre", "bi", "khod"})
SLIP_MAX = 5
PHRASE_STEM = 4  # a phrase's last word shorter than this takes only «is»: «برای چیه», not
COPULA = ("ه", "ست", "س")  # «کنتور خونمون» (our house's meter) for «کنتور خون» (the reader)
WINDOW = 8  # words: the concepts of one rule must be said this close together
TITLE_WORDS = 3
VERB_ENDINGS = ("کنم", "کنید", "کنین", "کنیم", "کن", "بده", "بدم", "بدید")
ANYWHERE = frozenset({"why", "how", "howmuch", "want", "when", "what_to_do", "meaning", "if"})
LATIN_SUFFIX_KEYS = ("mn", "tn", "Sn", "m", "t", "S", "r", "h", "mr")
ID_INTENTS = {
    numbers.SUBSCRIPTION: {"bill", "pay", "high_bill", "chart", "my_subscriptions", "service",
                           "self_reading", "calculator", "incident"},
    numbers.BILL: {"bill", "pay", "high_bill", "chart", "my_subscriptions", "service", "incident"},
    numbers.TRACKING: {"tracking"},  # a code names one request: follow it, not the list
}
SOCIAL = {"greeting", "thanks"}
CITY_INTENTS = {"info", "calculator", "branch_fee", "service", "incident", "outage"}


@dataclass(frozen=True)
class Rule:
    """All of `need` and none of `without` → `score` for (intent, target)."""

    intent: str
    target: str | None
    need: frozenset[str]
    without: frozenset[str]
    score: float
    order: int


@dataclass
class Understanding:
    """What a text means to the bot."""

    intent: str
    target: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    score: float = 0.0
    sure: bool = True
    suggestions: list[tuple[str, str | None]] = field(default_factory=list)
    alternatives: list[dict[str, str]] = field(default_factory=list)
    out_of_domain: str | None = None
    invalid_number: str | None = None
    scored: list[tuple[str, str | None, float]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The command line's object: intent, target, values, and the extras that apply."""
        out: dict[str, Any] = {"intent": self.intent, "target": self.target, "values": self.values}
        if self.alternatives:
            out["alternatives"] = self.alternatives
        if self.suggestions:
            out["suggestions"] = [{"intent": i, "target": t} for i, t in self.suggestions]
        if self.out_of_domain:
            out["out_of_domain"] = self.out_of_domain
        if self.invalid_number:
            out["invalid_number"] = self.invalid_number
        return out


class Lexicon:
    """The vocabulary compiled for matching."""

    def __init__(self, data: VocabularyFile, catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        self._seen: dict[str, tuple[frozenset[str], bool]] = {}
        self._joined_seen: dict[tuple[str, str], frozenset[str]] = {}
        self.exact: dict[str, frozenset[str]] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        keys: dict[str, set[str]] = {}
        self.canon: dict[str, frozenset[str]] = {}
        homophones: dict[str, set[str]] = {}
        fuzzy: dict[str, set[str]] = {}
        phrases: dict[tuple[str, ...], set[str]] = {}
        for concept, forms in data.concepts.items():
            for form in forms:
                words = tuple(fold(form).split())
                joined = "".join(words)
                self._add(self.exact, joined, concept)
                if len(words) > 1:
                    phrases.setdefault(words, set()).add(concept)
                    continue
                if len(key(joined)) >= 2:
                    keys.setdefault(key(joined), set()).add(concept)
                if is_latin(joined):
                    self._add(self.canon, latin_canon(joined), concept)
                else:
                    homophones.setdefault(homophone_key(joined), set()).add(concept)
                if len(joined) >= 4:
                    fuzzy.setdefault(joined, set()).add(concept)
        for words, concepts in sorted(phrases.items(), key=lambda p: -len(p[0])):
            self.phrases.setdefault(words[0], []).append((words, frozenset(concepts)))
        # A key shared by forms of different concepts is ambiguous: not used.
        self.keys = {k: frozenset(c) for k, c in keys.items() if len(c) == 1}
        self.homophones = {k: frozenset(c) for k, c in homophones.items() if len(c) == 1}
        self.fuzzy_forms = {f: frozenset(c) for f, c in fuzzy.items()}
        self.fuzzy_latin: dict[str, list[str]] = {}
        self.fuzzy_persian: dict[str, list[str]] = {}
        for form in self.fuzzy_forms:
            (self.fuzzy_latin if is_latin(form) else self.fuzzy_persian).setdefault(
                form[0], []).append(form)
        self.ignore = frozenset(fold(w) for w in data.ignore)
        self.rules = self._rules(data)
        self.rules_with: dict[str, list[Rule]] = {}  # concept → the rules that need it
        for rule in self.rules:
            for concept in rule.need:
                self.rules_with.setdefault(concept, []).append(rule)
        self._place_keys: dict[str, str | None] = {}
        self.cancel = {kind: frozenset(fold(w) for w in words) for kind, words in data.cancel.items()}
        self.labels = numbers.Labels(**{k: tuple(fold(w) for w in v)
                                        for k, v in data.labels.items()})
        self.quantities = numbers.Quantities(**{k: tuple(fold(w) for w in v)
                                                for k, v in data.quantities.items()})
        self.places = self._places(data, catalogs)
        self._place_starts = {name[:end] for name in self.places if not name.startswith("~")
                              for end in range(1, len(name) + 1)}
        self.examples = [(fold(text), intent, target) for intent, target, text in _examples(data)]

    @staticmethod
    def _add(table: dict[str, frozenset[str]], form: str, concept: str) -> None:
        table[form] = table.get(form, frozenset()) | {concept}

    @staticmethod
    def _rules(data: VocabularyFile) -> list[Rule]:
        out = []

        def add(intent: str, target: str | None, rules: dict[str, float]) -> None:
            for expression, score in rules.items():
                words = expression.split()
                out.append(Rule(intent, target, frozenset(w for w in words if not w.startswith("-")),
                                frozenset(w[1:] for w in words if w.startswith("-")), score,
                                len(out)))

        for intent, entry in data.intents.items():
            add(intent, None, entry.rules)
            for target, target_entry in entry.targets.items():
                add(intent, target, target_entry.rules)
        for topic, entry in data.out_of_domain.items():
            add("unknown", topic, entry.rules)
        return out

    @staticmethod
    def _places(data: VocabularyFile, catalogs: Catalogs) -> dict[str, str]:
        names: dict[str, str] = {}
        for place in catalogs.places:
            if place.id == "other":
                continue
            for name in (*place.names, *data.places.get(place.id, ())):
                folded = "".join(fold(name).split())
                names.setdefault(folded, place.id)
                if is_latin(folded):  # Finglish spellings meet by consonants («tebriz»)
                    names.setdefault("~" + key(folded), place.id)
        return names

    # --- words --------------------------------------------------------------------------

    def word(self, token: str, strict: bool = False) -> frozenset[str]:
        """The concepts a single folded word stands for (remembered: words repeat). `strict`
        leaves out what only edit distance or a Persian consonant key found."""
        found = self._seen.get(token)
        if found is None:
            found = self._lookup(token)
            if len(self._seen) < CACHE_WORDS:
                self._seen[token] = found
        concepts, loose = found
        return frozenset() if strict and loose else concepts

    def _stem(self, token: str, depth: int = SUFFIX_DEPTH) -> frozenset[str]:
        """The concepts of a Persian word as written or with up to `depth` suffixes taken
        off: a plural, a possessive, an object and a verb's person stack up («قبض‌هامونو»,
        «بیاریمش», «رنگیه»). The longest known stem wins («درخواستای» is «درخواستا», the
        plural, before «درخواست»). One suffix may leave two letters («قبضم»), more must
        leave three («نوه» is not «نو»)."""
        found = self.exact.get(token)
        if found or not depth:
            return found or frozenset()
        best, stems, level = "", {token}, 0
        while stems and level < depth:
            shortest = 2 if level == 0 else 3
            stems = {stem[:-len(suffix)] for stem in stems for suffix in SUFFIXES
                     if stem.endswith(suffix) and len(stem) - len(suffix) >= shortest}
            for stem in stems:
                if len(stem) > len(best) and stem in self.exact:
                    best = stem
            level += 1
        return self.exact[best] if best else frozenset()

    def _latin(self, token: str) -> frozenset[str]:
        """The concepts of a Finglish word as written, in its one spelling (`latin_canon`),
        or with a suffix off («ghabzamoon», «darkhastaye», «kontore»)."""
        found = self.exact.get(token)
        if found:
            return found
        canon = latin_canon(token)
        found = self.canon.get(canon)
        if found:
            return found
        for ending in LATIN_ENDINGS:
            if canon.endswith(ending) and len(canon) - len(ending) >= 3:
                found = self.canon.get(canon[:-len(ending)])
                if found:
                    return found
        return frozenset()

    def _lookup(self, token: str) -> tuple[frozenset[str], bool]:
        """The concepts of a word, and whether only a loose match (edit distance, a Persian
        consonant key) found them."""
        if token in self.ignore or token.isdigit():
            return frozenset(), False
        latin = is_latin(token)
        found = self._stem(token) if not latin else self._latin(token)
        if found:
            return found, False
        single = _DOUBLED.sub(r"\1", token)  # «قبضض»: a key pressed twice
        if single != token and (found := self._stem(single) if not latin else
                                self._latin(single)):
            return found, False
        if not latin:
            for prefix in PREFIXES:
                if token.startswith(prefix) and len(token) - len(prefix) >= 3:
                    found = self._stem(token[len(prefix):])
                    if found:
                        return found, False
        if not latin and token in common_words():  # a word, not a typo: «نوشته» is not «نشت»
            return frozenset(), False
        if not latin:  # a Persian misspelling swaps homophones: «قبظ», «غبض»
            found = self.homophones.get(homophone_key(token))
            if found:
                return found, True
            if 3 <= len(token) <= SLIP_MAX:  # or hits the key beside: «قبص», «قیصم»
                for slip in slips(token):
                    found = self._stem(slip, SUFFIX_DEPTH - 1)
                    if found:
                        return found, True
        k = key(token)
        if latin and len(k) >= 3:  # two consonants are too few: «zade» and «ziad» share "zd"
            found = self.keys.get(k)
            if found:
                return found, False
            for tail in LATIN_SUFFIX_KEYS:
                if k.endswith(tail) and len(k) - len(tail) >= 2 and (
                        found := self.keys.get(k[:-len(tail)])):
                    return found, False
        if len(token) >= 4:  # a typo keeps the first letter: «امور» is not «مامور»
            choices = (self.fuzzy_latin if latin else self.fuzzy_persian).get(token[0], ())
            best = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if best:
                return self.fuzzy_forms[best[0]], True
        return frozenset(), False

    def concepts(self, tokens: list[str], strict: bool = False) -> dict[str, list[int]]:
        """The concepts of a text's words, each with the positions of the words that say it."""
        found: dict[str, list[int]] = {}
        skip = 0
        for i, token in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            phrase = self._phrase(tokens, i)
            if phrase:
                words, concepts = phrase
                skip = len(words) - 1
            elif i + 1 < len(tokens) and (joined := self._joined(token, tokens[i + 1])):
                concepts, skip = joined, 1
            else:
                concepts = self.word(token, strict)
            for concept in concepts:
                found.setdefault(concept, []).append(i)
        return found

    def _joined(self, first: str, second: str) -> frozenset[str]:
        """The concepts of one word typed as two («pey giri», «غیر مجاز», «gheire mojaz»),
        when one half means nothing alone or the first is a bound word (غیر، بی، خود، نا)."""
        pair = (first, second)
        found = self._joined_seen.get(pair)
        if found is None:
            found = self._join(first, second)
            if len(self._joined_seen) < CACHE_WORDS:
                self._joined_seen[pair] = found
        return found

    def _join(self, first: str, second: str) -> frozenset[str]:
        if first.isdigit() or second.isdigit() or is_latin(first) != is_latin(second) or \
                first in self.ignore or second in self.ignore:
            return frozenset()
        if not (first in BOUND or not self.word(first, True) or not self.word(second, True)):
            return frozenset()
        whole = first + second
        if is_latin(whole):
            return self._latin(whole) or (self.keys.get(key(whole), frozenset())
                                          if len(key(whole)) >= 4 else frozenset())
        return self.exact.get(whole, frozenset())  # «کنتور خونمون» is not «کنتورخون»+«مون»

    def _phrase(self, tokens: list[str], i: int) -> tuple[tuple[str, ...], frozenset[str]] | None:
        for words, concepts in self.phrases.get(tokens[i], ()):
            end = i + len(words)
            if end <= len(tokens) and tuple(tokens[i:end - 1]) == words[:-1] and (
                    _inflected(tokens[end - 1], words[-1])):
                return words, concepts
        return None

    def city(self, tokens: list[str]) -> str | None:
        """The place id of the first place name in the words, if any."""
        for i, token in enumerate(tokens):
            if token in self._place_starts:  # a place name, or the first word of one
                for size in (3, 2, 1):
                    joined = "".join(tokens[i:i + size])
                    if joined in self.places:
                        return self.places[joined]
            if token.endswith(("ه", "ی")) and token[:-1] in self.places:
                return self.places[token[:-1]]  # «مشهده» (is Mashhad), «تبریزی»
        for token in tokens:
            if token not in self._place_keys and len(self._place_keys) < CACHE_WORDS:
                self._place_keys[token] = (
                    self.places.get("~" + key(token)) if len(token) >= 4 and is_latin(token)
                    and token not in self.ignore and not self.word(token) else None)
            found = self._place_keys.get(token)
            if found:
                return found
        return None


LATIN_SUFFIXES = ("e", "a", "i", "am", "at", "ash", "o", "ye", "mo", "ro", "ha", "eh")


def _inflected(token: str, word: str) -> bool:
    """Whether a token is the word, or the word with a suffix («عادیه» for «عادی»,
    «aloode» for «alood»)."""
    if token == word or not token.startswith(word):
        return token == word
    suffix = token[len(word):]
    if is_latin(word):
        return suffix in LATIN_SUFFIXES
    return suffix in (SUFFIXES if len(word) >= PHRASE_STEM else COPULA)


def _examples(data: VocabularyFile) -> list[tuple[str, str | None, str]]:
    out = []
    for intent, entry in data.intents.items():
        out += [(intent, None, text) for text in entry.examples]
        for target, target_entry in entry.targets.items():
            out += [(intent, target, text) for text in target_entry.examples]
    return out


def tokens_of(text: str) -> list[str]:
    """The folded words of a text, with «می»/«نمی» joined to their verb and «ها» to its noun."""
    out: list[str] = []
    for token in fold(text).split():
        if out and out[-1] in ("می", "نمی") and not token.isdigit():
            out[-1] += token
        elif out and token in ("ها", "های", "هایی", "هام", "هامو") and not out[-1].isdigit():
            out[-1] += token
        else:
            out.append(token)
    return out


@cache
def lexicon() -> Lexicon:
    """The bundled vocabulary, compiled once."""
    return Lexicon(*vocabulary())


def cancel_word(text: str, lex: Lexicon | None = None) -> str | None:
    """`cancel` or `menu` when the whole text is one of those words (at most three words)."""
    lex = lex or lexicon()
    words = [w for w in tokens_of(text) if w not in lex.ignore]
    if not words or len(words) > 3:
        return None
    for kind in ("cancel", "menu"):
        if " ".join(words) in lex.cancel[kind] or "".join(words) in lex.cancel[kind] or (
                words[0] in lex.cancel[kind] and len(words) <= 2):
            return kind
    return None


def _near(need: frozenset[str], found: dict[str, list[int]]) -> bool:
    """Whether the concepts a rule needs are said within WINDOW words of each other: in a
    long message «سواد زیادی ندارم … قبضم چقدره» the «زیاد» is not about the bill. Question
    words ask about the whole message, wherever they are («… این دوره اومده ۳۵۰ نمیدونم چرا»)."""
    need = need - ANYWHERE
    if len(need) < 2:
        return True
    marks = sorted((at, concept) for concept in need for at in found[concept])
    if marks[-1][0] - marks[0][0] < WINDOW:
        return True
    seen: dict[str, int] = {}
    start = 0
    for at, concept in marks:  # the shortest stretch that holds every needed concept
        seen[concept] = seen.get(concept, 0) + 1
        while len(seen) == len(need):
            if at - marks[start][0] < WINDOW:
                return True
            first = marks[start][1]
            seen[first] -= 1
            if not seen[first]:
                del seen[first]
            start += 1
    return False


def _score(lex: Lexicon, found: dict[str, list[int]]) -> dict[tuple[str, str | None], float]:
    best: dict[tuple[str, str | None], tuple[float, int]] = {}
    present = frozenset(found)
    short = all(at[-1] < WINDOW for at in found.values())  # every rule's words are close
    candidates = {rule.order: rule for c in present for rule in lex.rules_with.get(c, ())}
    for order in sorted(candidates):  # file order: equal scores are decided the same way always
        rule = candidates[order]
        if rule.need <= present and not (rule.without & present) and (
                short or _near(rule.need, found)):
            pair = (rule.intent, rule.target)
            if pair not in best or rule.score > best[pair][0]:
                best[pair] = (rule.score, order)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1]))
    return {pair: score for pair, (score, _) in ranked}


def _suggest(lex: Lexicon, found: set[str], text: str, exclude: set[tuple[str, str | None]]
             ) -> list[tuple[str, str | None]]:
    """Up to three (intent, target) the user may have meant: near rules, close examples."""
    ranked: dict[tuple[str, str | None], float] = {}
    for rule in lex.rules:
        if rule.intent == "unknown" or rule.without & found:
            continue
        shared = len(rule.need & found)
        if shared:
            near = rule.score * shared / len(rule.need)
            pair = (rule.intent, rule.target)
            ranked[pair] = max(ranked.get(pair, 0.0), near)
    if text:
        for example, score, _ in process.extract(
                text, [e[0] for e in lex.examples], scorer=fuzz.token_set_ratio,
                score_cutoff=EXAMPLE_CUTOFF, limit=5):
            for folded, intent, target in lex.examples:
                if folded == example:
                    ranked[(intent, target)] = max(ranked.get((intent, target), 0.0), score / 50)
    order = sorted((p for p in ranked if p not in exclude and p[0] not in SOCIAL),
                   key=lambda p: -ranked[p])
    return order[:MAX_SUGGESTIONS]


def understand(text: str, lex: Lexicon | None = None, strict: bool = False) -> Understanding:
    """What a text means: intent, target, values (ASCII digits) and how sure. `strict` reads
    words only as written (with suffixes, prefixes, Finglish), not by edit distance or a
    Persian consonant key: for texts typed inside a step, where a near word must not
    take the user elsewhere («دوازده» is not «دزدیده»). A place is a value only where it
    matters (the pattern, the calculator, fees, services, incidents, outages), not in the
    signature of a pasted SMS («آبفای تبریز»)."""
    result = _understand(text, lex or lexicon(), strict)
    if result.intent not in CITY_INTENTS:
        result.values.pop("city", None)
    return result


def _only_titles(lex: Lexicon, text: str, concept: str) -> bool:
    """Whether every line that says `concept` is a title: at most three words and no verb
    («پرداخت قبض», «رسید پرداخت» heading a bank app's receipt, not «پرداختش کنید»)."""
    for line in text.splitlines():
        words = tokens_of(line)
        if not any(concept in lex.word(w) for w in words):
            continue
        if len(words) > TITLE_WORDS or any(
                w.endswith(VERB_ENDINGS) or w.startswith(("می", "نمی")) or
                lex.word(w) & {"want", "give"} for w in words):
            return False
    return True


def _understand(text: str, lex: Lexicon, strict: bool) -> Understanding:
    ids = numbers.find_identifiers(text, lex.labels)
    rest = numbers.mask(text, ids.spans)
    quantities = numbers.find_quantities(rest, lex.quantities)
    tokens = tokens_of(rest)
    found = lex.concepts(tokens, strict)
    values = dict(ids.values)
    for name, value in quantities.items():
        values.setdefault(name, value)
    city = lex.city(tokens)
    if city:
        values["city"] = city
    scores = _score(lex, found)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best = ranked[0] if ranked and ranked[0][1] >= MIN_SCORE else None
    result = Understanding("unknown", values=values, alternatives=ids.alternatives,
                           invalid_number=ids.invalid,
                           scored=[(i, g, s) for (i, g), s in ranked if s >= MIN_SCORE])

    order = ((numbers.BILL, numbers.TRACKING, numbers.SUBSCRIPTION)
             if numbers.PAYMENT in ids.values else (numbers.TRACKING, numbers.BILL, numbers.SUBSCRIPTION))
    identifier = next((k for k in order if k in ids.values), None)
    if best and best[0][0] == "unknown" and not identifier:
        result.out_of_domain = best[0][1]
        result.score = best[1]
        return result
    if identifier:
        if best and best[0] == ("pay", None) and numbers.PAYMENT in ids.values and \
                _only_titles(lex, rest, "pay"):
            best = ("bill", None), best[1]  # «پرداخت قبض» heading a pasted receipt
        if best and best[0][0] in ID_INTENTS[identifier]:
            result.intent, result.target = best[0]
            result.score = best[1]
        else:
            result.intent = "tracking" if identifier == numbers.TRACKING else "bill"
            result.score = MIN_SCORE
        return result
    if ids.other_service and not (best and best[0][0] not in SOCIAL | {"bill", "pay", "unknown"}):
        result.out_of_domain = ids.other_service
        return result
    if best and best[0][0] in SOCIAL and ("consumption" in values or "reading" in values):
        best = None
    if best:
        (result.intent, result.target), result.score = best
        rivals = [(pair, s) for pair, s in ranked[1:] if pair[0] != result.intent and
                  pair[0] not in SOCIAL and pair[0] != "unknown" and s >= MIN_SCORE]
        if rivals and best[1] - rivals[0][1] < CLOSE:
            result.sure = False
            result.suggestions = [best[0], *[p for p, _ in rivals[:MAX_SUGGESTIONS - 1]]]
        return result
    if "consumption" in values:
        result.intent, result.score = "calculator", MIN_SCORE
        return result
    if "reading" in values:
        result.intent, result.score = "self_reading", MIN_SCORE
        return result
    if ids.invalid:
        result.intent = "tracking" if len(ids.invalid) == 11 else "bill"
        result.score = MIN_SCORE
        return result
    result.sure = False
    result.suggestions = _suggest(lex, set(found), " ".join(tokens), set())
    return result
