#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""armnn_run.py MODEL OUTDIR IN0.bin [IN1.bin...]: runs MODEL through Arm NN's
TFLite parser on the CpuRef backend and writes OUTDIR/output<i>.bin."""
import os
import sys

import numpy as np
import pyarmnn as ann


def main():
    model, outdir, ins = sys.argv[1], sys.argv[2], sys.argv[3:]
    parser = ann.ITfLiteParser()
    net = parser.CreateNetworkFromBinaryFile(model)
    gid = 0
    in_names = parser.GetSubgraphInputTensorNames(gid)
    out_names = parser.GetSubgraphOutputTensorNames(gid)
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(net, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    if len(in_names) != len(ins):
        sys.exit('armnn_run: model has %d inputs, %d given' % (len(in_names), len(ins)))
    in_tensors = []
    for name, path in zip(in_names, ins):
        info = parser.GetNetworkInputBindingInfo(gid, name)
        dt = {ann.DataType_QAsymmU8: np.uint8, ann.DataType_QAsymmS8: np.int8,
              ann.DataType_Float32: np.float32}[info[1].GetDataType()]
        data = np.fromfile(path, dtype=dt)
        in_tensors.append((info, data))
    input_tensors = ann.make_input_tensors([i for i, _ in in_tensors], [d for _, d in in_tensors])
    out_infos = [parser.GetNetworkOutputBindingInfo(gid, n) for n in out_names]
    output_tensors = ann.make_output_tensors(out_infos)
    runtime.EnqueueWorkload(net_id, input_tensors, output_tensors)
    for i, arr in enumerate(ann.workload_tensors_to_ndarray(output_tensors)):
        arr.tofile(os.path.join(outdir, 'output%d.bin' % i))


if __name__ == '__main__':
    main()
