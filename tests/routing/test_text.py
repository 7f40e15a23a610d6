"""Chinese segmentation for routing: words, not substrings of whitespace chunks."""

from routing.text import tokenize


def test_it_segments_a_street_stall_report_into_words_with_synonyms_folded():
    words = tokenize("小区门口有人占道摆摊卖菜，占用人行道和消防通道")
    assert "占道经营" in words  # 占道 and 摆摊 both fold to the list's term
    assert "人行道" in words and "消防" in words
    assert "的" not in words and "，" not in words


def test_it_maps_road_surface_to_road_and_keeps_damage():
    words = tokenize("东六路路面破损")
    assert "道路" in words and "破损" in words
    assert "路面" not in words  # folded into 道路, the list's word


def test_it_drops_digits_and_numbered_parts_of_legal_references():
    assert "01" not in "".join(tokenize("星沙101线公交车"))
    assert "公交" in tokenize("星沙101线公交车")
    words = tokenize("《中华人民共和国消防法》第三十二条（2019年修正）")
    assert not any(w.isdigit() or w.startswith("第") for w in words)
    assert "消防" in words


def test_it_returns_nothing_for_empty_or_stop_word_text():
    assert tokenize("") == [] and tokenize(None) == []
    assert tokenize("您好，请问我们的问题") == []
