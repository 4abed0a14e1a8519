"""Shared fixtures: one real encoder and one WordNet per session, a private SENSEDB_HOME."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI_XML = FIXTURES / "mini.data.xml"
MINI_GOLD = FIXTURES / "mini.gold.key.txt"
SHARED = Path(os.environ.get("SENSEDB_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")

# Everything sensedb writes on its own (WordNet copy, default index) goes to a temporary home,
# unless the caller points SENSEDB_HOME somewhere (CI reuses one to save the WordNet copy).
os.environ.setdefault("SENSEDB_HOME", tempfile.mkdtemp(prefix="sensedb-test-home-"))


@pytest.fixture(scope="session")
def wordnet():
    from sensedb.inventory import default_wordnet

    return default_wordnet()


@pytest.fixture(scope="session")
def encoder():
    from sensedb import Encoder

    return Encoder(threads=2)


@pytest.fixture(scope="session")
def mini_index(tmp_path_factory, encoder, wordnet):
    """The mini corpus indexed once (tests must not write to it)."""
    from sensedb import build_index

    path = tmp_path_factory.mktemp("mini-index")
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    return path


def chosen_rows(tags: list[str]):
    """POS-head tag log-probabilities ((len(tags), len(TAGS)) float64) whose best tag of each
    word is the one chosen (0.8, the others sharing the rest): a POS rule tried alone,
    without the head."""
    import numpy as np

    from sensedb.pos_head import TAGS

    logp = np.log(np.full((len(tags), len(TAGS)), 0.01))
    for at, tag in enumerate(tags):
        logp[at, TAGS.index(tag)] = np.log(0.8)
    return logp - np.log(np.exp(logp).sum(1, keepdims=True))


def shared(rel: str) -> Path:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (set SENSEDB_SHARED_DATA)")
    return path


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread while a module runs (``pytestmark =
    pytest.mark.usefixtures("one_torch_thread")``): on a small shared machine a second one
    makes every forward pass of a served or streamed query tens of times slower (threads spin
    waiting for each other)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    """The mini index opened read-only (no WordNet vectors added); modules may override it."""
    from sensedb import SenseIndex

    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


@pytest.fixture(scope="module")
def default_index(tmp_path_factory, encoder, wordnet):
    """The default (WordNet-only) index, built in a private home for the module."""
    from sensedb import SenseIndex

    home = tmp_path_factory.mktemp("default-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("SENSEDB_HOME", str(home))
    yield SenseIndex(encoder=encoder, wordnet=wordnet)
    mp.undo()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A metadata database URL on each engine the tests run against: None (the index's own
    SQLite file) and a fresh PostgreSQL database on the server SENSEDB_TEST_POSTGRES_URL
    names (skipped when unset; `.ci/run` starts one)."""
    if request.param == "sqlite":
        yield None
        return
    from engine_support import postgres_database

    with postgres_database() as url:
        yield url
