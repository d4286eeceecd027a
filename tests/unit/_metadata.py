"""Photo files with hand-built metadata (IIM in APP13, XMP in APP1 or PNG iTXt, EXIF)."""
from __future__ import annotations

import io
import os
import shutil
import struct

import pytest
from PIL import Image, PngImagePlugin

from tests.unit._images import IN_CI, SHARED

METADATA = SHARED / "data" / "metadata"
needs_shared = pytest.mark.skipif(not METADATA.is_dir(), reason="../shared/data/metadata is absent")
EXIFTOOL = shutil.which("exiftool")


def needs_exiftool():
    """exiftool (Debian libimage-exiftool-perl) is the independent writer: CI must have it."""
    if EXIFTOOL:
        return
    if IN_CI:
        pytest.fail("exiftool is missing (apt-get install libimage-exiftool-perl; .ci/run does)")
    pytest.skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")


def iim(*datasets: tuple[int, int, bytes]) -> bytes:
    """An IIM block from (record, dataset, value) triples."""
    return b"".join(b"\x1c" + bytes([r, d]) + _iim_size(len(v)) + v for r, d, v in datasets)


def _iim_size(n: int) -> bytes:
    """Two bytes, or an extended length (0x8004 and four bytes) from 32,768 up."""
    return struct.pack(">H", n) if n < 0x8000 else struct.pack(">HI", 0x8004, n)


def xmp(body: str, *, prolog: str = "") -> bytes:
    """An XMP packet whose one rdf:Description holds ``body``."""
    return (f'{prolog}<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
            'xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" '
            'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" '
            'xmlns:exif="http://ns.adobe.com/exif/1.0/" '
            'xmlns:aux="http://ns.adobe.com/exif/1.0/aux/">'
            f'{body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


def alt(*pairs: tuple[str, str]) -> str:
    return "<rdf:Alt>" + "".join(f'<rdf:li xml:lang="{lang}">{text}</rdf:li>'
                                 for lang, text in pairs) + "</rdf:Alt>"


def bag(*words: str) -> str:
    return "<rdf:Bag>" + "".join(f"<rdf:li>{w}</rdf:li>" for w in words) + "</rdf:Bag>"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(*, xmp_packet: bytes | None = None, iim_block: bytes | None = None,
         exif: Image.Exif | None = None) -> io.BytesIO:
    """A 16x16 JPEG with the given metadata segments right after SOI."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 150)).save(buf, "JPEG", exif=exif or Image.Exif())
    data = buf.getvalue()
    segments = b""
    if xmp_packet is not None:
        segments += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet)
    if iim_block is not None:
        block = iim_block + b"\x00" * (len(iim_block) % 2)
        resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iim_block)) + block
        segments += _segment(0xED, b"Photoshop 3.0\x00" + resource)
    return io.BytesIO(data[:2] + segments + data[2:])


def png(*, xmp_packet: bytes | None = None, compressed: bool = False) -> io.BytesIO:
    info = PngImagePlugin.PngInfo()
    if xmp_packet is not None:
        info.add_itxt("XML:com.adobe.xmp", xmp_packet.decode("utf-8"), zip=compressed)
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 150)).save(buf, "PNG", pnginfo=info)
    buf.seek(0)
    return buf


def write_with_exiftool(path: os.PathLike, *args: str) -> None:
    import subprocess
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", *args, str(path)], check=True)


def exiftool_json(path: os.PathLike, *args: str) -> dict:
    import json
    import subprocess
    out = subprocess.run([EXIFTOOL, "-j", "-charset", "iptc=UTF8", *args, str(path)],
                         check=True, capture_output=True)
    return json.loads(out.stdout)[0]
