"""Synthetic Korean names in Hangul, Chinese characters and romanisations.

Names are assembled at random from common surnames and given-name syllables, so any
resemblance to a real person is the accident of a common name, never a record of one. The
tables hold the few forms the demo needs; the linkage issue brings the full variant tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (Hangul, Hanja, McCune–Reischauer, Revised Romanisation, pinyin)
SURNAMES: tuple[tuple[str, str, str, str, str], ...] = (
    ("김", "金", "Kim", "Gim", "Jin"),
    ("리", "李", "Ri", "I", "Li"),
    ("박", "朴", "Pak", "Bak", "Piao"),
    ("최", "崔", "Choe", "Choe", "Cui"),
    ("정", "鄭", "Chong", "Jeong", "Zheng"),
    ("강", "姜", "Kang", "Gang", "Jiang"),
    ("조", "趙", "Cho", "Jo", "Zhao"),
    ("윤", "尹", "Yun", "Yun", "Yin"),
    ("장", "張", "Chang", "Jang", "Zhang"),
    ("림", "林", "Rim", "Im", "Lin"),
    ("한", "韓", "Han", "Han", "Han"),
    ("오", "吳", "O", "O", "Wu"),
    ("서", "徐", "So", "Seo", "Xu"),
    ("신", "申", "Sin", "Sin", "Shen"),
    ("황", "黃", "Hwang", "Hwang", "Huang"),
)

# (Hangul, Hanja, McCune–Reischauer, Revised Romanisation, pinyin)
SYLLABLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("철", "哲", "chol", "cheol", "zhe"),
    ("수", "秀", "su", "su", "xiu"),
    ("영", "英", "yong", "yeong", "ying"),
    ("희", "姬", "hui", "hui", "ji"),
    ("순", "順", "sun", "sun", "shun"),
    ("옥", "玉", "ok", "ok", "yu"),
    ("명", "明", "myong", "myeong", "ming"),
    ("혜", "惠", "hye", "hye", "hui"),
    ("정", "貞", "chong", "jeong", "zhen"),
    ("미", "美", "mi", "mi", "mei"),
    ("성", "成", "song", "seong", "cheng"),
    ("남", "南", "nam", "nam", "nan"),
    ("금", "錦", "kum", "geum", "jin"),
    ("향", "香", "hyang", "hyang", "xiang"),
    ("일", "日", "il", "il", "ri"),
    ("춘", "春", "chun", "chun", "chun"),
)


@dataclass(frozen=True)
class SyntheticName:
    hangul: str
    hanja: str
    mccune_reischauer: str
    revised: str
    pinyin: str
    family_hangul: str
    given_hangul: str


def synthetic_name(rng: random.Random) -> SyntheticName:
    family = rng.choice(SURNAMES)
    first, second = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
    return SyntheticName(
        hangul=family[0] + first[0] + second[0],
        hanja=family[1] + first[1] + second[1],
        mccune_reischauer=f"{family[2]} {first[2].capitalize()}-{second[2]}",
        revised=f"{family[3]} {first[3].capitalize()}{second[3]}",
        pinyin=f"{family[4]} {first[4].capitalize()}{second[4]}",
        family_hangul=family[0],
        given_hangul=first[0] + second[0],
    )
