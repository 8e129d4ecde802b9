#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Writes the malformed-model regression corpus: a tiny valid TFLite model
(one uint8 CONV_2D) serialized by a small flatbuffer writer of our own, and
variants of it that each break one rule the loader must enforce.
expected.txt maps each file to a fragment of the error it must produce
("OK" for files that must load and run).

    tests/models/gen.py [OUTDIR]     (default: the directory of this script)
"""
import os
import struct
import sys


class Writer:
    """Front-to-back flatbuffer writer: children follow their parents, so
    every uoffset points forward as the format requires."""

    def __init__(self):
        self.buf = bytearray()
        self.fixups = []  # (field position, object to place)

    def pad(self, n, extra=0):
        while (len(self.buf) + extra) % n:
            self.buf.append(0)

    def u32(self, v):
        self.buf += struct.pack('<I', v & 0xffffffff)

    def place(self, obj):
        kind, val = obj
        if kind == 'table':
            return self.table(val)
        if kind == 'str':
            self.pad(4)
            pos = len(self.buf)
            self.u32(len(val))
            self.buf += val.encode() + b'\0'
            return pos
        if kind == 'raw':  # a vector of bytes given as bytes
            self.pad(4)
            pos = len(self.buf)
            self.u32(len(val))
            self.buf += val
            return pos
        fmt = {'vi32': '<i', 'vu8': '<B', 'vf32': '<f', 'vi64': '<q'}.get(kind)
        if fmt:
            self.pad(8 if kind == 'vi64' else 4, 4 if kind == 'vi64' else 0)
            pos = len(self.buf)
            self.u32(len(val))
            for v in val:
                self.buf += struct.pack(fmt, v)
            return pos
        if kind == 'vtab':
            self.pad(4)
            pos = len(self.buf)
            self.u32(len(val))
            slots = []
            for _ in val:
                slots.append(len(self.buf))
                self.u32(0)
            for slot, t in zip(slots, val):
                child = self.table(t)
                struct.pack_into('<I', self.buf, slot, child - slot)
            return pos
        raise ValueError(kind)

    def table(self, fields):
        """fields: list indexed by field id of None or (kind, value)."""
        layout, off = [], 4
        for f in fields:
            if f is None:
                layout.append(0)
                continue
            size = 8 if f[0] in ('i64', 'u64') else 4
            off = (off + size - 1) // size * size
            layout.append(off)
            off += size
        tlen = (off + 3) // 4 * 4
        self.pad(2)
        vt = len(self.buf)
        self.buf += struct.pack('<HH', 4 + 2 * len(fields), tlen)
        for o in layout:
            self.buf += struct.pack('<H', o)
        self.pad(8, 0)
        pos = len(self.buf)
        self.buf += bytes(tlen)
        struct.pack_into('<i', self.buf, pos, pos - vt)
        children = []
        for f, o in zip(fields, layout):
            if f is None:
                continue
            kind, val = f
            p = pos + o
            if kind in ('u8', 'bool'):
                struct.pack_into('<B', self.buf, p, val & 0xff)
            elif kind == 'i8':
                struct.pack_into('<b', self.buf, p, val)
            elif kind == 'i32':
                struct.pack_into('<i', self.buf, p, val)
            elif kind == 'u32':
                struct.pack_into('<I', self.buf, p, val & 0xffffffff)
            elif kind == 'f32':
                struct.pack_into('<f', self.buf, p, val)
            elif kind in ('i64', 'u64'):
                struct.pack_into('<q', self.buf, p, val)
            else:
                children.append((p, f))
        for p, f in children:
            child = self.place(f)
            struct.pack_into('<I', self.buf, p, child - p)
        return pos

    def finish(self, root):
        self.buf += b'\0\0\0\0TFL3'
        pos = self.table(root)
        struct.pack_into('<I', self.buf, 0, pos)
        return bytes(self.buf)


def F(n, **kw):
    """A field list of length n from index=value keywords f0=..., f1=..."""
    out = [None] * n
    for k, v in kw.items():
        out[int(k[1:])] = v
    return out


def quant(scales, zps, qdim=0):
    return ('table', F(7, f2=('vf32', scales), f3=('vi64', zps), f6=('i32', qdim)))


def tensor(shape, ttype, buf, name, q=None, variable=False):
    return F(6, f0=('vi32', shape), f1=('u8', ttype), f2=('u32', buf), f3=('str', name),
             f4=q, f5=('bool', 1) if variable else None)


UINT8, INT32, INT8 = 3, 2, 9


def base_model():
    """input [1,5,5,2] u8 -> CONV_2D 3x3 stride 1 SAME, 3 filters -> [1,5,5,3]."""
    weights = bytes((i * 37 + 11) % 256 for i in range(3 * 3 * 3 * 2))
    bias = struct.pack('<3i', 100, -250, 7)
    m = {
        'version': 3,
        'opcodes': [F(4, f0=('i8', 3), f2=('i32', 1), f3=('i32', 3))],
        'tensors': [
            tensor([1, 5, 5, 2], UINT8, 0, 'input', quant([0.05], [120])),
            tensor([3, 3, 3, 2], UINT8, 1, 'weights', quant([0.02], [130])),
            tensor([3], INT32, 2, 'bias', quant([0.001], [0])),
            tensor([1, 5, 5, 3], UINT8, 0, 'output', quant([0.1], [128])),
        ],
        'inputs': [0], 'outputs': [3],
        'ops': [dict(opcode=0, inputs=[0, 1, 2], outputs=[3], opt_type=1,
                     opts=F(6, f0=('u8', 0), f1=('i32', 1), f2=('i32', 1), f3=('u8', 0)))],
        'buffers': [b'', weights, bias],
        'nsub': 1,
    }
    return m


def serialize(m):
    ops = []
    for o in m['ops']:
        ops.append(F(9, f0=('u32', o['opcode']), f1=('vi32', o['inputs']),
                     f2=('vi32', o['outputs']),
                     f3=('u8', o['opt_type']) if o.get('opt_type') else None,
                     f4=('table', o['opts']) if o.get('opts') is not None else None))
    sg = F(5, f0=('vtab', m['tensors']), f1=('vi32', m['inputs']), f2=('vi32', m['outputs']),
           f3=('vtab', ops), f4=('str', 'main'))
    bufs = [F(1, f0=('raw', b)) if b else F(1) for b in m['buffers']]
    root = F(5, f0=('u32', m['version']), f1=('vtab', m['opcodes']),
             f2=('vtab', [sg] * m['nsub']), f3=('str', 'enpu test model'), f4=('vtab', bufs))
    return Writer().finish(root)


def variants():
    good = serialize(base_model())
    yield 'good_conv.tflite', good, 'OK'

    def mod(name, expect, fn):
        m = base_model()
        fn(m)
        return name, serialize(m), expect

    yield 'truncated_header.tflite', good[:6], 'too short'
    yield 'truncated_half.tflite', good[:len(good) // 2], 'outside'
    yield 'truncated_last_byte.tflite', good[:-1], 'more than the file holds'
    yield 'no_identifier.tflite', good[:4] + b'XXXX' + good[8:], "no 'TFL3' identifier"
    bad_root = bytearray(good)
    struct.pack_into('<I', bad_root, 0, 0x7fffff00)
    yield 'bad_root_offset.tflite', bytes(bad_root), 'points outside the file'
    # Point the root table's vtable far away.
    bad_vt = bytearray(good)
    root = struct.unpack_from('<I', good, 0)[0]
    struct.pack_into('<i', bad_vt, root, -0x100000)
    yield 'bad_vtable.tflite', bytes(bad_vt), 'vtable'
    # A vtable that claims to be longer than the file.
    bad_vtlen = bytearray(good)
    vt = root - struct.unpack_from('<i', good, root)[0]
    struct.pack_into('<H', bad_vtlen, vt, 0xfffe)
    yield 'bad_vtable_length.tflite', bytes(bad_vtlen), 'vtable'
    # A vtable that points back at itself as a table: a nesting loop.
    loop = bytearray(good)
    struct.pack_into('<i', loop, root, 0)
    yield 'self_referencing_vtable.tflite', bytes(loop), 'malformed'

    yield mod('bad_version.tflite', 'schema version 2', lambda m: m.update(version=2))
    yield mod('two_subgraphs.tflite', '2 subgraphs', lambda m: m.update(nsub=2))
    yield mod('huge_dims.tflite', 'too large',
              lambda m: m['tensors'][3].__setitem__(0, ('vi32', [1 << 30, 1 << 30, 4, 3])))
    yield mod('negative_dim.tflite', 'negative',
              lambda m: m['tensors'][0].__setitem__(0, ('vi32', [1, -5, 5, 2])))
    yield mod('too_many_dims.tflite', 'dimensions (limit',
              lambda m: m['tensors'][0].__setitem__(0, ('vi32', [1] * 9)))
    yield mod('input_index_minus1.tflite', "is not a tensor index",
              lambda m: m.update(inputs=[-1]))
    yield mod('op_input_out_of_range.tflite', 'inputs[1] = 99',
              lambda m: m['ops'][0].update(inputs=[0, 99, 2]))
    yield mod('op_output_minus1.tflite', 'outputs[0] = -1',
              lambda m: m['ops'][0].update(outputs=[-1]))
    yield mod('opcode_out_of_range.tflite', 'opcode_index 5 out of range',
              lambda m: m['ops'][0].update(opcode=5))
    yield mod('buffer_out_of_range.tflite', 'buffer index 9 out of range',
              lambda m: m['tensors'][1].__setitem__(2, ('u32', 9)))
    yield mod('buffer_size_mismatch.tflite', 'holds 17 bytes, the tensor needs 54',
              lambda m: m['buffers'].__setitem__(1, bytes(17)))
    yield mod('zero_scale.tflite', 'not a positive finite',
              lambda m: m['tensors'][0].__setitem__(4, quant([0.0], [120])))
    yield mod('negative_scale.tflite', 'not a positive finite',
              lambda m: m['tensors'][3].__setitem__(4, quant([-0.5], [128])))
    yield mod('nan_scale.tflite', 'not a positive finite',
              lambda m: m['tensors'][3].__setitem__(4, quant([float('nan')], [128])))
    yield mod('zero_point_range.tflite', 'outside the uint8 range',
              lambda m: m['tensors'][0].__setitem__(4, quant([0.05], [300])))
    yield mod('scale_zp_count.tflite', '2 scales but 1 zero points',
              lambda m: m['tensors'][0].__setitem__(4, quant([0.05, 0.05], [1])))
    yield mod('per_channel_count.tflite', 'per-channel scales for dimension 0 of size 3',
              lambda m: m['tensors'][1].__setitem__(4, quant([0.02, 0.02], [130, 130])))
    yield mod('per_channel_bad_dim.tflite', 'quantized_dimension 7',
              lambda m: m['tensors'][1].__setitem__(4, quant([0.02] * 3, [130] * 3, 7)))
    yield mod('missing_conv_options.tflite', 'builtin_options missing',
              lambda m: m['ops'][0].update(opt_type=0, opts=None))
    yield mod('wrong_options_type.tflite', 'builtin_options has type 5, expected 1',
              lambda m: m['ops'][0].update(opt_type=5))
    yield mod('zero_stride.tflite', 'strides',
              lambda m: m['ops'][0]['opts'].__setitem__(1, ('i32', 0)))
    yield mod('bad_padding.tflite', 'unknown padding 7',
              lambda m: m['ops'][0]['opts'].__setitem__(0, ('u8', 7)))
    yield mod('wrong_output_shape.tflite', "should be [1,5,5,3]",
              lambda m: m['tensors'][3].__setitem__(0, ('vi32', [1, 4, 4, 3])))
    yield mod('channel_mismatch.tflite', 'weights have 2 input channels, the input has 4',
              lambda m: m['tensors'][0].__setitem__(0, ('vi32', [1, 5, 5, 4])))
    yield mod('bias_wrong_size.tflite', 'buffer 2 holds 12 bytes, the tensor needs 8',
              lambda m: m['tensors'][2].__setitem__(0, ('vi32', [2])))
    yield mod('unwritten_input.tflite', "reads tensor 4 'orphan' that nothing has written",
              lambda m: m['tensors'].append(tensor([1, 5, 5, 2], UINT8, 0, 'orphan',
                                                   quant([0.05], [120])))
              or m['ops'][0].update(inputs=[4, 1, 2]))
    yield mod('custom_op.tflite', "custom op 'vendor-secret-op'",
              lambda m: m['opcodes'].__setitem__(0, F(4, f0=('i8', 32), f1=('str', 'vendor-secret-op'),
                                                     f3=('i32', 32))))
    yield mod('unsupported_builtin.tflite', 'builtin op 150 is not supported',
              lambda m: m['opcodes'].__setitem__(0, F(4, f0=('i8', 127), f3=('i32', 150))))
    yield mod('bad_tensor_type.tflite', 'unsupported element type 55',
              lambda m: m['tensors'][0].__setitem__(1, ('u8', 55)))
    yield mod('weights_not_constant.tflite', "weights 'weights' are not constant",
              lambda m: m['tensors'][1].__setitem__(2, ('u32', 0)) or m.update(inputs=[0, 1]))
    yield mod('float_activation.tflite', 'only uint8/int8 are supported',
              lambda m: m['tensors'][3].__setitem__(1, ('u8', 0)))
    yield mod('no_quantization.tflite', 'needs one scale and zero point, has 0',
              lambda m: m['tensors'][0].__setitem__(4, None))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    lines = []
    for name, data, expect in variants():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
        lines.append('%s\t%s' % (name, expect))
    with open(os.path.join(out, 'expected.txt'), 'w') as f:
        f.write('# file<TAB>fragment of the expected error (OK: must load and run)\n')
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
