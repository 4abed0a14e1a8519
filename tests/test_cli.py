"""The CLI end to end with --json, its help texts and its error messages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, MINI_GOLD, MINI_XML

from sensedb.cli import cli


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def run(runner, *args, ok=True):
    result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_every_command_has_an_example(runner):
    for name in cli.commands:
        assert "Example:" in run(runner, name, "--help").output, name


def test_every_example_is_printed_as_written(runner):
    """click rewrapped example paragraphs to 80 columns: evaluate-graded's ``./semcor-index``
    was cut at its hyphen, tag's and evaluate's two examples ran into one line, and index's
    Ray example lost its line break to a backslash continuation in the docstring."""
    import inspect

    for name, command in cli.commands.items():
        output = run(runner, name, "--help").output
        printed = [line.strip() for line in output.splitlines()]
        written = inspect.cleandoc(command.help).partition("Example:")[2]
        examples = [line.strip() for line in written.splitlines()
                    if line.strip() and line.strip() != "\b"]
        assert examples, name
        for line in examples:
            assert line in printed, (name, line)
    assert "semcor-index --ray \\" in run(runner, "index", "--help").output


def test_cli_end_to_end(runner, tmp_path, encoder):
    index = tmp_path / "idx"
    report = json.loads(run(runner, "index", MINI_XML, "--gold", MINI_GOLD, "--index", index,
                            "--json").output)
    assert report["tokens"] == 19 and report["words_per_second"] > 0
    answer = json.loads(run(runner, "wsd", "He sat on the bank of the river", "bank",
                            "--index", index, "-k", "2", "--json").output)
    assert answer["senses"][0]["key"] == "bank%1:17:01::"
    assert set(answer["senses"][0]) >= {"key", "synset", "score", "gloss", "support"}
    assert len(answer["evidence"]) == 2 and answer["evidence"][0]["sentence"]
    near = json.loads(run(runner, "neighbors", "The bank raised rates", "bank", "--index",
                          index, "-k", "3", "--json").output)
    assert len(near) == 3
    sim = json.loads(run(runner, "similarity", "He sat on the bank", "bank",
                         "The bank raised rates", "bank", "--index", index, "--json").output)
    assert -1 <= sim["cosine"] <= 1
    scores = json.loads(run(runner, "evaluate", MINI_XML, MINI_GOLD, "--index", index,
                            "--json").output)
    assert {"f1", "precision", "recall", "by_pos", "n"} <= set(scores) and scores["n"] == 19
    info = json.loads(run(runner, "info", "--index", index, "--check", "--json").output)
    assert info["check"] == "ok" and info["token_vectors"] == 19
    text = run(runner, "wsd", "He sat on the bank of the river", "bank", "--index", index)
    assert "bank%1:17:01::" in text.output.splitlines()[1]


def test_cli_errors_are_one_clear_line(runner, tmp_path):
    index = tmp_path / "idx"
    result = run(runner, "index", FIXTURES / "corpora" / "bad_malformed.data.xml", "--gold",
                 FIXTURES / "corpora" / "good.gold.key.txt", "--index", index, ok=False)
    assert "Error: " in result.output and "bad_malformed.data.xml:" in result.output
    assert "Traceback" not in result.output
    result = run(runner, "wsd", "He sat on the shore", "bank", "--index", tmp_path / "none",
                 ok=False)
    assert "no sensedb index" in result.output


def test_option_spellings():
    from sensedb.cli import POS_TYPE, SCORING_TYPE, SIMILARITY_TYPE
    from sensedb.vocabulary import ScoringMethod

    for text, tag in [("NOUN", "NOUN"), ("noun", "NOUN"), ("n", "NOUN"), ("V", "VERB"),
                      ("a", "ADJ"), ("s", "ADJ"), ("Adj", "ADJ"), ("r", "ADV"), ("adv", "ADV")]:
        assert POS_TYPE.convert(text, None, None) == tag, text
    assert SCORING_TYPE.convert("evidence", None, None) is ScoringMethod.WEIGHTED
    assert SCORING_TYPE.convert("Weighted", None, None) is ScoringMethod.WEIGHTED
    assert SCORING_TYPE.convert("cosine", None, None) is ScoringMethod.COSINE
    assert SIMILARITY_TYPE.convert("SENSE", None, None) == "sense"


def test_pos_letters_and_old_spellings_give_the_same_answer(runner, mini_index, encoder,
                                                            wordnet, monkeypatch):
    import sensedb

    real_open = sensedb.open
    monkeypatch.setattr(sensedb, "open", lambda path=None, **options: real_open(
        path, encoder=encoder, wordnet=wordnet,
        **{k: v for k, v in options.items() if k != "device"}))
    # without --no-wordnet-vectors the query would add WordNet vectors to the shared index
    base = ["wsd", "He sat on the bank of the river", "bank", "--index", mini_index, "--json"]
    outputs = {run(runner, *base, "--no-wordnet-vectors", *extra).output for extra in (
        ["--pos", "NOUN"], ["--pos", "n"], ["--pos", "noun"],
        ["--pos", "n", "--scoring", "evidence"], ["--pos", "N", "--scoring", "weighted"])}
    assert len(outputs) == 1 and json.loads(outputs.pop())["pos"] == "NOUN"
    assert (run(runner, *base, "--no-wordnet-vectors").output
            == run(runner, *base, "--no-wordnet-evidence").output)
    bad = run(runner, *base, "--no-wordnet-vectors", "--pos", "x", ok=False)
    assert bad.exit_code == 2 and "--pos" in bad.output


def test_tag_jsonl_streams_records_with_offsets(runner, tmp_path, mini_index):
    text = tmp_path / "lines.txt"
    text.write_text("They fished from the bank of the river.\n\nI paid at the bank.\n")
    result = runner.invoke(cli, ["tag", "--file", str(text), "--jsonl", "--index",
                                 str(mini_index), "--no-wordnet-vectors"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    banks = [r for r in records if r["word"] == "bank"]
    assert [r["text"] for r in banks] == [0, 2]
    lines = text.read_text().splitlines()
    assert all(lines[r["text"]][r["start"]:r["end"]] == r["word"] for r in records)


def test_evaluate_raw_from_the_cli(runner, mini_index):
    result = runner.invoke(cli, ["evaluate", str(MINI_XML), str(MINI_GOLD), "--raw", "--json",
                                 "--index", str(mini_index), "--no-wordnet-vectors"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["n"] == 19 and found["answered"] + found["missed"] == 19



def test_evaluate_raw_text_has_the_data_sets_rows(runner, tmp_path, mini_index):
    """The text gives the rows per POS and per data set (an instance id's prefix), as
    without --raw (a tester: the data set's row was missing, though the JSON had it)."""
    data, gold = tmp_path / "all.data.xml", tmp_path / "all.gold.key.txt"
    data.write_text(MINI_XML.read_text(encoding="utf-8").replace(' id="d0', ' id="mini.d0'),
                    encoding="utf-8")
    gold.write_text("".join(f"mini.{line}\n" for line in MINI_GOLD.read_text(
        encoding="utf-8").splitlines()), encoding="utf-8")
    options = ["evaluate", str(data), str(gold), "--raw", "--index", str(mini_index),
               "--no-wordnet-vectors"]
    found = json.loads(run(runner, *options, "--json").output)
    assert list(found["by_dataset"]) == ["mini"]
    rows = {line.split()[0]: line for line in run(runner, *options).output.splitlines()[1:]}
    assert set(rows) == set(found["by_pos"]) | {"mini"}
    mini = found["by_dataset"]["mini"]
    assert f"F1 {mini['f1']:.1f}  n {mini['n']}" in rows["mini"]


def test_evaluate_on_a_jsonl_file_names_the_format_it_reads(runner, tmp_path, mini_index):
    # it said "malformed XML: not well-formed (invalid token)"
    data = tmp_path / "more.jsonl"
    data.write_text('{"id": "d0", "text": "The bank"}\n')
    result = run(runner, "evaluate", data, MINI_GOLD, "--index", mini_index, ok=False)
    assert "malformed" not in result.output
    assert "more.jsonl: a JSON Lines file: expected the unified XML format" in result.output


def test_default_index_reports_what_it_built(runner, encoder):
    """default-index printed "N lemmas, M labelled usages, 0 senses": its senses were the
    corpus senses, none in a WordNet-only index, though it held WordNet sense vectors. The
    report names the WordNet lemmas, sense vectors and example usages it built."""
    run(runner, "wsd", "He sat on the bank of the river", "bank")  # builds bank in it
    data = json.loads(run(runner, "default-index", "--json").output)
    assert data["default_index"] and data["wordnet_sense_vectors"] > 0
    text = run(runner, "default-index").output.strip()
    assert text == (f"{data['path']}: {data['corpora']['wordnet']} WordNet lemmas built, "
                    f"{data['wordnet_sense_vectors']} WordNet sense vectors (glosses and "
                    f"examples), {data['example_vectors']} labelled example usages")
    assert "0 senses" not in text


def test_evaluate_and_index_take_a_data_file_with_an_empty_text(runner, tmp_path, mini_index):
    """evaluate refused a data file with an empty <text> ("empty text ... (no sentences)"),
    though it reads its data as it is: the empty document contributes nothing, to the score
    or to an index (which then checks clean); a corpus with no instance at all is still
    refused, on one line."""
    data = tmp_path / "e.data.xml"
    data.write_text(MINI_XML.read_text().replace('<text id="d000">',
                                                 '<text id="e0">\n</text>\n<text id="d000">', 1))
    args = (MINI_GOLD, "--index", mini_index, "--no-wordnet-vectors", "--json")
    with_empty = json.loads(run(runner, "evaluate", data, *args).output)
    plain = json.loads(run(runner, "evaluate", MINI_XML, *args).output)
    assert with_empty["n"] == plain["n"] == 19 and with_empty["f1"] == plain["f1"]
    index = tmp_path / "idx"
    report = json.loads(run(runner, "index", data, "--gold", MINI_GOLD, "--index", index,
                            "--json").output)
    assert (report["documents"], report["sentences"], report["tokens"]) == (2, 9, 19)
    info = json.loads(run(runner, "info", "--index", index, "--check", "--json").output)
    assert info["check"] == "ok" and info["corpora"] == {"e": 2}
    only = tmp_path / "only.data.xml"
    only.write_text('<corpus lang="en">\n<text id="e0">\n</text>\n</corpus>\n')
    gold = tmp_path / "none.gold.txt"
    gold.write_text("")
    result = run(runner, "evaluate", only, gold, "--index", mini_index, ok=False)
    assert result.output.strip().endswith("only.data.xml: no instances to evaluate")
    assert len(result.output.strip().splitlines()) == 1


def test_a_warning_is_one_line_on_the_command_line():
    """The CLI's warnings came with Python's file, line and source line of the code that
    warned (``index.py:615: UserWarning: ...`` and ``self.ensure(pairs)``)."""
    from sensedb.cli import one_line_warning

    shown = one_line_warning(UserWarning("another process is writing this index"), UserWarning,
                             "/x/sensedb/retriever/index.py", 615, "self.ensure(pairs)")
    assert shown == "Warning: another process is writing this index\n"


def test_console_script_usage_errors_are_one_line(monkeypatch, capsys):
    """The console script (``sensedb.cli.main``) printed click's usage, a hint and the
    error on three lines; a usage error is one line naming the command's help, status 2."""
    from sensedb.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.argv", ["sensedb", *args])
        with pytest.raises(SystemExit) as done:
            main()
        out, err = capsys.readouterr()
        return done.value.code, out, err

    for args, message in ((["wsd", "The bank", "bank", "--pos", "x"], "Invalid value for '--pos'"),
                          (["wsd"], "Missing argument 'SENTENCE'"),
                          (["no-such-command"], "No such command")):
        code, out, err = run(*args)
        assert code == 2 and out == "", args
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], err
        assert "--help`)" in lines[0]
    code, out, err = run("--version")
    assert code == 0 and "sensedb" in out
    code, out, err = run()  # no command: the help, as click shows it
    assert code == 2 and "Usage: sensedb" in out + err


def test_python_dash_m_sensedb_is_the_command():
    """``python -m sensedb`` failed with "No module named sensedb.__main__" (a tester)."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "sensedb", "wsd", "--help"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert "Example:" in done.stdout and "Usage:" in done.stdout


def test_index_draws_the_final_progress_line_once_when_stderr_is_a_file(tmp_path,
                                                                        monkeypatch):
    """`sensedb index ... 2> log` had the final line twice: "indexing: 100%|...| 5018/5018
    [...]\\rindexing: 100%|...| 5018/5018 [...]" (tqdm's close drew it again)."""
    import re

    from sensedb.indexer import job

    monkeypatch.setattr(job, "PROGRESS_DELAY", 0.0)  # drawn at once, not after 1 s of work
    monkeypatch.setenv("TQDM_MININTERVAL", "0")  # every update drawn, the last one too
    result = CliRunner().invoke(cli, ["index", str(MINI_XML), "--gold", str(MINI_GOLD),
                                      "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    drawings = [d for d in result.stderr.split("\r") if d.startswith("indexing:")]
    # drawn before and after the work (at first without a total: the check is counting)
    assert len(drawings) >= 2 and re.match(r"indexing: +0(%|word)", drawings[0])
    final = re.findall(r"\b(\d+)/\1\b", result.stderr)
    assert len(final) == 1 and "100%" in drawings[-1]
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1


def test_senses_lists_a_words_senses_without_a_model(runner, mini_index):
    text = run(runner, "senses", "banks", "--pos", "n", "--index", mini_index).output
    lines = text.splitlines()
    assert lines[0] == "bank NOUN" and "bank%1:17:01::" in lines[1]
    assert "count 25" in lines[1] and "support 3" in lines[1] and "sloping land" in lines[1]
    data = json.loads(run(runner, "senses", "bank", "--json", "--index", mini_index).output)
    assert {s["pos"] for s in data} == {"NOUN", "VERB"} and all("examples" in s for s in data)
    assert data[0]["offset"] == "09213565-n"  # as GET /senses answers
    result = run(runner, "senses", "xyzzyq", "--index", mini_index, ok=False)
    assert result.output.strip() == 'Error: "xyzzyq" is not a word WordNet-3.0 knows'
