"""How a model given as a local directory is named and recognised (``sensedb.paths``)."""

from __future__ import annotations

import os

import pytest

from sensedb.errors import ConfigurationError
from sensedb.paths import model_name, same_model


def test_a_local_model_directory_is_named_by_its_absolute_path(tmp_path, monkeypatch):
    """A fresh tester: an index built with ``--model models/mine`` recorded that relative
    path and could be queried only from the folder it was built in; a local directory is
    named by its absolute path now, a hub name as given."""
    (tmp_path / "models" / "mine").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert model_name("models/mine") == str(tmp_path / "models" / "mine")
    assert model_name("./models/mine/") == str(tmp_path / "models" / "mine")
    assert model_name("org/name") == "org/name"  # a hub name: no folder "org" here


@pytest.mark.parametrize("path", ["models/missing", "./missing", "/no/such/model", "a/b/c",
                                  "~/no-such-model-dir"])
def test_a_path_where_no_folder_is_refused_at_once(tmp_path, monkeypatch, path):
    """A tester: ``--model models/nonexistent`` (a typo beside a "models" folder) was looked
    up on the model hub, retried for over a minute without HF_HUB_OFFLINE, and failed with
    the hub's message; what can only be a path fails at once, naming the folder."""
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="no model directory at") as caught:
        model_name(path)
    assert str(tmp_path) in str(caught.value) and "\n" not in str(caught.value)


def test_same_model_is_one_directory_however_spelled(tmp_path, monkeypatch):
    (tmp_path / "models" / "mine").mkdir(parents=True)
    (tmp_path / "models" / "other").mkdir()
    os.symlink(tmp_path / "models" / "mine", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "models" / "mine")
    assert same_model("models/mine", absolute) and same_model(str(tmp_path / "link"), absolute)
    assert not same_model("models/other", absolute)
    assert same_model("org/name", "org/name") and not same_model("org/name", "org/other")
    assert not same_model(None, absolute) and not same_model(absolute, "")
