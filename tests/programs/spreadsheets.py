"""Spreadsheets as people save them, made in the test: XLSX (with a formula's cached value),
ODS written as LibreOffice lays it out, CSV in any encoding, and an XLSX decompression bomb."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

FILES = Path(__file__).with_name("files")


def xlsx_bytes(rows, *, formulas=None) -> bytes:
    """An XLSX file; `formulas` maps a cell ("B6") to (formula, cached value), as Excel saves
    a formula cell: openpyxl itself writes formulas without their values."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell, (formula, _value) in (formulas or {}).items():
        sheet[cell] = formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    if not formulas:
        return content
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for cell, (formula, value) in formulas.items():
                    text, count = re.subn(
                        rf'<c r="{cell}"><f>(.*?)</f><v\s*/>',
                        rf'<c r="{cell}" t="str"><f>\1</f><v>{escape(value)}</v>',
                        text,
                    )
                    assert count == 1, f"no formula in {cell}: {formula}"
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


def xlsx(rows, name="lerenden.xlsx", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kwargs))


def csv(text, name="lerenden.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
  manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""

ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Lerenden">{rows}</table:table>
</office:spreadsheet></office:body></office:document-content>"""


def ods(rows, name="lerenden.ods") -> SimpleUploadedFile:
    """An ODS file laid out as LibreOffice saves one: the mimetype first and uncompressed,
    empty cells and rows written once with a repeat count, up to the sheet's last row."""
    columns, sheet_rows = 1024, 1048576

    def empty(count, tag="table:table-row"):
        cells = f'<table:table-cell table:number-columns-repeated="{columns}"/>'
        return f'<{tag} table:number-rows-repeated="{count}">{cells}</{tag}>'

    body = ""
    for row in rows:
        if not any(row):
            body += empty(1)
            continue
        padding = f'<table:table-cell table:number-columns-repeated="{columns - len(row)}"/>'
        body += "<table:table-row>" + "".join(ods_cell(v) for v in row) + padding
        body += "</table:table-row>"
    body += empty(sheet_rows - len(rows))
    return _ods_file(name, body)


def ods_cell(value) -> str:
    return (
        '<table:table-cell office:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def _ods_file(name, rows_xml) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml", ODS_CONTENT.format(rows=rows_xml), compress_type=zipfile.ZIP_DEFLATED
        )
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return SimpleUploadedFile(name, buffer.getvalue())


def ods_bomb() -> SimpleUploadedFile:
    """A 1 KB ODS whose repeat counts ask for a billion filled cells."""
    filled = (
        '<table:table-cell office:value-type="string" table:number-columns-repeated="1024">'
        "<text:p>x@example.nl</text:p></table:table-cell>"
    )
    rows = (
        "<table:table-row>"
        + "".join(ods_cell(v) for v in ("E-mail", "Naam"))
        + "</table:table-row>"
        f'<table:table-row table:number-rows-repeated="1048000">{filled}</table:table-row>'
    )
    return _ods_file("bom.ods", rows)


def committed(name) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FILES / name).read_bytes())


def _zip_with_raw_member(members, raw_name, raw_deflated, raw_size, raw_crc) -> bytes:
    """A zip of small `members` plus one part given as an already deflated stream: the way to
    make a part of a gigabyte without ever holding a gigabyte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    small = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    entries = []
    out = io.BytesIO()
    for info in small.infolist():
        raw = buffer.getvalue()[info.header_offset :]
        name_length, extra_length = struct.unpack("<HH", raw[26:30])
        data_start = 30 + name_length + extra_length
        local = raw[: data_start + info.compress_size]
        entries.append((info.filename, out.tell(), info.CRC, info.compress_size, info.file_size))
        out.write(local)
    entries.append((raw_name, out.tell(), raw_crc, len(raw_deflated), raw_size))
    name = raw_name.encode()
    out.write(
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0,
            raw_crc,
            len(raw_deflated),
            raw_size,
            len(name),
            0,
        )
        + name
        + raw_deflated
    )
    directory_start = out.tell()
    for filename, offset, crc, compressed, size in entries:
        encoded = filename.encode()
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                compressed,
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    directory_size = out.tell() - directory_start
    out.write(
        struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            len(entries),
            len(entries),
            directory_size,
            directory_start,
            0,
        )
    )
    return out.getvalue()


def xlsx_bomb(unpacked_bytes=950 * 2**20, *, declared_bytes=None) -> bytes:
    """A real XLSX whose sheet unpacks to `unpacked_bytes` (default: a gigabyte, packed in
    under 1 MB, near deflate's limit of 1:1032) of one cell's endless text. Identical blocks
    flushed with Z_FULL_FLUSH compress to identical bytes: the stream is one block repeated.
    `declared_bytes` is the size the zip directory claims: a lying bomb claims little.
    The CRC is left 0, as an attacker may: nothing reads that far."""
    block = 16 * 1024 * 1024
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    head += b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    tail = b"</t></is></c></row></sheetData></worksheet>"
    blocks, rest = divmod(unpacked_bytes - len(head) - len(tail), block)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(b"A" * block) + compressor.flush(zlib.Z_FULL_FLUSH)
    deflated += repeated * blocks
    deflated += compressor.compress(b"A" * rest + tail) + compressor.flush(zlib.Z_FINISH)

    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["E-mail", "Naam"], ["a@b.nl", "A"]])))
    members = {
        info.filename: template.read(info.filename)
        for info in template.infolist()
        if info.filename != "xl/worksheets/sheet1.xml"
    }
    declared = unpacked_bytes if declared_bytes is None else declared_bytes
    return _zip_with_raw_member(members, "xl/worksheets/sheet1.xml", deflated, declared, 0)
