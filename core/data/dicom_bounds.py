"""What a DICOM file's header promises, held against what its decoders would trust instead.

Two places where pydicom's decoders size their work from data the header does not bound:

- An encapsulated (compressed) frame carries its own size: a JPEG's start-of-frame, a JPEG 2000
  codestream's SIZ marker. The decoder allocates for the stream's size, so a 64 x 64 header
  over a stream that says 60000 x 60000 asks for gigabytes from a 1 KB file. The stream's size
  (and its components and tiles) is read here and must be the header's.
- A segmented palette lookup table (PS3.3 C.7.9.2) expands by its segments' lengths, and
  indirect segments repeat other segments, so 3 KB can describe 2^40 entries. Its expansion
  is counted here, without expanding, and must stay within the entries its descriptor declares.
"""

from __future__ import annotations

from core.data.image import ImageLoadError, check_size

MAX_COMPONENTS = 4  # grey, RGB, or RGB and alpha
MAX_TILES = 65_535  # JPEG 2000's tile index is 16 bits (ISO 15444-1, the SOT marker)
_JPEG_FRAMES = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC} | {0xF7}  # SOF0-15 and JPEG-LS's SOF55


def check_codestream(dataset, name: str, rows: int, columns: int, frames: int) -> None:
    """ImageLoadError when the first frame's compressed stream declares another size than the
    header's Rows x Columns, more than MAX_COMPONENTS components or more than MAX_TILES tiles."""
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is None or not getattr(syntax, "is_encapsulated", False):
        return
    stream = _first_frame(dataset, name, frames)
    found = _jpeg2000_size(stream) or _jpeg_size(stream)
    if found is None:
        return  # RLE and other streams carry no size of their own: the decoder uses the header's
    kind, width, height, components, tiles = found
    check_size(width, height, f"{name}'s {kind} stream", bytes_per_pixel=max(components, 1) * 2)
    if (width, height) != (columns, rows):
        raise ImageLoadError(f"{name}: its {kind} stream says {width} x {height} pixels but its header says "
                             f"{columns} x {rows}; a decoder would trust the stream, so the file is refused: "
                             "export it again")
    if components > MAX_COMPONENTS or tiles > MAX_TILES:
        raise ImageLoadError(f"{name}: its {kind} stream declares {components} components in {tiles:,} tiles "
                             f"(at most {MAX_COMPONENTS} and {MAX_TILES:,} are read); export it again")


def _first_frame(dataset, name: str, frames: int) -> bytes:
    from pydicom.encaps import get_frame

    try:
        return get_frame(dataset.PixelData, 0, number_of_frames=frames)
    except Exception as error:  # noqa: BLE001 - a damaged item or offset table
        raise ImageLoadError(f"{name}: its compressed pixel data cannot be split into frames ({error}); the file "
                             "may be damaged or truncated: export it again") from None


def _jpeg2000_size(stream: bytes):
    """('JPEG 2000', width, height, components, tiles) from the SIZ marker, else None."""
    at = stream.find(b"\xff\x4f\xff\x51", 0, 4096)  # SOC then SIZ; a JP2 wrapper puts boxes before it
    if at < 0 or len(stream) < at + 44:
        return None
    field = lambda offset, size: int.from_bytes(stream[at + offset:at + offset + size], "big")  # noqa: E731
    x, y, x0, y0 = field(8, 4), field(12, 4), field(16, 4), field(20, 4)
    tile_x, tile_y, tile_x0, tile_y0 = field(24, 4), field(28, 4), field(32, 4), field(36, 4)
    components = field(40, 2)
    width, height = x - x0, y - y0
    tiles = (-(-(x - tile_x0) // tile_x) * -(-(y - tile_y0) // tile_y)) if tile_x and tile_y else 0
    return "JPEG 2000", width, height, components, tiles


def _jpeg_size(stream: bytes):
    """('JPEG', width, height, components, 1) from the first start-of-frame marker, else None."""
    if stream[:2] != b"\xff\xd8":
        return None
    position = 2
    for _ in range(1_000):  # marker segments before the frame header: real streams have a few
        if position + 10 > len(stream) or stream[position] != 0xFF:
            return None
        marker = stream[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in _JPEG_FRAMES:
            height = int.from_bytes(stream[position + 5:position + 7], "big")
            width = int.from_bytes(stream[position + 7:position + 9], "big")
            return ("JPEG-LS" if marker == 0xF7 else "JPEG"), width, height, stream[position + 9], 1
        position += 2 + int.from_bytes(stream[position + 2:position + 4], "big")
    return None


# --------------------------------------------------------------------------- palettes

def check_palette(dataset, name: str) -> None:
    """ImageLoadError when a segmented palette LUT would expand past its descriptor's entries."""
    for colour in ("Red", "Green", "Blue"):
        segmented = dataset.get(f"Segmented{colour}PaletteColorLookupTableData")
        descriptor = dataset.get(f"{colour}PaletteColorLookupTableDescriptor")
        if segmented is None or descriptor is None:
            continue
        entries = int(descriptor[0]) or 65_536  # PS3.3 C.7.6.3.1.5: 0 means 2^16
        words = _words(bytes(segmented), int(descriptor[2]), dataset)
        try:
            _SegmentCount(words, 8 if int(descriptor[2]) == 8 else 16, entries).count(0, None)
        except _TooLong as error:
            raise ImageLoadError(f"{name}: its segmented {colour.lower()} palette expands to {error} entries, but its "
                                 f"descriptor declares {entries:,}; refused (a possible decompression bomb)") from None


def _words(raw: bytes, bits: int, dataset) -> tuple[int, ...]:
    """The segment data as pydicom reads it: bytes for 8-bit tables, else 16-bit words."""
    if bits == 8:
        return tuple(raw)
    little = getattr(dataset, "original_encoding", (None, True))[1] is not False
    usable = len(raw) // 2 * 2
    return tuple(int.from_bytes(raw[i:i + 2], "little" if little else "big") for i in range(0, usable, 2))


class _TooLong(Exception):
    pass


class _SegmentCount:
    """Counts what pydicom's _expand_segmented_lut would produce, segment by segment, with its
    offsets, and stops past `entries` or past a budget of segments visited (zero-length
    segments referring to each other produce nothing but would loop for ever)."""

    def __init__(self, data: tuple[int, ...], bits: int, entries: int) -> None:
        self.data, self.bits, self.entries = data, bits, entries
        self.total, self.visits, self.budget = 0, 0, 4 * entries + 64

    def count(self, offset: int, segments: int | None) -> None:
        data, read = self.data, 0
        while offset + 1 < len(data):
            opcode, length = data[offset], data[offset + 1]
            offset += 2
            self.visits += 1
            if self.visits > self.budget:
                raise _TooLong(f"more than {self.budget:,} segments of lookups (a loop of indirect segments?), "
                               "without")
            if opcode == 0:  # discrete (C.7.9.2.1)
                self.total += length
                offset += length
            elif opcode == 1:  # linear (C.7.9.2.2)
                self.total += length
                offset += 1
            elif opcode == 2:  # indirect (C.7.9.2.3): `length` segments from another offset
                if self.bits == 8:
                    order = data[offset:offset + 4]
                    target = (order[3] << 8 | order[2]) << 16 | (order[1] << 8 | order[0]) if len(order) == 4 else 0
                    offset += 4
                else:
                    target = (data[offset + 1] << 16 | data[offset]) if offset + 1 < len(data) else 0
                    offset += 2
                self.count(target, length)
            else:
                return  # an unknown opcode: pydicom refuses it with its own message
            if self.total > self.entries:
                raise _TooLong(f"over {self.entries:,}")
            read += 1
            if read == segments:
                return
