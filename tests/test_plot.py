"""The sense-cluster picture: PNG and HTML from the tiny index, projection, legend, errors."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

import sensedb
from sensedb import ConfigurationError, InputError, SenseIndex
from sensedb import plot as plot_module
from sensedb.cli import cli
from sensedb.plot import plot_lemma

BANK_SENSES = {"bank%1:14:00::": 3, "bank%1:17:01::": 3}  # the mini corpus's 6 usages


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet)


def test_png(index, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib import image

    out = tmp_path / "bank.png"
    result = plot_lemma(index, "bank", out=out, query="I paid the cheque in at the banks.",
                        method="pca")
    assert result["out"] == str(out) and result["points"] == 6
    assert result["senses"] == BANK_SENSES and result["method"] == "pca"
    assert result["pos"] == ["NOUN"]
    query = result["query"]
    assert query["word"] == "banks" and np.isfinite([query["x"], query["y"]]).all()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(out)
    assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 500


def test_html_has_one_circle_per_point(index, tmp_path):
    out = tmp_path / "sub" / "bank.html"
    result = plot_lemma(index, "bank", pos="NOUN", out=out, method="pca",
                        query="We sat on the bank of the river.")
    page = out.read_text(encoding="utf-8")
    assert page.count("<circle") == result["points"] == 6
    assert page.count("<title>") >= 7  # page title + a tooltip per point + the query star
    assert "sloping land" in page and "[bank]" in page and "<polygon" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no CDN


def test_query_lands_on_its_own_usage(index):
    """A query identical to an indexed sentence projects onto that usage's point."""
    ids = index.tokens.ids()
    start, end = index.tokens.groups()["bank\tNOUN"]
    vectors = index.tokens.vectors(ids[start:end]).astype(np.float64)
    method, coords, query_xy, _ = plot_module._project(vectors, vectors[2], "pca")
    assert method == "pca" and coords.shape == (6, 2)
    np.testing.assert_allclose(query_xy, coords[2], atol=1e-9)


def test_errors(index, tmp_path):
    with pytest.raises(InputError, match="no labelled usages"):
        plot_lemma(index, "zebra", out=tmp_path / "z.png")
    with pytest.raises(InputError, match="as VERB"):
        plot_lemma(index, "bank", pos="VERB", out=tmp_path / "z.png")
    with pytest.raises(InputError, match=".html"):
        plot_lemma(index, "bank", out=tmp_path / "z.gif")
    with pytest.raises(InputError, match="no form of"):
        plot_lemma(index, "bank", out=tmp_path / "z.html", query="Nothing to see here.")
    if plot_module._umap_module() is None:
        with pytest.raises(ConfigurationError, match="pip install umap-learn"):
            plot_lemma(index, "bank", out=tmp_path / "z.html", method="umap")


def test_missing_matplotlib_says_how_to_install(index, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ConfigurationError, match="pip install matplotlib"):
        plot_lemma(index, "bank", out=tmp_path / "z.png")
    # the HTML page needs nothing beyond numpy
    assert plot_lemma(index, "bank", out=tmp_path / "z.html", method="pca")["points"] == 6


def test_many_senses_are_pooled_as_other(wordnet):
    counts = Counter({f"x%1:00:{i:02d}::": 20 - i for i in range(15)})
    legend = plot_module._legend(SimpleNamespace(inventory=wordnet), counts)
    assert len(legend) == plot_module.MAX_SENSES
    assert [e["keys"][0] for e in legend[:-1]] == [f"x%1:00:{i:02d}::" for i in range(11)]
    other = legend[-1]
    assert other["label"].startswith("other: 4 rarer senses") and len(other["keys"]) == 4
    assert other["count"] == sum(20 - i for i in range(11, 15))
    assert len({e["colour"] for e in legend}) == len(legend)
    real = plot_module._legend(SimpleNamespace(inventory=wordnet),
                               Counter({"bank%1:17:01::": 2}))
    gloss = real[0]["label"].split(") ", 1)[1]
    assert gloss.startswith("sloping land") and len(gloss) <= plot_module.GLOSS_CHARS


def test_cli_plot(mini_index, encoder, wordnet, tmp_path, monkeypatch):
    real_open = sensedb.open
    monkeypatch.setattr(sensedb, "open", lambda path=None, **options: real_open(
        path, encoder=encoder, wordnet=wordnet,
        **{k: v for k, v in options.items() if k != "device"}))
    out = tmp_path / "bank.html"
    result = CliRunner().invoke(cli, ["plot", "bank", "--index", str(mini_index), "--out",
                                      str(out), "--method", "pca", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["points"] == 6 and data["senses"] == BANK_SENSES and out.exists()
    missing = CliRunner().invoke(cli, ["plot", "zebra", "--index", str(mini_index)])
    assert missing.exit_code == 1 and "zebra" in missing.output
    assert "Traceback" not in missing.output


def test_an_index_without_corpus_tokens_says_what_plot_draws(default_index, tmp_path):
    """On the default index `plot bank` said "no labelled usages" though `wsd` lists the
    nearest labelled usages (WordNet's examples): the error now says plot draws corpus
    tokens and the index has none."""
    with pytest.raises(InputError, match="holds no labelled corpus tokens"):
        plot_lemma(default_index, "bank", out=tmp_path / "bank.png")
