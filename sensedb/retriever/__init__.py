"""Reading indexes: WSD, nearest usages, tagging (similarity: ``sensedb.similarity``;
evaluation: ``sensedb.evaluation``)."""

from .index import SenseIndex, open
from .results import Disambiguation, LemmaSense, SenseScore, Usage
from .sources import ArraySource, EvidenceSource, IndexSource
from .tagger import TaggedWord, tag_text
from .target import Target

__all__ = ["ArraySource", "Disambiguation", "EvidenceSource", "IndexSource", "LemmaSense",
           "SenseIndex",
           "SenseScore", "TaggedWord", "Target", "Usage", "open", "tag_text"]
