"""Labels for new asks: a short verb phrase taken from a sentence, by rules.

"One speaker called on States to set up transnational referral mechanisms for victims,
including ..." → "Set up transnational referral mechanisms for victims". The reporting
frame is stripped (the `embed` stage's rule), then a second reporting clause, the
addressee before "to", a passive turned active ("assessments to be carried out" → "Carry
out assessments"), and the phrase is cut at its first clause boundary and to about eight
words. No parser: only spacy.blank models exist offline.
"""

from __future__ import annotations

import re

from pipeline.asks.features import ask_text, word_set

VERBS = word_set(
    """accede accept address adopt align allocate allow amend apply assess assist build
    carry clarify collect combine compile conclude conduct consider consult continue
    contribute cooperate coordinate create criminalize designate destroy develop devote
    document draw embed emulate enable encourage engage enhance ensure establish evaluate
    exchange expand expedite extend facilitate finance focus formalize foster fund give
    grant harmonize help hold identify implement improve include increase inform integrate
    introduce invest investigate involve issue join keep launch lead license make map mark
    mainstream monitor negotiate offer open organize participate place prepare prevent
    prioritize promote prosecute protect provide publish pursue put raise ratify recognize
    record refer reflect regulate reinforce remove remunerate report require research
    respond review revise search secure seek set share shorten simplify step strengthen
    submit support take teach tackle trace train translate treat turn undertake update use
    work upload receive enact ban close limit end stop avoid reduce respect uphold abolish
    adapt allow appoint assign avoid"""
)
REPORTING = re.compile(
    r"^(?:\S+\s+){0,14}?(?:said|noted|stated|observed|stressed|underscored|underlined|"
    r"emphasized|highlighted|mentioned|argued|considered|added|concluded|believed|"
    r"put forward|pointed out|recalled|suggested|proposed|recommended|urged)"
    r"(?:,\s*\w+,)?\s+that\s+",
    re.IGNORECASE,
)
PARTICIPLES = {
    "taught": "teach",
    "led": "lead",
    "made": "make",
    "held": "hold",
    "built": "build",
    "kept": "keep",
    "paid": "pay",
    "given": "give",
    "taken": "take",
    "sent": "send",
    "done": "do",
    "brought": "bring",
    "sought": "seek",
    "undertaken": "undertake",
    "set": "set",
    "put": "put",
}
OBJECT_PRONOUNS = {"they": "them", "he": "him", "she": "her", "we": "us", "i": "me"}
PASSIVE = re.compile(
    r"^(?P<subject>(?:\S+\s+){0,9}?\S+)\s+(?:should\s+|must\s+|to\s+)?be\s+(?:\w+ly\s+)?"
    r"(?P<verb>\w+(?:ed|en)|taught|led|made|held|built|kept|paid|given|taken|sent|done|"
    r"brought|sought|undertaken|set|put)"
    r"(?P<rest>\b.*)$",
    re.IGNORECASE,
)
CLAUSE_END = re.compile(
    r"[,;:(–—]|\s(?:in order to|so that|so as to|which|who|where|while|including|such as|"
    r"e\.g\.|i\.e\.|as well as|rather than|by means of|in particular|notably|before|after|"
    r"when|if|because|since|and that|and to)\s",
    re.IGNORECASE,
)
NOT_AFTER = word_set("a an the its their this that these those of for in on with by")
TRAILING = word_set(
    """
    a an and or of the to for in on with by at as from into their its that this these
    those be is are more all any through which whom whose where
    """
)


def _base_verb(word: str) -> str:
    """The base form of a gerund or participle by word frequency: establishing →
    establish, making → make, carried → carry, implemented → implement."""
    from wordfreq import zipf_frequency

    lower = word.lower()
    if lower in PARTICIPLES:
        return PARTICIPLES[lower]
    for suffix in ("ing", "ied", "ed", "en"):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem_ = lower[: -len(suffix)]
            options = [stem_, stem_ + "e", stem_ + "y" if suffix == "ied" else stem_]
            if stem_[-1] == stem_[-2]:
                options.append(stem_[:-1])
            best = max(options, key=lambda w: (w in VERBS, zipf_frequency(w, "en"), -len(w)))
            return best if best in VERBS or zipf_frequency(best, "en") > 3 else word
    return word


def new_ask_label(sentence: str, frame: re.Pattern[str] | None, max_words: int = 8) -> str:
    """A readable phrase for the ask of a sentence, verb first where the rules find one:
    the reporting frame stripped, the addressee before "to" dropped, a passive turned
    active, cut at the first clause boundary and to about `max_words` words ("He called on
    States to set up referral mechanisms, ..." → "Set up referral mechanisms")."""
    ask = ask_text(sentence, frame)
    ask = REPORTING.sub("", ask, count=1)
    ask = re.sub(
        r"^(?:that\s+|(?:the\s+)?(?:need|importance|necessity)\s+(?:of|to|for)\s+|also\s+|"
        r"further\s+)+",
        "",
        ask,
        flags=re.IGNORECASE,
    )
    passive = PASSIVE.match(ask)
    words = ask.split()
    if passive and not any(w.lower() in VERBS for w in passive["subject"].split()[1:]):
        verb = _base_verb(passive["verb"])
        if verb.lower() in VERBS or verb != passive["verb"]:  # a base form was found
            subject = [OBJECT_PRONOUNS.get(w.lower(), w) for w in passive["subject"].split()]
            rest = re.sub(r"^\s*(?:or|and)\s+\S+", "", passive["rest"]).split()  # "or co-led"
            particle = rest[:1] if rest[:1] in (["out"], ["up"]) else []  # carried out
            words = [verb, *particle, *subject, *rest[len(particle) :]]
    else:
        after_to = [
            i
            for i in range(1, min(len(words), 20))
            if words[i - 1].lower() == "to" and words[i].lower().strip(",;") in VERBS
        ]
        if after_to and after_to[0] > 1:
            words = words[after_to[0] :]
        for i, word in enumerate(words[:12]):
            lower = word.lower().strip(",;")
            follows = words[i - 1].lower() if i else ""
            if lower in VERBS and (i == 0 or follows not in NOT_AFTER):
                words = words[i:]
                break
            if lower.endswith("ing") and i == 0:
                words[0] = _base_verb(word)
                break
    ask = re.sub(r"^(\S+), [^,]{3,80}, ", r"\1 ", " ".join(words))  # "compile, with X, a list"
    cut = CLAUSE_END.search(ask, 12)
    if cut:
        ask = ask[: cut.start()]
    words = ask.split()[:max_words]
    while len(words) > 2 and words[-1].lower().strip(".") in TRAILING:
        words.pop()
    phrase = " ".join(words).strip(" .,;:")
    return phrase[:1].upper() + phrase[1:]
