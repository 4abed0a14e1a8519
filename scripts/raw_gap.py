"""Where the raw-text gap comes from: each instance the gold-POS pipeline answers right and the
raw-text pipeline (``sensedb evaluate --raw``) answers wrong, counted by cause.

    python scripts/raw_gap.py --data ../shared/data [--index IDX] [--semcor-fold 0 |
        --documents slice] [--json out.json [--examples 12]]

Without ``--semcor-fold`` or ``--documents``: SemEval-2007. With ``--semcor-fold``: the SemCor
documents of that fold of scripts/tune_weights.py (d000, d050, ... for fold 0) written to a
temporary data set; with ``--documents``: the SemCor documents named (``slice``: SLICE).
Causes, checked in this order for each raw answer that is wrong:

- ``missed``: no tagged word covers the instance (a skipped word, a tokenization mismatch);
- ``span``: the word that answers it spans other characters than the instance (the tagger
  merged a multiword expression the data set splits, or split one the data set merges);
- ``wrong_pos``: the same span, an answer of another part of speech;
- ``wrong_lemma``: the same span and POS, another lemma (lemmatization);
- ``same_reading``: the same span, POS and lemma (the candidates the gold-POS run ranks).

``gap`` counts these among instances the gold-POS run gets right; ``gain`` counts instances
the raw run gets right and the gold-POS run wrong (a better lemma or POS than the data set's).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sensedb
from sensedb.corpora import read_raganato
from sensedb.corpora.tokenize import tokenize
from sensedb.evaluation.metrics import score_predictions
from sensedb.evaluation.rawtext import align, answer_spans, instance_spans
from sensedb.retriever.tagger import content_spans, split_sentences, tag_text
from sensedb.vocabulary import key_pos

CAUSES = ("missed", "span", "wrong_pos", "wrong_lemma", "same_reading")


#: A fixed slice of SemCor for raw-text checks (``--documents slice``): documents d005, d015,
#: ... (none of them among scripts/tune_weights.py's d000, d010, ... nor in the POS head's
#: training or held-out sample), the first 20 of them; the default index holds no SemCor usage.
SLICE = ("d015 d025 d035 d045 d055 d065 d085 d095 d105 d115 d125 d135 d155 d165 d175 d185 "
         "d195 d215 d235 d245").split()


def fold_files(data: Path, fold: int, folder: Path) -> tuple[Path, Path]:
    """A data set of the SemCor documents of ``fold`` (as scripts/tune_weights.py deals them)."""
    return document_files(data, {f"d{n:03d}" for n in range(0, 352, 10) if (n // 10) % 5 == fold},
                          folder)


def document_files(data: Path, keep: set[str], folder: Path) -> tuple[Path, Path]:
    """A data set of the SemCor documents whose ids are in ``keep``, in ``folder``."""
    return semcor_subset(data, keep.__contains__, folder / "fold")


def semcor_subset(data: Path, keep: Callable[[str], bool], prefix: Path) -> tuple[Path, Path]:
    """SemCor (``data``/wsd/semcor) with only the documents whose ids pass ``keep``, written
    as ``PREFIX.data.xml`` and ``PREFIX.gold.key.txt`` (their instances' gold keys; the XML
    line by line as SemCor's file has it, one ``<text>`` element per document); the two
    paths. Also ``scripts/semcor_without_tuning.py``'s."""
    xml = data / "wsd" / "semcor" / "semcor.data.xml"
    gold = data / "wsd" / "semcor" / "semcor.gold.key.txt"
    out, skipping = [], False
    for line in xml.read_text(encoding="utf-8").splitlines():
        if line.startswith("<text "):
            skipping = not keep(line.split('id="')[1].split('"')[0])
        if not skipping:
            out.append(line)
        if line.startswith("</text>"):
            skipping = False
    part_xml = prefix.with_name(prefix.name + ".data.xml")
    part_gold = prefix.with_name(prefix.name + ".gold.key.txt")
    part_xml.parent.mkdir(parents=True, exist_ok=True)
    part_xml.write_text("\n".join(out) + "\n", encoding="utf-8")
    part_gold.write_text("".join(line + "\n" for line in gold.read_text().splitlines()
                                 if keep(line.split(".")[0])))
    return part_xml, part_gold


def raw_answers(index, xml: Path, gold: Path) -> tuple[dict, dict]:
    """Per instance: the raw pipeline's (key, span, lemma, POS) or None, and (gold keys, span,
    lemma, POS)."""
    sentences = [s for d in read_raganato(xml, gold, key_check=index.inventory.has_key)
                 for s in d.sentences if s.instances]
    texts = [instance_spans(s.words, [t.instance_id for t in s.tokens]) for s in sentences]
    index.ensure(pair for text, _ in texts for part in split_sentences(text)
                 for _, _, pairs in content_spans(index, tokenize(part)) for pair in pairs)
    answers, truth = {}, {}
    for sentence, (text, spans) in zip(sentences, texts, strict=True):
        found = answer_spans(text, tag_text(index, text))
        chosen = align(spans, [(a, b, (a, b, reading)) for a, b, reading in found])
        for token in sentence.instances:
            truth[token.instance_id] = (token.senses, spans[token.instance_id], token.lemma,
                                        token.pos)
            best = chosen[token.instance_id]
            answers[token.instance_id] = (None if best is None or best[2]["key"] is None else
                                          (best[2]["key"], (best[0], best[1]),
                                           best[2]["lemma"], best[2]["pos"]))
    return answers, truth


def causes(answers: dict, truth: dict, gold_pos: dict, examples_per_cause: int = 12) -> dict:
    gap, gain, wrong = Counter(), 0, Counter()
    examples: dict[str, list] = {c: [] for c in CAUSES}
    for instance, (keys, span, lemma, pos) in truth.items():
        answer = answers.get(instance)
        right = answer is not None and answer[0] in keys
        gold_right = gold_pos.get(instance) in keys
        if right:
            gain += not gold_right
            continue
        if answer is None:
            cause = "missed"
        elif answer[1] != span:
            cause = "span"
        elif key_pos(answer[0]) != pos:
            cause = "wrong_pos"
        elif answer[2] != lemma:
            cause = "wrong_lemma"
        else:
            cause = "same_reading"
        wrong[cause] += 1
        if gold_right:
            gap[cause] += 1
            if len(examples[cause]) < examples_per_cause:
                examples[cause].append([instance, lemma, pos, answer and answer[0],
                                        sorted(keys)[0]])
    n = len(truth)
    raw = score_predictions({i: a and a[0] for i, a in answers.items()},
                            {i: t[0] for i, t in truth.items()},
                            {i: t[3] for i, t in truth.items()})
    # as evaluate_raw counts it: answered wrong with a sense of another POS than the gold one
    wrong_answers = [(a[0], t[3]) for i, t in truth.items()
                     if (a := answers.get(i)) is not None and a[0] not in t[0]]
    other_pos = sum(key_pos(key) != pos for key, pos in wrong_answers)
    return {"n": n, "raw_f1": raw["f1"],
            "raw_f1_by_pos": {p: v["f1"] for p, v in raw["by_pos"].items()},
            "wrong_pos_share": round(100.0 * other_pos / len(wrong_answers), 1)
            if wrong_answers else 0.0,
            "raw_right": sum(answers.get(i) is not None and answers[i][0] in t[0]
                                     for i, t in truth.items()),
            "gold_pos_right": sum(gold_pos.get(i) in t[0] for i, t in truth.items()),
            "raw_wrong_by_cause": dict(wrong), "gap_by_cause": dict(gap), "gain": gain,
            "examples": examples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--index", default=None)
    parser.add_argument("--head", default="auto", help="retrieval head: a head file or "
                        "directory, 'none', or 'auto' (the shipped one)")
    parser.add_argument("--semcor-fold", type=int, default=None)
    parser.add_argument("--documents", default=None,
                        help="SemCor document ids, comma-separated, or 'slice' (SLICE)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--examples", type=int, default=12,
                        help="instances listed per cause in --json (gap instances only)")
    args = parser.parse_args()
    index = sensedb.open(args.index, head=args.head)
    with tempfile.TemporaryDirectory() as folder:
        if args.documents is not None:
            keep = set(SLICE if args.documents == "slice" else args.documents.split(","))
            xml, gold = document_files(args.data, keep, Path(folder))
        elif args.semcor_fold is None:
            base = args.data / "wsd" / "semeval2007"
            xml, gold = base / "semeval2007.data.xml", base / "semeval2007.gold.key.txt"
        else:
            xml, gold = fold_files(args.data, args.semcor_fold, Path(folder))
        start = time.perf_counter()
        predictions = Path(folder) / "gold-pos.key"
        plain = sensedb.evaluate(index, xml, gold, out=predictions)
        gold_pos = dict(line.split()[:2] for line in predictions.read_text().splitlines())
        answers, truth = raw_answers(index, xml, gold)
    result = causes(answers, truth, gold_pos, args.examples)
    result.update(index=args.index or "default", gold_pos_f1=plain["f1"],
                  seconds=round(time.perf_counter() - start, 1),
                  data=(f"semcor documents {args.documents}" if args.documents else
                        "semeval2007" if args.semcor_fold is None
                        else f"semcor fold {args.semcor_fold}"))
    print(json.dumps({k: v for k, v in result.items() if k != "examples"}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
