"""XMP: the RDF/XML packet, parsed with defusedxml (no DTD, no entities, no network).

Reads IPTC Core and Extension, Dublin Core, photoshop and xmpRights. A LangAlt value
gives its ``x-default`` (else the first language); a Bag or Seq gives a list.
"""
from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_PACKET = 16 * 2**20  # bytes; a bigger packet is refused, not parsed

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
}
FIELDS = {
    "photoshop:Headline": "headline", "dc:description": "caption",
    "Iptc4xmpCore:AltTextAccessibility": "alt_text", "dc:creator": "creator",
    "photoshop:Credit": "credit", "dc:rights": "copyright",
    "xmpRights:UsageTerms": "usage_terms", "photoshop:Source": "source",
    "photoshop:Instructions": "instructions", "dc:subject": "keywords",
    "photoshop:DateCreated": "date_created", "photoshop:City": "city",
    "photoshop:Country": "country", "dc:title": "object_name",
}
#: Never public: where the photo was taken and which camera took it.
PRIVATE = {"aux:SerialNumber", "exifEX:BodySerialNumber", "aux:LensSerialNumber",
           "exifEX:LensSerialNumber", "exifEX:CameraOwnerName", "aux:OwnerName"}
MAX_DEPTH = 8


def parse(packet: bytes | str, problems: list[str]) -> dict:
    """The fields of an XMP packet, with ``raw`` (every property read) and ``private``."""
    root = _root(packet, problems)
    if root is None:
        return {}
    props: dict = {}
    for rdf in root.iter(f"{{{RDF}}}RDF"):
        for desc in rdf.iterfind(f"{{{RDF}}}Description"):
            props.update(_properties(desc, 0))
    out: dict = {"raw": {}, "private": {}}
    for name, value in props.items():
        private = name in PRIVATE or name.startswith("exif:GPS")
        (out["private"] if private else out["raw"])[name] = value
        if name in FIELDS and not private:
            wanted = FIELDS[name]
            out[wanted] = _text(value)
            if wanted == "keywords":
                out[wanted] = [_text(v) for v in value] if isinstance(value, list) else [
                    out[wanted]]
    return out


def _root(packet, problems: list[str]) -> Element | None:
    if len(packet) > MAX_PACKET:
        problems.append(f"XMP: {len(packet):,} bytes, over the {MAX_PACKET:,} limit; not read.")
        return None
    if isinstance(packet, str):
        packet = packet.encode("utf-8", errors="replace")
    packet = packet.replace(b"\x00", b"")
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        problems.append("XMP refused: it declares a DTD or entities (XMP never needs them).")
        return None
    start = min((i for i in (packet.find(b"<?xpacket"), packet.find(b"<x:xmpmeta"),
                              packet.find(b"<rdf:RDF")) if i >= 0), default=0)
    end = packet.rfind(b">")
    try:
        return fromstring(packet[start:end + 1], forbid_dtd=True)
    except DefusedXmlException as exc:
        problems.append(f"XMP refused: it declares a DTD or entities ({type(exc).__name__}).")
    except (ParseError, ValueError, RecursionError) as exc:
        problems.append(f"XMP unreadable, ignored: {str(exc)[:120]}.")
    return None


def _name(tag: str) -> str:
    uri, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return f"{PREFIXES.get(uri, uri)}:{local}"


def _properties(desc: Element, depth: int) -> dict:
    """A Description's properties: attributes (simple values) and child elements."""
    props = {_name(k): v for k, v in desc.attrib.items()
             if not k.startswith(f"{{{RDF}}}") and k != XML_LANG}
    for child in desc:
        props[_name(child.tag)] = _value(child, depth + 1)
    return props


def _value(prop: Element, depth: int):
    """A property's value: text, a list (Bag/Seq), a dict by language (Alt) or a struct."""
    if depth > MAX_DEPTH:
        return ""
    resource = prop.get(f"{{{RDF}}}resource")
    container = next(iter(prop), None)
    if container is None:
        return resource if resource is not None and not (prop.text or "").strip() else (
            prop.text or "")
    if prop.get(f"{{{RDF}}}parseType") == "Resource":
        return _properties(prop, depth)
    kind = container.tag
    if kind == f"{{{RDF}}}Alt":
        return {li.get(XML_LANG, "x-default"): _value(li, depth + 1) for li in container}
    if kind in (f"{{{RDF}}}Bag", f"{{{RDF}}}Seq"):
        return [_value(li, depth + 1) for li in container]
    if kind == f"{{{RDF}}}Description":
        return _properties(container, depth)
    return _properties(prop, depth)


def _text(value) -> str:
    """One text: LangAlt's x-default (else its first), a list joined by '; '."""
    if isinstance(value, dict):
        picked = value.get("x-default", next(iter(value.values()), ""))
        return _text(picked)
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    return value if isinstance(value, str) else ""
