"""Photo metadata out: the public credit fields as an XMP packet and EXIF, for renditions.

Only the fields of ``PublicMetadata`` are ever written (never GPS, serial numbers or
anything else a source file held). The packet is built with ElementTree, so every value
is escaped by the XML writer, never by string formatting. Pure: the standard library
and Pillow.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from xml.etree import ElementTree as ET

from PIL import Image

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": RDF,
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
#: field -> (XMP property, kind): "seq" (ordered list), "alt" (x-default) or "text".
PROPERTIES = {
    "creator": ("dc:creator", "seq"),
    "copyright": ("dc:rights", "alt"),
    "caption": ("dc:description", "alt"),
    "headline": ("photoshop:Headline", "text"),
    "credit": ("photoshop:Credit", "text"),
    "usage_terms": ("xmpRights:UsageTerms", "alt"),
    "alt_text": ("Iptc4xmpCore:AltTextAccessibility", "alt"),
}
#: EXIF IFD0 tags written: Artist and Copyright.
EXIF_ARTIST, EXIF_COPYRIGHT = 0x013B, 0x8298
#: Characters XML 1.0 cannot carry at all (an editor may paste them); dropped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BEGIN = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
_END = b'<?xpacket end="r"?>'

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class PublicMetadata:
    """The public fields a rendition carries; empty strings are left out.

    ``creator`` holds several names joined by "; " (as ``metadata.read`` joins them).
    """
    creator: str = ""
    credit: str = ""
    copyright: str = ""
    usage_terms: str = ""
    caption: str = ""
    alt_text: str = ""
    headline: str = ""

    def fields(self) -> dict[str, str]:
        """The non-empty fields, by name."""
        return {k: v for k, v in asdict(self).items() if v}

    def digest(self) -> str:
        """A short hash of the non-empty fields; '' when there are none."""
        fields = self.fields()
        if not fields:
            return ""
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]

    def xmp(self) -> bytes | None:
        """The XMP packet, or None when there is nothing to say."""
        fields = self.fields()
        return xmp_packet(fields) if fields else None

    def exif(self) -> bytes | None:
        """EXIF holding Artist and Copyright only, or None when both are empty."""
        exif = Image.Exif()
        if self.creator:
            exif[EXIF_ARTIST] = self.creator.encode("utf-8")
        if self.copyright:
            exif[EXIF_COPYRIGHT] = self.copyright.encode("utf-8")
        return exif.tobytes() if len(exif) else None


def xmp_packet(fields: dict[str, str]) -> bytes:
    """An XMP packet (UTF-8) of ``fields`` (names of ``PROPERTIES``; others ignored)."""
    meta = ET.Element(_q("x:xmpmeta"))
    desc = ET.SubElement(ET.SubElement(meta, _q("rdf:RDF")), _q("rdf:Description"),
                         {_q("rdf:about"): ""})
    for name, (prop, kind) in PROPERTIES.items():
        value = _XML_ILLEGAL.sub("", fields.get(name) or "")
        if value:
            _add(desc, prop, kind, value)
    return _BEGIN + ET.tostring(meta, encoding="unicode").encode("utf-8") + _END


def _add(desc: ET.Element, prop: str, kind: str, value: str) -> None:
    node = ET.SubElement(desc, _q(prop))
    if kind == "text":
        node.text = value
        return
    if kind == "seq":
        seq = ET.SubElement(node, _q("rdf:Seq"))
        for name in filter(None, (n.strip() for n in value.split(";"))):
            ET.SubElement(seq, _q("rdf:li")).text = name
        return
    alt = ET.SubElement(node, _q("rdf:Alt"))
    ET.SubElement(alt, _q("rdf:li"), {XML_LANG: "x-default"}).text = value


def _q(name: str) -> str:
    """"dc:creator" -> "{http://purl.org/dc/elements/1.1/}creator"."""
    prefix, _, local = name.partition(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"
