"""The service's request bodies (pydantic): what ``/openapi.json`` and ``/docs`` describe.

Every text field rejects lone surrogates (they cannot be encoded); a position or count is a
JSON integer (``true`` or ``"3"`` is a 422, as the JSONL corpus reader refuses them), a
flag a JSON boolean (``"yes"``, ``"no"`` or ``1`` is a 422: "no" read as true) and a
probability a JSON number (``true`` is a 422, was 1.0); sizes
(words per sentence, items per list) are checked by the app against its configured limits,
not here. Each model forbids unknown fields, so a misspelt field is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from ..vocabulary import POS


def _text(value: str) -> str:
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("contains a lone surrogate (not valid Unicode text)")
    return value


def _sentence(value: Any) -> str | list[str]:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list) and all(isinstance(w, str) for w in value):
        for word in value:
            _text(word)
            if not word.strip():
                raise ValueError("a pre-tokenized sentence has an empty or blank word")
        return value
    raise ValueError("give the sentence as a string or a list of word strings")


def _number(value: Any) -> Any:
    """A JSON number as it is: ``true`` or ``"0.5"`` is refused (pydantic read ``true`` as
    1.0 and a numeric string as its number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("give a JSON number")
    return value


def _pos(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return POS.parse(value).value
    except Exception as exc:  # noqa: BLE001 - POS.parse raises ConfigurationError
        raise ValueError(str(exc)) from None


Text = Annotated[str, AfterValidator(_text)]
Number = Annotated[float, BeforeValidator(_number)]
Sentence = Annotated[Any, AfterValidator(_sentence), WithJsonSchema({
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    "description": "Raw text (tokenized by sensedb.tokenize), or a list of words "
                   "(pre-tokenized: `at` counts these words)."})]
PartOfSpeech = Annotated[str | None, AfterValidator(_pos), Field(
    description="Only this part of speech: NOUN, VERB, ADJ, ADV (or n, v, a, s, r).")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WsdRequest(_Strict):
    """Rank the senses of ``target`` as used in ``sentence`` (``POST /wsd``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"sentence": "He sat on the bank of the river", "target": "bank", "k": 3}]})

    sentence: Sentence
    target: Text | None = Field(None, description="The word as written (its first occurrence "
                                "unless `at`); null: the token at `at`.")
    at: StrictInt | None = Field(None, ge=0, description="0-based token position of the target.")
    pos: PartOfSpeech = None
    k: StrictInt = Field(5, ge=0, le=100, description="Nearest labelled usages to return.")
    min_confidence: Number = Field(0.0, ge=0.0, le=1.0, description="`abstained` is true when "
                                  "the best sense's probability is lower (0-1).")


class TagRequest(_Strict):
    """Tag every content word of ``text`` (``POST /tag``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "The bank raised rates. We walked along the river bank."}]})

    text: Text
    one_sense_per_discourse: StrictBool = False
    min_confidence: Number = Field(0.0, ge=0.0, le=1.0, description="Leave a word untagged "
                                  "(key null) when its best probability is lower (0-1).")


class Usage(_Strict):
    """One usage of a word: a sentence and the target in it."""

    sentence: Sentence
    target: Text | None = None
    at: StrictInt | None = Field(None, ge=0, description="0-based token position of the target.")


class SimilarityRequest(_Strict):
    """How alike two usages are (``POST /similarity``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"a": {"sentence": "He sat on the bank", "target": "bank"},
         "b": {"sentence": "The bank raised rates", "target": "bank"}, "method": "sense"}]})

    a: Usage
    b: Usage
    method: Literal["raw", "sense", "combined"] | None = Field(
        None, description="raw cosine, sense agreement, or both combined (default: the "
                          "index's fitted parameters' method).")


class NeighborsRequest(_Strict):
    """The labelled usages nearest to a target's usage (``POST /neighbors``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"sentence": "I deposited my salary at the bank", "target": "bank", "k": 5}]})

    sentence: Sentence
    target: Text | None = None
    at: StrictInt | None = Field(None, ge=0)
    pos: PartOfSpeech = None
    k: StrictInt = Field(10, ge=1, le=100, description="How many usages.")
    any_lemma: StrictBool = Field(False, description="Search the usages of every word.")


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer, and the place of a failed item in a list answer."""

    error: str = Field(description="One readable line.")
    field: str | None = Field(None, description="The request field to blame (`a.sentence`, "
                              "`body`), or null.")
