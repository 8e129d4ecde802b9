#!/bin/bash
# SPDX-License-Identifier: MIT
# Generated quantized models (tests/lib/gen_tflite.py: uint8 per-tensor and
# int8 per-channel chains and DAGs, calibrated like post-training
# quantization) through enpu-run --backend cpu, compared byte for byte with
# TFLite itself (tflite-ref) on the same random input bytes.  None of these
# models or inputs is in ../shared.  A missing reference interpreter is a
# failure, never a skip.
#
# Four parts: one single-operator model per op family and type (every
# activation full range), directed single-operator cases (gen_tflite.py
# --case) pinning known behaviours, random multi-operator models, and
# classifiers (... -> FULLY_CONNECTED -> SOFTMAX) whose top class must also
# agree.  Models made only of operators in EMU_OPS (SOFTMAX: the chip's
# SOFTMAX command) also run on --backend emu, which must put every operator
# on the chip model and give the cpu backend's bytes.
# Each model is first loaded with tflite-ref --info.  When a model
# differs, the same model with every operator's output made a model output
# is run as well, and every operator whose output differs while its inputs
# are identical (a culprit) is named.
#
#   SEEDS="1 2 3" ONLY_SEEDS= CLS_SEEDS= tests/lib/random_models.sh
#   KEEP=DIR tests/lib/random_models.sh     # keep models, inputs and outputs
# Reproduce a model with gen_tflite.py --seed N --out M.tflite and --only OP
# --dtype T, --kind K or --case NAME as its name says (add --all-outputs or
# --extract K to dissect it); input i is the bytes of Python's
# random.seed(10 * N + i), randrange(256) each.
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
RUN=$B/tools/enpu-run
SHARED=${ENPU_SHARED:-../shared}
TFL_DIR=${ENPU_TFLITE_REF_DIR:-/opt/enpu/tflite-ref}
TFL="$SHARED/tools/tflite-ref/tflite-ref.js"
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if eval "$d"; then ok "$@"; else nok "$@"; fi; }

check '[ -x "$RUN" ]' "enpu-run is built ($RUN)"
check 'command -v node >/dev/null && [ -f "$TFL" ] && [ -d "$TFL_DIR/node_modules/@tensorflow/tfjs-tflite" ]' \
	"TFLite reference installed (node + $TFL + $TFL_DIR)"
check 'command -v python3 >/dev/null' "python3 is installed"
if ! [ -x "$RUN" ] || ! command -v node >/dev/null || ! [ -f "$TFL" ] ||
	! [ -d "$TFL_DIR/node_modules/@tensorflow/tfjs-tflite" ] || ! command -v python3 >/dev/null; then
	echo "# nothing can be compared without enpu-run, node, tflite-ref and python3"
	echo "1..$n"
	exit 1
fi

# Known, diagnosed mismatches (Documentation/lib/cpu-reference.rst, "Random
# models"), one "MODEL=OP=REASON" a word: MODEL is the seed, OP/TYPE/SEED for
# a single-operator model or case/NAME; a model may be listed more than once.
# Such a model is reported "not ok ... # TODO" only if every culprit operator
# is listed for it (for REASON "ratio": only if enpu refuses OP for its scale
# ratios); anything else is a plain failure.  Models that pass are plain
# "ok" whatever this list says.  Empty: every difference found so far is
# fixed.  A model with an operator TFLite itself gets wrong
# (tests/lib/ref_conv.py tflite_bug_ops: SAME padding, kernel 1 < stride on
# an even axis, where TFLite outputs the bias alone) is instead checked
# operator by operator on enpu's own intermediate bytes: the buggy ones
# against ref_conv.py's integer convolution, the others against TFLite
# running that operator alone; it is "ok ... matches an independent
# reference (TFLite bug: ...)".
# run-suite counts TODOs as failures all the same: they are real mismatches.
export KNOWN_TODO=${KNOWN_TODO-""}

export RUN TFL TFL_DIR TAP_START=$n
export SEEDS=${SEEDS-$(seq 1 40)}
export ONLY_SEEDS=${ONLY_SEEDS-1}
export CLS_SEEDS=${CLS_SEEDS-"101 102 103 104 105 106"}
export KEEP=${KEEP-}
exec python3 - <<'EOF'
import json, math, os, random, re, shutil, struct, subprocess, sys, tempfile, time
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, 'tests/lib')
import gen_tflite
import ref_conv

t0 = time.time()
RUN, TFL = os.environ['RUN'], os.environ['TFL']
NODE_ENV = dict(os.environ, NODE_PATH=os.path.join(os.environ['TFL_DIR'], 'node_modules'))
KEEP = os.environ['KEEP']
FAMILIES = ('CONV_2D DEPTHWISE_CONV_2D FULLY_CONNECTED AVERAGE_POOL_2D MAX_POOL_2D ADD SUB '
            'MUL CONCATENATION RESHAPE SOFTMAX MEAN PAD LOGISTIC TANH HARD_SWISH '
            'RESIZE_BILINEAR QUANTIZE').split()
EMU_OPS = {'SOFTMAX'}   # single-operator models of these also run on emu
WHY = {}     # REASON -> explanation, for KNOWN_TODO entries
TODO = {}
for e in os.environ['KNOWN_TODO'].split():
    name, op, why = e.split('=', 2)
    TODO.setdefault(name, {})[op] = why


def todo_for(name, culprits, refused=None):
    """The TODO reason if `name` is a known mismatch that failed as known:
    enpu refused it as listed, or every culprit operator is listed."""
    known = TODO.get(name, {})
    if refused is not None:
        why = [w for op, w in known.items()
               if w == 'ratio' and 'scale ratios' in refused and '(%s)' % op in refused]
    elif culprits and all(known.get(op, 'ratio') != 'ratio' for op in culprits):
        why = sorted(set(known[op] for op in culprits))
    else:
        why = []
    return '; '.join(WHY.get(w, w) for w in why) or None
n = int(os.environ['TAP_START'])
W = tempfile.mkdtemp()


def tap(good, msg, todo=None):
    global n
    n += 1
    print('%s %d - %s%s' % ('ok' if good else 'not ok', n, msg,
                            ' # TODO ' + todo if todo and not good else ''), flush=True)


def sh(args, env=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    return p.returncode, p.stdout.decode(errors='replace').strip()


def tflite(*args):
    return sh(['node', TFL] + list(args), NODE_ENV)


def unpack(path, ttype):
    d = open(path, 'rb').read()
    return struct.unpack('%d%s' % (len(d), 'b' if ttype == 'int8' else 'B'), d)


def compare(ref, enpu, info):
    """Per output: None if byte-identical, else 'max |diff| D LSB, K of N
    bytes differ'."""
    res = []
    for i, o in enumerate(info['outputs']):
        a = unpack('%s/output%d.bin' % (ref, i), o['type'])
        b = unpack('%s/output%d.bin' % (enpu, i), o['type'])
        if len(a) != len(b):
            res.append('length %d vs %d' % (len(a), len(b)))
            continue
        d = [abs(p - q) for p, q in zip(a, b)]
        res.append(None if not any(d) else 'max |diff| %d LSB, %d of %d bytes differ' % (
            max(d), sum(1 for v in d if v), len(d)))
    return res


def emu_check(name, model, eins, info, desc):
    """The model on --backend emu: every operator on the chip model, and
    the cpu backend's bytes (W/enpu holds them)."""
    d = os.path.join(W, 'emu')
    shutil.rmtree(d, ignore_errors=True)
    rc, out = sh([RUN, model] + eins + ['--backend', 'emu', '--no-cache', '--bench', '1',
                                         '--dump', d])
    m = re.search(r'(\d+) ops on the chip, (\d+) on the CPU', out)
    if rc or not m:
        tap(False, '%s: emu backend failed: %s (%s)' % (name, out[-300:], desc))
        return
    chip, cpu = int(m.group(1)), int(m.group(2))
    diff = [i for i in range(len(info['outputs']))
            if open('%s/output%d.bin' % (os.path.join(W, 'enpu'), i), 'rb').read() !=
            open('%s/output%d.bin' % (d, i), 'rb').read()]
    tap(not diff and cpu == 0, '%s: emu == cpu byte for byte, %d of %d ops on the chip%s (%s)' % (
        name, chip, chip + cpu, ', outputs %s differ' % diff if diff else '', desc))


def run_model(name, seed, **kw):
    """Generate, load in TFLite, run both, compare.  Returns (info, ok)."""
    for d in ('ref', 'enpu', 'aref', 'aenpu'):
        shutil.rmtree(os.path.join(W, d), ignore_errors=True)
        os.makedirs(os.path.join(W, d))
    model = os.path.join(W, 'model.tflite')
    try:
        data, info = gen_tflite.generate(seed, **kw)
    except Exception as e:
        tap(False, '%s: gen_tflite.py failed: %r' % (name, e))
        return None, False
    open(model, 'wb').write(data)
    ins = []
    for i, t in enumerate(info['inputs']):
        random.seed(seed * 10 + i)
        ins.append(os.path.join(W, 'in%d.bin' % i))
        open(ins[-1], 'wb').write(bytes(random.randrange(256) for _ in range(math.prod(t['shape']))))
    desc = '%s %s: %s' % (info['dtype'], info['kind'], ', '.join(info['ops']))
    eins = [a for f in ins for a in ('--input', f)]
    if KEEP:
        k = os.path.join(KEEP, name.replace('/', '_'))
        os.makedirs(k, exist_ok=True)
        for f in [model] + ins:
            shutil.copy(f, k)
        json.dump(info, open(os.path.join(k, 'info.json'), 'w'))
    rc, out = tflite('--info', model)
    if rc:
        tap(False, '%s: TFLite refuses the model: %s (%s)' % (name, out, desc))
        return info, False
    rc, out = tflite(model, *ins, os.path.join(W, 'ref'))
    if rc:
        tap(False, '%s: tflite-ref failed: %s (%s)' % (name, out, desc))
        return info, False
    rc, out = sh([RUN, model] + eins + ['--backend', 'cpu', '--dump', os.path.join(W, 'enpu')])
    if rc:
        todo = todo_for(name, None, refused=out)
        tap(False, '%s: enpu-run refuses a model TFLite runs: %s (%s)' % (name, out, desc), todo)
        return info, False
    if all(op.split('(')[0] in EMU_OPS for op in info['ops']):
        emu_check(name, model, eins, info, desc)
    res = compare(os.path.join(W, 'ref'), os.path.join(W, 'enpu'), info)
    if not any(res):
        tap(True, '%s: byte-identical (%s)' % (name, desc))
        return info, True
    msgs = ['output%d: %s' % (i, r) for i, r in enumerate(res) if r]
    # Localize: the same model with every operator's output a model output.
    # A culprit is an operator whose activation inputs are byte-identical
    # in both runs but whose output is not.
    culprits = []
    data, ainfo = gen_tflite.generate(seed, all_outputs=True, **kw)
    open(os.path.join(W, 'all.tflite'), 'wb').write(data)
    if tflite(os.path.join(W, 'all.tflite'), *ins, os.path.join(W, 'aref'))[0] == 0 and \
            sh([RUN, os.path.join(W, 'all.tflite')] + eins +
               ['--backend', 'cpu', '--dump', os.path.join(W, 'aenpu')])[0] == 0:
        ares = compare(os.path.join(W, 'aref'), os.path.join(W, 'aenpu'), ainfo)
        for k, r in enumerate(ares):
            if r and not any(ares[p] for p in ainfo['producers'][k] if p >= 0):
                culprits.append(ainfo['ops'][k].split('(')[0])
                print('# %s: culprit #%d %s: %s' % (name, k, ainfo['ops'][k], r))
        if not culprits:
            print('# %s: no operator differs on its own' % name)
    else:
        print('# %s: could not run the --all-outputs model' % name)
    bug = tflite_bug_check(name, seed, kw, ins, culprits)
    if bug:
        tap(True, '%s: matches an independent reference (TFLite bug: %s) (%s)' % (name, bug, desc))
        return info, True
    todo = todo_for(name, culprits)
    tap(False, '%s: DIFFERS: %s (%s)' % (name, '; '.join(msgs), desc), todo)
    return info, True


def tflite_bug_check(name, seed, kw, ins, culprits):
    """For a model with an operator TFLite is known to get wrong
    (ref_conv.tflite_bug_ops): every operator of enpu's --all-outputs run
    (in W/aenpu) is checked on enpu's own input bytes, the buggy ones
    against ref_conv's independent integer convolution, every other one
    against TFLite running that operator alone.  Returns the bug's
    description if all match, else None."""
    models = []
    gen_tflite.generate(seed, all_outputs=True, model_out=models, **kw)
    m = models[0]
    bugs = ref_conv.tflite_bug_ops(m)
    if not bugs or not culprits or not os.path.exists(os.path.join(W, 'aenpu', 'output0.bin')):
        return None
    if any(c not in ('CONV_2D', 'DEPTHWISE_CONV_2D') for c in culprits):
        return None
    ex = os.path.join(W, 'ex')
    for k, op in enumerate(m.ops):
        got = open(os.path.join(W, 'aenpu', 'output%d.bin' % k), 'rb').read()
        data, oi = gen_tflite.generate(seed, extract=k, **kw)
        xs = [os.path.join(W, 'aenpu', 'output%s.bin' % s.split()[1]) if s.startswith('output')
              else ins[int(s.split()[1])] for s in oi['sources']]
        if k in bugs:
            want = ref_conv.conv_bytes(m, op, open(xs[0], 'rb').read())
            src = 'the independent reference'
        else:
            shutil.rmtree(ex, ignore_errors=True)
            os.makedirs(ex)
            open(os.path.join(ex, 'op.tflite'), 'wb').write(data)
            if tflite(os.path.join(ex, 'op.tflite'), *xs, ex)[0]:
                print('# %s: TFLite cannot run operator #%d alone' % (name, k))
                return None
            want = open(os.path.join(ex, 'output0.bin'), 'rb').read()
            src = 'TFLite'
        if got != want:
            print('# %s: operator #%d %s differs from %s on enpu\'s inputs' % (
                name, k, op.desc, src))
            return None
    print('# %s: operators %s checked against ref_conv.py, the other %d against TFLite '
          'alone, on enpu\'s own intermediate bytes' % (
              name, ', '.join('#%d' % k for k in sorted(bugs)), len(m.ops) - len(bugs)))
    return sorted(set(bugs.values()))[0]


try:
    # 1. One operator per family and type, full-range activations.
    for op in FAMILIES:
        for dt in ('uint8', 'int8'):
            for seed in map(int, os.environ['ONLY_SEEDS'].split()):
                run_model('%s/%s/%d' % (op, dt, seed), seed, only=op, dtype=dt)
    # 2. Directed single-operator cases pinning known behaviours.
    for case in sorted(gen_tflite.CASES):
        run_model('case/' + case, 1, case=case)
    # 3. Random chains and DAGs.
    for seed in map(int, os.environ['SEEDS'].split()):
        run_model(str(seed), seed)
    # 4. Classifiers: the top class (first maximum) must agree.
    for seed in map(int, os.environ['CLS_SEEDS'].split()):
        info, ran = run_model(str(seed), seed, kind='classifier')
        if not ran:
            continue
        t = info['outputs'][0]['type']
        a = unpack(os.path.join(W, 'ref', 'output0.bin'), t)
        b = unpack(os.path.join(W, 'enpu', 'output0.bin'), t)
        ca, cb = a.index(max(a)), b.index(max(b))
        tap(ca == cb, '%s classifier (%d classes): top class %d (TFLite: %d)' % (seed, len(a), cb, ca))
finally:
    shutil.rmtree(W, ignore_errors=True)
print('# %.1f s' % (time.time() - t0))
print('1..%d' % n)
EOF
