"""Files of each class the airlock must tell apart, made here byte by byte from their formats'
specifications (PNG: ISO/IEC 15948; PDF: ISO 32000; ZIP: PKWARE APPNOTE through zipfile), so
the type check is judged against the formats, not against libmagic's own output."""

from __future__ import annotations

import gzip
import io
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def zip_bomb(uncompressed: int = 64 << 20) -> bytes:
    """A small zip that expands to `uncompressed` bytes of zeros (never expanded here)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.csv", "w") as member,
    ):
        block = b"0" * (1 << 20)
        for _ in range(uncompressed >> 20):
            member.write(block)
    return out.getvalue()


def gzipped(text: bytes) -> bytes:
    return gzip.compress(text)


def sqlite_db(folder: Path) -> bytes:
    path = folder / "scratch.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE patients (nir TEXT, born TEXT)")
    connection.commit()
    connection.close()
    data = path.read_bytes()
    path.unlink()
    return data


def elf() -> bytes:
    """A 64-bit little-endian ELF executable header (System V gABI), padded."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = struct.pack(
        "<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 0, 64, 0, 0
    )  # ET_EXEC, x86-64
    return ident + header + bytes(4096)
