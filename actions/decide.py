"""Which action answers a message, a button or a command — the bot's decision table.

Actions themselves only decide replies; this module only picks the action. Nothing here
touches the database or the network, so the whole table is testable with published content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from actions.base import EMERGENCY_ANSWER_ID, Action, emergency_line, offer_answers
from actions.clarify import ClarifyAction
from actions.country import ChooseCountryAction, NoCountryAction
from actions.emergency import (
    CRISIS_ANSWER_ID,
    EMERGENCY_TOPICS,
    ShowEmergencyAction,
    crisis_first,
    emergency_first,
)
from actions.local_words import local_word_country
from actions.reply import KeepQuestion, Reply, SetCountry
from actions.routes import HelpAction, Route, Situation
from actions.smalltalk import FeedbackAction, GoodbyeAction, GreetAction, ThanksAction
from actions.topic import AnswerTopicAction, OutOfScopeAction, SearchAction
from bot.content.repository import ContentRepository
from bot.i18n import _, country_name
from bot.nlu.client import NluResult
from bot.settings import get_settings
from vietnlp.countries import COUNTRIES, country_code
from vietnlp.intents import ANSWER_EMERGENCY_INTENTS, EMERGENCY_INTENTS
from vietnlp.text import fold, has_diacritics, has_words, spans

# Intents whose answer is the emergency numbers (a crisis has its own path).
EMERGENCY_INTENT_KINDS = {i: k for i, k in ANSWER_EMERGENCY_INTENTS.items() if k != "suicide"}


def named_country(nlu: NluResult | None) -> str | None:
    """The country the message names ("ở Hàn…"), from the NLU's country entity."""
    entity = nlu.entity("country") if nlu else None
    return country_code(entity.value) if entity else None


# Words just before a country that say it is where the person was, or is now.
_PAST = frozenset({"tung", "truoc", "truoc day", "nam ngoai", "xua", "luc do"})
# Markers that fold like common words: "hồi" (back then) like "hỏi" (to ask: "cho em hỏi … ở Đài
# …"), "từ" (from) like "tư" ("tư vấn … ở Nhật": advice in Japan), "cũ" (former) like "cứ". Typed
# with accents, only the accented marker counts. Without accents "hoi" never counts (asking is
# far more common than "back then") unless "hoi do / hoi xua / hoi truoc", and "tu" does not when
# it is "tư vấn / tư nhân / tư pháp", and "cu" only after "công ty / chủ / việc / nơi / chỗ".
_ACCENTED_PAST = {"hoi": "hồi", "tu": "từ", "cu": "cũ"}
_NOT_TU = frozenset({"van", "nhan", "phap", "lieu", "thien"})
_HOI_THEN = frozenset({"do", "xua", "truoc", "nam"})
_CU_AFTER = frozenset({"ty", "chu", "viec", "noi", "cho"})
_COUNTRY_WORDS = frozenset({"nhat", "han", "dai", "loan", "japan", "korea", "taiwan"})
_NOW = frozenset(
    {"dang", "gio", "h", "hien", "bay gio", "sang", "moi qua", "hien tai", "nay", "vua qua"}
    | {"tu luc", "tu khi", "ke tu"}  # "từ lúc qua Đài Trung": since coming, so there now
)


def current_country(nlu: NluResult | None, text: str, stored: str | None) -> str | None:
    """Where the person is, when the message names countries ("hồi ở Đài… giờ qua Nhật").

    A country named with "đang/giờ/mới qua" wins; then the country they chose, when the message
    names it too; then one not named with "từng/trước/hồi", a later one over an earlier one
    (stories go from then to now).
    """
    if nlu is None:
        return None
    named: list[tuple[int, str]] = []
    for entity in nlu.entities:
        code = country_code(entity.value) if entity.entity == "country" else None
        if code is None:
            continue
        # The words before it in the same clause ("hồi trước em làm thực tập sinh ở Nhật, …").
        clause = re.split(r"[.,;!?\n]", text[max(0, entity.start - 80) : entity.start])[-1]
        # Each folded syllable with the word it was typed as (lower case, accents kept).
        typed = [(syl, span.text.lower()) for span in spans(clause) for syl in span.expanded]
        typed = typed[-10:]
        before = [syl for syl, _ in typed]
        accents = has_diacritics(clause)
        weight = 0
        for i in range(len(before) - 1, -1, -1):  # the marker nearest to the country decides
            if before[i] in _COUNTRY_WORDS:  # "từ Hàn qua Nhật": "từ" is Korea's, not Japan's
                if _moved_from(before, typed, i, entity.text, accents):
                    weight = 1  # … and Japan is where they went: where they are now
                break
            if before[i] == "nay" and (not accents or typed[i][1] != "nay"):
                continue  # "này" (this: "ở bên này", "tháng này"), not "nay" (now)
            words = {before[i], " ".join(before[max(0, i - 1) : i + 1])}
            if words & _NOW:
                weight = 1
                break
            if before[i] in _ACCENTED_PAST:
                if _is_past_marker(before, i, typed[i][1], accents):
                    weight = -1
                    break
                continue
            if words & _PAST:
                weight = -1
                break
        if weight == 0 and _arrived(entity.text, text[entity.end : entity.end + 20]):
            weight = 1
        named.append((weight, code))
    if not named:
        return None
    best = max(weight for weight, _ in named)
    if best < 0:  # only where they were before ("hồi ở Hàn…"): where they are now is unsaid
        return None
    if best < 1 and (0, stored) in named:
        return stored
    return [code for weight, code in named if weight == best][-1]


# After "qua/sang <country>": the person has arrived ("qua Nhật rồi", "sang Hàn được 2 năm";
# teencode "r", "dc" expand to these).
_ARRIVED = frozenset({"roi", "duoc"})


def _arrived(mention: str, after: str) -> bool:
    """Whether a mention "qua/sang <country>" is followed by "rồi" or "được": they are there now."""
    if fold(mention.lower()).split()[:1] not in (["qua"], ["sang"]):
        return False
    if not re.match(r"\s+\w", after):  # "qua Nhật, rồi …" is "and then"
        return False
    following = [syllable for span in spans(after)[:1] for syllable in span.expanded]
    return bool(following) and following[0] in _ARRIVED


def _moved_from(
    before: list[str], typed: list[tuple[str, str]], i: int, mention: str, accents: bool
) -> bool:
    """Whether the country word at ``before[i]`` is the start of "từ <there> qua/sang <this
    mention>" ("em chuyển từ Nhật qua Đài Trung làm"): the person moved to this country."""
    if (
        i == 0
        or before[i - 1] != "tu"
        or not _is_past_marker(before, i - 1, typed[i - 1][1], accents)
    ):
        return False
    between = before[i + 1 :]
    first_word = fold(mention.lower()).split()[:1]
    return between in (["qua"], ["sang"]) or (not between and first_word in (["qua"], ["sang"]))


def _is_past_marker(before: list[str], i: int, typed: str, accents: bool) -> bool:
    """Whether "hoi" / "tu" / "cu" at ``before[i]`` is "hồi" / "từ" / "cũ" (see _ACCENTED_PAST)."""
    folded = before[i]
    if accents:
        return typed == _ACCENTED_PAST[folded]
    following = before[i + 1] if i + 1 < len(before) else ""
    if folded == "hoi":
        return following in _HOI_THEN
    if folded == "cu":  # "ba cu" is an old lady (bà cụ); "cong ty cu", "chu cu" a former one
        return i > 0 and before[i - 1] in _CU_AFTER
    return not (folded == "tu" and following in _NOT_TU)


def choose_action(
    nlu: NluResult | None,
    text: str,
    country: str | None,
    repo: ContentRepository,
    *,
    threshold: float,
) -> Action:
    """The action for a text message (``nlu`` is None when the NLU is unavailable)."""
    if not has_words(text):  # blank, or only emoji and symbols: nothing to search for
        return HelpAction(detailed=True)
    if nlu is None:
        return SearchAction(text, country) if country else NoCountryAction()
    if nlu.confidence < threshold:
        if country is None:
            return NoCountryAction()
        return ClarifyAction(text, country, nlu.ranking, nlu.intent, nlu.confidence)
    intent = nlu.intent
    if intent == "choose_country":
        return ChooseCountryAction(named_country(nlu), first_time=country is None)
    if intent == "greet":
        return GreetAction(country)
    if intent == "help":
        return HelpAction(detailed=True)
    if intent == "thanks":
        return ThanksAction()
    if intent == "goodbye":
        return GoodbyeAction()
    if intent == "feedback":
        return FeedbackAction()
    answer_ids = repo.answer_ids_for_intent(intent)
    if not answer_ids:  # out_of_scope, or an intent the content does not cover yet
        return OutOfScopeAction(text, country)
    answer_country = current_country(nlu, text, country) or country
    if answer_country is None:
        if intent in EMERGENCY_INTENT_KINDS:
            return ShowEmergencyAction(None, kind=EMERGENCY_INTENT_KINDS[intent])
        return NoCountryAction(then_answer=answer_ids[0])
    return AnswerTopicAction(intent, text, answer_country, nlu.confidence)


@dataclass(frozen=True)
class Understood:
    """What the engine knows about a typed message before deciding: the NLU's combined result
    (None when the NLU is unavailable), another question in it, and the safety signals."""

    nlu: NluResult | None
    text: str
    nlu_down: bool = False
    alert_kind: str | None = None  # the emergency lexicon: medical | police | suicide
    alert_lookalike: bool = False  # the lexicon found only an everyday look-alike ("tu van")
    crisis: float = 0.0  # the classifier's highest self-harm probability in any part
    emergency: tuple[str, float] | None = None  # its strongest other emergency in any part
    second: str | None = None  # the intent of a second question


# The classifier's evidence needed to take the safety path without a lexicon word (it errs on the
# side of safety: a helpline shown once too often costs little).
CRISIS_MIN = 0.3
CRISIS_OVER_ALERT = 0.6
EMERGENCY_MIN = 0.5
# Below this, a crisis seen by the classifier alone (no lexicon word) puts the crisis lines on top
# of the answer to the question asked, not in place of it (0.8: read off the counts of
# `bench_nlu.py --aggregates`, docs/nlu.md): stories of debt, pregnancy or a violent
# husband sound desperate without being a cry for help, and the person still needs their answer.
CRISIS_BESIDE_ANSWER = 0.8
# A fainter sign still puts the crisis lines on top of the reply (a "Ý bạn là…?" has them
# already): a cry for help in dialect or metaphor may get no more from the classifier, and two
# lines too many cost little.
CRISIS_LINES_MIN = 0.2
# The emergency answers whose own numbers are of one kind: on the safety path both numbers come
# first (someone beaten and bleeding needs the ambulance and the police).
ONE_KIND_ANSWERS = frozenset({"ambulance", "police"})
# The answers that are the emergency numbers and little else.
NUMBERS_ANSWERS = ONE_KIND_ANSWERS | {EMERGENCY_ANSWER_ID}


def safety_kind(understood: Understood) -> str | None:
    """The kind of emergency to answer first, if any: the lexicon, else the classifier.

    A medical or police word ("lay không dậy") gives way to a crisis only on strong evidence:
    a roommate who does not wake up needs the ambulance first.
    """
    if understood.alert_kind == "suicide":
        return "suicide"
    if understood.alert_kind is not None:
        return "suicide" if understood.crisis >= CRISIS_OVER_ALERT else understood.alert_kind
    if understood.crisis >= CRISIS_MIN:
        return "suicide"
    if understood.emergency is not None and understood.emergency[1] >= EMERGENCY_MIN:
        return EMERGENCY_INTENTS[understood.emergency[0]]
    return None


def respond(
    understood: Understood,
    country: str | None,
    repo: ContentRepository,
    *,
    threshold: float,
) -> list[Reply]:
    """Every reply to a typed message, the most important first.

    A cry for help gets the crisis lines first, an emergency its numbers on top of the answer, in
    one message; a country named in the message is switched to and the question still answered;
    a second question becomes a button.
    """
    nlu, text = understood.nlu, understood.text
    named = current_country(nlu, text, country)
    # No country chosen and none named: a word only one country uses ("hoken", "의원") says it.
    hint = local_word_country(text) if named is None and country is None else None
    if hint is not None:
        named = hint[0]
    # Even when unsure of the topic: the suggestions and the emergency line must be that
    # country's ("em mới sang Đài Trung…" from someone who chose Korea).
    switch = (
        named is not None
        and named != country
        and nlu is not None
        and nlu.intent != "choose_country"
    )
    answer_country = named or country
    if nlu is not None and nlu.confidence < threshold:
        nlu = _with_crisis_suggestion(nlu, understood.crisis)
    main = decide(nlu, text, answer_country if switch else country, repo, threshold=threshold)
    note = ""
    if switch and named is not None:
        note = _("Đã chuyển sang {flag} {country}.").format(
            flag=COUNTRIES[named].flag, country=country_name(named)
        )
        if hint is not None:
            note = _(
                "Mình trả lời cho {flag} {country} (bạn viết “{word}”). "
                "Nếu bạn ở nước khác, gõ /quocgia để chọn lại."
            ).format(flag=COUNTRIES[named].flag, country=country_name(named), word=hint[1])
        main = replace(
            main,
            message=f"{note}\n{main.message}" if main.message else note,
            effects=(*main.effects, SetCountry(named)),
        )
    if nlu is not None and nlu.confidence < threshold:
        keep = KeepQuestion(text, nlu.intent, nlu.confidence, answer_country)
        main = replace(main, effects=(*main.effects, keep))
    also = _also(understood.second, main, answer_country, repo)
    kind = safety_kind(understood)
    if kind == "suicide" and _crisis_beside(understood, main) and answer_country is not None:
        # The crisis lines first, in the same message, then the answer; the crisis answer and
        # what else was asked one press away.
        return [
            offer_answers(crisis_first(main, repo, answer_country), repo, (CRISIS_ANSWER_ID, *also))
        ]
    if kind == "suicide":
        # What else was understood, as buttons; not a search guess (it may be far off).
        shown = main.answer.id if main.answer is not None and nlu is not None else None
        offer = tuple(a for a in (shown, *also) if a and a not in EMERGENCY_TOPICS)
        crisis = ShowEmergencyAction(answer_country, kind="suicide", also=offer).run(repo)
        return [replace(crisis, effects=main.effects)]
    if also and main.answer is not None:
        main = offer_answers(main, repo, also)
    faint = kind is None and understood.alert_kind is None and understood.crisis >= CRISIS_LINES_MIN
    shown_topic = main.answer.id if main.answer is not None else None
    if faint and shown_topic not in EMERGENCY_TOPICS and main.kind != "clarify":
        main = crisis_first(main, repo, answer_country)
    if kind is None and not understood.nlu_down:
        return [main]
    understood_topic = main.answer is not None and nlu is not None
    if understood_topic and answer_country is not None and main.answer is not None:
        if main.answer.id in ONE_KIND_ANSWERS:
            line = emergency_line(repo, answer_country)
            return [replace(main, kind="emergency", message=f"{line}\n\n{main.message}")]
        if main.answer.id in EMERGENCY_TOPICS:
            return [replace(main, kind="emergency")]
        return [emergency_first(main, repo, answer_country, kind)]
    emergency = ShowEmergencyAction(answer_country, kind=kind, nlu_down=understood.nlu_down)
    # A search guess does not follow an alarm (it may be far off, e.g. for "muốn chết").
    guess = kind is not None and nlu is None
    if main.kind == "clarify":
        likely = _likely_answer(understood, answer_country, repo)
        if likely is not None and answer_country is not None:
            # Numbers first, then the likeliest answer to what was asked ("my cousin died of a
            # stroke, how do we bring him home", "my bicycle was stolen, which police station"),
            # the other suggestions one press away: numbers alone drop the question.
            answer, others = likely
            first = emergency_first(answer, repo, answer_country, kind)
            message = f"{note}\n{first.message}" if note else first.message
            first = replace(first, message=message, effects=main.effects)
            return [offer_answers(first, repo, (*others, *also))]
        # "Ý bạn là…?" after the emergency numbers only adds noise to a frightening moment: the
        # numbers answer; the country switch, if any, is said on top of them. When the numbers
        # were the likeliest topic, the others the classifier saw are buttons under them ("tim
        # đập nhanh, khó thở mỗi khi nghĩ tới nợ": the numbers, and the answer on stress).
        alarm = emergency.run(repo)
        others = _beside_numbers(understood, answer_country, repo)
        if others and alarm.answer is not None:
            alarm = offer_answers(alarm, repo, others)
        message = f"{note}\n{alarm.message}" if note else alarm.message
        return [replace(alarm, message=message, effects=main.effects)]
    changes = any(not isinstance(effect, KeepQuestion) for effect in main.effects)
    if (main.answer is not None and not guess) or changes:
        return [emergency.run(repo), main]
    return [replace(emergency.run(repo), effects=main.effects)]


def _likely_answer(
    understood: Understood, country: str | None, repo: ContentRepository
) -> tuple[Reply, list[str]] | None:
    """When an alarm meets an unsure classifier: the answer of its likeliest topic, if that is
    a published topic other than the numbers themselves (the crisis answer and the emergency
    phrases count: "how many sleeping pills…" needs the crisis answer under the ambulance
    number), and the other "Ý bạn là…?" suggestions."""
    nlu = understood.nlu
    if nlu is None or country is None:
        return None
    suggestions = ClarifyAction(understood.text, country, nlu.ranking).candidates(repo)
    published = repo.published_for_intent(nlu.intent, country)
    if not suggestions or not published or suggestions[0] != published[0]:
        return None  # the likeliest is small talk or out of scope: nothing to answer
    if suggestions[0] in NUMBERS_ANSWERS:
        return None  # the numbers are that answer
    answer = AnswerTopicAction(nlu.intent, understood.text, country, nlu.confidence).run(repo)
    if answer.answer is None:
        return None
    return answer, [i for i in suggestions[1:] if i != answer.answer.id]


def _beside_numbers(
    understood: Understood, country: str | None, repo: ContentRepository
) -> list[str]:
    """When an alarm meets an unsure classifier whose likeliest topic is the numbers themselves:
    the other topics it ranked (not search guesses, which may be far off)."""
    nlu = understood.nlu
    if nlu is None or country is None:
        return []
    top = repo.published_for_intent(nlu.intent, country)
    if not top or top[0] not in NUMBERS_ANSWERS:
        return []  # small talk or out of scope: the numbers alone
    ranked = ClarifyAction(understood.text, country, nlu.ranking).ranked(repo)
    return [i for i in ranked if i not in NUMBERS_ANSWERS]


def _with_crisis_suggestion(nlu: NluResult, crisis: float) -> NluResult:
    """An unsure result whose message shows a faint sign of a crisis: the crisis answer is
    among the "Ý bạn là…?" suggestions (second, after the likeliest topic)."""
    crisis_intent = next(i for i, kind in EMERGENCY_INTENTS.items() if kind == "suicide")
    top = [intent for intent, _p in nlu.ranking[:2]]
    if crisis < CRISIS_LINES_MIN or crisis_intent in top:
        return nlu
    rest = tuple(item for item in nlu.ranking[1:] if item[0] != crisis_intent)
    ranking = (*nlu.ranking[:1], (crisis_intent, crisis), *rest)
    return replace(nlu, ranking=ranking)


def _crisis_beside(understood: Understood, main: Reply) -> bool:
    """A weak crisis signal beside a clear answer to another topic: the classifier's alone, or
    a lexicon look-alike ("tu van", most often "tư vấn") that the classifier does not back."""
    weak = (
        understood.crisis < CRISIS_BESIDE_ANSWER
        if understood.alert_kind is None
        else understood.alert_lookalike and understood.crisis < CRISIS_MIN
    )
    return (
        weak
        and understood.nlu is not None
        and main.answer is not None
        and main.answer.id not in EMERGENCY_TOPICS
    )


def _also(
    second: str | None, main: Reply, country: str | None, repo: ContentRepository
) -> tuple[str, ...]:
    """The answer of a second question, when it is another published answer."""
    if second is None or country is None:
        return ()
    ids = repo.published_for_intent(second, country)
    shown = main.answer.id if main.answer is not None else None
    return tuple(i for i in ids[:1] if i != shown)


def text_route(understood: Understood, threshold: float, *, urgent: bool) -> Route:
    """The engine's route for a typed message (``urgent`` when the lexicon raised an alarm)."""

    def decide(situation: Situation, repo: ContentRepository) -> list[Reply]:
        return respond(understood, situation.country, repo, threshold=threshold)

    return Route(decide, urgent=urgent)


def decide(
    nlu: NluResult | None,
    text: str,
    country: str | None,
    repo: ContentRepository,
    *,
    threshold: float | None = None,
) -> Reply:
    """The reply to a text message, given what the NLU understood (None: NLU unavailable)."""
    if threshold is None:
        threshold = get_settings().nlu_confidence_threshold
    return choose_action(nlu, text, country, repo, threshold=threshold).run(repo)
