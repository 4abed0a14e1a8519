"""Vector stores: the one package that imports FAISS.

``vectors``: :class:`VectorStore` (exact cosine search, ids = database rows, restricted search
over group ranges) and :class:`GroupLayout`; ``files``: FAISS files, group tables and raw
vector arrays on disk, written atomically (I/O apart from search); ``segments``:
:class:`SegmentedStore` (a base store and small segments added beside it, read as one);
``partitioned``: the lemma-partitioned compressed token stores (``--store sq8|pq|rabitq``: IVF
lists that are the groups, exact re-ranking from the raw shards through ``floats``; the FAISS
IVF calls under it in ``ivf``; ``anylemma``: its k-means ANN for ``--any-lemma``);
``normalize``: :class:`RunningStats`, :class:`Normalizer` and :func:`l2_normalize`. Which
files an index uses is decided by ``sensedb.indexer.directory.IndexDirectory``, not here.
"""

from ._faiss import library_versions
from .files import load_array, save_array, shard_precision, shard_rounded, shard_vectors
from .normalize import Normalizer, RunningStats, l2_normalize
from .segments import MAX_SEGMENTS, SegmentedStore, needs_merge
from .vectors import GroupLayout, VectorStore

__all__ = [
    "GroupLayout",
    "MAX_SEGMENTS",
    "SegmentedStore",
    "Normalizer",
    "RunningStats",
    "VectorStore",
    "l2_normalize",
    "library_versions",
    "load_array",
    "needs_merge",
    "save_array",
    "shard_precision",
    "shard_rounded",
    "shard_vectors",
]
