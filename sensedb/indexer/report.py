"""What an index job reports: counts and where its time went."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class JobReport:
    """What one index job did: counts (documents, sentences, words, labelled tokens, distinct
    senses that got new tokens; documents skipped as already there or as duplicates;
    implausible labels of a unified-XML corpus) and where its time went, in seconds (reading
    the corpus, encoding, writing chunks, folding and rebuilding FAISS), and ``notices``:
    lines for the user (``sensedb index`` prints them on stderr)."""

    corpus: str
    documents: int = 0
    skipped_documents: int = 0
    # documents whose content the index held under another corpus or name, not indexed
    duplicate_documents: int = 0
    # labels of a unified-XML corpus whose words cannot be their key's lemma (indexed)
    implausible_labels: int = 0
    sentences: int = 0
    words: int = 0
    tokens: int = 0
    senses_touched: int = 0  # distinct senses that got new tokens
    seconds: float = 0.0
    # where the time went: reading the corpus, encoding, writing chunks, rebuilding FAISS
    read_seconds: float = 0.0
    encode_seconds: float = 0.0
    write_seconds: float = 0.0
    finalize_seconds: float = 0.0
    touched: set[str] = field(default_factory=set, repr=False)
    # one line each for a user to read: a duplicate skipped, an implausible label (the
    # first few)
    notices: list[str] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        """Words indexed per second of the whole job."""
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        """The report as JSON-ready values (``touched`` left out)."""
        data = {k: v for k, v in self.__dict__.items() if k != "touched"}
        data["words_per_second"] = round(self.words_per_second, 1)
        return data
