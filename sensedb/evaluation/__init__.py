"""Evaluation, in one package with one shape per task: all-words WSD scored like Raganato et
al. (2017) (``allwords``, ``metrics``), WiC accuracy (``wic``), graded similarity
(``graded``) and the rank statistics they report (``statistics``).

Modules are imported where used (``from sensedb.evaluation.allwords import evaluate``): this
package imports nothing at load, so any layer may use it without a cycle.
"""
