"""The similarity commands of the CLI: similarity, similarity-batch, evaluate-wic,
evaluate-graded (JSON output)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from sensedb.cli import cli

WIC_DATA = FIXTURES / "corpora" / "good.data.txt"
WIC_GOLD = FIXTURES / "corpora" / "good.gold.txt"
GRADED = FIXTURES / "graded.tsv"
RIVER = ("He sat on the bank of the river and fished", "bank")
OTHER = [("She deposited the money at the bank", "bank")]


def test_cli_json(mini_index, tmp_path):
    runner = CliRunner()
    copy = tmp_path / "mini"  # the CLI adds WordNet evidence to the index it opens
    shutil.copytree(mini_index, copy)

    def run(*args):
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    one = run("similarity", *RIVER, *OTHER[0], "--index", copy, "--method", "sense",
              "--json")
    assert one["method"] == "sense" and 0 <= one["score"] <= 1 and -1 <= one["cosine"] <= 1
    assert one["a"]["senses"][0]["key"] == "bank%1:17:01::"
    batch = run("similarity-batch", GRADED, "--index", copy, "--method", "raw", "--json")
    assert len(batch) == 7 and batch[0]["method"] == "raw"
    wic = run("evaluate-wic", WIC_DATA, WIC_GOLD, "--index", copy, "--threshold", "0.5",
              "--method", "raw", "--json")
    assert wic["n"] == 2 and 0 <= wic["accuracy"] <= 100
    graded = run("evaluate-graded", GRADED, "--index", copy, "--method", "raw", "--json")
    assert graded["n"] == 7 and -1 <= graded["spearman"] <= 1
    saved = tmp_path / "params.json"
    fitted = run("evaluate-wic", WIC_DATA, WIC_GOLD, "--index", copy, "--train", WIC_DATA,
                 WIC_GOLD, "--save", saved, "--method", "sense", "--json")
    reused = run("evaluate-wic", WIC_DATA, WIC_GOLD, "--index", copy, "--params", saved,
                 "--method", "sense", "--json")
    assert reused["threshold"] == pytest.approx(fitted["threshold"], abs=1e-6)
    assert reused["accuracy"] == fitted["accuracy"]


def test_tokenized_pairs_through_the_cli(mini_index, tmp_path):
    runner = CliRunner()
    pairs = tmp_path / "tok.tsv"
    # sensedb's tokenizer splits the given token "AB/12" into three ("AB", "/", "12"): "bank"
    # is token 2 only as given
    pairs.write_text("The AB/12 bank failed .\tbank@2\tThe river bank flooded .\t"
                     "bank@2\t4.0\nI paid the bank .\tbank@3\tThe bank raised rates .\tbank@1\t"
                     "2.0\nA bank robbery .\tbank@1\tThe muddy bank .\tbank@2\t1.0\n")
    base = ["--index", str(mini_index), "--no-wordnet-vectors", "--method", "raw", "--json"]
    result = runner.invoke(cli, ["similarity-batch", str(pairs), "--tokenized", *base])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert len(found) == 3 and all(-1 <= r["cosine"] <= 1 for r in found)
    graded = runner.invoke(cli, ["evaluate-graded", str(pairs), "--tokenized", *base])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.output)["n"] == 3
    # without --tokenized, "bank@2" points at the tokenizer's "/"
    plain = runner.invoke(cli, ["similarity-batch", str(pairs), *base])
    assert plain.exit_code == 1 and "not at token 2 but at token 4" in plain.output


def test_batch_with_bad_pairs_answers_the_others(mini_index, tmp_path):
    runner = CliRunner()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("A bank .\tbank\tThe river bank .\tbank\n"
                     "A bank .\tbench\tThe bank .\tbank\n"
                     "The zorbluxes sang .\tzorbluxes\tThe bank .\tbank\n")
    base = ["--index", str(mini_index), "--no-wordnet-vectors"]
    result = runner.invoke(cli, ["similarity-batch", str(pairs), *base, "--method", "sense",
                                 "--json"])
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert [r["line"] for r in found] == [1, 2, 3] and found[0]["error"] is None
    assert found[1]["error"].startswith(f"{pairs}:2: usage a: target \"bench\"")
    assert found[2]["error"].startswith(f"{pairs}:3: usage a:") and found[2]["score"] is None
    assert "2 of 3 pairs could not be answered" in result.stderr
    raw = runner.invoke(cli, ["similarity-batch", str(pairs), *base, "--method", "raw"])
    lines = raw.stdout.splitlines()
    assert raw.exit_code == 1 and len(lines) == 3 and "1 of 3 pairs" in raw.stderr
    assert lines[1].startswith(f"2\tERROR\t{pairs}:2:") and lines[2].startswith("3\t0.")


def test_batch_names_pairs_by_their_file_line(mini_index, tmp_path):
    """Text output, JSON and errors all name a pair by its line in PAIRS.tsv (a header, a
    comment and a blank line are counted, so pair 2 is line 5): the text once numbered pairs
    1, 2, 3 while its ERROR lines said file:5."""
    runner = CliRunner()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence_a\ttarget_a\tsentence_b\ttarget_b\n"
                     "# bank pairs\n"
                     "A bank .\tbank\tThe river bank .\tbank\n"
                     "\n"
                     "A bank .\tbench\tThe bank .\tbank\n"
                     "The bank fell .\tbank\tThe bank rose .\tbank\n")
    base = ["--index", str(mini_index), "--no-wordnet-vectors", "--method", "raw"]
    text = runner.invoke(cli, ["similarity-batch", str(pairs), *base])
    lines = text.stdout.splitlines()
    assert text.exit_code == 1 and [line.split("\t")[0] for line in lines] == ["3", "5", "6"]
    assert lines[1].startswith(f"5\tERROR\t{pairs}:5: usage a: target \"bench\"")
    assert f"1 of 3 pairs could not be answered ({pairs} line 5)" in text.stderr
    found = json.loads(runner.invoke(cli, ["similarity-batch", str(pairs), *base,
                                           "--json"]).stdout)
    assert [r["line"] for r in found] == [3, 5, 6]
    assert found[1]["error"].startswith(f"{pairs}:5:") and "\n" not in found[1]["error"]


def test_evaluate_graded_refuses_a_first_row_with_a_bad_score(mini_index, tmp_path):
    """``evaluate-graded`` took a first row whose score was not a number for a header and
    dropped it silently; a pair of data with a typo in its score is a one-line error naming
    file, line and value."""
    runner = CliRunner()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("A bank .\tbank\tThe river bank .\tbank\t1.O\n"
                     "The bank fell .\tbank\tThe bank rose .\tbank\t0.5\n"
                     "I paid the bank .\tbank\tThe muddy bank .\tbank\t0.2\n")
    base = ["--index", str(mini_index), "--no-wordnet-vectors", "--method", "raw", "--json"]
    result = runner.invoke(cli, ["evaluate-graded", str(pairs), *base])
    assert result.exit_code == 1
    assert f"{pairs}:1: gold score must be a number, not '1.O'" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_tokenized_pairs_find_a_multiword_target_with_an_apostrophe(mini_index, index,
                                                                      tmp_path):
    """``similarity-batch --tokenized`` said 'target "baker's dozen" is not in the sentence'
    when the given tokens kept "baker's" whole: the target was only matched as sensedb's
    tokenizer splits it (baker 's dozen). Its words as written match too, and read as the
    WordNet lemma baker's_dozen as the split tokens do."""
    pairs = tmp_path / "tok.tsv"
    pairs.write_text("He bought a baker's dozen of rolls .\tbaker's dozen\t"
                     "She baked a baker 's dozen of buns .\tbaker's dozen\t1.0\n"
                     "His Achilles' heel was pride .\tAchilles' heel@1\t"
                     "He bought a baker's dozen of rolls .\tbaker's dozen@3\t0.1\n")
    base = ["--index", str(mini_index), "--no-wordnet-vectors", "--method", "raw", "--json"]
    result = CliRunner().invoke(cli, ["similarity-batch", str(pairs), "--tokenized", *base])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [r["error"] for r in found] == [None, None]
    for words in (["a", "baker's", "dozen"], ["a", "baker", "'s", "dozen"]):
        located = index.locate(words, "baker's dozen")
        assert index.lemma_candidates(located.surface) == [("baker's_dozen", "NOUN")]
    heel = index.locate(["His", "Achilles'", "heel"], "Achilles' heel")
    assert index.lemma_candidates(heel.surface) == [("achilles'_heel", "NOUN")]


def test_similarity_takes_word_at_n_and_batch_text_names_the_method(mini_index, tmp_path):
    """``sensedb similarity`` had no way to pick the second "bank" ("bank@4" was a target not
    in the sentence, while similarity-batch took it); the batch's text output printed
    combined probabilities and raw-cosine fallbacks in one column without saying which."""
    runner = CliRunner()
    base = ["--index", str(mini_index), "--no-wordnet-vectors", "--json"]
    first = json.loads(runner.invoke(cli, ["similarity", "The bank by the river bank", "bank",
                                           "The bank raised rates", "bank", *base]).output)
    second = runner.invoke(cli, ["similarity", "The bank by the river bank", "bank@5",
                                 "The bank raised rates", "bank", *base])
    assert second.exit_code == 0, second.output
    found = json.loads(second.output)
    assert (first["a"]["position"], found["a"]["position"]) == (1, 5)
    assert found["cosine"] != first["cosine"]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("A bank .\tbank\tThe river bank .\tbank\n"
                     "The bank fell .\tbank\tThe river flooded .\triver\n")
    text = runner.invoke(cli, ["similarity-batch", str(pairs), "--index", str(mini_index),
                               "--no-wordnet-vectors"])
    assert text.exit_code == 0, text.output
    methods = [line.split("\t")[2] for line in text.stdout.splitlines()]
    assert methods == ["combined", "raw"]


def test_the_text_says_when_the_senses_shown_disagree_with_the_verdict():
    """"He sat on the bank" / "The bank raised rates": "different sense" with the financial
    bank shown first for both (each usage's wsd answer) read as a contradiction; the text
    now says where the verdict comes from, and only when the two disagree."""
    from sensedb.cli.similarity_cmds import _similarity_text

    def usage(key):
        return {"target": "bank", "position": 1, "lemma": "bank", "pos": "NOUN",
                "senses": [{"probability": 0.6, "key": key, "gloss": "..."}]}

    def text(same, key_b):
        return _similarity_text({"method": "combined", "score": 0.34, "cosine": 0.89,
                                 "same": same, "threshold": 0.5,
                                 "a": usage("bank%1:14:00::"), "b": usage(key_b)})

    assert "which agree; the verdict is the combined score's" in text(False, "bank%1:14:00::")
    assert "which differ" in text(True, "bank%1:17:01::")
    assert "note:" not in text(True, "bank%1:14:00::")
    assert "note:" not in text(False, "bank%1:17:01::")
