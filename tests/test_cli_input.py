"""Ordinary mistakes and ordinary input on the command line: long texts, other encodings,
byte order marks, odd targets and huge fields give an answer or one typed line, never a
traceback."""

from __future__ import annotations

import json

import pytest
from cli_support import invoke
from click.testing import CliRunner
from conftest import FIXTURES, MINI_GOLD, MINI_XML

from sensedb.cli import cli

BANK = "The bank raised its rates again. " * 8  # 264 characters: too long for a file name


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def query(mini_index):
    return ("--index", mini_index, "--no-wordnet-vectors")


@pytest.mark.parametrize("length", [264, 3000])
def test_tag_takes_long_text_as_text(runner, mini_index, length):
    text = (BANK * 12)[:length]
    result = invoke(runner, "tag", text, *query(mini_index), "--json")
    assert result.exit_code == 0, result.output
    assert any(w["word"] == "bank" for w in json.loads(result.output))


def test_tag_reads_a_file_stdin_or_an_existing_path(runner, mini_index, tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("He sat on the bank of the river.", encoding="utf-8")
    for args, stdin in (((path,), None), (("--file", path), None), (("-",), path.read_text()),
                        (("--file", "-"), path.read_text())):
        result = invoke(runner, "tag", *args, *query(mini_index), "--json", input=stdin)
        assert result.exit_code == 0, result.output
        assert "river" in [w["word"] for w in json.loads(result.stdout)]
        # a tester: TEXT read as the file it names said nothing; now a note on stderr
        noted = f"reading the file {str(path)!r}" in result.stderr
        assert noted == (args == (path,)), (args, result.stderr)
    assert invoke(runner, "tag", *query(mini_index)).exit_code == 2  # neither TEXT nor --file


def test_latin1_file_is_a_typed_error_and_encoding_reads_it(runner, mini_index, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("He sat\non the café bank.".encode("latin-1"))
    result = invoke(runner, "tag", "--file", path, *query(mini_index))
    assert result.exit_code == 1
    assert "not utf-8" in result.output and "--encoding" in result.output
    assert "latin1.txt:2: not utf-8" in result.output  # the line, as the other readers'
    path.write_bytes("He sat on the café bank.".encode("latin-1"))
    result = invoke(runner, "tag", "--file", path, "--encoding", "latin-1", *query(mini_index),
                    "--json")
    assert result.exit_code == 0 and "bank" in result.output
    assert invoke(runner, "tag", "--file", path, "--encoding", "nope",
                  *query(mini_index)).exit_code == 1
    assert "--encoding latin-1" in invoke(runner, "tag", "--file", path,
                                          *query(mini_index)).output


def test_a_utf16_file_is_told_to_read_as_utf16(runner, mini_index, tmp_path):
    """Its byte-order mark names it; the hint was latin-1, which reads it as garbage."""
    path = tmp_path / "utf16.txt"
    path.write_bytes("He sat on the bank.".encode("utf-16"))
    result = invoke(runner, "tag", "--file", path, *query(mini_index))
    assert result.exit_code == 1 and "--encoding utf-16" in result.output
    result = invoke(runner, "tag", "--file", path, "--encoding", "utf-16", *query(mini_index),
                    "--json")
    assert result.exit_code == 0 and "bank" in result.output


def test_undecodable_command_line_is_a_typed_error(runner, mini_index):
    # a latin-1 terminal: Python hands the byte 0xe9 over as the surrogate \udce9
    result = invoke(runner, "wsd", "He sat on the caf\udce9 bank of the river", "bank",
                    *query(mini_index))
    assert result.exit_code == 1
    assert "not valid UTF-8" in result.output and "0xe9" in result.output
    assert "\udce9" not in result.output
    result = invoke(runner, "wsd", "He sat on the bank", "b\udce9nk", *query(mini_index))
    assert result.exit_code == 1 and "target" in result.output


def test_undecodable_text_through_the_api(mini_index, encoder, wordnet):
    import sensedb

    index = sensedb.open(mini_index, encoder=encoder, wordnet=wordnet,
                         wordnet_evidence=False)
    with pytest.raises(sensedb.InputError, match="0xe9"):
        index.wsd("caf\udce9 bank", "bank")
    with pytest.raises(sensedb.InputError, match="not valid UTF-8"):
        sensedb.tag(index, "caf\udce9 bank")
    with pytest.raises(sensedb.InputError, match="must be a string"):
        index.wsd(["bank", 3], "bank")
    # no index: an AttributeError from deep inside before (a tester's report)
    for wrong in (None, str(mini_index)):
        with pytest.raises(sensedb.InputError, match="must be an open index"):
            sensedb.tag(wrong, "The bank")
    # the evaluations too (an AttributeError on 'uses_context' or 'manifest': a breaker's)
    for call in (lambda i: sensedb.evaluate(i, MINI_XML, MINI_GOLD),
                 lambda i: sensedb.evaluate_wic(i, MINI_XML),
                 lambda i: sensedb.evaluate_graded(i, MINI_XML)):
        for wrong in (None, str(mini_index)):
            with pytest.raises(sensedb.InputError, match="must be an open index"):
                call(wrong)


def test_commands_on_a_missing_index_leave_no_folder(tmp_path):
    """`repair` on a mistyped path left the folders and a `.lock` (a spaCy component then
    took the folder for an index); a job whose --db cannot be created left `DIR/.lock` and
    `DIR/raw/` (a breaker's)."""
    import sensedb

    missing = tmp_path / "typo" / "deeper" / "index"
    result = CliRunner().invoke(cli, ["repair", "--index", str(missing)])
    assert result.exit_code == 1 and "no sensedb index here" in result.output
    with pytest.raises(sensedb.IndexFormatError, match="no sensedb index here"):
        sensedb.repair(missing)
    assert not (tmp_path / "typo").exists()
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text('{"text": "He sat on the bank of the river", '
                      '"senses": [{"at": 4, "key": "bank%1:17:01::"}]}\n')
    folder = tmp_path / "new-index"
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(folder), "--db",
                                      f"sqlite:///{tmp_path}/no/such/dir/x.sqlite"])
    assert result.exit_code == 1 and "cannot create the metadata database: the folder" \
        in result.output
    assert not folder.exists()
    nested = tmp_path / "new" / "a" / "b"  # the outermost folder the job made goes too
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(nested), "--db",
                                      f"sqlite:///{tmp_path}/no/such/dir/x.sqlite"])
    assert result.exit_code == 1 and not (tmp_path / "new").exists()
    pytest.importorskip("psycopg")
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(folder), "--db",
                                      "postgresql+psycopg://u:pw@127.0.0.1:1/x"])
    assert result.exit_code == 1 and "cannot reach the database" in result.output
    assert not folder.exists()  # an empty folder was left


def test_gold_and_data_files_with_a_byte_order_mark(tmp_path):
    from sensedb import read_jsonl, read_raganato
    from sensedb.corpora import read_gold

    gold = tmp_path / "bom.gold.key.txt"
    gold.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "mini.gold.key.txt").read_bytes())
    data = tmp_path / "bom.data.xml"
    data.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "mini.data.xml").read_bytes())
    assert "d000.s000.t000" in read_gold(gold)
    assert len(list(read_raganato(data, gold))) == len(
        list(read_raganato(FIXTURES / "mini.data.xml", FIXTURES / "mini.gold.key.txt")))
    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "corpora" / "good.jsonl").read_bytes())
    assert list(read_jsonl(jsonl))


def test_pairs_with_odd_target_or_huge_field(runner, mini_index, tmp_path):
    from sensedb import InputError
    from sensedb.corpora.pairs import read_pairs_tsv

    odd = tmp_path / "odd.tsv"
    odd.write_text("He sat on the bank\tbank@²\tThe bank raised rates\tbank\n",
                   encoding="utf-8")
    result = invoke(runner, "similarity-batch", odd, *query(mini_index))
    assert result.exit_code == 1 and "bank@²" in result.output  # not in the sentence
    huge = tmp_path / "huge.tsv"
    huge.write_text("a bank\tbank\tthe bank\tbank\n" + "x" * (200 << 10) + "\tbank\ty\tbank\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"huge\.tsv:2: unreadable row: field larger"):
        read_pairs_tsv(huge)
    result = invoke(runner, "similarity-batch", huge, *query(mini_index))
    assert result.exit_code == 1 and "huge.tsv:2" in result.output


def test_target_missing_from_a_huge_sentence_is_one_short_line(mini_index, encoder, wordnet):
    import sensedb
    from sensedb.errors import MAX_MESSAGE

    index = sensedb.open(mini_index, encoder=encoder, wordnet=wordnet,
                         wordnet_evidence=False)
    sentence = " ".join(["word"] * 10_000) + "\t\n"  # (an escape sequence is refused first)
    with pytest.raises(sensedb.InputError) as caught:
        index.wsd(sentence, "bank")
    message = str(caught.value)
    assert len(message) <= MAX_MESSAGE and "\n" not in message and "\t" not in message
    assert message.endswith("... (10000 tokens)")  # its first tokens listed, then the count


def test_format_characters_are_removed_and_controls_refused(runner, mini_index):
    found = invoke(runner, "wsd", "He sat on the ba\u200bnk of the river", "bank",
                   *query(mini_index), "--json")
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["target"] == "bank"
    target = invoke(runner, "wsd", "He sat on the bank of the river", "\uff42ank\u00ad",
                    *query(mini_index), "--json")
    assert target.exit_code == 0 and json.loads(target.output)["target"] == "bank"
    for text in ("He sat on the bank\x00 of the river", "\x1b[31mHe sat on the bank"):
        refused = invoke(runner, "wsd", text, "bank", *query(mini_index))
        assert refused.exit_code == 1
        lines = refused.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: text has U+00"), lines
        assert "at character" in lines[0] and "\x00" not in lines[0] and "\x1b" not in lines[0]
    tagged = invoke(runner, "tag", "The ri\u200bver bank", *query(mini_index), "--json")
    assert "river" in [w["word"] for w in json.loads(tagged.output)]


def test_tag_refuses_two_output_formats(runner, mini_index):
    result = invoke(runner, "tag", "The bank", "--jsonl", "--json", *query(mini_index))
    assert result.exit_code == 2 and "--jsonl and --json" in result.output


def test_tag_into_a_pipe_closed_early_exits_quietly(mini_index, tmp_path):
    import os
    import subprocess
    import sys

    from sensedb.cli import BROKEN_PIPE_STATUS

    text = tmp_path / "many.txt"
    text.write_text("The bank raised its rates. We walked along the river bank.\n" * 400,
                    encoding="utf-8")
    command = [sys.executable, "-m", "sensedb.cli", "tag", str(text), "--jsonl",
               *map(str, query(mini_index))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    first = process.stdout.readline()  # as `| head -1`: one line, then the pipe is closed
    process.stdout.close()
    status = process.wait(timeout=300)
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert json.loads(first)["word"] == "bank"
    assert status == BROKEN_PIPE_STATUS, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors and "Exception" not in errors


@pytest.mark.parametrize("args", [
    ("wsd", "the bank", "bank", "-k", "-3"), ("wsd", "the bank", "bank", "--at", "-1"),
    ("neighbors", "the bank", "bank", "-k", "0"),
    ("wsd", "the bank", "bank", "--min-confidence", "nan"),
    ("tag", "the bank", "--min-confidence", "-5"), ("tag", "the bank", "--min-confidence", "2"),
    ("evaluate", FIXTURES / "mini.data.xml", FIXTURES / "mini.gold.key.txt",
     "--min-confidence", "inf"),
])
def test_odd_option_values_are_usage_errors(runner, mini_index, args):
    result = invoke(runner, *args, *query(mini_index))
    assert result.exit_code == 2 and "Invalid value" in result.output, result.output


def test_odd_files_and_names_are_one_line_errors(runner, mini_index, tmp_path):
    def refused(*args, expected):
        result = invoke(runner, *args)
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], lines
        return lines[0]

    folder = tmp_path / "texts"
    folder.mkdir()
    refused("tag", folder, *query(mini_index), expected="is a folder, not a text file")
    refused("evaluate", FIXTURES / "mini.data.xml", FIXTURES / "mini.gold.key.txt",
            *query(mini_index), "--out", tmp_path / "missing" / "keys.txt",
            expected="keys.txt: cannot write here: the folder does not exist")
    index = tmp_path / "new-index"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n", encoding="utf-8")
    refused("index", empty, "--index", index, expected="empty.jsonl: no documents")
    # a gold file with a JSONL corpus (a missing one too) was ignored in silence
    refused("index", empty, "--index", index, "--gold", tmp_path / "nonexistent.key",
            expected="a JSONL corpus carries its sense keys itself")
    notes = tmp_path / "notes.txt"
    notes.write_text("He sat on the bank.\r\n", encoding="utf-8")
    refused("index", notes, "--index", index, expected="notes.txt: not a corpus sensedb reads")
    refused("index", FIXTURES / "mini.data.xml", "--index", index, "--corpus-name", " ",
            expected="the corpus name is empty")
    assert not index.exists()
    assert invoke(runner, "index", FIXTURES / "mini.data.xml", "--index", index,
                  "--batch-tokens", "0").exit_code == 2


def test_raw_similarity_of_a_word_wordnet_lacks(runner, mini_index):
    result = invoke(runner, "similarity", "The zorbluxes sang", "zorbluxes", "The bank",
                    "bank", *query(mini_index), "--method", "raw")
    assert result.exit_code == 0, result.output
    assert "a: zorbluxes (position 1) (a word WordNet does not know: no senses)" \
        in result.output


@pytest.mark.parametrize("how", [("--file",), (), ("--file", "--jsonl"), ("--jsonl",)])
def test_tag_names_the_file_and_line_with_a_control_character(runner, mini_index, tmp_path,
                                                              how):
    """It said 'text has U+001B ... at character 29' (of the whole file; 'text 1' with
    --jsonl), naming neither the file nor the line, as the other readers do."""
    path = tmp_path / "lines.txt"
    path.write_bytes(b"\xef\xbb\xbfThe river bank\xe2\x80\x8b.\r\nWe sat\x1b[31m on the bank.\n")
    args = [how[0], path, *how[1:]] if how and how[0] == "--file" else [path, *how]
    result = invoke(runner, "tag", *args, *query(mini_index))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines()  # past the note a TEXT file gets
             if not line.startswith("sensedb: reading the file")]
    assert [line for line in lines if not line.startswith("{")] == [
        f"Error: {path}:2: the line has U+001B (ESC, as in an escape sequence) at character "
        "6: remove it (of the control characters only white space such as tab and newline "
        "is taken)"]
    # --jsonl streams: the lines before the bad one are tagged first (a tester: none were)
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert bool(records) == ("--jsonl" in how) and {r["text"] for r in records} <= {0}
    result = invoke(runner, "tag", "-", *how[1:], *query(mini_index),
                    input="The bank.\n\nThe ba\x00nk.\n")
    assert result.output.startswith("Error: <stdin>:3: the line has U+0000 (NUL) at "
                                    "character 6"), result.output


@pytest.mark.parametrize("args", [
    ("tag", "--file", "a\x00b"), ("similarity-batch", "a\x00b"),
    ("evaluate", "a\x00b", "b"), ("similarity", "a", "a", "b", "b", "--params", "a\x00"),
])
def test_a_nul_in_a_file_name_is_a_usage_error(runner, mini_index, args):
    result = invoke(runner, *args, *query(mini_index))
    assert result.exit_code == 2 and "NUL character" in result.output, result.output


def test_an_encoding_name_with_a_nul_is_unknown(runner, mini_index):
    result = invoke(runner, "tag", "-", "--encoding", "utf\x008", *query(mini_index),
                    input="The bank")
    assert result.exit_code == 1 and "unknown encoding 'utf\\x008'" in result.output


def test_an_output_path_under_a_file_is_one_line_not_a_traceback(runner, mini_index,
                                                                  tmp_path):
    """A path whose folder is a file: index raised NotADirectoryError, plot FileExistsError,
    train-head NotADirectoryError, and evaluate-wic --save NotADirectoryError after its
    whole fit; evaluate-wic --train with --threshold and --save raised KeyError."""
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder\n", encoding="utf-8")
    wic = (FIXTURES / "corpora" / "good.data.txt", FIXTURES / "corpora" / "good.gold.txt")

    def refused(*args, expected, status=1):
        result = invoke(runner, *args)
        assert result.exit_code == status, result.output
        lines = result.output.strip().splitlines()
        assert "Traceback" not in result.output and expected in lines[-1], lines
        return lines[-1]

    assert refused("index", FIXTURES / "mini.data.xml", "--index", afile / "index",
                   expected="cannot create the index directory") \
        == f"Error: {afile / 'index'}: cannot create the index directory: {afile} is not a folder"
    refused("plot", "bank", *query(mini_index), "--out", afile / "bank.html",
            expected=f"Error: {afile}: File exists")
    refused("train-head", FIXTURES / "mini.data.xml", "--gold", FIXTURES / "mini.gold.key.txt",
            "--out", afile / "head", "--epochs", "1",
            expected=f"Error: {afile / 'head'}: Not a directory")
    refused("evaluate-wic", *wic, *query(mini_index), "--method", "raw", "--train", *wic,
            "--save", afile / "params.json",
            expected=f"params.json: cannot write here: {afile} is not a folder")
    refused("evaluate-wic", *wic, *query(mini_index), "--method", "raw", "--train", *wic,
            "--save", tmp_path / "params.json", "--threshold", "0.5", status=2,
            expected="give --threshold or --train, not both")
    assert not (tmp_path / "params.json").exists()


def test_an_output_file_that_is_an_input_is_refused_before_it_is_overwritten(runner,
                                                                              mini_index,
                                                                              tmp_path):
    """``evaluate DATA GOLD --out GOLD`` replaced the gold key file with the predictions
    (``--out DATA`` the corpus); evaluate-wic --save could do the same to its data."""
    gold = tmp_path / "mini.gold.key.txt"
    gold.write_bytes((FIXTURES / "mini.gold.key.txt").read_bytes())
    result = invoke(runner, "evaluate", FIXTURES / "mini.data.xml", gold, *query(mini_index),
                    "--out", tmp_path / "." / "mini.gold.key.txt")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {tmp_path / '.' / 'mini.gold.key.txt'}: the output file is the input {gold}: "
        "writing it would replace it; give another file")
    assert gold.read_bytes() == (FIXTURES / "mini.gold.key.txt").read_bytes()
    data = tmp_path / "wic.data.txt"
    data.write_bytes((FIXTURES / "corpora" / "good.data.txt").read_bytes())
    wic_gold = FIXTURES / "corpora" / "good.gold.txt"
    result = invoke(runner, "evaluate-wic", data, wic_gold, *query(mini_index), "--method",
                    "raw", "--train", data, wic_gold, "--save", data)
    assert result.exit_code == 1 and "the output file is the input" in result.output
    assert data.read_bytes() == (FIXTURES / "corpora" / "good.data.txt").read_bytes()


def test_a_word_without_any_vector_is_not_called_novel(runner, mini_index):
    """With no corpus token and no WordNet vectors, every candidate is a fallback and the fit
    measures nothing: such words were all flagged novel (fit 0.0)."""
    text = "The brewer studied zymurgy."
    result = invoke(runner, "tag", text, *query(mini_index), "--json")
    words = json.loads(result.output)
    assert {w["word"] for w in words} >= {"brewer", "zymurgy"}
    assert not any(w["novel"] for w in words)
    answer = json.loads(invoke(runner, "wsd", text, "zymurgy", *query(mini_index),
                               "--json").output)
    assert answer["fallback"] and answer["novel"] is False and answer["fit"] is None


def test_a_novel_answer_says_no_sense_fits_with_its_fit():
    """A tester read "far from every labelled usage: possibly a new sense" above a nearest
    labelled usage at cosine 0.890: ``novel`` comes from the best sense's fit (gloss,
    examples and usages together), so the line says that, with the fit."""
    from sensedb.cli.query_cmds import _wsd_text

    answer = {"target": "rained", "position": 8, "lemma": "rain", "pos": "VERB",
              "confidence": 1.0, "margin": 1.0, "decided_by": "single candidate",
              "fallback": False, "novel": True, "fit": 0.3141, "senses": [], "evidence": []}
    line = _wsd_text(answer).splitlines()[0]
    assert "no sense fits well (fit 0.31): possibly a sense WordNet lacks" in line
    assert "labelled usage" not in line
    assert "fits well" not in _wsd_text({**answer, "novel": False})
    lacking = _wsd_text({**answer, "lacking_pos": "VERB"}).splitlines()[0]
    assert "read as a VERB, which WordNet has no sense of for this word" in lacking
    assert "fit 0.31" not in lacking


def test_an_abstained_word_shows_no_rejected_sense(runner, mini_index):
    """Under --min-confidence a word left untagged kept the rejected candidate's synset,
    gloss, offset and score beside key null."""
    args = ("I watch the watch", *query(mini_index), "--min-confidence", "1.0")
    words = json.loads(invoke(runner, "tag", *args, "--json").output)
    assert words and all(w["key"] is None and w["synset"] is None and w["gloss"] is None
                         for w in words)
    records = [json.loads(line) for line in invoke(runner, "tag", *args, "--jsonl")
               .output.splitlines()]
    assert records and all(r["key"] is r["synset"] is r["offset"] is r["gloss"] is r["score"]
                           is None for r in records)
    text = invoke(runner, "tag", *args).output
    assert "look attentively" not in text and " - " in text


@pytest.mark.parametrize("mode", [(), ("--json",), ("--jsonl",)])
def test_tag_of_an_empty_file_is_no_words_in_every_mode(runner, mini_index, tmp_path, mode):
    """An empty file was "Error: empty text" (exit 1) in text and --json modes, nothing
    (exit 0) with --jsonl: a batch over many files stopped on one."""
    path = tmp_path / "empty.txt"
    for content in ("", "\n  \n"):
        path.write_text(content, encoding="utf-8")
        for args, stdin in (((path,), None), (("--file", path), None), (("-",), content)):
            result = invoke(runner, "tag", *args, *query(mini_index), *mode, input=stdin)
            assert result.exit_code == 0, result.output
            expected = {(): "no content words", ("--json",): "[]", ("--jsonl",): ""}[mode]
            shown = [line for line in result.output.splitlines()  # a TEXT file's note aside
                     if not line.startswith("sensedb: reading the file")]
            assert "\n".join(shown).strip() == expected
    assert invoke(runner, "tag", "", *query(mini_index), *mode).exit_code == 1  # empty TEXT
    path.write_text("\u200b\n\u00ad\n", encoding="utf-8")  # format characters only
    result = invoke(runner, "tag", "--file", path, *query(mini_index), *mode)
    assert result.exit_code == 0 and result.output.strip() == expected, result.output


def test_a_target_written_word_at_n(runner, mini_index, tmp_path):
    """`wsd "I watch the watch" watch@3` said the target was not in the sentence, though
    `similarity` and PAIRS.tsv take word@N."""
    answer = json.loads(invoke(runner, "wsd", "I watch the watch", "watch@3",
                               *query(mini_index), "--json").output)
    assert answer["position"] == 3 and answer["target"] == "watch"
    outside = invoke(runner, "wsd", "I watch the watch", "watch@9", *query(mini_index))
    assert outside.exit_code == 1 and "token position 9 is outside" in outside.output
    # the position twice: agreeing is fine, disagreeing is named (was "not in the sentence")
    same = json.loads(invoke(runner, "wsd", "I watch the watch", "watch@1", "--at", "1",
                             *query(mini_index), "--json").output)
    assert same["position"] == 1
    both = invoke(runner, "wsd", "I watch the watch", "watch@3", "--at", "1", *query(mini_index))
    assert both.exit_code == 1 and "names token 3 and the position given is 1" in both.output
    below = invoke(runner, "wsd", "I watch the watch", "watch@-1", *query(mini_index))
    assert below.exit_code == 1 and "a token position counts from 0, not -1" in below.output
    # similarity-batch reads standard input ("-"), as tag does
    pairs = "He sat on the bank\tbank\tThe bank raised rates\tbank@1\n"
    result = invoke(runner, "similarity-batch", "-", *query(mini_index), "--method", "raw",
                    "--json", input=pairs)
    assert result.exit_code == 0, result.output
    assert [r["line"] for r in json.loads(result.output)] == [1]


def test_tag_jsonl_reads_utf16_lines_whole(runner, mini_index, tmp_path):
    """A tester: `tag --jsonl --encoding utf-16` split the file at the byte 0x0A before
    decoding: inside "上" (U+4E0A) and before a newline's second byte, so every later line
    began with the one before's newline and its offsets were one character off. Lines are
    split after decoding: the same records as the UTF-8 file's, offsets into each line."""
    text = "The bank is above 上 the river.\nSecond line about a bank.\n"
    records = {}
    for encoding in ("utf-8", "utf-16", "utf-16-le"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        result = invoke(runner, "tag", "--file", path, "--jsonl", "--encoding", encoding,
                        *query(mini_index))
        assert result.exit_code == 0, result.output
        records[encoding] = [json.loads(line) for line in result.output.splitlines()]
    assert records["utf-16"] == records["utf-8"] == records["utf-16-le"]
    lines = text.split("\n")
    assert {r["text"] for r in records["utf-8"]} == {0, 1}
    assert all(lines[r["text"]][r["start"]:r["end"]] == r["word"] for r in records["utf-8"])
    # bytes that are not the encoding: the line and the encoding to try, as without --jsonl
    path = tmp_path / "latin.txt"
    path.write_bytes("The bank.\nThe café bank.\n".encode("latin-1"))
    result = invoke(runner, "tag", "--file", path, "--jsonl", *query(mini_index))
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert result.exit_code == 1 and errors[0].startswith(f"Error: {path}:2: not utf-8")
    assert "--encoding latin-1" in errors[0]
    # the whole lines before the bad bytes are tagged first (they were lost with their block)
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert records and {r["text"] for r in records} == {0}



def test_a_job_stopped_after_writing_an_outside_database_keeps_its_folder(
        tmp_path, encoder, wordnet, monkeypatch):
    """Stopped during its first chunk, a job into a new folder with its database elsewhere
    (--db) had its folder removed while the database kept the index: every rerun then
    failed on the missing folder (a breaker's). The folder stays and the rerun resumes."""
    import sensedb
    from sensedb.indexer import chunks as chunks_module

    folder, url = tmp_path / "new" / "index", f"sqlite:///{tmp_path}/meta.sqlite"
    real = chunks_module.commit_chunk

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(chunks_module, "commit_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sensedb.build_index(MINI_XML, folder, gold=MINI_GOLD, db_url=url, encoder=encoder,
                            wordnet=wordnet, progress=False)
    assert folder.exists()
    monkeypatch.setattr(chunks_module, "commit_chunk", real)
    report = sensedb.build_index(MINI_XML, folder, gold=MINI_GOLD, db_url=url,
                                 encoder=encoder, wordnet=wordnet, progress=False)
    assert (report.documents, report.tokens) == (2, 19)


@pytest.fixture()
def never_encoded(monkeypatch) -> list:
    """The calls of ``api.check_while_encoding`` (where a job loads its model and encodes its
    first chunk), recorded as they happen."""
    from sensedb import api

    real, calls = api.check_while_encoding, []
    monkeypatch.setattr(api, "check_while_encoding",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_destination_that_cannot_be_made_is_refused_before_any_encoding(
        tmp_path, encoder, wordnet, never_encoded):
    """An index under a file, a --db file in a folder that does not exist, one that is a
    folder or another kind of file: each was refused when the job first wrote, after its
    model loaded and its first chunk was encoded (20-40 s on a CPU; a breaker's). Now at
    once, one line naming the path, and no folder made."""
    import sensedb

    afile = tmp_path / "notes.txt"
    afile.write_text("not a database\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    cases = [(afile / "index", None, f"{afile} is not a folder"),
             (tmp_path / "i1", f"sqlite:///{tmp_path}/none/meta.sqlite",
              f"the folder {tmp_path / 'none'} does not exist"),
             (tmp_path / "i2", f"sqlite:///{afile}", "not a SQLite database"),
             (tmp_path / "i3", f"sqlite:///{tmp_path}/folder", "is a folder")]
    for index, url, message in cases:
        with pytest.raises(sensedb.IndexFormatError, match=message):
            sensedb.build_index(MINI_XML, index, gold=MINI_GOLD, db_url=url, encoder=encoder,
                                wordnet=wordnet, progress=False)
        assert not (index.exists() and index.is_dir())
    assert never_encoded == [] and afile.read_text(encoding="utf-8") == "not a database\n"
    report = sensedb.build_index(MINI_XML, tmp_path / "i4", gold=MINI_GOLD,
                                 db_url=f"sqlite:///{tmp_path}/folder/meta.sqlite",
                                 encoder=encoder, wordnet=wordnet, progress=False)
    assert never_encoded == [1] and (report.documents, report.tokens) == (2, 19)


def test_a_job_stopped_while_it_creates_its_index_leaves_no_folder(tmp_path, encoder,
                                                                   wordnet, monkeypatch):
    """Ctrl-C while a new index's database was being created left the folder with
    ``sensedb.sqlite.creating`` in it, which no command reads as an index (a breaker's); a
    job that made no index removes the folder it made, and a rerun builds the index."""
    import sensedb
    from sensedb.indexer import IndexDirectory

    real = IndexDirectory.set_manifest

    def stopped(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexDirectory, "set_manifest", stopped)
    with pytest.raises(KeyboardInterrupt):
        sensedb.build_index(MINI_XML, tmp_path / "new" / "index", gold=MINI_GOLD,
                            encoder=encoder, wordnet=wordnet, progress=False)
    assert not (tmp_path / "new").exists()
    monkeypatch.setattr(IndexDirectory, "set_manifest", real)
    report = sensedb.build_index(MINI_XML, tmp_path / "new" / "index", gold=MINI_GOLD,
                                 encoder=encoder, wordnet=wordnet, progress=False)
    assert (report.documents, report.tokens) == (2, 19)

