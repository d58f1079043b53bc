from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from indexer.analysis import _fold_ascii, _fold_unicode, normalize, tokens
from indexer.vocabulary import Vocabulary
from search_api.engine.fusion import reciprocal_rank_fusion
from search_api.engine.query import analyse


@given(st.text(max_size=300))
@example("\u03aa\u0301")  # lower-casing leaves text NFKC composes further
@example("a\u200d\u0306 \u0102\x00\u0306")  # a removed control joins a combining mark
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=300))
@example("Inj\x7fketorolac\x0b15\tmg\x1f ")  # DEL, vertical tab, unit separator
def test_ascii_fast_path_folds_as_the_unicode_path_does(text: str) -> None:
    assert _fold_ascii(text) == _fold_unicode(text)


@given(st.text(max_size=300))
def test_tokens_are_lowercase_words(text: str) -> None:
    for token in tokens(text):
        assert token == normalize(token) and " " not in token and token


def test_cms_with_and_without() -> None:
    assert tokens("Walker w/o wheels, w/o.") == ["walker", "w/o", "wheels", "w/o"]
    assert tokens("ERCP w/optical endomicroscpy") == ["ercp", "w/", "optical", "endomicroscpy"]
    assert tokens("Pt treatd w/oral syst") == ["pt", "treatd", "w/", "oral", "syst"]


def test_query_syntax_is_text() -> None:
    assert tokens('AND ( * : "psoriasis" OR ~x^2') == ["and", "psoriasis", "or", "x", "2"]


def test_code_detection() -> None:
    vocabulary = Vocabulary()
    assert analyse("j1100", vocabulary).code_prefix == "J1100"
    assert analyse(" G96 ", vocabulary).code_prefix == "G96"
    assert analyse("0001U", vocabulary).code_prefix == "0001U"
    assert analyse("cpap", vocabulary).code_prefix is None
    assert analyse("dexamethasone J1100 1mg", vocabulary).codes == ["J1100"]


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion({"a": [1, 2, 3], "b": [3, 4]}, {}, k=10)
    assert fused[0].position == 3 and fused[0].ranks == {"a": 3, "b": 1}
    assert [h.position for h in fused][1:] == [1, 2, 4]
