#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Random quantized TFLite models, written from scratch (standard library only).

A minimal FlatBuffers builder (back to front, like the reference builders:
vtables, 32-bit offsets, alignment, force_align 16 for Buffer.data) emits the
tables of the public TFLite schema (tensorflow/lite/schema/schema.fbs, schema
version 3 with OperatorCode.builtin_code).  On top of it, a generator makes,
from a seed, small valid uint8 per-tensor or int8 per-channel models (chains
and DAGs with a branch joined by ADD/SUB/MUL/CONCATENATION) and calibrates
every activation's scale and zero point by running the float graph on a random
input, the way post-training quantization does.

    gen_tflite.py --seed N --out MODEL.tflite [--dtype uint8|int8]
                  [--kind chain|dag|classifier | --only OP | --case NAME]
                  [--all-outputs | --extract K]

prints one line of JSON describing the model (ops, dtype, inputs, outputs,
and for each operator the operators producing its inputs).  --only OP makes
a model whose single operator is OP; --case NAME one of the directed
single-operator models of CASES.  --all-outputs makes every operator's output
a model output (to find the operators whose output differs); --extract K
keeps only operator K, its activation inputs becoming the model's inputs
("sources" says which output of the --all-outputs model or which input each
one is), to replay it on exact intermediate bytes.  Used by
tests/lib/random_models.sh.
"""
import argparse
import json
import math
import random
import struct

# --------------------------------------------------------------------------
# FlatBuffers builder


class Builder:
    """Builds a flatbuffer from the end towards the start.  Offsets are kept
    as distances from the end of the buffer, as in the reference builders."""

    def __init__(self):
        self.buf = bytearray()
        self.minalign = 1
        self.vtable = None
        self.obj_end = 0

    def pad(self, n):
        if n:
            self.buf[0:0] = bytes(n)

    def prep(self, size, additional):
        """Align so that after `additional` more bytes, a `size`-byte item
        starts on a multiple of `size` (from the end, hence absolutely once
        the total is padded to minalign)."""
        self.minalign = max(self.minalign, size)
        self.pad((-(len(self.buf) + additional)) % size)

    def prepend(self, fmt, v):
        n = struct.calcsize(fmt)
        self.prep(n, 0)
        self.buf[0:0] = struct.pack('<' + fmt, v)

    def prepend_uoffset(self, off):
        self.prep(4, 0)
        assert off <= len(self.buf), 'offset must point backwards'
        self.buf[0:0] = struct.pack('<I', len(self.buf) + 4 - off)

    def vector(self, fmt, values):
        """A vector of scalars; returns its offset."""
        es = struct.calcsize(fmt)
        n = len(values)
        self.prep(4, es * n)
        self.prep(es, es * n)
        self.buf[0:0] = struct.pack('<%d%s' % (n, fmt), *values)
        self.prep(4, 0)
        self.buf[0:0] = struct.pack('<I', n)
        return len(self.buf)

    def bytes_vector(self, data, align=16):
        n = len(data)
        self.prep(4, n)
        self.prep(align, n)
        self.buf[0:0] = data
        self.prep(4, 0)
        self.buf[0:0] = struct.pack('<I', n)
        return len(self.buf)

    def offset_vector(self, offs):
        self.prep(4, 4 * len(offs))
        for o in reversed(offs):
            self.prepend_uoffset(o)
        self.buf[0:0] = struct.pack('<I', len(offs))
        return len(self.buf)

    def string(self, s):
        b = s.encode()
        self.prep(4, len(b) + 1)
        self.buf[0:0] = b + b'\0'
        self.buf[0:0] = struct.pack('<I', len(b))
        return len(self.buf)

    def start(self, nfields):
        assert self.vtable is None, 'tables cannot nest'
        self.vtable = [0] * nfields
        self.obj_end = len(self.buf)

    def add(self, slot, fmt, v):
        self.prepend(fmt, v)
        self.vtable[slot] = len(self.buf)

    def add_offset(self, slot, off):
        self.prepend_uoffset(off)
        self.vtable[slot] = len(self.buf)

    def end(self):
        self.prepend('i', 0)            # soffset to the vtable, patched below
        obj = len(self.buf)
        fields = list(self.vtable)
        while fields and not fields[-1]:
            fields.pop()
        ent = [obj - f if f else 0 for f in fields]
        vt = [4 + 2 * len(ent), obj - self.obj_end] + ent
        for v in reversed(vt):
            self.buf[0:0] = struct.pack('<H', v)
        vt_off = len(self.buf)
        # table - vtable, in addresses: the vtable sits before the table.
        struct.pack_into('<i', self.buf, len(self.buf) - obj, vt_off - obj)
        self.vtable = None
        return obj

    def finish(self, root, ident=b'TFL3'):
        self.prep(max(self.minalign, 4), 8)
        self.buf[0:0] = ident
        self.prepend_uoffset(root)
        return bytes(self.buf)


# --------------------------------------------------------------------------
# TFLite schema constants (schema.fbs)

T_FLOAT32, T_INT32, T_UINT8, T_INT8 = 0, 2, 3, 9
TYPE_NAMES = {T_FLOAT32: 'float32', T_INT32: 'int32', T_UINT8: 'uint8', T_INT8: 'int8'}

OPS = {  # BuiltinOperator
    'ADD': 0, 'AVERAGE_POOL_2D': 1, 'CONCATENATION': 2, 'CONV_2D': 3,
    'DEPTHWISE_CONV_2D': 4, 'FULLY_CONNECTED': 9, 'LOGISTIC': 14,
    'MAX_POOL_2D': 17, 'MUL': 18, 'RESHAPE': 22, 'RESIZE_BILINEAR': 23,
    'SOFTMAX': 25, 'TANH': 28, 'PAD': 34, 'MEAN': 40, 'SUB': 41,
    'QUANTIZE': 114, 'HARD_SWISH': 117,
}

# BuiltinOptions union: the tag is the 1-based position in the union.
OPT = {
    'Conv2DOptions': 1, 'DepthwiseConv2DOptions': 2, 'Pool2DOptions': 5,
    'FullyConnectedOptions': 8, 'SoftmaxOptions': 9, 'ConcatenationOptions': 10,
    'AddOptions': 11, 'ResizeBilinearOptions': 15, 'ReshapeOptions': 17,
    'MulOptions': 21, 'PadOptions': 22, 'ReducerOptions': 27, 'SubOptions': 28,
    'QuantizeOptions': 89, 'HardSwishOptions': 91,
}

PAD_SAME, PAD_VALID = 0, 1
ACT = {'NONE': 0, 'RELU': 1, 'RELU_N1_TO_1': 2, 'RELU6': 3}


class Tensor:
    def __init__(self, shape, ttype, name, data=None, scale=None, zp=None, qdim=0):
        self.shape = list(shape)
        self.type = ttype
        self.name = name
        self.data = data            # bytes for constants
        self.scale = scale          # list of float32 values, or None
        self.zp = zp                # list of ints
        self.qdim = qdim


class Op:
    def __init__(self, name, inputs, outputs, opt=None, fields=(), version=1):
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.opt = opt              # BuiltinOptions type name
        self.fields = list(fields)  # (slot, kind, value)
        self.version = version
        self.desc = name


class Model:
    def __init__(self):
        self.tensors = []
        self.ops = []
        self.inputs = []
        self.outputs = []

    def tensor(self, *a, **k):
        self.tensors.append(Tensor(*a, **k))
        return len(self.tensors) - 1

    def prune(self):
        """Drop the tensors no operator, input or output refers to."""
        used = set(self.inputs) | set(self.outputs)
        for op in self.ops:
            used |= set(op.inputs) | set(op.outputs)
        keep = sorted(used)
        remap = {t: i for i, t in enumerate(keep)}
        self.tensors = [self.tensors[t] for t in keep]
        for op in self.ops:
            op.inputs = [remap[t] for t in op.inputs]
            op.outputs = [remap[t] for t in op.outputs]
        self.inputs = [remap[t] for t in self.inputs]
        self.outputs = [remap[t] for t in self.outputs]

    def serialize(self):
        b = Builder()
        # Buffers: 0 is the empty sentinel, then one per constant tensor.
        bufs = [None]
        tbuf = []
        for t in self.tensors:
            if t.data is not None:
                tbuf.append(len(bufs))
                bufs.append(t.data)
            else:
                tbuf.append(0)
        buf_offs = []
        for d in bufs:
            dv = b.bytes_vector(d, 16) if d is not None else None
            b.start(3)
            if dv is not None:
                b.add_offset(0, dv)
            buf_offs.append(b.end())
        # Tensors.
        t_offs = []
        for i, t in enumerate(self.tensors):
            q = None
            if t.scale is not None:
                sv = b.vector('f', t.scale)
                zv = b.vector('q', t.zp)
                b.start(7)
                b.add_offset(2, sv)
                b.add_offset(3, zv)
                if t.qdim:
                    b.add(6, 'i', t.qdim)
                q = b.end()
            shp = b.vector('i', t.shape)
            nm = b.string(t.name)
            b.start(8)
            b.add_offset(0, shp)
            b.add(1, 'b', t.type)
            b.add(2, 'I', tbuf[i])
            b.add_offset(3, nm)
            if q is not None:
                b.add_offset(4, q)
            t_offs.append(b.end())
        # Operator codes, one per distinct (op, version).
        codes = []
        for op in self.ops:
            if (op.name, op.version) not in codes:
                codes.append((op.name, op.version))
        oc_offs = []
        for name, ver in codes:
            b.start(4)
            code = OPS[name]
            b.add(0, 'b', min(code, 127))
            b.add(2, 'i', ver)
            b.add(3, 'i', code)
            oc_offs.append(b.end())
        # Operators.
        op_offs = []
        for op in self.ops:
            opt = None
            if op.opt is not None:
                vecs = {}
                for slot, kind, v in op.fields:
                    if kind == 'vi':
                        vecs[slot] = b.vector('i', v)
                b.start(8)
                for slot, kind, v in op.fields:
                    if kind == 'vi':
                        b.add_offset(slot, vecs[slot])
                    elif kind == 'f':
                        b.add(slot, 'f', v)
                    elif kind in ('b', 'bool'):
                        b.add(slot, 'b', int(v))
                    else:
                        b.add(slot, 'i', v)
                opt = b.end()
            iv = b.vector('i', op.inputs)
            ov = b.vector('i', op.outputs)
            b.start(9)
            b.add(0, 'I', codes.index((op.name, op.version)))
            b.add_offset(1, iv)
            b.add_offset(2, ov)
            if opt is not None:
                b.add(3, 'B', OPT[op.opt])
                b.add_offset(4, opt)
            op_offs.append(b.end())
        tv = b.offset_vector(t_offs)
        iv = b.vector('i', self.inputs)
        ov = b.vector('i', self.outputs)
        opv = b.offset_vector(op_offs)
        nm = b.string('main')
        b.start(5)
        b.add_offset(0, tv)
        b.add_offset(1, iv)
        b.add_offset(2, ov)
        b.add_offset(3, opv)
        b.add_offset(4, nm)
        sg = b.end()
        sgv = b.offset_vector([sg])
        ocv = b.offset_vector(oc_offs)
        bv = b.offset_vector(buf_offs)
        desc = b.string('enpu gen_tflite.py random model')
        b.start(8)
        b.add(0, 'I', 3)
        b.add_offset(1, ocv)
        b.add_offset(2, sgv)
        b.add_offset(3, desc)
        b.add_offset(4, bv)
        root = b.end()
        return b.finish(root)


# --------------------------------------------------------------------------
# Float helpers (calibration runs the float graph on fake-quantized values)

def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def prod(s):
    p = 1
    for v in s:
        p *= v
    return p


QMIN = {T_UINT8: 0, T_INT8: -128}
QMAX = {T_UINT8: 255, T_INT8: 127}


def qparams(lo, hi, ttype):
    """Asymmetric activation quantization of [lo, hi] (widened to hold 0)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-3:
        hi = lo + 1e-3
    s = f32((hi - lo) / 255.0)
    zp = int(round(QMIN[ttype] - lo / s))
    zp = max(QMIN[ttype], min(QMAX[ttype], zp))
    return s, zp


def fake_quant(vals, s, zp, ttype):
    lo, hi = QMIN[ttype], QMAX[ttype]
    return [(max(lo, min(hi, int(round(v / s)) + zp)) - zp) * s for v in vals]


def out_dim(n, k, stride, dil, padding):
    ek = (k - 1) * dil + 1
    if padding == PAD_SAME:
        o = (n + stride - 1) // stride
        tot = max((o - 1) * stride + ek - n, 0)
        return o, tot // 2
    return (n - ek) // stride + 1, 0


def f_conv(x, xs, w, ws, bias, stride, dil, padding, depthwise=False, mult=1):
    """x: NHWC flat (N=1), w: [Co,kh,kw,Ci] (conv) or [1,kh,kw,Ci*mult]."""
    _, H, W, C = xs
    kh, kw = ws[1], ws[2]
    oh, pt = out_dim(H, kh, stride[0], dil[0], padding)
    ow, pl = out_dim(W, kw, stride[1], dil[1], padding)
    co = ws[3] if depthwise else ws[0]
    out = [0.0] * (oh * ow * co)
    for oy in range(oh):
        for ox in range(ow):
            base = (oy * ow + ox) * co
            acc = list(bias)
            for ky in range(kh):
                iy = oy * stride[0] - pt + ky * dil[0]
                if iy < 0 or iy >= H:
                    continue
                for kx in range(kw):
                    ix = ox * stride[1] - pl + kx * dil[1]
                    if ix < 0 or ix >= W:
                        continue
                    xo = (iy * W + ix) * C
                    px = x[xo:xo + C]
                    if depthwise:
                        wo = (ky * kw + kx) * co
                        for c in range(co):
                            acc[c] += px[c // mult] * w[wo + c]
                    else:
                        for c in range(co):
                            wo = ((c * kh + ky) * kw + kx) * C
                            wr = w[wo:wo + C]
                            acc[c] += sum(a * b for a, b in zip(px, wr))
            out[base:base + co] = acc
    return out, [1, oh, ow, co]


def f_pool(x, xs, k, stride, padding, avg):
    _, H, W, C = xs
    oh, pt = out_dim(H, k[0], stride[0], 1, padding)
    ow, pl = out_dim(W, k[1], stride[1], 1, padding)
    out = []
    for oy in range(oh):
        for ox in range(ow):
            for c in range(C):
                vals = []
                for ky in range(k[0]):
                    iy = oy * stride[0] - pt + ky
                    for kx in range(k[1]):
                        ix = ox * stride[1] - pl + kx
                        if 0 <= iy < H and 0 <= ix < W:
                            vals.append(x[(iy * W + ix) * C + c])
                out.append(sum(vals) / len(vals) if avg else max(vals))
    return out, [1, oh, ow, C]


def act_fn(v, act):
    if act == 'RELU':
        return [max(0.0, a) for a in v]
    if act == 'RELU6':
        return [min(6.0, max(0.0, a)) for a in v]
    if act == 'RELU_N1_TO_1':
        return [min(1.0, max(-1.0, a)) for a in v]
    return v


# --------------------------------------------------------------------------
# Random model generator

class Gen:
    def __init__(self, seed, dtype=None, kind=None):
        self.r = random.Random(seed)
        self.m = Model()
        self.vals = {}        # tensor id -> calibration float values
        self.raw = {}         # tensor id -> float values before quantization
        self.dtype = dtype or self.r.choice(['uint8', 'int8'])
        self.kind = kind
        self.n = 0

    # -- tensors
    def name(self, base):
        self.n += 1
        return '%s_%d' % (base, self.n)

    def T(self, t):
        return self.m.tensors[t]

    def act_tensor(self, shape, ttype, vals, base, q=None, lo_hi=None):
        """An activation tensor quantized from its calibration values."""
        if q is None:
            lo, hi = lo_hi if lo_hi else (min(vals), max(vals))
            # Calibration clips a little now and then, as percentile
            # calibrators do: a few outputs saturate.
            if self.r.random() < 0.3:
                k = self.r.uniform(0.75, 1.0)
                lo, hi = lo * k, hi * k
            q = qparams(lo, hi, ttype)
        s, zp = q
        t = self.m.tensor(shape, ttype, self.name(base), scale=[s], zp=[zp])
        self.raw[t] = vals
        self.vals[t] = fake_quant(vals, s, zp, ttype)
        return t

    def requantize(self, t, q):
        """Give an op's output other parameters, as a converter propagating a
        CONCATENATION's parameters to its inputs does."""
        tt = self.T(t)
        tt.scale, tt.zp = [q[0]], [q[1]]
        self.vals[t] = fake_quant(self.raw[t], q[0], q[1], tt.type)

    def const_i32(self, values, base):
        return self.m.tensor([len(values)], T_INT32, self.name(base),
                             data=struct.pack('<%di' % len(values), *values))

    def qtype(self, t):
        return self.T(t).type

    def q(self, t):
        tt = self.T(t)
        return tt.scale[0], tt.zp[0]

    def ver(self, t, u8, i8):
        return i8 if self.qtype(t) == T_INT8 else u8

    # -- weights
    def weights(self, x, shape, qdim, fan_in, per_channel=True):
        """Float weights, then quantized: int8 symmetric (zero point 0) per
        channel along qdim or per tensor, or uint8 asymmetric per tensor."""
        r = self.r
        n = shape[qdim]
        stride = prod(shape[qdim + 1:])
        std = math.sqrt(2.0 / fan_in) * r.uniform(0.5, 1.5)
        mags = [std * r.uniform(0.3, 1.7) for _ in range(n)]
        w = [r.gauss(0.0, mags[(i // stride) % n]) for i in range(prod(shape))]
        if self.qtype(x) == T_INT8:
            if per_channel:
                mx = [1e-6] * n
                for i, v in enumerate(w):
                    c = (i // stride) % n
                    mx[c] = max(mx[c], abs(v))
                scales = [f32(m / 127.0) for m in mx]
            else:
                scales = [f32(max(abs(v) for v in w) / 127.0)]
            sc = lambda i: scales[(i // stride) % n] if per_channel else scales[0]
            q = [max(-127, min(127, int(round(v / sc(i))))) for i, v in enumerate(w)]
            wf = [v * sc(i) for i, v in enumerate(q)]
            return (struct.pack('<%db' % len(q), *q), scales, [0] * len(scales),
                    qdim if per_channel else 0, wf)
        lo, hi = min(min(w), 0.0), max(max(w), 0.0)
        s = f32((hi - lo) / 255.0)
        zp = max(0, min(255, int(round(-lo / s))))
        q = [max(0, min(255, int(round(v / s)) + zp)) for v in w]
        return struct.pack('<%dB' % len(q), *q), [s], [zp], 0, [(v - zp) * s for v in q]

    def bias(self, x, wscales, n, mag):
        s_in = self.q(x)[0]
        bs = [f32(f32(s_in) * f32(ws)) for ws in (wscales if len(wscales) > 1 else wscales * n)]
        bf = [self.r.gauss(0.0, mag) for _ in range(n)]
        bq = [max(-2**31, min(2**31 - 1, int(round(b / s)))) for b, s in zip(bf, bs)]
        if len(wscales) == 1:
            bs = bs[:1]
        t = self.m.tensor([n], T_INT32, self.name('bias'),
                          data=struct.pack('<%di' % n, *bq), scale=bs, zp=[0] * len(bs))
        return t, [b * (bs[i] if len(bs) > 1 else bs[0]) for i, b in enumerate(bq)]

    def pick_act(self):
        return self.r.choice(['NONE', 'NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1']
                             if self.r.random() < 0.1 else ['NONE', 'RELU', 'RELU6'])

    # -- operators (each takes an activation tensor, returns the new one)
    def op(self, name, ins, outs, opt=None, fields=(), version=1, desc=None):
        o = Op(name, ins, outs, opt, fields, version)
        o.desc = desc or name
        self.m.ops.append(o)
        return outs[0]

    def conv(self, x, same_hw=False):
        r = self.r
        _, H, W, C = self.T(x).shape
        k = r.choice([1, 3, 3, 3, 5]) if min(H, W) >= 5 else r.choice([1, 3])
        kh, kw = (k, k) if r.random() < 0.8 else (r.choice([1, 3]), r.choice([1, 3]))
        stride = 1 if same_hw else r.choice([1, 1, 2])
        dil = 1 if stride > 1 or k == 1 or r.random() < 0.75 else 2
        pad = PAD_SAME if same_hw else r.choice([PAD_SAME, PAD_VALID])
        if pad == PAD_VALID and (H < (kh - 1) * dil + 1 or W < (kw - 1) * dil + 1):
            pad = PAD_SAME
        co = r.choice([1, 3, 4, 5, 7, 8, 11, 16])
        act = self.pick_act()
        ws = [co, kh, kw, C]
        wd, wsc, wzp, qd, wf = self.weights(x, ws, 0, kh * kw * C)
        w = self.m.tensor(ws, self.qtype(x), self.name('filter'), data=wd, scale=wsc,
                          zp=wzp, qdim=qd)
        b, bf = self.bias(x, wsc, co, 0.1)
        out, oshape = f_conv(self.vals[x], self.T(x).shape, wf, ws, bf, (stride, stride),
                             (dil, dil), pad)
        out = act_fn(out, act)
        y = self.act_tensor(oshape, self.qtype(x), out, 'conv')
        v = self.ver(x, 2 if dil > 1 else 1, 3)
        d = 'CONV_2D(%s %dx%d/%d%s %s %d->%d %s)' % (
            self.dtname(x), kh, kw, stride, ' d%d' % dil if dil > 1 else '',
            'SAME' if pad == PAD_SAME else 'VALID', C, co, act)
        return self.op('CONV_2D', [x, w, b], [y], 'Conv2DOptions',
                       [(0, 'b', pad), (1, 'i', stride), (2, 'i', stride), (3, 'b', ACT[act]),
                        (4, 'i', dil), (5, 'i', dil)], v, d)

    def dwconv(self, x, same_hw=False):
        r = self.r
        _, H, W, C = self.T(x).shape
        k = r.choice([3, 3, 5]) if min(H, W) >= 5 else 3
        kh, kw = (k, k) if r.random() < 0.85 else r.choice([(1, 3), (3, 1), (1, 5)])
        stride = 1 if same_hw else r.choice([1, 1, 2])
        dil = 1 if stride > 1 or r.random() < 0.75 else 2
        pad = PAD_SAME if same_hw else r.choice([PAD_SAME, PAD_VALID])
        if pad == PAD_VALID and (H < (kh - 1) * dil + 1 or W < (kw - 1) * dil + 1):
            pad = PAD_SAME
        mult = r.choice([1, 1, 2])
        co = C * mult
        act = self.pick_act()
        ws = [1, kh, kw, co]
        wd, wsc, wzp, qd, wf = self.weights(x, ws, 3, kh * kw)
        w = self.m.tensor(ws, self.qtype(x), self.name('dwfilter'), data=wd, scale=wsc,
                          zp=wzp, qdim=qd)
        b, bf = self.bias(x, wsc, co, 0.1)
        out, oshape = f_conv(self.vals[x], self.T(x).shape, wf, ws, bf, (stride, stride),
                             (dil, dil), pad, depthwise=True, mult=mult)
        out = act_fn(out, act)
        y = self.act_tensor(oshape, self.qtype(x), out, 'dwconv')
        v = self.ver(x, 2 if dil > 1 else 1, 3)
        d = 'DEPTHWISE_CONV_2D(%s %dx%d/%d%s %s %dx%d %s)' % (
            self.dtname(x), kh, kw, stride, ' d%d' % dil if dil > 1 else '',
            'SAME' if pad == PAD_SAME else 'VALID', C, mult, act)
        return self.op('DEPTHWISE_CONV_2D', [x, w, b], [y], 'DepthwiseConv2DOptions',
                       [(0, 'b', pad), (1, 'i', stride), (2, 'i', stride), (3, 'i', mult),
                        (4, 'b', ACT[act]), (5, 'i', dil), (6, 'i', dil)], v, d)

    def fc(self, x, units=None, act=None):
        r = self.r
        K = self.T(x).shape[-1] if len(self.T(x).shape) == 2 else prod(self.T(x).shape[1:])
        units = units or r.choice([3, 5, 7, 10, 13, 16])
        act = act or self.pick_act()
        ws = [units, K]
        # int8 FC weights are per-tensor, as the converters of this TFLite emit.
        wd, wsc, wzp, qd, wf = self.weights(x, ws, 0, K, per_channel=False)
        w = self.m.tensor(ws, self.qtype(x), self.name('weights'), data=wd, scale=wsc,
                          zp=wzp, qdim=qd)
        b, bf = self.bias(x, wsc, units, 0.1)
        xv = self.vals[x]
        out = [bf[u] + sum(a * c for a, c in zip(xv, wf[u * K:(u + 1) * K]))
               for u in range(units)]
        out = act_fn(out, act)
        y = self.act_tensor([1, units], self.qtype(x), out, 'fc')
        d = 'FULLY_CONNECTED(%s %d->%d %s)' % (self.dtname(x), K, units, act)
        return self.op('FULLY_CONNECTED', [x, w, b], [y], 'FullyConnectedOptions',
                       [(0, 'b', ACT[act])], self.ver(x, 1, 4), d)

    def pool(self, x, avg, same_hw=False):
        r = self.r
        _, H, W, _ = self.T(x).shape
        k = r.choice([2, 3, 3]) if not same_hw else 3
        kh, kw = (k, k) if r.random() < 0.8 else (r.choice([1, 2, 3]), r.choice([2, 3]))
        stride = 1 if same_hw else r.choice([1, 2, 2])
        pad = PAD_SAME if same_hw else r.choice([PAD_SAME, PAD_VALID])
        if pad == PAD_VALID and (H < kh or W < kw):
            pad = PAD_SAME
        if r.random() < 0.1 and not same_hw:   # global pooling, as before a classifier
            kh, kw, stride, pad = H, W, 1, PAD_VALID
        out, oshape = f_pool(self.vals[x], self.T(x).shape, (kh, kw), (stride, stride), pad, avg)
        y = self.act_tensor(oshape, self.qtype(x), out, 'pool', q=self.q(x))
        name = 'AVERAGE_POOL_2D' if avg else 'MAX_POOL_2D'
        d = '%s(%s %dx%d/%d %s)' % (name, self.dtname(x), kh, kw, stride,
                                   'SAME' if pad == PAD_SAME else 'VALID')
        return self.op(name, [x], [y], 'Pool2DOptions',
                       [(0, 'b', pad), (1, 'i', stride), (2, 'i', stride), (3, 'i', kw),
                        (4, 'i', kh), (5, 'b', 0)], self.ver(x, 1, 2), d)

    def binary(self, name, a, b, act=None):
        r = self.r
        act = act or r.choice(['NONE', 'NONE', 'RELU', 'RELU6'])
        va, vb = self.vals[a], self.vals[b]
        sa, sb = self.T(a).shape, self.T(b).shape
        n = prod(self.T(a).shape)
        if prod(sb) == n:
            vb2 = vb
        else:               # b broadcasts along the channels: [1,1,1,C] or [C]
            C = sb[-1]
            vb2 = [vb[i % C] for i in range(n)]
        if name == 'ADD':
            out = [p + q for p, q in zip(va, vb2)]
        elif name == 'SUB':
            out = [p - q for p, q in zip(va, vb2)]
        else:
            out = [p * q for p, q in zip(va, vb2)]
        out = act_fn(out, act)
        y = self.act_tensor(sa, self.qtype(a), out, name.lower())
        opt = {'ADD': 'AddOptions', 'SUB': 'SubOptions', 'MUL': 'MulOptions'}[name]
        bc = '' if prod(sb) == n else ' bcast%s' % sb
        d = '%s(%s%s %s)' % (name, self.dtname(a), bc, act)
        v = self.ver(a, 1, 2)
        if name == 'MUL':
            s1, s2, so = self.q(a)[0], self.q(b)[0], self.q(y)[0]
            if s1 * s2 / so >= 1.0:
                v = 3
        return self.op(name, [a, b], [y], opt, [(0, 'b', ACT[act])], v, d)

    def const_act(self, like, shape):
        """A constant activation-typed tensor (e.g. a per-channel addend)."""
        r = self.r
        ttype = self.qtype(like)
        vals = [r.gauss(0.0, 0.5) for _ in range(prod(shape))]
        s, zp = qparams(min(vals), max(vals), ttype)
        q = [max(QMIN[ttype], min(QMAX[ttype], int(round(v / s)) + zp)) for v in vals]
        fmt = 'b' if ttype == T_INT8 else 'B'
        t = self.m.tensor(shape, ttype, self.name('const'), data=struct.pack(
            '<%d%s' % (len(q), fmt), *q), scale=[s], zp=[zp])
        self.vals[t] = [(v - zp) * s for v in q]
        return t

    def concat(self, xs, same_q=False):
        r = self.r
        shapes = [self.T(x).shape for x in xs]
        oshape = list(shapes[0])
        oshape[3] = sum(s[3] for s in shapes)
        out = []
        for p in range(prod(shapes[0][:3])):
            for x, s in zip(xs, shapes):
                out.extend(self.vals[x][p * s[3]:(p + 1) * s[3]])
        mode = r.choice(['first', 'calib', 'calib'])
        q = self.q(xs[0]) if mode == 'first' or same_q else None
        lo_hi = (min(out), max(out))
        y = self.act_tensor(oshape, self.qtype(xs[0]), out, 'concat', q=q, lo_hi=lo_hi)
        axis = 3 if r.random() < 0.5 else -1
        d = 'CONCATENATION(%s x%d axis %d%s)' % (self.dtname(xs[0]), len(xs), axis,
                                                 ' requant' if q is None else '')
        return self.op('CONCATENATION', xs, [y], 'ConcatenationOptions',
                       [(0, 'i', axis), (1, 'b', 0)], self.ver(xs[0], 1, 2), d)

    def reshape(self, x, new_shape=None):
        r = self.r
        s = self.T(x).shape
        if new_shape is None:
            _, H, W, C = s
            new_shape = r.choice([[1, W, H, C], [1, 1, H * W, C], [1, H, 1, W * C]])
        y = self.act_tensor(new_shape, self.qtype(x), list(self.vals[x]), 'reshape', q=self.q(x))
        sh = self.const_i32(new_shape, 'shape')
        d = 'RESHAPE(%s %s->%s)' % (self.dtname(x), s, new_shape)
        # Newer converters give the shape only as the second input; older
        # ones repeat it in ReshapeOptions.  Alternate (without a random
        # draw, so that other seeds keep their models).
        if self.n % 2:
            return self.op('RESHAPE', [x, sh], [y], None, [], 1, d)
        return self.op('RESHAPE', [x, sh], [y], 'ReshapeOptions',
                       [(0, 'vi', new_shape)], 1, d)

    def softmax(self, x):
        r = self.r
        s = self.T(x).shape
        C = s[-1]
        beta = r.choice([1.0, 1.0, 1.0, 0.5, 2.0])
        v = self.vals[x]
        out = []
        for p in range(len(v) // C):
            row = v[p * C:(p + 1) * C]
            m = max(row)
            e = [math.exp(beta * (a - m)) for a in row]
            z = sum(e)
            out.extend(a / z for a in e)
        tt = self.qtype(x)
        y = self.act_tensor(s, tt, out, 'softmax', q=(1.0 / 256, QMIN[tt]))
        d = 'SOFTMAX(%s beta %g, %d classes)' % (self.dtname(x), beta, C)
        return self.op('SOFTMAX', [x], [y], 'SoftmaxOptions', [(0, 'f', beta)],
                       self.ver(x, 1, 2), d)

    def mean(self, x):
        r = self.r
        _, H, W, C = self.T(x).shape
        axes = r.choice([[1, 2], [1, 2], [1, 2], [2], [1], [2, 1]])
        keep = r.random() < 0.6 if axes != [1, 2] else r.random() < 0.7
        if sorted(axes) != [1, 2]:
            keep = True         # stay 4-D for what follows
        v = self.vals[x]
        sel = [d in axes for d in (0, 1, 2, 3)]
        dims = [1, H, W, C]
        oshape4 = [1 if sel[i] else dims[i] for i in range(4)]
        acc = {}
        for i in range(len(v)):
            c = i % C
            w = (i // C) % W
            h = i // (C * W)
            key = (0 if sel[1] else h, 0 if sel[2] else w, c)
            acc.setdefault(key, []).append(v[i])
        out = [sum(acc[k]) / len(acc[k]) for k in sorted(acc)]
        oshape = oshape4 if keep else [dims[i] for i in range(4) if not sel[i]]
        y = self.act_tensor(oshape, self.qtype(x), out, 'mean')
        ax = self.const_i32(axes, 'axes')
        d = 'MEAN(%s axes %s%s)' % (self.dtname(x), axes, ' keep_dims' if keep else '')
        return self.op('MEAN', [x, ax], [y], 'ReducerOptions', [(0, 'bool', keep)],
                       self.ver(x, 1, 2), d)

    def pad(self, x):
        r = self.r
        _, H, W, C = self.T(x).shape
        p = [[0, 0], [r.randint(0, 2), r.randint(0, 2)], [r.randint(0, 2), r.randint(0, 2)],
             [0, 0] if r.random() < 0.8 else [r.randint(0, 1), r.randint(0, 2)]]
        if p == [[0, 0], [0, 0], [0, 0], [0, 0]]:
            p[1] = [1, 1]
        oshape = [1, H + sum(p[1]), W + sum(p[2]), C + sum(p[3])]
        v = self.vals[x]
        out = []
        for h in range(oshape[1]):
            for w in range(oshape[2]):
                for c in range(oshape[3]):
                    ih, iw, ic = h - p[1][0], w - p[2][0], c - p[3][0]
                    inside = 0 <= ih < H and 0 <= iw < W and 0 <= ic < C
                    out.append(v[(ih * W + iw) * C + ic] if inside else 0.0)
        y = self.act_tensor(oshape, self.qtype(x), out, 'pad', q=self.q(x))
        pt = self.m.tensor([4, 2], T_INT32, self.name('paddings'),
                           data=struct.pack('<8i', *[a for pr in p for a in pr]))
        d = 'PAD(%s %s)' % (self.dtname(x), p[1:])
        return self.op('PAD', [x, pt], [y], 'PadOptions', [], self.ver(x, 1, 2), d)

    def elementwise(self, x, name):
        v = self.vals[x]
        tt = self.qtype(x)
        if name == 'LOGISTIC':
            out = [1.0 / (1.0 + math.exp(-a)) for a in v]
            q = (1.0 / 256, QMIN[tt])
        elif name == 'TANH':
            out = [math.tanh(a) for a in v]
            q = (1.0 / 128, 128 if tt == T_UINT8 else 0)
        else:
            out = [a * min(6.0, max(0.0, a + 3.0)) / 6.0 for a in v]
            q = None
        y = self.act_tensor(self.T(x).shape, tt, out, name.lower(), q=q)
        if name == 'HARD_SWISH':
            return self.op(name, [x], [y], None, [], 1, 'HARD_SWISH(%s)' % self.dtname(x))
        return self.op(name, [x], [y], None, [], self.ver(x, 1, 2),
                       '%s(%s)' % (name, self.dtname(x)))

    def resize(self, x):
        r = self.r
        _, H, W, C = self.T(x).shape
        oh = r.choice([H * 2, H * 2 - 1, H + 3, max(1, H // 2), H * 3])
        ow = r.choice([W * 2, W * 2 - 1, W + 3, max(1, W // 2), W * 3])
        oh, ow = min(oh, 33), min(ow, 33)
        mode = r.choice(['plain', 'align', 'half'])
        align, half = mode == 'align', mode == 'half'
        if align and (oh == 1 or ow == 1):
            align = False
        v = self.vals[x]
        out = []

        def src(o, n_in, n_out):
            sc = (n_in - 1) / (n_out - 1) if align and n_out > 1 else n_in / n_out
            f = (o + 0.5) * sc - 0.5 if half else o * sc
            f = max(f, 0.0) if half else f
            i0 = min(int(math.floor(f)), n_in - 1)
            i1 = min(i0 + 1, n_in - 1)
            return i0, i1, f - math.floor(f)
        for yy in range(oh):
            y0, y1, dy = src(yy, H, oh)
            for xx in range(ow):
                x0, x1, dx = src(xx, W, ow)
                for c in range(C):
                    g = lambda a, b: v[(a * W + b) * C + c]
                    out.append(g(y0, x0) * (1 - dy) * (1 - dx) + g(y0, x1) * (1 - dy) * dx +
                               g(y1, x0) * dy * (1 - dx) + g(y1, x1) * dy * dx)
        y = self.act_tensor([1, oh, ow, C], self.qtype(x), out, 'resize', q=self.q(x))
        sz = self.const_i32([oh, ow], 'size')
        v = 3 if half else self.ver(x, 1, 2)
        d = 'RESIZE_BILINEAR(%s %dx%d->%dx%d%s%s)' % (self.dtname(x), H, W, oh, ow,
                                                     ' align_corners' if align else '',
                                                     ' half_pixel' if half else '')
        return self.op('RESIZE_BILINEAR', [x, sz], [y], 'ResizeBilinearOptions',
                       [(2, 'bool', align), (3, 'bool', half)], v, d)

    def quantize(self, x, to=None):
        r = self.r
        tt = self.qtype(x)
        s, zp = self.q(x)
        to = to or r.choice(['flip', 'flip', 'requant'])
        if to == 'flip':
            ot = T_INT8 if tt == T_UINT8 else T_UINT8
            q = (s, zp - 128 if tt == T_UINT8 else zp + 128)
        else:
            ot = tt
            q = None
        v = self.vals[x]
        lo_hi = (min(v) * r.uniform(0.5, 1.6), max(v) * r.uniform(0.5, 1.6))
        y = self.act_tensor(self.T(x).shape, ot, list(v), 'quantize', q=q, lo_hi=lo_hi)
        d = 'QUANTIZE(%s->%s%s)' % (self.dtname(x), TYPE_NAMES[ot],
                                    '' if q else ' scale %.3g->%.3g' % (s, self.q(y)[0]))
        return self.op('QUANTIZE', [x], [y], None, [], 1 if to == 'flip' else 2, d)

    def dtname(self, t):
        return TYPE_NAMES[self.qtype(t)]

    # -- whole models
    def input(self, shape=None, ttype=None):
        r = self.r
        if shape is None:
            H = r.choice([5, 7, 9, 11, 13, 15, 17, 8, 12])
            W = r.choice([H, H, 5, 7, 9, 11, 13, 15])
            C = r.choice([1, 2, 3, 3, 4, 5])
            shape = [1, H, W, C]
        tt = ttype or (T_INT8 if self.dtype == 'int8' else T_UINT8)
        s = f32(r.choice([1 / 255.0, 2 / 255.0, 0.0078125, r.uniform(0.004, 0.06)]))
        zp = r.randint(QMIN[tt], QMAX[tt]) if r.random() < 0.5 else \
            r.choice([QMIN[tt], QMIN[tt] + 128])
        vals = [(r.randint(QMIN[tt], QMAX[tt]) - zp) * s for _ in range(prod(shape))]
        x = self.m.tensor(list(shape), tt, 'input%d' % len(self.m.inputs), scale=[s], zp=[zp])
        self.vals[x] = vals
        self.raw[x] = vals
        self.m.inputs.append(x)
        return x

    def unary4(self, x):
        """One random shape-flexible op on a 4-D tensor."""
        r = self.r
        _, H, W, C = self.T(x).shape
        menu = ['CONV_2D'] * 4 + ['DEPTHWISE_CONV_2D'] * 3 + ['AVERAGE_POOL_2D', 'MAX_POOL_2D',
                'PAD', 'LOGISTIC', 'TANH', 'HARD_SWISH', 'QUANTIZE', 'RESHAPE', 'MEAN',
                'RESIZE_BILINEAR', 'MUL_CONST', 'ADD_CONST']
        if H * W > 200:
            menu = [m for m in menu if m not in ('RESIZE_BILINEAR', 'PAD')]
        if H * W < 9:
            menu = [m for m in menu if m not in ('MEAN',)] or ['CONV_2D']
        if H * W * C > 600 or H * W < 4:
            menu = [m for m in menu if m != 'RESIZE_BILINEAR'] or ['CONV_2D']
        c = r.choice(menu)
        return self.apply(x, c)

    def apply(self, x, c):
        r = self.r
        if c == 'CONV_2D':
            return self.conv(x)
        if c == 'DEPTHWISE_CONV_2D':
            return self.dwconv(x)
        if c in ('AVERAGE_POOL_2D', 'MAX_POOL_2D'):
            return self.pool(x, c == 'AVERAGE_POOL_2D')
        if c == 'PAD':
            return self.pad(x)
        if c in ('LOGISTIC', 'TANH', 'HARD_SWISH'):
            return self.elementwise(x, c)
        if c == 'QUANTIZE':
            return self.quantize(x)
        if c == 'RESHAPE':
            return self.reshape(x)
        if c == 'MEAN':
            y = self.mean(x)
            if len(self.T(y).shape) == 2:
                y = self.reshape(y, [1, 1, 1, self.T(y).shape[1]])
            return y
        if c == 'RESIZE_BILINEAR':
            return self.resize(x)
        if c in ('MUL_CONST', 'ADD_CONST', 'SUB_CONST'):
            C = self.T(x).shape[3]
            k = self.const_act(x, r.choice([[1, 1, 1, C], [C]]))
            return self.binary(c[:3], x, k)
        if c == 'SOFTMAX':
            return self.softmax(x)
        if c == 'FULLY_CONNECTED':
            return self.fc(x)
        if c in ('ADD', 'SUB', 'MUL', 'CONCATENATION'):
            return self.branch(x, c)
        raise ValueError('unknown op ' + c)

    def branch(self, x, join=None):
        """x -> (a, b) -> join.  Branches keep H and W (stride 1, SAME)."""
        r = self.r
        join = join or r.choice(['ADD', 'ADD', 'CONCATENATION', 'CONCATENATION', 'MUL', 'SUB'])
        # TFLite's int8 CONCATENATION wants its inputs quantized exactly like
        # its output, and converters usually do the same for uint8: then the
        # branches must be fresh tensors whose parameters can be changed.
        samecat = join == 'CONCATENATION' and (self.qtype(x) == T_INT8 or r.random() < 0.5)
        kinds = ['conv', 'conv', 'dw', 'hs', 'quant'] + ([] if samecat else ['pool', 'id'])
        ka = r.choice(kinds)
        kb = r.choice([k for k in kinds if k != ka and {k, ka} != {'id', 'quant'}])

        def arm(k):
            if k == 'conv':
                return self.conv(x, same_hw=True)
            if k == 'dw':
                return self.dwconv(x, same_hw=True)
            if k == 'pool':
                return self.pool(x, r.random() < 0.5, same_hw=True)
            if k == 'hs':
                return self.elementwise(x, 'HARD_SWISH')
            if k == 'quant':
                return self.quantize(x, 'requant')
            return x
        a, b = arm(ka), arm(kb)
        if join == 'CONCATENATION':
            ins = [a, b] if samecat or r.random() < 0.7 else [a, b, x]
            if samecat:
                out = [v for t in ins for v in self.raw[t]]
                q = qparams(min(out), max(out), self.qtype(x))
                for t in ins:
                    self.requantize(t, q)
            return self.concat(ins, same_q=samecat)
        # Element-wise joins need equal channels: 1x1 conv the odd one out.
        ca, cb = self.T(a).shape[3], self.T(b).shape[3]
        if ca != cb:
            b = self.conv1x1(b, ca)
        return self.binary(join, a, b)

    def conv1x1(self, x, co):
        ws = [co, 1, 1, self.T(x).shape[3]]
        wd, wsc, wzp, qd, wf = self.weights(x, ws, 0, ws[3])
        w = self.m.tensor(ws, self.qtype(x), self.name('filter'), data=wd, scale=wsc,
                          zp=wzp, qdim=qd)
        b, bf = self.bias(x, wsc, co, 0.1)
        out, oshape = f_conv(self.vals[x], self.T(x).shape, wf, ws, bf, (1, 1), (1, 1),
                             PAD_SAME)
        y = self.act_tensor(oshape, self.qtype(x), out, 'conv')
        d = 'CONV_2D(%s 1x1/1 SAME %d->%d NONE)' % (self.dtname(x), ws[3], co)
        return self.op('CONV_2D', [x, w, b], [y], 'Conv2DOptions',
                       [(0, 'b', PAD_SAME), (1, 'i', 1), (2, 'i', 1), (3, 'b', 0)],
                       self.ver(x, 1, 3), d)

    def build(self, only=None):
        r = self.r
        if only == 'FULLY_CONNECTED' and r.random() < 0.5:
            x = self.input([1, r.choice([7, 16, 33, 100, 250])])
        else:
            x = self.input()
        kind = self.kind or r.choice(['chain', 'dag', 'dag', 'classifier'])
        self.kind = kind
        if only:
            # One operator on the model's input(s), all activations full range.
            if only == 'FULLY_CONNECTED':
                y = self.fc(x)
            elif only == 'SOFTMAX':
                y = self.softmax(x)
            elif only in ('ADD', 'SUB', 'MUL'):
                y = self.binary(only, x, self.input(self.T(x).shape))
            elif only == 'CONCATENATION':
                ins = [x]
                for _ in range(r.choice([1, 1, 2, 4])):
                    sh = list(self.T(x).shape)
                    sh[3] = r.randint(1, 5)
                    ins.append(self.input(sh))
                if self.qtype(x) == T_INT8:     # TFLite: int8 inputs share the output's
                    for t in ins[1:]:
                        self.T(t).scale, self.T(t).zp = list(self.T(x).scale), list(self.T(x).zp)
                y = self.concat(ins, same_q=self.qtype(x) == T_INT8)
            else:
                y = self.apply(x, only)
            self.m.outputs = [y]
            return
        nops = r.randint(2, 5)
        for i in range(nops):
            if kind != 'chain' and i == nops // 2:
                x = self.branch(x)
            else:
                x = self.unary4(x)
            _, H, W, C = self.T(x).shape
            if H * W * C > 1500:        # keep models small: downsample
                x = self.pool(x, r.random() < 0.5)
                if prod(self.T(x).shape) > 1500:
                    x = self.conv(x)
        if kind == 'classifier' or r.random() < 0.25:
            if r.random() < 0.5 and prod(self.T(x).shape) > 64:
                x = self.apply(x, 'MEAN') if prod(self.T(x).shape[1:3]) >= 9 else x
            if prod(self.T(x).shape) > 2000:
                x = self.pool(x, True)
            if r.random() < 0.5:
                x = self.reshape(x, [1, prod(self.T(x).shape)])
            x = self.fc(x, units=r.choice([5, 10, 11, 16, 32]), act='NONE')
            if kind == 'classifier':
                x = self.softmax(x)
        elif r.random() < 0.15:
            x = self.softmax(x)
        self.m.outputs = [x]


CASES = {
    # name: (op, dtype, what)
    'add_ratio': ('ADD', 'uint8', 'input/output scale ratio below 2^-10'),
    'sub_ratio': ('SUB', 'int8', 'input/output scale ratio above 256'),
    'conv_k1_s2_same': ('CONV_2D', 'uint8', '1x3 kernel, stride 2, SAME, even height'),
    'dwconv_k1_s2_same': ('DEPTHWISE_CONV_2D', 'int8', '3x1 kernel, stride 2, SAME, even width'),
    'hswish_u8_all': ('HARD_SWISH', 'uint8', 'every input code, fixed parameters'),
    'hswish_i8_all': ('HARD_SWISH', 'int8', 'every input code, fixed parameters'),
    'mul_u8_many': ('MUL', 'uint8', '4096 input pairs'),
    'concat5_u8': ('CONCATENATION', 'uint8', '5 inputs with different parameters'),
    'logistic_u8_all': ('LOGISTIC', 'uint8', 'every input code'),
    'logistic_i8_all': ('LOGISTIC', 'int8', 'every input code'),
    'tanh_u8_all': ('TANH', 'uint8', 'every input code'),
    'tanh_i8_all': ('TANH', 'int8', 'every input code'),
    # SOFTMAX shapes for the chip's SOFTMAX (random_models.sh also runs these
    # on the emu backend): row lengths that are no multiple of any vector
    # width, one row and many, rows split across SRAM tiles.
    'softmax_u8_1001': ('SOFTMAX', 'uint8', '1 row of 1001'),
    'softmax_i8_1001': ('SOFTMAX', 'int8', '1 row of 1001'),
    'softmax_u8_rows': ('SOFTMAX', 'uint8', '[1, 9, 7, 37]: 63 rows of 37'),
    'softmax_i8_rows': ('SOFTMAX', 'int8', '[3, 5, 133]: 15 rows of 133'),
    'softmax_u8_many': ('SOFTMAX', 'uint8', '[1, 40, 40, 3]: 1600 rows of 3'),
    'softmax_i8_many': ('SOFTMAX', 'int8', '[700, 13]: 700 rows of 13'),
    'softmax_u8_one': ('SOFTMAX', 'uint8', '[5, 1]: rows of one'),
    'softmax_i8_wide': ('SOFTMAX', 'int8', '[2, 4099]: 2 rows of 4099'),
}

SOFTMAX_SHAPES = {
    'softmax_u8_1001': [1, 1001], 'softmax_i8_1001': [1, 1001],
    'softmax_u8_rows': [1, 9, 7, 37], 'softmax_i8_rows': [3, 5, 133],
    'softmax_u8_many': [1, 40, 40, 3], 'softmax_i8_many': [700, 13],
    'softmax_u8_one': [5, 1], 'softmax_i8_wide': [2, 4099],
}


def build_case(g, name):
    """Directed single-operator models that pin a known behaviour; the
    seed only picks the quantization parameters."""
    r = g.r
    op, _, _ = CASES[name]
    if op in ('ADD', 'SUB'):
        a = g.input([1, 5, 7, 4])
        b = g.input([1, 5, 7, 4])
        g.T(a).scale = [f32(r.uniform(1e-5, 2e-5) if op == 'ADD' else r.uniform(0.02, 0.05))]
        g.T(b).scale = [f32(r.uniform(0.01, 0.03))]
        so = r.uniform(0.02, 0.04) if op == 'ADD' else r.uniform(5e-5, 7e-5)
        tt = g.qtype(a)
        y = g.m.tensor([1, 5, 7, 4], tt, 'out', scale=[f32(so)], zp=[QMIN[tt] + r.randint(100, 150)])
        g.vals[y] = g.raw[y] = [0.0] * 140
        g.op(op, [a, b], [y], {'ADD': 'AddOptions', 'SUB': 'SubOptions'}[op], [(0, 'b', 0)],
             g.ver(a, 1, 2), '%s(%s ratios %.3g, %.3g)' % (
                 op, g.dtname(a), g.T(a).scale[0] / so, g.T(b).scale[0] / so))
        return y
    if op in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
        x = g.input([1, 12, 7, 3] if op == 'CONV_2D' else [1, 7, 10, 3])
        # Draw convolutions until one has the kernel and stride wanted.
        while True:
            n = len(g.m.ops)
            y = g.conv(x) if op == 'CONV_2D' else g.dwconv(x)
            o = g.m.ops[-1]
            f = {slot: v for slot, _, v in o.fields}
            kh, kw = g.T(o.inputs[1]).shape[1:3]
            if f[0] == PAD_SAME and f[1] == 2 and (kh, kw) == ((1, 3) if op == 'CONV_2D' else (3, 1)):
                return y
            del g.m.ops[n:]
    if op == 'SOFTMAX':
        return g.softmax(g.input(SOFTMAX_SHAPES[name]))
    if op == 'CONCATENATION':
        x = g.input([1, 4, 5, 2])
        ins = [x] + [g.input([1, 4, 5, r.randint(1, 4)]) for _ in range(4)]
        return g.concat(ins)
    x = g.input([1, 64, 64, 1])
    if op == 'MUL':
        return g.binary('MUL', x, g.input([1, 64, 64, 1]), act='NONE')
    if op == 'HARD_SWISH':
        # Parameters where TFLite's fixed point and a float table disagree
        # (found with a model of both; see cpu-reference.rst).
        (si, zi), (so, zo) = {
            'uint8': ((0.07898390293121338, 115), (0.0559111051261425, 36)),
            'int8': ((0.0616547055542469, -122), (0.061182860285043716, -102)),
        }[g.dtype]
        g.T(x).scale, g.T(x).zp = [f32(si)], [zi]
        y = g.act_tensor([1, 64, 64, 1], g.qtype(x), [0.0] * 4096, 'hard_swish', q=(f32(so), zo))
        return g.op(op, [x], [y], None, [], 1, 'HARD_SWISH(%s %.4g/%d -> %.4g/%d)' % (
            g.dtname(x), si, zi, so, zo))
    return g.elementwise(x, op)


def generate(seed, dtype=None, kind=None, only=None, all_outputs=False, extract=None,
             case=None, model_out=None):
    """(flatbuffer bytes, info); model_out, a list, also receives the Model."""
    if case:
        dtype = CASES[case][1]
    g = Gen(seed, dtype, kind)
    if case:
        y = build_case(g, case)
        g.m.outputs = [y]
        g.kind = 'case ' + case
    else:
        g.build(only)
    m = g.m
    m.prune()
    if all_outputs:
        produced = [o for op in m.ops for o in op.outputs]
        m.outputs = produced
    sources = None
    if extract is not None:
        # Only operator `extract`: its non-constant inputs become the inputs.
        # `sources` says where each one comes from in the --all-outputs model
        # ("output K") or the full model ("input K"), to replay real bytes.
        op = m.ops[extract]
        producer = {o: k for k, p in enumerate(m.ops) for o in p.outputs}
        full_inputs = list(m.inputs)
        m.ops = [op]
        m.inputs = []
        sources = []
        for t in op.inputs:
            if m.tensors[t].data is None and t not in m.inputs:
                m.inputs.append(t)
                sources.append('output %d' % producer[t] if t in producer
                               else 'input %d' % full_inputs.index(t))
        m.outputs = list(op.outputs)
        m.prune()
    info = {
        'seed': seed, 'dtype': g.dtype, 'kind': 'only' if only else g.kind,
        'case': CASES[case][2] if case else None,
        'ops': [op.desc for op in m.ops],
        'inputs': [{'shape': m.tensors[t].shape, 'type': TYPE_NAMES[m.tensors[t].type]}
                   for t in m.inputs],
        'outputs': [{'shape': m.tensors[t].shape, 'type': TYPE_NAMES[m.tensors[t].type],
                     'name': m.tensors[t].name,
                     'scale': m.tensors[t].scale[0], 'zero_point': m.tensors[t].zp[0]}
                    for t in m.outputs],
        'classifier': g.kind == 'classifier' and m.ops[-1].name == 'SOFTMAX',
    }
    if sources is not None:
        info['sources'] = sources
    if model_out is not None:
        model_out.append(m)
    # For each operator, the operators producing its activation inputs
    # (-1: a model input): with --all-outputs, output K is operator K's.
    producer = {o: k for k, p in enumerate(m.ops) for o in p.outputs}
    info['producers'] = [[producer.get(t, -1) for t in op.inputs if m.tensors[t].data is None]
                         for op in m.ops]
    return m.serialize(), info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--dtype', choices=['uint8', 'int8'])
    ap.add_argument('--kind', choices=['chain', 'dag', 'classifier'])
    ap.add_argument('--only', choices=sorted(set(OPS) | {'MUL_CONST', 'ADD_CONST'}))
    ap.add_argument('--case', choices=sorted(CASES),
                    help='a directed single-operator model (the seed picks its parameters)')
    ap.add_argument('--all-outputs', action='store_true')
    ap.add_argument('--extract', type=int, metavar='N',
                    help='keep only operator N (its activation inputs become model inputs)')
    a = ap.parse_args()
    data, info = generate(a.seed, a.dtype, a.kind, a.only, a.all_outputs, a.extract, a.case)
    with open(a.out, 'wb') as f:
        f.write(data)
    print(json.dumps(info))


if __name__ == '__main__':
    main()
