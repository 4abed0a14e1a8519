"""Raw text as a user meets it: SemEval-2007 fed as plain sentences, everyday ambiguous
sentences, the `novel` flag, and the cost of `wsd` and `tag` next to a bare encoder pass.

    python scripts/bench_raw_text.py --data ../shared/data [--index IDX] --json out.json \
        [--skip-eval] [--label after]

Only the public API is used (``sensedb.open``, ``SenseIndex.wsd``, ``sensedb.tag``,
``sensedb.evaluate``, ``evaluate_raw``), so the same script measures an older checkout
(``PYTHONPATH=that checkout``) side by side with this one. Reports:
- ``se07``: gold-POS F1 (``sensedb.evaluate``) and raw-text F1 (``evaluate_raw``), per POS,
  missed targets and the share of wrong answers with the wrong POS;
- ``everyday``: how many of EVERYDAY (sentences written for this check, never tuned on;
  the first three are the ones the project's issue quotes) get their right sense;
- ``everyday_fixture``: the same for tests/fixtures/everyday.tsv (30 more sentences, written
  later, never tuned on), by ``wsd`` and by ``tag`` (the word's tag in the whole sentence);
- ``novel``: precision and recall of ``novel`` on tests/fixtures/novel.tsv;
- ``timing``: milliseconds per ``wsd`` call and words per second of ``tag``, each beside a
  bare encoder pass (``Encoder.word_vectors``) over the same sentences, in the same process.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import sensedb
from sensedb.corpora import read_raganato
from sensedb.corpora.tokenize import tokenize

# (sentence, target, right sense key): tag mode when target starts with "tag:"
EVERYDAY = [
    ("The bat flew out of the cave", "bat", "bat%1:05:00::"),
    ("The pitcher poured lemonade into the glasses", "pitcher", "pitcher%1:06:00::"),
    ("This is a kind of fruit.", "tag:kind", "kind%1:09:00::"),
    ("He hit the ball hard with a wooden bat", "bat", "bat%1:06:00::"),
    ("The spring in the old mattress broke", "spring", "spring%1:06:00::"),
    ("We drank cold water from the spring in the hills", "spring", "spring%1:17:00::"),
    ("The heart is the organ that pumps blood", "organ", "organ%1:08:00::"),
    ("She played the organ in the church every Sunday", "organ", "organ%1:06:00::"),
    ("The mouse ran under the sofa", "mouse", "mouse%1:05:00::"),
    ("Click the left button of the mouse", "mouse", "mouse%1:06:00::"),
    ("The crane lifted the steel beams onto the roof", "crane", "crane%1:06:00::"),
    ("A crane waded in the shallow lake looking for fish", "crane", "crane%1:05:00::"),
    ("She wore a diamond ring on her finger", "ring", "ring%1:06:00::"),
    ("The boxers climbed into the ring", "ring", "ring%1:06:03::"),
    ("He had to pay a fine for parking there", "fine", "fine%1:21:00::"),
    ("Water the plant twice a week", "plant", "plant%1:03:00::"),
    ("The workers went on strike at the car plant", "plant", "plant%1:06:01::"),
    ("He opened a savings account at the bank", "bank", "bank%1:14:00::"),
    ("The match was cancelled because of the rain", "match", "match%1:11:00::"),
    ("He struck a match to light the candle", "match", "match%1:06:00::"),
    ("A seal swam near the rocks", "seal", "seal%1:05:00::"),
    ("I have five lights in the kitchen", "tag:have", "have%2:40:00::"),
    ("She poured the milk into a glass", "glass", "glass%1:06:00::"),
]
NOVEL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "novel.tsv"
EVERYDAY_FIXTURE = NOVEL.with_name("everyday.tsv")


def everyday_fixture(index, path: Path = EVERYDAY_FIXTURE) -> dict:
    """``wsd`` and ``tag`` answers on a (sentence, target, key) TSV."""
    rows = [r for r in csv.reader(path.open(encoding="utf-8"), delimiter="\t")
            if r and not r[0].startswith("#")]
    answers, wsd_right, tag_right = [], 0, 0
    for sentence, target, key in rows:
        got = index.wsd(sentence, target).best.key
        tagged = next((w.key for w in sensedb.tag(index, sentence) if w.word == target), None)
        wsd_right += got == key
        tag_right += tagged == key
        answers.append({"sentence": sentence, "target": target, "right": key, "wsd": got,
                        "tag": tagged})
    return {"wsd_right": wsd_right, "tag_right": tag_right, "n": len(rows), "answers": answers}


def everyday(index) -> dict:
    right, answers = 0, []
    for sentence, target, key in EVERYDAY:
        if target.startswith("tag:"):
            word = target[4:]
            got = next((w.key for w in sensedb.tag(index, sentence) if w.word == word), None)
        else:
            got = index.wsd(sentence, target).best.key
        right += got == key
        answers.append({"sentence": sentence, "target": target, "right": key, "got": got})
    return {"right": right, "n": len(EVERYDAY), "answers": answers}


def novel(index, path: Path = NOVEL) -> dict:
    rows = [r for r in csv.reader(path.open(encoding="utf-8"), delimiter="\t")
            if r and not r[0].startswith("#")]
    got = [(bool(index.wsd(s, t).novel), flag == "1") for s, t, flag in rows]
    tp = sum(a and b for a, b in got)
    flagged, truth = sum(a for a, _ in got), sum(b for _, b in got)
    return {"n": len(rows), "flagged": flagged, "novel": truth, "true_positives": tp,
            "precision": round(100 * tp / flagged, 1) if flagged else None,
            "recall": round(100 * tp / truth, 1)}


def timing(index, texts: list[str]) -> dict:
    encoder = index.encoder
    sentences = [tokenize(t) for t in texts]
    words = sum(len(s) for s in sentences)
    for sentence, target, _ in EVERYDAY:  # warm: WordNet vectors, caches, model
        index.wsd(sentence, target[4:] if target.startswith("tag:") else target)
    sensedb.tag(index, " ".join(texts[:5]))
    # each call alternates with its bare encoder pass, so load from other processes falls
    # on both alike
    clock = {"bare_wsd": 0.0, "wsd": 0.0, "bare_tag": 0.0, "tag": 0.0}
    for sentence, target, _ in EVERYDAY:
        start = time.perf_counter()
        encoder.word_vectors([tokenize(sentence)])
        middle = time.perf_counter()
        index.wsd(sentence, target[4:] if target.startswith("tag:") else target)
        clock["bare_wsd"] += middle - start
        clock["wsd"] += time.perf_counter() - middle
    for text, words_of in zip(texts, sentences, strict=True):
        start = time.perf_counter()
        encoder.word_vectors([words_of])
        middle = time.perf_counter()
        sensedb.tag(index, text)
        clock["bare_tag"] += middle - start
        clock["tag"] += time.perf_counter() - middle
    out = {"bare_encoder_ms_per_sentence": 1000 * clock["bare_wsd"] / len(EVERYDAY),
           "wsd_ms": 1000 * clock["wsd"] / len(EVERYDAY),
           "bare_encoder_words_per_s": words / clock["bare_tag"],
           "tag_words_per_s": words / clock["tag"]}
    out["wsd_over_bare"] = out["wsd_ms"] / out["bare_encoder_ms_per_sentence"]
    out["tag_bare_over_tag"] = out["bare_encoder_words_per_s"] / out["tag_words_per_s"]
    return {k: round(v, 2) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--index", default=None, help="index directory (default: WordNet's)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--label", default="")
    parser.add_argument("--skip-eval", action="store_true", help="no SemEval-2007 figures")
    parser.add_argument("--timing-sentences", type=int, default=60)
    parser.add_argument("--novel", type=Path, default=NOVEL, help="sentence, target, 0/1 TSV")
    args = parser.parse_args()
    index = sensedb.open(args.index)
    se07 = Path(args.data) / "wsd" / "semeval2007"
    xml, gold = se07 / "semeval2007.data.xml", se07 / "semeval2007.gold.key.txt"
    result: dict = {"label": args.label, "index": args.index or "default"}
    if not args.skip_eval:
        from sensedb.evaluation.rawtext import evaluate_raw

        raw = evaluate_raw(index, xml, gold)
        plain = sensedb.evaluate(index, xml, gold)
        result["se07"] = {
            "gold_pos_f1": plain["f1"],
            "gold_pos_by_pos": {p: v["f1"] for p, v in plain["by_pos"].items()},
            "raw_f1": raw["f1"], "raw_by_pos": {p: v["f1"] for p, v in raw["by_pos"].items()},
            **{k: raw[k] for k in ("missed", "wrong_pos", "wrong_pos_share", "answered")}}
    result["everyday"] = everyday(index)
    result["everyday_fixture"] = everyday_fixture(index)
    result["novel"] = novel(index, args.novel)
    texts = [" ".join(s.words) for d in read_raganato(xml) for s in d.sentences]
    result["timing"] = timing(index, texts[:args.timing_sentences])
    brief = {k: v for k, v in result.items() if k not in ("everyday", "everyday_fixture")}
    brief["everyday"] = f"{result['everyday']['right']}/{result['everyday']['n']}"
    fixture = result["everyday_fixture"]
    brief["everyday_fixture"] = (f"wsd {fixture['wsd_right']}/{fixture['n']}, "
                                 f"tag {fixture['tag_right']}/{fixture['n']}")
    print(json.dumps(brief), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
