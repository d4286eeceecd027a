"""IPTC IIM (the 1990s binary record, still written beside XMP by most photo desks).

Text is decoded by the charset the record declares (1:90; ``ESC % G`` is UTF-8). Without
a declaration: UTF-8 when the bytes are valid UTF-8, else Windows-1252 (Latin-1) or Mac
Roman, whichever reads as words (``decode_guess``).
"""
from __future__ import annotations

#: Record 2 datasets -> field names. Repeatable ones are lists.
DATASETS = {5: "object_name", 105: "headline", 120: "caption", 80: "creator", 110: "credit",
            116: "copyright", 115: "source", 40: "instructions", 25: "keywords",
            55: "date", 60: "time", 90: "city", 101: "country"}
REPEATABLE = {"creator", "keywords"}
_UTF8_MARKS = (b"\x1b%G", b"\x1b%/G", b"\x1b%/I")
_LATIN1_MARKS = (b"\x1b-A", b"\x1b.A", b"\x1b(B")


def datasets(data: bytes) -> tuple[list[tuple[int, int, bytes]], bool]:
    """(record, dataset, value bytes) from an IIM block, stopping at the first bad tag,
    and whether it ended cleanly (False: the last value is cut short, or bytes that
    are no dataset follow)."""
    found, i, n = [], 0, len(data)
    while i + 5 <= n and data[i] == 0x1C:
        record, number, size = data[i + 1], data[i + 2], int.from_bytes(data[i + 3:i + 5], "big")
        i += 5
        if size & 0x8000:  # extended dataset: the next (size & 0x7fff) bytes hold the length
            width = size & 0x7FFF
            if width > 4:
                break
            size, i = int.from_bytes(data[i:i + width], "big"), i + width
        found.append((record, number, data[i:i + size]))
        i += size
    return found, i <= n and not data[i:].strip(b"\x00")


def parse(data: bytes, problems: list[str]) -> dict:
    """The fields of an IIM block (a dict as ``metadata_xmp.parse`` returns, plus raw)."""
    found, clean = datasets(data)
    if not clean:
        problems.append("IIM: the block is damaged or cut short; what follows the damage "
                        "is ignored.")
    charset = next((v for r, d, v in found if (r, d) == (1, 90)), b"")
    out: dict = {"raw": {}}
    for record, number, value in found:
        name = DATASETS.get(number) if record == 2 else None
        if name is None:
            continue
        text = _decode(value, charset)
        if name in REPEATABLE:
            out.setdefault(name, []).append(text)
        else:
            out.setdefault(name, text)
        out["raw"].setdefault(f"2:{number:03d}", []).append(text)
    date = _date(out.pop("date", ""), out.pop("time", ""))
    if date:
        out["date_created"] = date
    if charset:
        out["raw"]["1:090"] = charset.hex()
    return out


def _date(date: str, time: str) -> str:
    """IIM CCYYMMDD (00 = unknown month or day) and HHMMSS±HHMM -> ISO 8601, partial."""
    if len(date) != 8 or not date.isdigit():
        return ""
    year, month, day = date[:4], date[4:6], date[6:]
    if month == "00":
        return year
    if day == "00":
        return f"{year}-{month}"
    iso = f"{year}-{month}-{day}"
    if len(time) >= 6 and time[:6].isdigit():
        iso += f"T{time[:2]}:{time[2:4]}:{time[4:6]}"
        zone = time[6:]
        if len(zone) == 5 and zone[0] in "+-" and zone[1:].isdigit():
            iso += f"{zone[:3]}:{zone[3:]}"
    return iso


def _decode(value: bytes, charset: bytes) -> str:
    if any(charset.startswith(m) for m in _UTF8_MARKS):
        return value.decode("utf-8", errors="replace")
    if any(charset.startswith(m) for m in _LATIN1_MARKS):
        return value.decode("latin-1")
    return decode_guess(value)


def decode_guess(value: bytes) -> str:
    """Undeclared text: UTF-8 if valid, else Windows-1252 or Mac Roman by ``_wordiness``."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = _cp1252(value)
    mac = value.decode("mac_roman")
    return mac if _wordiness(mac) > _wordiness(western) else western


def _cp1252(value: bytes) -> str:
    """Windows-1252, with its five unassigned bytes read as Latin-1 (C1 controls)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in value)


#: The accented letters of Western European words; other letters (ƒ, ﬂ, ˆ) score nothing.
_LOWER = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœ"
_LETTERS = set(_LOWER + _LOWER.upper().replace("SS", "") + "Ÿ")
_OPENING, _CLOSING, _DASHES = "“‘«", "”’»", "–—"


def _wordiness(text: str) -> int:
    """How much a decoding reads as words. The two readings of one byte differ in kind
    (Mac Roman's é is Windows-1252's Ž, Windows' “ is Mac Roman's ì), so: accented
    letters of the right case score, a capital after a lower-case letter, a symbol inside
    a word and a C1 control cost; quotes at a word's edge and spaced dashes score."""
    score = 0
    padded = f" {text} "
    for i, c in enumerate(text, start=1):
        if c.isascii():
            continue
        before, after = padded[i - 1], padded[i + 1]
        score += _letter_score(c, before, after) if c in _LETTERS else _mark_score(c, before, after)
    return score


def _letter_score(c: str, before: str, after: str) -> int:
    if c.isupper() and (before.islower() or (before.isupper() and after.islower())):
        return -2
    return 2 if before.isalpha() or after.isalpha() else 1


def _mark_score(c: str, before: str, after: str) -> int:
    if "\x80" <= c <= "\x9f":
        return -3
    inside = before.isalpha() and after.isalpha()
    if c == "’" and (inside or before.isalpha()):
        return 3
    if (c in _OPENING and after.isalnum() and not before.isalnum()) or (
            c in _CLOSING and before.isalnum() and not after.isalnum()):
        return 3
    if c in _DASHES and before == " " and after == " ":
        return 3
    return -3 if inside else 0
