#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the real files in ../shared/corpus plus a few
hand-made inputs (see fuzz/README.md).

    fuzz/extract_seeds.py ../shared/corpus OUT

writes OUT/<target>/ for every target:
  image_metadata, png  the corpus images, those over 64 KiB with their pixel data cut down to
                       a few bytes (metadata intact; large seeds only slow the fuzzer), and small
                       hand-made PNGs whose pixels do decode (one hides a stealth payload);
  exif                 the TIFF blocks of JPEG APP1 "Exif" segments and WebP EXIF chunks;
  infotext             PNG `parameters` texts and JPEG COM / UserComment texts;
  comfyui              PNG `prompt` and `workflow` texts;
  c2pa                 PNG caBX, reassembled JPEG APP11 and WebP C2PA manifest stores;
  record_json          own-format `provena` texts and a hand-made record.
Only the Python standard library is used.
"""
import hashlib
import os
import struct
import sys
import zlib

PNG_SIG = b"\x89PNG\r\n\x1a\n"
# Corpus files up to this size are seeds as they are; larger ones lose their pixel data.
SMALL_FILE_BYTES = 64 << 10


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunks(data):
    pos = 8
    while pos + 12 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        yield kind, data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IEND":
            break


def png_text(kind, body):
    key, _, rest = body.partition(b"\0")
    if kind in (b"tEXt", b"comf"):
        return key, rest
    if kind == b"zTXt":
        return key, zlib.decompress(rest[1:])
    if kind == b"iTXt":
        flag = rest[0]
        rest = rest[2:]
        _, _, rest = rest.partition(b"\0")
        _, _, rest = rest.partition(b"\0")
        return key, zlib.decompress(rest) if flag else rest
    return None


def jpeg_segments(data):
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9 or marker == 0x01 or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (n,) = struct.unpack(">H", data[pos + 2:pos + 4])
        yield marker, pos, data[pos + 4:pos + 2 + n]
        if marker == 0xDA:
            return
        pos += 2 + n


def webp_chunks(data):
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (n,) = struct.unpack("<I", data[pos + 4:pos + 8])
        yield kind, data[pos + 8:pos + 8 + n]
        pos += 8 + n + (n & 1)


class Seeds:
    def __init__(self, out):
        self.out = out

    def add(self, target, data, name=None):
        if not data:
            return
        folder = os.path.join(self.out, target)
        os.makedirs(folder, exist_ok=True)
        name = name or hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def slim_png(data, seeds):
    out = PNG_SIG
    idat = False
    for kind, body in png_chunks(data):
        if kind == b"IDAT":
            if idat:
                continue
            idat = True
            body = body[:64]
        out += png_chunk(kind, body)
        if kind in (b"tEXt", b"zTXt", b"iTXt", b"comf"):
            try:
                key, text = png_text(kind, body)
            except (zlib.error, IndexError):
                continue
            if key == b"parameters" and not text.lstrip().startswith(b"{"):
                seeds.add("infotext", text)
            elif key in (b"prompt", b"workflow"):
                seeds.add("comfyui", text)
            elif key == b"provena":
                seeds.add("record_json", text)
        elif kind == b"caBX":
            seeds.add("c2pa", body)
        elif kind == b"eXIf":
            seeds.add("exif", body)
    return out


def slim_jpeg(data, seeds):
    out = data[:2]
    store = b""
    for marker, pos, payload in jpeg_segments(data):
        if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
            seeds.add("exif", payload[6:])
        elif marker == 0xFE:
            seeds.add("infotext", payload)
        elif marker == 0xEB and payload[:2] == b"JP" and len(payload) >= 16:
            box = payload[8:]
            store += box if not store else box[8:]
        out += data[pos:pos + 4 + len(payload)]
        if marker == 0xDA:
            out += data[pos + 4 + len(payload):][:64] + b"\xff\xd9"
    seeds.add("c2pa", store)
    return out


def slim_webp(data, seeds):
    chunks = b""
    for kind, body in webp_chunks(data):
        if kind in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            body = body[:32]
        elif kind == b"EXIF":
            seeds.add("exif", body[6:] if body.startswith(b"Exif\0\0") else body)
        elif kind == b"C2PA":
            seeds.add("c2pa", body)
        chunks += kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def small_png(width, height, rgba, texts=(), pixel=None):
    """A real, decodable PNG (8-bit RGB or RGBA, filter 0 on every row)."""
    channels = 4 if rgba else 3
    rows = b""
    for y in range(height):
        rows += b"\0" + b"".join(pixel(x, y) if pixel else bytes([x * 7 % 256, y * 5 % 256, 99, 255][:channels])
                                 for x in range(width))
    out = PNG_SIG + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6 if rgba else 2, 0, 0, 0))
    for key, text in texts:
        out += png_chunk(b"tEXt", key + b"\0" + text)
    return out + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def stealth_png(payload):
    """Alpha-channel stealth pnginfo: magic, 32-bit length in bits, payload; column-major."""
    bits_bytes = b"stealth_pnginfo" + struct.pack(">I", len(payload) * 8) + payload
    bits = [(byte >> (7 - k)) & 1 for byte in bits_bytes for k in range(8)]
    side = 1
    while side * side < len(bits):
        side += 1

    def pixel(x, y):
        i = x * side + y
        return bytes([x % 256, y % 256, 7, 254 | (bits[i] if i < len(bits) else 0)])

    return small_png(side, side, True, pixel=pixel)


INFOTEXT = b"a cat, (masterpiece:1.2)\nNegative prompt: dog\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, " \
           b"CFG scale: 7, Seed: 5, Size: 512x768, Model hash: 0123456789, Model: sd15, " \
           b"Hashes: {\"model\": \"0123456789\"}, Lora hashes: \"a: 1, b: 2\", Version: v1.10.1"
GRAPH = b'{"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20, "cfg": 7, "sampler_name": "euler", ' \
        b'"scheduler": "normal", "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], ' \
        b'"latent_image": ["5", 0]}}, "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m"}}, ' \
        b'"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512}}, ' \
        b'"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}}, ' \
        b'"7": {"class_type": "CLIPTextEncode", "inputs": {"text": NaN, "clip": ["4", 1]}}, ' \
        b'"9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}}'
WORKFLOW = b'{"nodes": [{"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a cat /* note */"]}, ' \
           b'{"id": 3, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}], ' \
           b'"widgets_values": [5, "fixed", 20, 7, "euler", "normal", 1]}, ' \
           b'{"id": 2, "type": "Reroute", "inputs": [{"name": "", "link": 3}]}, ' \
           b'{"id": 9, "type": "SaveImage", "inputs": [{"name": "images", "link": 2}]}], ' \
           b'"links": [[1, 6, 0, 3, 1, "CONDITIONING"], [2, 3, 0, 9, 0, "IMAGE"], ' \
           b'{"id": 3, "origin_id": 3, "origin_slot": 0}], "definitions": {"subgraphs": []}}'
RECORD = b'{"format": "provena", "version": 1, "tool": "provena", "model": {"name": "m", "sha256": "ab"}, ' \
         b'"generation": {"prompt": "a cat", "negative_prompt": "", "width": 512, "height": 768, "steps": 20, ' \
         b'"cfg_scale": 7.5, "seed": 5, "sampler": "euler", "noise_source": "cpu"}, ' \
         b'"system": {"device": "cuda"}, "performance": {"generation_time": 1.5}, "created_at": "2026-01-01T00:00:00Z", ' \
         b'"template": {"id": "t", "version": 2, "slots": {"a": "b"}}, ' \
         b'"c2pa": {"claim_generator": "g", "digital_source_type": null, "actions": ["c2pa.created"]}, ' \
         b'"extra": [["k", "v"]]}'


def tiff_le(fields):
    ifd = struct.pack("<H", len(fields))
    data = b""
    base = 8 + 2 + 12 * len(fields) + 4
    for tag, kind, value in fields:
        if len(value) <= 4:
            ifd += struct.pack("<HHI", tag, kind, len(value)) + value.ljust(4, b"\0")
        else:
            ifd += struct.pack("<HHII", tag, kind, len(value), base + len(data))
            data += value
    return b"II*\0" + struct.pack("<I", 8) + ifd + b"\0\0\0\0" + data


def hand_made(seeds):
    for target in ("image_metadata", "png"):
        seeds.add(target, small_png(8, 8, False, [(b"parameters", INFOTEXT)]), "a1111.png")
        seeds.add(target, small_png(4, 4, True, [(b"prompt", GRAPH), (b"workflow", WORKFLOW)]), "comfyui.png")
        seeds.add(target, small_png(4, 4, True, [(b"provena", RECORD)]), "provena.png")
        seeds.add(target, stealth_png(INFOTEXT), "stealth.png")
    seeds.add("infotext", INFOTEXT, "a1111.txt")
    seeds.add("comfyui", GRAPH, "graph.json")
    seeds.add("comfyui", WORKFLOW, "workflow.json")
    seeds.add("record_json", RECORD, "record.json")
    comment = "UNICODE\0".encode() + INFOTEXT.decode().encode("utf-16-le")
    seeds.add("exif", tiff_le([(0x0110, 2, b"camera\0"), (0x8769, 4, struct.pack("<I", 8)),
                               (0x9286, 7, comment)]), "usercomment.tiff")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    corpus, out = sys.argv[1], sys.argv[2]
    seeds = Seeds(out)
    for root, _, files in os.walk(corpus):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            if data.startswith(PNG_SIG):
                slim = slim_png(data, seeds)
            elif data[:3] == b"\xff\xd8\xff":
                slim = slim_jpeg(data, seeds)
            elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
                slim = slim_webp(data, seeds)
            else:
                continue
            if len(data) <= SMALL_FILE_BYTES:
                slim = data  # small enough to keep whole, pixels and all (a stealth payload)
            seeds.add("image_metadata", slim, name)
            if slim.startswith(PNG_SIG):
                seeds.add("png", slim, name)
    hand_made(seeds)
    for target in sorted(os.listdir(out)):
        print(target, len(os.listdir(os.path.join(out, target))))


if __name__ == "__main__":
    main()
