"""Small PDFs written byte by byte for the parser's hard cases: text that pdfium hands over as UTF-16 surrogate
halves, and a page of a million text operations in a few kilobytes (what makes pdfium allocate without bound).
"""

from __future__ import annotations

import zlib


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _one_page(content: bytes, font: bytes, extra: list[bytes], compress: bool = False) -> bytes:
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(content, compress),
            font,
            *extra,
        ]
    )


# Helvetica whose ToUnicode maps "A" to U+1D465 (math italic x, a surrogate pair in pdfium's per-character
# text) and "B" to a lone high surrogate, as some Word and Type3 fonts do.
_SURROGATE_CMAP = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def
1 begincodespacerange <00> <FF> endcodespacerange
2 beginbfchar <41> <D835DC65> <42> <D835> endbfchar
endcmap CMapName currentdict /CMap defineresource pop end end"""


def surrogate_pdf() -> bytes:
    """One page: a title; prose, then "AAA" (three 𝑥, each a surrogate pair) and "BBB" (three halves that pair with
    nothing), then prose."""
    content = (
        b"BT /F1 16 Tf 72 740 Td (On Mathematical Letters) Tj ET "
        b"BT /F1 11 Tf 72 700 Td (Results on the benchmark show that the method improves) Tj 0 -14 Td "
        b"(AAA) Tj 0 -14 Td (BBB) Tj 0 -14 Td (the accuracy of every model we tested here by a wide margin.) Tj ET"
    )
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
    return _one_page(content, font, [_stream(_SURROGATE_CMAP)])


def many_operations_pdf(operations: int) -> bytes:
    """One page of `operations` text-showing operations, compressed: 20 million fit in 200 KB and take pdfium
    12.5 GB; one million, about 600 MB and 4 s."""
    content = b"BT /F1 1 Tf 10 10 Td " + b"(a) Tj " * operations + b"ET"
    return _one_page(content, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", [], compress=True)
