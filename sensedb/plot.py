"""The sense-cluster picture: every indexed usage of a lemma in 2-D, one colour per sense.

:func:`plot_lemma` projects the lemma's stored token vectors (the index's space: normalized,
standardized if the index is) to two dimensions with PCA (numpy SVD) or UMAP (when the
optional ``umap-learn`` package is installed), colours them by gold sense and marks a query
usage projected with the same projection. It writes a PNG (or SVG/PDF) through matplotlib, or
a self-contained interactive HTML page (inline SVG, a tooltip per point, no network) that
needs nothing beyond numpy.
"""

from __future__ import annotations

import html
import os
import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .corpora.tokenize import tokenize
from .errors import ConfigurationError, Error, InputError
from .vocabulary import POS, group_key, normalize_lemma

if TYPE_CHECKING:
    from .retriever.index import SenseIndex
    from .retriever.results import Usage

MAX_SENSES = 12  # legend entries; beyond, the rarest senses are pooled as "other"
GLOSS_CHARS = 40
OTHER = "other"
OTHER_COLOUR = "#9a9a9a"
# matplotlib's tab10 without its grey (grey is "other"), then black, light blue, light green:
# the same colours in PNG and HTML, most used senses first
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#000000", "#aec7e8", "#98df8a"]
MATPLOTLIB_FORMATS = (".png", ".svg", ".pdf")
HTML_FORMATS = (".html", ".htm")


def plot_lemma(index: SenseIndex, lemma: str, *, pos: str | None = None,
               out: str | os.PathLike | None = None, query: str | None = None,
               method: str = "auto") -> dict[str, Any]:
    """Draw every indexed usage of ``lemma`` (all its parts of speech, or ``pos``) in 2-D.

    ``out``: ``.png`` (also ``.svg``, ``.pdf``; needs matplotlib) or ``.html`` (an
    interactive page: hover a point for its sentence and sense, click a legend entry to hide
    that sense); default ``plot_LEMMA.png``. ``query``: a sentence whose first occurrence of
    the lemma (any inflected form WordNet maps to it) is encoded, projected with the same
    projection and drawn as a large star. ``method``: ``pca``, ``umap`` (needs umap-learn) or
    ``auto`` (UMAP when installed and there are enough points, else PCA).

    A usage labelled with several gold senses is coloured by its first. With more than 12
    senses the rarest are pooled into one grey "other" entry, and the legend says so.

    ``pos``: a universal tag or a WordNet letter (:meth:`sensedb.vocabulary.POS.parse`).
    The coordinates (``query["x"]``, ``query["y"]``) are in the projection's units (PCA or
    UMAP axes of the token vectors), rounded to 6 decimals.

    Returns ``{"out", "points", "senses": {key: count}, "lemma", "pos", "method", "query"}``.

    Raises:
        InputError: an empty lemma, an unknown file suffix or projection, a lemma (or POS)
            without indexed usages, a query without a form of the lemma, too few usages
            for UMAP.
        ConfigurationError: ``pos`` is not a part of speech; matplotlib (for a picture) or
            umap-learn (``method="umap"``) is not installed.
    """
    lemma_norm = normalize_lemma(lemma)
    if not lemma_norm:
        raise InputError("empty lemma")
    path = Path(out if out is not None else f"plot_{lemma_norm}.png")
    suffix = path.suffix.lower()
    if suffix not in MATPLOTLIB_FORMATS + HTML_FORMATS:
        raise InputError(f"{path}: the picture is written as .png, .svg, .pdf or .html")
    if method not in ("auto", "pca", "umap"):
        raise InputError(f"unknown projection {method!r}: use pca, umap or auto")
    if suffix in MATPLOTLIB_FORMATS:
        _require_matplotlib()
    pos = None if pos is None else POS.parse(pos).value

    groups, ids = _lemma_ids(index, lemma_norm, pos)
    usages = _usages(index, ids)
    vectors = index.tokens.vectors(ids).astype(np.float64)
    query_vector, query_info = None, None
    if query is not None:
        located = _locate_query(index, query, lemma_norm, pos)
        query_vector = index.query_vectors([located])[0].astype(np.float64)
        query_info = {"sentence": query, "word": located.surface, "position": located.position}

    used_method, coords, query_xy, axes = _project(vectors, query_vector, method)
    senses = [u.senses[0] if u.senses else "?" for u in usages]
    counts = Counter(senses)
    legend = _legend(index, counts)
    if query_info is not None:
        assert query_xy is not None
        query_info.update(x=round(float(query_xy[0]), 6), y=round(float(query_xy[1]), 6))
    pos_tags = sorted({g.split("\t")[1] for g in groups})
    title = (f"{lemma_norm} ({', '.join(pos_tags)}): {len(ids)} usages, {len(counts)} senses, "
             f"{used_method.upper()}")
    drawing = _Drawing(title=title, coords=coords, senses=senses, usages=usages, legend=legend,
                       axes=axes, query_xy=query_xy, query=query_info)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in HTML_FORMATS:
        path.write_text(_html(drawing, index), encoding="utf-8")
    else:
        _matplotlib(drawing, path)
    return {
        "out": str(path),
        "points": len(ids),
        "senses": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "lemma": lemma_norm,
        "pos": pos_tags,
        "method": used_method,
        "query": query_info,
    }


# --------------------------------------------------------------------------- data
def _lemma_ids(index: SenseIndex, lemma: str, pos: str | None) -> tuple[list[str], np.ndarray]:
    ranges = index.tokens.groups()
    found = {key: span for key, span in ranges.items() if key.split("\t")[0] == lemma}
    if pos is not None:
        wanted = group_key(lemma, pos)
        if wanted not in found:
            others = ", ".join(sorted(k.split("\t")[1] for k in found))
            also = f" (it has {others})" if others else ""
            raise InputError(f'the index has no usages of "{lemma}" as {pos}{also}')
        found = {wanted: found[wanted]}
    if not found:
        # wsd shows WordNet's usage examples as evidence too, which plot does not draw
        where = ("" if ranges else ": it holds no labelled corpus tokens (WordNet's usage "
                 "examples, which wsd shows, are not drawn); plot an index built from a "
                 "labelled corpus (sensedb index CORPUS)")
        raise InputError(f'the index has no labelled usages of the lemma "{lemma}" '
                         f"({index.directory.path}){where}")
    all_ids = index.tokens.ids()
    keys = sorted(found)
    ids = np.concatenate([all_ids[found[k][0]:found[k][1]] for k in keys])
    return keys, ids


def _usages(index: SenseIndex, ids: np.ndarray) -> list[Usage]:
    found = [(int(i), 0.0) for i in ids]
    usages: list[Usage] = []
    for start in range(0, len(found), 500):  # stay under SQLite's parameter limit
        usages.extend(index.usages(found[start:start + 500]))
    return usages


def _locate_query(index: SenseIndex, query: str, lemma: str, pos: str | None):
    words = tokenize(query)
    for position, word in enumerate(words):
        if word.casefold() == lemma or any(
                found == lemma for found, _ in index.inventory.lemmatize(word, pos)):
            return index.locate(words, at=position)
    try:  # a multiword lemma ("take_place") written out in the query
        return index.locate(words, lemma.replace("_", " "))
    except InputError:
        raise InputError(f'the query has no form of "{lemma}": {" ".join(words)}') from None


def _legend(index: SenseIndex, counts: Counter) -> list[dict[str, Any]]:
    """Legend entries, most used sense first: key, label, colour, count; "other" last."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ranked if len(ranked) <= MAX_SENSES else ranked[:MAX_SENSES - 1]
    pooled = ranked[len(shown):]
    entries = []
    for number, (key, count) in enumerate(shown):
        gloss = _gloss(index, key)
        entries.append({"keys": [key], "label": f"{key} ({count}) {gloss}".rstrip(),
                        "colour": PALETTE[number % len(PALETTE)], "count": count,
                        "title": f"{key}: {_gloss(index, key, short=False)}"})
    if pooled:
        n = sum(c for _, c in pooled)
        entries.append({"keys": [k for k, _ in pooled], "colour": OTHER_COLOUR, "count": n,
                        "label": f"{OTHER}: {len(pooled)} rarer senses, {n} usages "
                                 f"(≤ {pooled[0][1]} each)",
                        "title": ", ".join(k for k, _ in pooled)})
    return entries


def _gloss(index: SenseIndex, key: str, *, short: bool = True) -> str:
    try:
        gloss = index.inventory.sense(key).gloss
    except Error:
        return ""
    gloss = " ".join(gloss.split())
    if short and len(gloss) > GLOSS_CHARS:
        gloss = gloss[:GLOSS_CHARS - 1].rstrip() + "…"
    return gloss


# --------------------------------------------------------------------------- projection
def _project(vectors: np.ndarray, query: np.ndarray | None, method: str
             ) -> tuple[str, np.ndarray, np.ndarray | None, tuple[str, str]]:
    """(method used, (n, 2) coordinates, query's (2,) or None, axis labels)."""
    umap = _umap_module() if method in ("auto", "umap") else None
    if method == "umap" and umap is None:
        raise ConfigurationError("--method umap needs the umap-learn package "
                                 "(pip install umap-learn); PCA needs nothing")
    if umap is not None and len(vectors) < 10:
        if method == "umap":
            raise InputError(f"UMAP needs at least 10 usages, the lemma has {len(vectors)}; "
                             "use --method pca")
        umap = None
    if umap is None:
        coords, query_xy, explained = _pca(vectors, query)
        return "pca", coords, query_xy, (f"PC1 ({explained[0]:.0%} of variance)",
                                         f"PC2 ({explained[1]:.0%} of variance)")
    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(vectors) - 1),
                        metric="cosine", random_state=0)
    query_xy = None
    with warnings.catch_warnings():  # "n_jobs overridden by random_state" and the like
        warnings.simplefilter("ignore")
        coords = np.asarray(reducer.fit_transform(vectors), dtype=np.float64)
        if query is not None:
            query_xy = np.asarray(reducer.transform(query[None, :]), dtype=np.float64)[0]
    return "umap", coords, query_xy, ("UMAP 1", "UMAP 2")


def _umap_module():
    try:
        import umap  # optional: pip install umap-learn
    except ImportError:
        return None
    return umap


def _pca(vectors: np.ndarray, query: np.ndarray | None
         ) -> tuple[np.ndarray, np.ndarray | None, tuple[float, float]]:
    mean = vectors.mean(0)
    centred = vectors - mean
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    basis = np.zeros((2, vectors.shape[1]))
    rows = min(2, len(components))
    basis[:rows] = components[:rows]
    for row in range(rows):  # a deterministic sign: the largest loading is positive
        if basis[row, np.argmax(np.abs(basis[row]))] < 0:
            basis[row] = -basis[row]
    variance = singular**2
    total = float(variance.sum())
    explained = [float(variance[i]) / total if total > 0 and i < len(variance) else 0.0
                 for i in range(2)]
    query_xy = None if query is None else (query - mean) @ basis.T
    return centred @ basis.T, query_xy, (explained[0], explained[1])


# --------------------------------------------------------------------------- drawing
class _Drawing:
    def __init__(self, *, title: str, coords: np.ndarray, senses: list[str],
                 usages: list[Usage], legend: list[dict[str, Any]], axes: tuple[str, str],
                 query_xy: np.ndarray | None, query: dict[str, Any] | None) -> None:
        self.title, self.coords, self.senses, self.usages = title, coords, senses, usages
        self.legend, self.axes, self.query_xy, self.query = legend, axes, query_xy, query
        self.entry_of = {key: n for n, entry in enumerate(legend) for key in entry["keys"]}


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "the picture needs matplotlib: pip install matplotlib (or pip install "
            "'sensedb[plot]'); an .html picture needs nothing") from None


def _matplotlib(drawing: _Drawing, path: Path) -> None:
    # the object-oriented API with the Agg canvas: no pyplot, no global backend switch
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(drawing.coords)
    size = float(np.clip(4000.0 / max(n, 1), 18.0, 60.0))
    alpha = 0.85 if n < 300 else 0.65
    figure = Figure(figsize=(13, 7.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.06, 0.08, 0.56, 0.84))
    entries = np.array([drawing.entry_of[s] for s in drawing.senses])
    handles = {}
    for number in _order(drawing):
        entry = drawing.legend[number]
        mask = entries == number
        handles[number] = axes.scatter(
            drawing.coords[mask, 0], drawing.coords[mask, 1], s=size, c=entry["colour"],
            alpha=alpha, linewidths=0.4, edgecolors="white", label=entry["label"])
    legend_handles = [handles[n] for n in range(len(drawing.legend))]
    legend_labels = [entry["label"] for entry in drawing.legend]
    if drawing.query_xy is not None and drawing.query is not None:
        star = axes.scatter([drawing.query_xy[0]], [drawing.query_xy[1]], marker="*", s=650,
                            c="#ffd700", edgecolors="black", linewidths=1.4, zorder=10)
        legend_handles.append(star)
        legend_labels.append("query: " + _shorten(drawing.query["sentence"], 48))
    axes.set_title(drawing.title, fontsize=12)
    axes.set_xlabel(drawing.axes[0])
    axes.set_ylabel(drawing.axes[1])
    axes.grid(True, linewidth=0.3, alpha=0.5)
    legend = axes.legend(legend_handles, legend_labels, loc="upper left",
                         bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False,
                         title="gold sense (usages) gloss", title_fontsize=9)
    for handle in legend.legend_handles:  # uniform legend markers, whatever the point size
        handle.set_alpha(1.0)
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([160.0 if handle is legend.legend_handles[-1]
                              and drawing.query is not None else 45.0])
    figure.savefig(path, bbox_inches="tight", pad_inches=0.2)


def _order(drawing: _Drawing) -> list[int]:
    """Draw the pooled "other" first, then senses from the most to the least used, so small
    senses are not buried under big ones."""
    return sorted(range(len(drawing.legend)),
                  key=lambda n: (drawing.legend[n]["colour"] != OTHER_COLOUR,
                                 -drawing.legend[n]["count"]))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _marked(usage: Usage) -> str:
    """The usage's sentence with its target in [brackets]. The stored text joins words with
    spaces and a word may hold spaces itself, so the target is the first occurrence of its
    surface at or after its word position."""
    words = usage.sentence.split(" ")
    parts = usage.surface.split(" ")
    n = len(parts)
    starts = [i for i in range(len(words) - n + 1) if words[i:i + n] == parts]
    if not starts:
        return usage.sentence
    start = next((i for i in starts if i >= usage.position), starts[-1])
    target = " ".join(words[start:start + n])
    return " ".join([*words[:start], f"[{target}]", *words[start + n:]])


def _html(drawing: _Drawing, index: SenseIndex) -> str:
    glosses: dict[str, str] = {}
    width, height, margin = 760, 560, 30
    points = drawing.coords
    everything = points if drawing.query_xy is None else np.vstack([points, drawing.query_xy])
    low, high = everything.min(0), everything.max(0)
    span = np.where(high - low > 0, high - low, 1.0)

    def place(xy: np.ndarray) -> tuple[float, float]:
        x = margin + (xy[0] - low[0]) / span[0] * (width - 2 * margin)
        y = height - margin - (xy[1] - low[1]) / span[1] * (height - 2 * margin)
        return round(float(x), 1), round(float(y), 1)

    n = len(points)
    radius = float(np.clip(60.0 / np.sqrt(max(n, 1)), 2.5, 6.0))
    shapes = []
    entries = [drawing.entry_of[s] for s in drawing.senses]
    order = {number: rank for rank, number in enumerate(_order(drawing))}
    for i in sorted(range(n), key=lambda i: order[entries[i]]):
        entry = drawing.legend[entries[i]]
        usage = drawing.usages[i]
        x, y = place(points[i])
        keys = "\n".join(f"{key}: {glosses.setdefault(key, _gloss(index, key, short=False))}"
                         for key in usage.senses)
        tip = f"{keys}\n{_marked(usage)}\n[{usage.corpus} {usage.document}]"
        shapes.append(f'<circle class="e{entries[i]}" cx="{x}" cy="{y}" r="{radius:.1f}" '
                      f'fill="{entry["colour"]}" fill-opacity="0.75" stroke="white" '
                      f'stroke-width="0.5"><title>{html.escape(tip)}</title></circle>')
    if drawing.query_xy is not None and drawing.query is not None:
        x, y = place(drawing.query_xy)
        star = " ".join(
            f"{x + r * np.sin(k * np.pi / 5):.1f},{y - r * np.cos(k * np.pi / 5):.1f}"
            for k, r in zip(range(10), [14, 6] * 5, strict=True))
        tip = f"query: {drawing.query['sentence']}"
        shapes.append(f'<polygon points="{star}" fill="#ffd700" stroke="black" '
                      f'stroke-width="1.5"><title>{html.escape(tip)}</title></polygon>')
    legend_items = []
    for number, entry in enumerate(drawing.legend):
        legend_items.append(
            f'<li data-e="{number}" title="{html.escape(entry["title"])}">'
            f'<span class="sw" style="background:{entry["colour"]}"></span>'
            f'{html.escape(entry["label"])}</li>')
    if drawing.query is not None:
        legend_items.append('<li><span class="sw" style="background:#ffd700"></span>query: '
                            f'{html.escape(drawing.query["sentence"])}</li>')
    title = html.escape(drawing.title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 13px sans-serif; margin: 16px; }}
.wrap {{ display: flex; gap: 16px; align-items: flex-start; }}
svg {{ border: 1px solid #ccc; background: #fff; }}
ul {{ list-style: none; padding: 0; margin: 0; max-width: 420px; }}
li {{ margin: 3px 0; cursor: pointer; }}
li.off {{ opacity: 0.35; }}
.sw {{ display: inline-block; width: 11px; height: 11px; border-radius: 6px;
       margin-right: 6px; vertical-align: middle; }}
</style></head><body>
<h3>{title}</h3>
<div class="wrap">
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"
     viewBox="0 0 {width} {height}">
<text x="{width / 2}" y="{height - 8}" text-anchor="middle" fill="#666"
      font-size="11">{html.escape(drawing.axes[0])}</text>
<text x="12" y="{height / 2}" text-anchor="middle" fill="#666" font-size="11"
      transform="rotate(-90 12 {height / 2})">{html.escape(drawing.axes[1])}</text>
{chr(10).join(shapes)}
</svg>
<div><b>gold sense (usages) gloss</b> — hover a point for its sentence; click a sense to
hide or show it
<ul>
{chr(10).join(legend_items)}
</ul></div>
</div>
<script>
document.querySelectorAll("li[data-e]").forEach(function (item) {{
  item.addEventListener("click", function () {{
    var off = item.classList.toggle("off");
    document.querySelectorAll("circle.e" + item.dataset.e).forEach(function (c) {{
      c.style.display = off ? "none" : "";
    }});
  }});
}});
</script>
</body></html>
"""
