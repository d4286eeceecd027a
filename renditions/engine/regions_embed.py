"""IPTC Image Regions into a file's XMP, without touching its pixels.

``xmp_with_regions`` merges an ``Iptc4xmpExt:ImageRegion`` bag into an XMP packet
(any previous bag is replaced; every other property kept). ``with_regions`` streams a
JPEG or PNG with that packet in place: JPEG's APP1 XMP segment is rewritten or added
(the other segments and the entropy-coded data are copied byte for byte), PNG's
``XML:com.adobe.xmp`` iTXt chunk is replaced or added after IHDR. Other formats, a
packet that would not fit one JPEG segment, or an XMP packet we cannot parse: None
(the caller serves the file as it is). Pure: the standard library, Pillow, defusedxml.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from PIL import Image

from . import metadata_xmp
from .metadata_files import PNG_SIGNATURE
from .regions import Region, to_stored

EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
XMP_NS = "http://ns.adobe.com/xap/1.0/"
RDF = metadata_xmp.RDF
X = "adobe:ns:meta/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_MAX = 65533 - len(_JPEG_XMP)  # an APP1 segment's payload, less the XMP header
_BEGIN = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
_END = b'<?xpacket end="w"?>'
CHUNK = 2**20
ORIENTATION = 0x0112  # the EXIF tag
#: JPEG markers with no length (TEM, RSTn, SOI, fill): never among a sound file's headers.
_NO_LENGTH = {0x00, 0x01, 0xD8, 0xFF, *range(0xD0, 0xD8)}

for _prefix, _uri in (("x", X), ("rdf", RDF), ("Iptc4xmpExt", EXT), ("xmp", XMP_NS)):
    ET.register_namespace(_prefix, _uri)


def regions_bag(regions: list[Region]) -> ET.Element:
    """The ``Iptc4xmpExt:ImageRegion`` property: relative rectangles, as given."""
    prop = ET.Element(f"{{{EXT}}}ImageRegion")
    bag = ET.SubElement(prop, f"{{{RDF}}}Bag")
    for region in regions:
        li = ET.SubElement(bag, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
        boundary = ET.SubElement(li, f"{{{EXT}}}RegionBoundary",
                                 {f"{{{RDF}}}parseType": "Resource"})
        x0, y0, x1, y1 = region.box
        for name, value in (("rbShape", "rectangle"), ("rbUnit", "relative"),
                            ("rbX", x0), ("rbY", y0), ("rbW", x1 - x0), ("rbH", y1 - y0)):
            ET.SubElement(boundary, f"{{{EXT}}}{name}").text = (
                value if isinstance(value, str) else f"{value:.6f}")
        if region.rid:
            ET.SubElement(li, f"{{{EXT}}}rId").text = region.rid
        if region.name:
            _alt(ET.SubElement(li, f"{{{EXT}}}Name"), region.name)
        roles = ET.SubElement(ET.SubElement(li, f"{{{EXT}}}rRole"), f"{{{RDF}}}Bag")
        for role in region.roles:
            entity = ET.SubElement(roles, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
            ids = ET.SubElement(ET.SubElement(entity, f"{{{XMP_NS}}}Identifier"),
                                f"{{{RDF}}}Bag")
            ET.SubElement(ids, f"{{{RDF}}}li").text = "http://cv.iptc.org/newscodes/" \
                                                      f"imageregionrole/{role}"
            _alt(ET.SubElement(entity, f"{{{EXT}}}Name"), role)
    return prop


def _alt(node: ET.Element, text: str) -> None:
    alt = ET.SubElement(node, f"{{{RDF}}}Alt")
    ET.SubElement(alt, f"{{{RDF}}}li", {XML_LANG: "x-default"}).text = text


def xmp_with_regions(packet: bytes | None, regions: list[Region]) -> bytes | None:
    """``packet`` (None: none) with ``regions`` as its only ImageRegion bag; None when
    ``packet`` cannot be parsed (it is then better left alone)."""
    root = _parsed(packet) if packet else ET.Element(f"{{{X}}}xmpmeta")
    if root is None:
        return None
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{RDF}}}RDF")
    for desc in rdf.iterfind(f"{{{RDF}}}Description"):
        for old in desc.findall(f"{{{EXT}}}ImageRegion"):
            desc.remove(old)
    if regions:
        desc = ET.SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
        desc.append(regions_bag(regions))
    return _BEGIN + ET.tostring(root, encoding="unicode").encode("utf-8") + _END


def _parsed(packet: bytes) -> ET.Element | None:
    problems: list[str] = []
    root = metadata_xmp._root(packet, problems)
    return None if problems else root


# -- files ---------------------------------------------------------------------------------

def with_regions(fp, regions: list[Region]) -> Iterator[bytes] | None:
    """The bytes of the image ``fp`` (seekable, at its start) carrying ``regions``
    (normalised of the oriented original) in its XMP, turned to the stored grid;
    None for a format other than JPEG and PNG, or when the XMP cannot be merged."""
    start = fp.tell()
    head = fp.read(8)
    fp.seek(start)
    try:
        with Image.open(fp) as im:
            orientation = int(im.getexif().get(ORIENTATION, 1))
    except Exception:  # not an image Pillow knows: leave the file alone
        return None
    finally:
        fp.seek(start)
    stored = [Region(box=to_stored(r.box, orientation), roles=r.roles, name=r.name,
                     rid=r.rid) for r in regions]
    if head[:2] == b"\xff\xd8":
        return _jpeg(fp, stored)
    if head == PNG_SIGNATURE:
        return _png(fp, stored)
    return None


def _jpeg(fp, regions: list[Region]) -> Iterator[bytes] | None:
    """SOI, the header segments with the XMP one replaced (or added after the
    leading APP0/APP1 Exif ones), then everything from SOS on, as it is."""
    fp.read(2)
    segments = []
    while True:
        marker = fp.read(2)
        if len(marker) < 2 or marker[0] != 0xFF or marker[1] in _NO_LENGTH:
            return None  # truncated, fill bytes, a stray marker: served as stored
        if marker[1] in (0xDA, 0xD9):  # SOS / EOI: the rest is copied
            fp.seek(-2, 1)
            break
        size = fp.read(2)
        length = struct.unpack(">H", size)[0] if len(size) == 2 else 0
        body = fp.read(length - 2) if length >= 2 else b""
        if length < 2 or len(body) != length - 2:
            return None
        segments.append(marker + size + body)
    old = next((s for s in segments if s[1] == 0xE1 and s[4:4 + len(_JPEG_XMP)] == _JPEG_XMP),
               None)
    packet = xmp_with_regions(old[4 + len(_JPEG_XMP):] if old else None, regions)
    if packet is None or len(packet) > _JPEG_MAX:
        return None
    payload = _JPEG_XMP + packet
    new = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    if old is not None:
        segments[segments.index(old)] = new
    else:
        at = 0
        while at < len(segments) and (segments[at][1] == 0xE0 or (
                segments[at][1] == 0xE1 and segments[at][4:8] == b"Exif")):
            at += 1
        segments.insert(at, new)
    return _stream(b"\xff\xd8" + b"".join(segments), fp)


def _png(fp, regions: list[Region]) -> Iterator[bytes] | None:
    """The signature and IHDR, a new XMP iTXt chunk, then every other chunk as it is."""
    fp.seek(len(PNG_SIGNATURE), 1)
    chunks, old = [], None
    while True:
        at = fp.tell()
        head = fp.read(8)
        if len(head) < 8:
            return None
        length, kind = struct.unpack(">I4s", head)
        if kind == b"iTXt" and old is None:
            data = fp.read(length)
            if data.startswith(b"XML:com.adobe.xmp\x00"):
                old = data
                fp.seek(4, 1)
                continue
            fp.seek(4, 1)
        else:
            fp.seek(length + 4, 1)
        chunks.append((at, 12 + length))
        if kind == b"IEND":
            break
    packet = xmp_with_regions(_png_xmp(old) if old else None, regions)
    if packet is None:
        return None
    data = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet
    itxt = struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(
        ">I", zlib.crc32(b"iTXt" + data))
    return _chunks(fp, chunks, itxt)


def _png_xmp(data: bytes) -> bytes | None:
    rest = data.split(b"\x00", 1)[1]
    compressed, rest = rest[:1] == b"\x01", rest[2:]
    text = rest.split(b"\x00", 2)[2] if rest.count(b"\x00") >= 2 else b""
    try:
        return zlib.decompressobj().decompress(text, 16 * 2**20) if compressed else text
    except zlib.error:
        return b"<unreadable"  # unparsable: the file is left alone


def _stream(head: bytes, fp) -> Iterator[bytes]:
    yield head
    while chunk := fp.read(CHUNK):
        yield chunk


def _chunks(fp, chunks: list[tuple[int, int]], itxt: bytes) -> Iterator[bytes]:
    yield PNG_SIGNATURE
    for number, (at, size) in enumerate(chunks):
        fp.seek(at)
        left = size
        while left:
            piece = fp.read(min(left, CHUNK))
            if not piece:
                return
            left -= len(piece)
            yield piece
        if number == 0:  # right after IHDR
            yield itxt
