# SPDX-License-Identifier: MIT
"""Independent integer reference for quantized CONV_2D / DEPTHWISE_CONV_2D
of gen_tflite.py models, used where TFLite itself is wrong (see
tflite_bug_ops): int32 accumulation written as plain loops over the padded
window, then XNNPACK's fp32 requantization (float scale s_in*s_w/s_out,
(float)acc * scale clamped in float, rounded to nearest even, + zero
point) and TFLite's activation range (zero point + round(limit / scale),
half away from zero)."""
import math
import struct

import gen_tflite as G


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def _unpack(t, data):
    f = {G.T_INT8: 'b', G.T_UINT8: 'B', G.T_INT32: 'i'}[t.type]
    return struct.unpack('<%d%s' % (len(data) // struct.calcsize(f), f), data)


def _opts(op):
    return {slot: v for slot, _, v in op.fields}


def _geometry(op, m):
    """(stride_h, stride_w, dil_h, dil_w, same, act) of a conv/dwconv op."""
    o = _opts(op)
    if op.name == 'CONV_2D':
        return o.get(1, 1), o.get(2, 1), o.get(4, 1), o.get(5, 1), o.get(0, 0) == G.PAD_SAME, o.get(3, 0)
    return o.get(1, 1), o.get(2, 1), o.get(5, 1), o.get(6, 1), o.get(0, 0) == G.PAD_SAME, o.get(4, 0)


def tflite_bug_ops(m):
    """Operators TFLite gets wrong: SAME padding with a kernel of 1 on an
    axis with stride >= 2 and an even input size (TFLite outputs the bias
    alone).  Returns {op index: reason}."""
    bugs = {}
    for k, op in enumerate(m.ops):
        if op.name not in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
            continue
        sh, sw, _, _, same, _ = _geometry(op, m)
        _, H, W, _ = m.tensors[op.inputs[0]].shape
        _, kh, kw, _ = m.tensors[op.inputs[1]].shape
        if same and any(kk == 1 and s >= 2 and n % 2 == 0
                        for kk, s, n in ((kh, sh, H), (kw, sw, W))):
            bugs[k] = ('SAME padding with a kernel of 1 < stride on an axis of even size '
                       'gives an output that ignores the input')
    return bugs


def _round_away(v):
    return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def conv(m, op, x):
    """Output values of conv/dwconv `op` of model `m` on input values x."""
    T = m.tensors
    xt, wt, bt, yt = T[op.inputs[0]], T[op.inputs[1]], T[op.inputs[2]], T[op.outputs[0]]
    sh, sw, dh, dw, same, act = _geometry(op, m)
    _, H, W, C = xt.shape
    _, OH, OW, CO = yt.shape
    _, kh, kw, _ = wt.shape
    w = _unpack(wt, wt.data)
    bias = _unpack(bt, bt.data)
    xz, wz = xt.zp[0], wt.zp[0]
    so, zo = yt.scale[0], yt.zp[0]
    lo, hi = (-128, 127) if yt.type == G.T_INT8 else (0, 255)
    amin, amax = lo, hi
    if act in (1, 3):
        amin = max(lo, zo)
    if act == 3:
        amax = min(hi, zo + _round_away(6 / so))
    if act == 2:
        amin, amax = max(lo, zo + _round_away(-1 / so)), min(hi, zo + _round_away(1 / so))

    def pad(n, k, s, d, o):
        return max((o - 1) * s + (k - 1) * d + 1 - n, 0) // 2 if same else 0
    pt, pl = pad(H, kh, sh, dh, OH), pad(W, kw, sw, dw, OW)
    mult = CO // C
    out = []
    for oy in range(OH):
        for ox in range(OW):
            for c in range(CO):
                acc = bias[c]
                for ky in range(kh):
                    for kx in range(kw):
                        iy, ix = oy * sh - pt + ky * dh, ox * sw - pl + kx * dw
                        if not (0 <= iy < H and 0 <= ix < W):
                            continue    # padding: x == zero point
                        if op.name == 'CONV_2D':
                            for ci in range(C):
                                acc += (x[(iy * W + ix) * C + ci] - xz) * \
                                    (w[((c * kh + ky) * kw + kx) * C + ci] - wz)
                        else:
                            acc += (x[(iy * W + ix) * C + c // mult] - xz) * \
                                (w[(ky * kw + kx) * CO + c] - wz)
                ws = wt.scale[c if len(wt.scale) > 1 else 0]
                scale = f32(f32(f32(xt.scale[0]) * f32(ws)) / f32(so))
                v = f32(f32(float(acc)) * scale)
                v = min(max(v, float(amin - zo)), float(amax - zo))
                out.append(int(round(v)) + zo)     # round(): half to even
    return out


def conv_bytes(m, op, xbytes):
    xt = m.tensors[op.inputs[0]]
    f = 'b' if xt.type == G.T_INT8 else 'B'
    out = conv(m, op, struct.unpack('%d%s' % (len(xbytes), f), xbytes))
    return struct.pack('%d%s' % (len(out), f), *out)
