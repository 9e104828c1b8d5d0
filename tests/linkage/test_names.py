"""Name keys on the spellings lists really hold: pairs that must match and near-misses that
must not."""

from __future__ import annotations

import pytest

from surplace.linkage import NameAgreement, compare, compare_best, name_key, name_keys


def best(name: str) -> tuple[str, tuple[str, ...]]:
    key = name_key(name)
    assert key is not None
    return key.surname, key.given


def agreement(a: str, b: str) -> NameAgreement:
    return compare_best(name_keys(a), name_keys(b))


CHOLSU = ["김철수", "Kim Chol Su", "Gim Cheol-su", "金哲洙", "KIM CHOL-SU", "Chol Su Kim",
          "Kim Chul Soo", "Jin Zhezhu", "Kim Ch'ŏl-su", "KIM, Cholsu", "Chol Su KIM",
          "Kim Cheolsoo", "김 철수"]


@pytest.mark.parametrize("spelling", CHOLSU)
def test_every_spelling_of_kim_chol_su_gives_one_key(spelling: str) -> None:
    assert best(spelling) == ("kim", ("chol", "so"))


SUNHUI = ["리순희", "이순희", "Ri Sun-hui", "Lee Soon Hee", "Yi Sun-hui", "李順姬", "李顺姬",
          "Li Shunji", "Rhee Sun Hee", "RI SUN HUI", "Lee Sun-heui"]


@pytest.mark.parametrize("spelling", SUNHUI)
def test_ri_and_lee_sun_hui_match(spelling: str) -> None:
    assert agreement("리순희", spelling) is NameAgreement.EXACT


def test_li_shunji_is_read_both_as_pinyin_and_as_romanisation() -> None:
    keys = name_keys("Li Shunji")
    assert ("lee", ("son", "hi")) in [(key.surname, key.given) for key in keys]
    assert {key.script for key in keys} >= {"romanised", "pinyin"}


def test_chol_su_and_chol_sun_do_not_share_a_given_name_key() -> None:
    su, sun = name_key("Kim Chol Su"), name_key("Kim Chol Sun")
    assert su is not None and sun is not None
    assert su.given_key != sun.given_key
    assert su.surname == sun.surname
    assert compare(su, sun) is NameAgreement.SIMILAR


@pytest.mark.parametrize(("surname", "spellings"), [
    ("park", ["박", "朴", "Park", "Pak", "Bak", "Piao", "PARK", "Bahk"]),
    ("choi", ["최", "崔", "Choi", "Choe", "Chwe", "Cui", "Ch'oe"]),
    ("jeong", ["정", "鄭", "郑", "Jong", "Jeong", "Jung", "Chung", "Chong", "Zheng", "Chŏng"]),
    ("lim", ["림", "임", "Rim", "Lim", "Im", "林", "Lin", "Yim"]),
    ("ryu", ["류", "유", "Ryu", "Yu", "Yoo", "柳", "Liu", "Lyu"]),
    ("lee", ["리", "이", "李", "Lee", "Yi", "Rhee", "Ri", "Li", "I"]),
    ("kim", ["김", "金", "Kim", "Gim", "Jin"]),
    ("yang", ["량", "양", "梁", "Ryang", "Yang", "Liang"]),
    ("noh", ["로", "노", "盧", "卢", "Roh", "Noh", "Ro", "No", "Lu"]),
    ("yeon", ["련", "연", "延", "Ryon", "Yeon", "Yon"]),
    ("yong", ["룡", "용", "龍", "龙", "Ryong", "Yong", "Long"]),
    ("na", ["라", "나", "羅", "罗", "Ra", "Na", "Rha", "Luo"]),
    ("seo", ["서", "徐", "Seo", "So", "Suh", "Xu"]),
    ("shin", ["신", "申", "Shin", "Sin", "Shen"]),
    ("cho", ["조", "趙", "赵", "Cho", "Jo", "Joe", "Zhao"]),
    ("kang", ["강", "姜", "Kang", "Gang", "Jiang"]),
    ("jang", ["장", "張", "张", "Jang", "Chang", "Zhang"]),
    ("yoon", ["윤", "尹", "Yoon", "Yun", "Yin"]),
    ("han", ["한", "韓", "韩", "Han", "Hahn"]),
    ("oh", ["오", "吳", "吴", "Oh", "O", "Wu"]),
    ("hwang", ["황", "黃", "黄", "Hwang", "Whang", "Huang"]),
    ("ahn", ["안", "安", "Ahn", "An"]),
    ("shim", ["심", "沈", "Shim", "Sim"]),
    ("namgung", ["남궁", "南宮", "Namgung", "Namkung"]),
])
def test_surname_classes(surname: str, spellings: list[str]) -> None:
    for spelling in spellings:
        if not spelling.isascii():
            assert name_keys(spelling)[0].surname == surname, spelling
            continue
        classes = [key.surname for key in name_keys(f"{spelling} Chol Su")
                   if key.given == ("chol", "so")]
        assert surname in classes, spelling


def test_pinyin_surname_comes_with_its_pinyin_given_name() -> None:
    assert best("Piao Zhezhu") == ("park", ("chol", "so"))
    assert best("Cui Xiuying")[0] == "choi"
    assert agreement("Zheng Yingji", "정영희") is NameAgreement.EXACT


@pytest.mark.parametrize(("a", "b"), [
    ("Hyangmyung", "향명"), ("Hyang-myong", "향명"), ("Hyang Myong", "향명"),
    ("Hyangmyeong", "향명"), ("Cholsu", "철수"), ("Younghee", "영희"), ("Yong-hui", "영희"),
    ("Yeonghui", "영희"), ("Sunok", "순옥"), ("Kyunghwa", "경화"), ("Kyong-hwa", "경화"),
    ("Gyeonghwa", "경화"), ("Myongsuk", "명숙"), ("Myung Sook", "명숙"), ("Hyun-joo", "현주"),
    ("Hyonju", "현주"), ("Eunjung", "은정"), ("Un-jong", "은정"), ("Kwangchol", "광철"),
    ("Gwangcheol", "광철"), ("Songnam", "성남"), ("Sung-nam", "성남"), ("Okhui", "옥희"),
])
def test_given_names_run_on_hyphenated_or_spaced(a: str, b: str) -> None:
    assert agreement(f"Kim {a}", f"김{b}") is NameAgreement.EXACT


@pytest.mark.parametrize(("north", "south"), [
    ("리순희", "이순희"), ("림철", "임철"), ("류경희", "유경희"), ("량영수", "양영수"),
    ("로광철", "노광철"), ("련옥", "연옥"), ("김룡철", "김용철"), ("김순녀", "김순여"),
    ("라영희", "나영희"), ("김리화", "김이화"),
])
def test_initial_sound_rule(north: str, south: str) -> None:
    assert name_keys(north)[0].surname == name_keys(south)[0].surname
    assert name_keys(north)[0].given == name_keys(south)[0].given


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("李順姬", "李顺姬"), ("鄭英哲", "郑英哲"), ("趙明淑", "赵明淑"), ("張光哲", "张光哲"),
    ("劉玉蓮", "刘玉莲"), ("黃成龍", "黄成龙"),
])
def test_simplified_and_traditional_characters(traditional: str, simplified: str) -> None:
    assert agreement(traditional, simplified) is NameAgreement.EXACT


@pytest.mark.parametrize(("a", "b"), [
    ("Kim Chol Su", "Kim Chol Sun"), ("김철수", "김청수"), ("Pak Yong Chol", "Pak Yong Chon"),
    ("Kim Yong Su", "Kim Yong Sung"), ("Ri Myong Hui", "Ri Min Hui"),
])
def test_near_misses_share_the_surname_but_not_the_given_key(a: str, b: str) -> None:
    key_a, key_b = name_key(a), name_key(b)
    assert key_a is not None and key_b is not None
    assert key_a.given_key != key_b.given_key
    assert key_a.surname == key_b.surname


@pytest.mark.parametrize(("a", "b"), [
    ("Kim Chol Su", "Pak Chol Su"), ("김철수", "이철수"), ("Choe Yong Ho", "Cho Yong Ho"),
    ("Jang Song Chol", "Jong Song Chol"), ("Han Myong Ok", "Ham Myong Ok"),
    ("윤영희", "연영희"), ("Yun Yong Hui", "Yu Yong Hui"),
])
def test_different_surnames_do_not_match(a: str, b: str) -> None:
    assert name_key(a).surname != name_key(b).surname  # type: ignore[union-attr]


def test_levels() -> None:
    assert agreement("Kim Chol Su", "김철수") is NameAgreement.EXACT
    assert agreement("Kim Su Chol", "김철수") is NameAgreement.REORDERED
    assert agreement("Kim Chol Su", "Kim Chol Sun") is NameAgreement.SIMILAR
    assert agreement("Kim Chol Su", "Kim Yong Ho") is NameAgreement.SURNAME
    assert agreement("Kim Chol Su", "Pak Yong Ho") is NameAgreement.NONE
    assert agreement("Kim Chol Su", "") is NameAgreement.UNKNOWN
    assert agreement("Kim", "김철수") is NameAgreement.SURNAME


def test_run_on_split_differently_is_reordered_not_lost() -> None:
    a = name_keys("Kim Sunok")
    b = name_keys("Kim Su Nok")
    assert compare_best(a, b) >= NameAgreement.REORDERED


def test_family_and_given_fields() -> None:
    key = name_key(family="KIM", given="Chol-Su")
    assert key is not None and (key.surname, key.given) == ("kim", ("chol", "so"))
    key = name_key(family="金", given="哲洙")
    assert key is not None and (key.surname, key.given) == ("kim", ("chol", "so"))
    assert name_key(family="", given="") is None
    with pytest.raises(ValueError):
        name_keys("Kim Chol Su", family="Kim")


def test_phonetic_key_and_candidates_are_small_and_ranked() -> None:
    key = name_key("Kim Chol Su")
    assert key is not None and key.phonetic == "kim cholso"
    keys = name_keys("Kim Chul Soo")
    assert 1 <= len(keys) <= 8
    assert [k.penalty for k in keys] == sorted(k.penalty for k in keys)


def test_surname_hanja_reading_replaces_the_common_reading() -> None:
    # 金 is 금 in the hanja package (gold) but 김 as a surname; as a given-name syllable it is 금.
    assert best("金金姬") == ("kim", ("kom", "hi"))
    assert best("沈順姬")[0] == "shim"  # 沈 is 침 in the package, 심 as a surname


def test_compound_surname_first_then_single() -> None:
    keys = name_keys("남궁민")
    assert (keys[0].surname, keys[0].given) == ("namgung", ("min",))
    assert keys[1].surname == "nam"


def test_unreadable_latin_still_compares_equal_to_itself() -> None:
    assert agreement("Xqz Brr", "Xqz Brr") >= NameAgreement.SURNAME
