"""Generated assets for the search benchmark (bench/search.py): realistic, varied
metadata with word frequencies that follow a Zipf-like law, as real captions do.

Words are made of syllables (a fixed seed gives the same library every run), some
with English endings (-s, -ing, -ed, -er) so that stemming has work to do, and a
few with accents. Nothing here needs Django.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

SYLLABLES = ("ka", "lo", "mer", "sun", "ta", "ri", "bel", "dor", "fa", "gen", "hal", "is",
             "jo", "ken", "lu", "ma", "nor", "ost", "pa", "qui", "ros", "sel", "tor", "ul",
             "ven", "wes", "xa", "yor", "zan", "bri", "cha", "dre", "ber", "lin", "ham")
ENDINGS = ("", "", "", "", "s", "ing", "ed", "er")
ACCENTED = {"a": "á", "e": "é", "o": "ö", "u": "ü"}
CITIES = (("Berlin", "Germany"), ("München", "Germany"), ("Zürich", "Switzerland"),
          ("Genève", "Switzerland"), ("Paris", "France"), ("Lyon", "France"),
          ("London", "United Kingdom"), ("Manchester", "United Kingdom"), ("Madrid", "Spain"),
          ("Sevilla", "Spain"), ("Roma", "Italy"), ("Milano", "Italy"), ("Wien", "Austria"),
          ("Kraków", "Poland"), ("København", "Denmark"), ("Oslo", "Norway"),
          ("New York", "United States"), ("São Paulo", "Brazil"), ("Tokyo", "Japan"),
          ("Lagos", "Nigeria"))
AGENCIES = ("Reuters", "AP", "AFP", "dpa", "Getty Images", "EPA", "Keystone", "ANP",
            "Staff", "Freelance")


@dataclass
class Generated:
    """One asset's fields (as ``dam.models.Asset`` names them) and its keywords."""

    fields: dict
    keywords: list[str] = field(default_factory=list)


class Corpus:
    """A vocabulary, keywords and creators, each drawn Zipf-like (weight 1/rank^s)."""

    def __init__(self, *, seed: int = 23, words: int = 20_000, keywords: int = 3_000,
                 creators: int = 300, s: float = 1.07):
        self.rng = random.Random(seed)
        self.words = self._unique(words, self._word)
        self.keywords = self._unique(keywords, lambda: " ".join(
            self._word() for _ in range(self.rng.choice((1, 1, 1, 2)))))
        self.creators = self._unique(creators, lambda: f"{self._name()} {self._name()}")
        self._cumulative = {n: list(itertools.accumulate(1 / (rank + 1) ** s
                                                         for rank in range(n)))
                            for n in {words, keywords, creators}}

    def _word(self) -> str:
        word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(1, 3)))
        if self.rng.random() < 0.05:
            vowel = next((c for c in word if c in ACCENTED), None)
            word = word.replace(vowel, ACCENTED[vowel], 1) if vowel else word
        return word + self.rng.choice(ENDINGS)

    def _name(self) -> str:
        return self._word().capitalize()

    def _unique(self, n: int, make) -> list[str]:
        seen: dict[str, None] = {}
        while len(seen) < n:
            seen.setdefault(make(), None)
        return list(seen)

    def draw(self, pool: list[str], k: int) -> list[str]:
        return self.rng.choices(pool, cum_weights=self._cumulative[len(pool)], k=k)

    def sentence(self, lo: int, hi: int) -> str:
        return " ".join(self.draw(self.words, self.rng.randint(lo, hi))).capitalize()

    def asset(self, i: int) -> Generated:
        rng = self.rng
        city, country = rng.choice(CITIES)
        width, height = rng.choice(((6000, 4000), (4000, 6000), (3000, 3000), (5472, 3648)))
        year = rng.randint(1995, 2025)
        date = rng.choice((f"{year}", f"{year}-{rng.randint(1, 12):02d}",
                           f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00",
                           ""))
        headline = self.sentence(3, 8)
        name = rng.choice((f"IMG_{i:05d}.jpg", f"{city.split()[0]}_{headline.split()[0]}-{i % 100:02d}.jpg"))
        return Generated(fields={
            "title": headline if rng.random() < 0.7 else self.sentence(2, 5),
            "headline": headline, "caption": self.sentence(10, 40),
            "alt_text": self.sentence(5, 12) if rng.random() < 0.5 else "",
            "creator": self.draw(self.creators, 1)[0], "credit": rng.choice(AGENCIES),
            "city": city, "country": country, "original_filename": name,
            "date_created": date, "width": width, "height": height,
            "status": "ready" if rng.random() < 0.95 else "failed",
        }, keywords=list(dict.fromkeys(self.draw(self.keywords, rng.randint(3, 10)))))
