"""Does reading a phrasal verb with its particle apart ("turn the lights off") pay on labelled data?

    python scripts/separated_verbs.py --data ../shared/data [--index IDX] [--gap 2]
        [--margin -0.6] [--sets semeval2007,semcor] [--json out.json]

The data (SemCor and SemEval-2007, Raganato format) annotate a separated phrasal verb as one
instance on the verb whose lemma is the phrasal verb's ("turned", lemma ``turn_off``; the
particle a plain word later in the sentence). ``annotated`` counts such instances: those whose
last lemma part is a particle of ``tagger.PARTICLES`` (by the number of words between verb and
particle) and the others (a preposition or an object: ``talk_into``, ``do_good``).

The tagger (``tagger.tag_words``) then runs twice over every sentence where a word is followed,
2 to ``--gap`` + 1 words later, by a particle with which WordNet knows a phrasal verb (the only
sentences the rule can change), fed as raw words (a multiword token split into its words):
with the separated reading off (``MAX_PARTICLE_GAP`` 0) and on (``--gap``, default the
tagger's; ``--margin``: ``scoring.SEPARATED_MARGIN`` and ``SEPARATED_MARGIN_PRONOUN`` for the
run, default the shipped ones).
For each reading the rule proposes (``proposed``) and keeps (``fired``), by gap: whether the
verb is an instance, whether its gold lemma is that phrasal verb (``gold_phrasal``), the
answer's key right (``right``) and the key without the rule right (``right_before``).
``verb_right`` / ``particle_right``: right answers on the verb instances and the particle
instances of these sentences, off and on (a particle the rule takes is no longer tagged).
``missed``: annotated separated particle verbs the rule did not fire on, by reason.
``sweep``: for stricter margins than ``--margin`` (units of the formula's main weight), the
readings kept and the right answers gained minus lost (verbs, and particles no longer tagged),
a reading kept where its best score minus the verb's own best score is above the margin (the
rule's other word, the particle, is left out: an estimate), also split by whether the one word
between is a pronoun. ``scoring.SEPARATED_MARGIN`` and ``tagger.MAX_PARTICLE_GAP`` were chosen
from SemCor's sweep (``--margin -0.6 --gap 3``), ``SEPARATED_MARGIN_PRONOUN`` from its split
(``--margin -2.0``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

import sensedb
from sensedb.corpora import read_raganato
from sensedb.pos_head import TAGS
from sensedb.retriever import scoring, tagger

SETS = {"semcor": "wsd/semcor/semcor", "semeval2007": "wsd/semeval2007/semeval2007"}


def sentences_of(data: Path, name: str, index) -> list[dict]:
    """Every sentence of data set ``name`` as raw words with, per word, the instance token it
    belongs to (None for a plain word)."""
    base = data / SETS[name]
    out = []
    for document in read_raganato(f"{base}.data.xml", f"{base}.gold.key.txt",
                                  key_check=index.inventory.has_key):
        for sentence in document.sentences:
            words, owner = [], []
            for token in sentence.tokens:
                parts = token.text.split() or [token.text]
                words += parts
                owner += [token if token.instance_id else None] * len(parts)
            out.append({"id": sentence.id, "words": words, "owner": owner})
    return out


def annotated(sentence: dict) -> list[tuple[int, int | None, object]]:
    """(verb word, its particle's word or None, token) of each one-word VERB instance whose
    lemma has "_" (a separated multiword), the particle the first later word (within 8) equal
    to the lemma's last part."""
    found = []
    words, owner = sentence["words"], sentence["owner"]
    for at, token in enumerate(owner):
        if (token is None or token.pos != "VERB" or "_" not in token.lemma
                or " " in token.text):
            continue
        last = token.lemma.split("_")[-1]
        later = next((j for j in range(at + 1, min(len(words), at + 9))
                      if words[j].lower() == last), None)
        found.append((at, later, token))
    return found


def could_fire(index, words: list[str], gap: int) -> bool:
    """Whether a word is followed, 2 to ``gap`` + 1 words later, by a particle with which
    WordNet knows a phrasal verb (no POS head yet: the sentences worth tagging)."""
    for at in range(len(words)):
        for j in range(at + 2, min(len(words), at + gap + 2)):
            if words[j].lower() in tagger.PARTICLES and any(
                    "_" in lemma for lemma, _ in
                    index.inventory.lemmatize(f"{words[at]} {words[j]}", "VERB")):
                return True
    return False


def right(token, key: str | None) -> bool:
    return token is not None and key is not None and key in token.senses


SWEEP = (-0.8, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2)


def sweep(examples: list[dict], unit: float, lowest: float) -> dict:
    """Readings kept and right answers gained minus lost for each margin of SWEEP at or
    above ``lowest`` (see the module docstring), by the most words between verb and particle,
    and (gap 1 or more) split by whether the one word between is a pronoun
    (``scoring.SEPARATED_MARGIN_PRONOUN``) or not."""
    out = {}
    kinds = {"": lambda e: True, " pronoun": lambda e: e["gap_tags"] == ["PRON"],
             " other": lambda e: e["gap_tags"] != ["PRON"]}
    for margin in (m for m in SWEEP if m >= lowest - 1e-9):
        for gap in sorted({e["gap"] for e in examples}):
            for kind, member in kinds.items():
                if kind and gap != max(e["gap"] for e in examples):
                    continue
                rows = [e for e in examples if e["over_verb"] is not None and e["gap"] <= gap
                        and e["over_verb"] > margin * unit and member(e)]
                gained = sum(e["right"] - e["right_before"] - e["particle_right_before"]
                             for e in rows)
                out[f"margin {margin:+.1f} gap<={gap}{kind}"] = {"kept": len(rows),
                                                                 "net_right": gained}
    return out


def measure(index, sentences: list[dict], gap: int) -> dict:
    """The counts of the module docstring for ``sentences`` (``sentences_of``)."""
    marked = Counter()
    for sentence in sentences:
        for at, later, token in annotated(sentence):
            last = token.lemma.split("_")[-1]
            kind = ("particle" if last in tagger.PARTICLES and later is not None else "other")
            marked[f"{kind} gap {'-' if later is None else min(later - at - 1, 5)}"] += 1
    chosen = [s for s in sentences if could_fire(index, s["words"], gap)]
    words = [s["words"] for s in chosen]
    proposals: dict[tuple[str, ...], list] = {}
    original = tagger.separated_readings

    def recording(index, words, tags, singles):
        found = original(index, words, tags, singles)
        best = [TAGS[int(i)] for i in np.argmax(tags, axis=1)]
        proposals[tuple(words)] = [
            (verb, at, pairs, best[at], best[at + 1] if at + 1 < len(words) else "END",
             best[verb + 1:at]) for verb, at, pairs in found]
        return found

    before_gap = tagger.MAX_PARTICLE_GAP
    try:
        tagger.MAX_PARTICLE_GAP = 0
        off = tagger.tag_words(index, words, progress=True)
        tagger.MAX_PARTICLE_GAP = gap
        tagger.separated_readings = recording
        on = tagger.tag_words(index, words, progress=True)
    finally:
        tagger.MAX_PARTICLE_GAP = before_gap
        tagger.separated_readings = original
    fired, proposed, missed = Counter(), Counter(), Counter()
    verb_right, particle_right = Counter(), Counter()
    examples = []
    for sentence, found_off, found_on in zip(chosen, off, on, strict=True):
        owner, ws = sentence["owner"], sentence["words"]
        key_off = {t.index: a.best.key if a.best else None for t, _, a in found_off}
        key_on = {t.index: a.best.key if a.best else None for t, _, a in found_on}
        kept = {t.index: (t.particle, a) for t, _, a in found_on if t.particle is not None}
        tags_of = {(v, p): (pt, nt, gt) for v, p, _, pt, nt, gt in proposals.get(tuple(ws), [])}
        for verb, particle in tags_of:
            proposed[f"gap {particle - verb - 1}"] += 1
        particles_taken = {p for p, _ in kept.values()}
        answer_off = {t.index: a for t, _, a in found_off}
        for verb, (particle, answer) in kept.items():
            token = owner[verb]
            lemma = answer.best.lemma if answer.best else ""
            group = f"gap {particle - verb - 1}"
            fired[f"{group} n"] += 1
            fired[f"{group} instance"] += token is not None
            fired[f"{group} gold_phrasal"] += token is not None and token.lemma == lemma
            fired[f"{group} right"] += right(token, key_on.get(verb))
            fired[f"{group} right_before"] += right(token, key_off.get(verb))
            alone = answer_off.get(verb)
            examples.append({
                "sentence": sentence["id"], "words": " ".join(ws), "verb": ws[verb],
                "particle": ws[particle], "gap": particle - verb - 1,
                "particle_tag": tags_of[(verb, particle)][0],
                "next_tag": tags_of[(verb, particle)][1], "got": lemma,
                "gold": None if token is None else token.lemma,
                "right": right(token, key_on.get(verb)),
                "right_before": right(token, key_off.get(verb)),
                "gap_tags": tags_of[(verb, particle)][2],
                "verb_synset": bool(answer.best and alone is not None and answer.best.synset
                                    in {x.synset for x in alone.senses}),
                "particle_instance": owner[particle] is not None,
                "particle_right_before": right(owner[particle], key_off.get(particle)),
                "over_verb": None if alone is None or not alone.senses or not answer.senses
                else round(answer.senses[0].score - alone.senses[0].score, 4)})
        for at, token in enumerate(owner):
            if token is None or token.text.split()[0] != ws[at]:
                continue  # a multiword token counts at its first word
            counter = particle_right if (at in particles_taken or ws[at].lower()
                                         in tagger.PARTICLES) else verb_right
            if token.pos != "VERB" and counter is verb_right:
                continue
            counter["n"] += 1
            counter["off"] += right(token, key_off.get(at))
            counter["on"] += right(token, key_on.get(at))
        for at, later, token in annotated(sentence):
            if later is None or token.lemma.split("_")[-1] not in tagger.PARTICLES:
                continue
            if at in kept:
                continue
            props = [p for p in tags_of if p[0] == at]
            reason = ("not kept (margin or overlap)" if props else
                      "gap over limit" if later - at - 1 > gap else "no reading")
            missed[reason] += 1
    unit = scoring.main_weight(index.weights)
    return {"sentences": len(sentences), "tagged_sentences": len(chosen),
            "sweep": sweep(examples, unit, min(scoring.SEPARATED_MARGIN,
                                               scoring.SEPARATED_MARGIN_PRONOUN)),
            "annotated": dict(sorted(marked.items())), "proposed": dict(sorted(proposed.items())),
            "fired": dict(sorted(fired.items())), "verb_right": dict(verb_right),
            "particle_right": dict(particle_right), "missed": dict(missed),
            "examples": examples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--index", default=None)
    parser.add_argument("--gap", type=int, default=tagger.MAX_PARTICLE_GAP,
                        help="most words between verb and particle (default: the tagger's)")
    parser.add_argument("--margin", type=float, default=None,
                        help="scoring.SEPARATED_MARGIN and SEPARATED_MARGIN_PRONOUN for the "
                        "run (default: the shipped ones)")
    parser.add_argument("--sets", default="semeval2007,semcor")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many sentences of each set (the first ones)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    index = sensedb.open(args.index)
    if args.margin is not None:
        scoring.SEPARATED_MARGIN = scoring.SEPARATED_MARGIN_PRONOUN = args.margin
    report = {"index": args.index or "default", "gap": args.gap, "margin": args.margin}
    for name in args.sets.split(","):
        began = time.time()
        sentences = sentences_of(args.data, name, index)[:args.limit]
        report[name] = measure(index, sentences, args.gap)
        report[name]["seconds"] = round(time.time() - began, 1)
        print(json.dumps({k: v for k, v in report[name].items() if k != "examples"}))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
